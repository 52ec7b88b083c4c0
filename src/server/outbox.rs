//! The messages a patient would receive about a change to their appointment, written by
//! the change recorder in the transaction of that change: one per channel they agreed to.

use chrono::Duration;
use uuid::Uuid;

use super::{
    auth::{context::message_base_url, tokens::ManageGrant},
    db::{
        appointments::Recorded,
        changes::{Message, Outgoing},
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
/// channel they agreed to.
pub fn compose(
    state: &AppState,
    org_id: Uuid,
    appointment: &Recorded,
    kind: MessageKind,
) -> Result<Outgoing, AppError> {
    let (a, to) = (&appointment.view, &appointment.addressing);
    let when = a
        .starts_at
        .with_timezone(&zone(&to.timezone))
        .format("%A %-d %B %Y at %H:%M")
        .to_string();
    let manage = match kind {
        MessageKind::Cancellation => None,
        _ => Some(format!(
            "{}/manage/{}",
            message_base_url(state),
            manage_token(state, org_id, a.id, a.starts_at)?
        )),
    };
    let facts = AppointmentFacts {
        org_name: &to.org_name,
        branch_name: &to.branch_name,
        branch_address: &to.branch_address,
        patient_name: &a.patient_name,
        service: &a.service_name,
        practitioner: &a.practitioner_name,
        when: &when,
        manage_url: manage.as_deref(),
    };
    let mut messages = Vec::with_capacity(2);
    if to.consent_email && !to.email.is_empty() {
        let (subject, body) = render(kind, &facts);
        messages.push(Message {
            channel: "email",
            recipient: to.email.clone(),
            subject,
            body,
        });
    }
    if to.consent_sms && !to.phone.is_empty() {
        messages.push(Message {
            channel: "sms",
            recipient: to.phone.clone(),
            subject: String::new(),
            body: render_sms(kind, &facts),
        });
    }
    Ok(Outgoing {
        branch_id: a.branch_id,
        patient_id: a.patient_id,
        appointment_id: a.id,
        kind,
        messages,
    })
}
