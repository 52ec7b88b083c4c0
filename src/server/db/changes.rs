//! What the change recorder writes for a change, in one statement: the audit row, the
//! patient's messages and the live event, in the change's own transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{audit::Entry, Tx};
use crate::{
    domain::{messages::MessageKind, AppError},
    server::realtime::CHANNEL,
};

/// A message to a patient, ready to send at `send_at`.
pub struct Message {
    pub kind: MessageKind,
    pub channel: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub send_at: DateTime<Utc>,
    /// A reminder's distance before the appointment.
    pub reminder_minutes: Option<i32>,
}

/// The messages a patient gets about one appointment.
pub struct Outgoing {
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Uuid,
    /// Its start, which its reminders are planned for.
    pub starts_at: DateTime<Utc>,
    /// The appointment's reminders still queued are called off first.
    pub supersede_reminders: bool,
    pub messages: Vec<Message>,
}

/// Writes the audit `entry`, queues the `outgoing` messages (the job queue hears of them
/// from the table's trigger) and publishes the event `payload` to every server process
/// (delivered when the transaction commits).
pub async fn write(tx: &mut Tx, entry: &Entry<'_>, outgoing: &Outgoing, payload: &str) -> Result<(), AppError> {
    let messages = &outgoing.messages;
    let column = |f: fn(&Message) -> &str| messages.iter().map(f).collect::<Vec<&str>>();
    let send_at: Vec<DateTime<Utc>> = messages.iter().map(|m| m.send_at).collect();
    let minutes: Vec<Option<i32>> = messages.iter().map(|m| m.reminder_minutes).collect();
    // The statement's parts all see the table as it was before it: the reminders called
    // off are the old ones, never those written beside them.
    sqlx::query!(
        "with audit as (
             insert into audit_log (org_id, branch_id, actor_user_id, action, entity, entity_id, diff, ip)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
         ), superseded as (
             update messages set status = 'cancelled', updated_at = now(),
                    last_error = 'The appointment moved, ended or was cancelled.'
             where org_id = $1 and appointment_id = $11 and $12 and kind = 'reminder' and status = 'queued'
         ), queued as (
             insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient,
                                   subject, body, send_at, reminder_minutes, planned_for)
             select $1, $9, $10, $11, m.kind, m.channel, m.recipient, m.subject, m.body, m.send_at, m.minutes,
                    case when m.minutes is not null then $22::timestamptz end
             from unnest($13::text[], $14::text[], $15::text[], $16::text[], $19::text[], $20::timestamptz[],
                         $21::int[]) as m(channel, recipient, subject, body, kind, send_at, minutes)
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
        outgoing.branch_id,
        outgoing.patient_id,
        outgoing.appointment_id,
        outgoing.supersede_reminders,
        &column(|m| m.channel) as &[&str],
        &column(|m| m.recipient.as_str()) as &[&str],
        &column(|m| m.subject.as_str()) as &[&str],
        &column(|m| m.body.as_str()) as &[&str],
        CHANNEL,
        payload,
        &column(|m| m.kind.as_str()) as &[&str],
        &send_at,
        &minutes as &[Option<i32>],
        outgoing.starts_at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
