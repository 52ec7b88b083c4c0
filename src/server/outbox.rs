//! The messages a patient would receive about a change to their appointment, written by
//! the change recorder in the transaction of that change: one per channel they agreed to.

use chrono::Duration;
use uuid::Uuid;

use super::{
    auth::{context::message_base_url, tokens::ManageGrant},
    db::{
        changes::{Message, Outgoing},
        outbox, Tx,
    },
    AppState,
};
use crate::domain::{
    messages::{render, render_sms, AppointmentFacts, MessageKind},
    time::zone,
    AppError,
};

/// The token of the patient's link to cancel or move the appointment themselves.
pub fn manage_token(
    state: &AppState,
    org_id: Uuid,
    appointment_id: Uuid,
    starts_at: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    // Valid until a week after the appointment, so that the patient can still look it up.
    state
        .keys
        .issue_manage(ManageGrant { appointment_id, org_id }, starts_at + Duration::days(7))
}

/// The messages the patient gets about `kind` happening to the appointment: one per
/// channel they agreed to. `None` when the appointment is not found.
pub async fn compose(
    tx: &mut Tx,
    state: &AppState,
    org_id: Uuid,
    appointment_id: Uuid,
    kind: MessageKind,
) -> Result<Option<Outgoing>, AppError> {
    let Some(f) = outbox::facts(tx, org_id, appointment_id).await? else {
        return Ok(None);
    };
    let tz = zone(&f.timezone);
    let when = f
        .starts_at
        .with_timezone(&tz)
        .format("%A %-d %B %Y at %H:%M")
        .to_string();
    let manage = match kind {
        MessageKind::Cancellation => None,
        _ => Some(format!(
            "{}/manage/{}",
            message_base_url(state),
            manage_token(state, org_id, appointment_id, f.starts_at)?
        )),
    };
    let facts = AppointmentFacts {
        org_name: &f.org_name,
        branch_name: &f.branch_name,
        branch_address: &f.branch_address,
        patient_name: &f.patient_name,
        service: &f.service,
        practitioner: &f.practitioner,
        when: &when,
        manage_url: manage.as_deref(),
    };
    let mut messages = Vec::with_capacity(2);
    if f.consent_email && !f.email.is_empty() {
        let (subject, body) = render(kind, &facts);
        messages.push(Message {
            channel: "email",
            recipient: f.email.clone(),
            subject,
            body,
        });
    }
    if f.consent_sms && !f.phone.is_empty() {
        messages.push(Message {
            channel: "sms",
            recipient: f.phone.clone(),
            subject: String::new(),
            body: render_sms(kind, &facts),
        });
    }
    Ok(Some(Outgoing {
        branch_id: f.branch_id,
        patient_id: f.patient_id,
        appointment_id,
        kind,
        messages,
    }))
}
