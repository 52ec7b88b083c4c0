//! The messages a patient receives about a change to their appointment, and the reminders
//! before it, written by the change recorder in the transaction of that change: one per
//! channel they agreed to. The job queue sends them (`server::messaging`).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    auth::{context::message_base_url, tokens::ManageGrant},
    db::{
        appointments::Recorded,
        changes::{Message, Outgoing},
        messages, templates, Tx,
    },
    AppState,
};
use crate::domain::{
    messages::{outside_quiet_hours, reminder_times, AppointmentFacts, MessageKind},
    templates::{render, Values},
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

/// What the patient hears of a change: `kind`'s message, and whether the appointment's
/// reminders are planned anew (it was booked or moved).
#[derive(Debug, Clone, Copy)]
pub struct Telling {
    pub kind: Option<MessageKind>,
    pub plan_reminders: bool,
    /// Reminders still queued for the appointment are called off (moved, cancelled, ended).
    pub supersede_reminders: bool,
}

/// The messages the patient gets about a change to the appointment, per channel they
/// agreed to: the change's own message now, and the reminders before it; reminders
/// whose moment is past at `now` are left out.
pub fn compose(
    state: &AppState,
    org_id: Uuid,
    appointment: &Recorded,
    telling: Telling,
    now: DateTime<Utc>,
) -> Result<Outgoing, AppError> {
    let (a, to) = (&appointment.view, &appointment.addressing);
    let when = a
        .starts_at
        .with_timezone(&zone(&to.timezone))
        .format("%A %-d %B %Y at %H:%M")
        .to_string();
    let manage = match telling.kind {
        Some(MessageKind::Cancellation) => None,
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
    let email = to.consent_email && !to.email.is_empty();
    let sms = to.consent_sms && !to.phone.is_empty();
    let tz = zone(&to.timezone);
    let write = |kind: MessageKind, channel: &'static str, send_at, reminder_minutes| {
        let send_at = match channel {
            "sms" => outside_quiet_hours(send_at, to.quiet_hours, tz, a.starts_at),
            _ => send_at,
        };
        let (subject, body) = render(kind, channel, &facts, &to.templates);
        Message {
            kind,
            channel,
            recipient: if channel == "email" {
                to.email.clone()
            } else {
                to.phone.clone()
            },
            subject,
            body,
            send_at,
            reminder_minutes,
        }
    };
    let mut messages = Vec::new();
    for (channel, agreed, reminders) in [
        ("email", email, &to.reminder_email_minutes),
        ("sms", sms, &to.reminder_sms_minutes),
    ] {
        if !agreed {
            continue;
        }
        if let Some(kind) = telling.kind {
            messages.push(write(kind, channel, now, None));
        }
        if telling.plan_reminders && a.status.is_movable() {
            for (minutes, at) in reminder_times(a.starts_at, reminders, now) {
                messages.push(write(MessageKind::Reminder, channel, at, Some(minutes)));
            }
        }
    }
    Ok(Outgoing {
        branch_id: a.branch_id,
        patient_id: a.patient_id,
        appointment_id: a.id,
        starts_at: a.starts_at,
        supersede_reminders: telling.supersede_reminders,
        messages,
    })
}

/// Queues an email of `kind` to someone who is no patient (an invitee, a user who forgot
/// their password), in the organization's wording, to go now; without a branch it shows
/// in no one's message log.
pub async fn email_staff(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Option<Uuid>,
    kind: MessageKind,
    to: &str,
    values: Values<'_>,
) -> Result<(), AppError> {
    let own = templates::list(tx, org_id).await?;
    let (subject, body) = render(kind, "email", &values, &own);
    messages::queue_staff_email(tx, org_id, branch_id, kind.as_str(), to, &subject, &body).await?;
    Ok(())
}
