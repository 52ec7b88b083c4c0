//! What the change recorder writes for a change, in one statement: the audit row, the
//! patient's messages and the live event, in the change's own transaction.

use uuid::Uuid;

use super::{audit::Entry, Tx};
use crate::{
    domain::{messages::MessageKind, AppError},
    server::realtime::CHANNEL,
};

/// A message to a patient, ready to send.
pub struct Message {
    pub channel: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// The messages a patient gets about one appointment.
pub struct Outgoing {
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Uuid,
    pub kind: MessageKind,
    pub messages: Vec<Message>,
}

/// Writes the audit `entry`, queues the `outgoing` messages and publishes the event
/// `payload` to every server process (delivered when the transaction commits).
pub async fn write(tx: &mut Tx, entry: &Entry<'_>, outgoing: Option<&Outgoing>, payload: &str) -> Result<(), AppError> {
    let messages = outgoing.map_or(&[][..], |o| &o.messages);
    let column = |f: fn(&Message) -> &str| messages.iter().map(f).collect::<Vec<&str>>();
    sqlx::query!(
        "with audit as (
             insert into audit_log (org_id, branch_id, actor_user_id, action, entity, entity_id, diff, ip)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
         ), queued as (
             insert into outbox (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, subject, body)
             select $1, $9, $10, $11, $12, m.channel, m.recipient, m.subject, m.body
             from unnest($13::text[], $14::text[], $15::text[], $16::text[]) as m(channel, recipient, subject, body)
         )
         select pg_notify($17, $18)",
        entry.org_id,
        entry.branch_id,
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.diff,
        entry.ip,
        outgoing.map(|o| o.branch_id),
        outgoing.map(|o| o.patient_id),
        outgoing.map(|o| o.appointment_id),
        outgoing.map(|o| o.kind.as_str()),
        &column(|m| m.channel) as &[&str],
        &column(|m| m.recipient.as_str()) as &[&str],
        &column(|m| m.subject.as_str()) as &[&str],
        &column(|m| m.body.as_str()) as &[&str],
        CHANNEL,
        payload,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
