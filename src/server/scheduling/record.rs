//! The change recorder: every change to an appointment, by whichever writer, is written
//! to the audit log, published to open calendars and, where the patient should hear of
//! it, queued as their messages, in the change's own transaction and in one call. A
//! booking also requests the forms its service asks for.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    domain::{
        appointment::{AppointmentView, Status},
        messages::MessageKind,
        realtime::{Envelope, Event},
        AppError,
    },
    server::{
        auth::context::RequestContext,
        db::{appointments::Recorded, audit, changes, Tx},
        form_submissions,
        outbox::{self, Telling},
        realtime, AppState,
    },
};

/// Who made the change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub org_id: Uuid,
    /// The staff member; `None` for a patient using the portal.
    pub user_id: Option<Uuid>,
    pub ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    pub fn staff(ctx: &'a RequestContext) -> Self {
        Self {
            org_id: ctx.org_id(),
            user_id: Some(ctx.user.user_id),
            ip: ctx.client.ip.as_deref(),
        }
    }

    pub fn patient(org_id: Uuid, ip: Option<&'a str>) -> Self {
        Self {
            org_id,
            user_id: None,
            ip,
        }
    }
}

/// What happened to the appointment.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    Booked,
    /// A new time, length, practitioner or room; `before` is how it was.
    Moved {
        before: &'a AppointmentView,
    },
    Cancelled {
        before: Status,
        reason: &'a str,
    },
    StatusChanged {
        before: Status,
    },
}

/// Records `change` to `recorded` (the appointment as it is now), with the audit
/// `action`, queues `message` for the patient if given, and plans (or calls off) the
/// appointment's reminders as the change asks.
pub async fn record(
    tx: &mut Tx,
    state: &AppState,
    actor: Actor<'_>,
    action: &str,
    recorded: &Recorded,
    change: Change<'_>,
    message: Option<MessageKind>,
) -> Result<(), AppError> {
    let appointment = &recorded.view;
    let mut diff = match change {
        Change::Booked => json!({"after": snapshot(appointment)}),
        Change::Moved { before } => audit::changes(&snapshot(before), &snapshot(appointment)),
        Change::Cancelled { before, reason } => json!({
            "before": {"status": before.as_str()},
            "after": {"status": Status::Cancelled.as_str(), "reason": reason},
        }),
        Change::StatusChanged { before } => json!({
            "before": {"status": before.as_str()},
            "after": {"status": appointment.status.as_str()},
        }),
    };
    if actor.user_id.is_none() {
        diff["by"] = Value::from("patient online");
    }
    let event = match change {
        Change::Booked => Event::AppointmentCreated {
            appointment: appointment.clone(),
        },
        Change::Cancelled { .. } => Event::AppointmentCancelled {
            appointment: appointment.clone(),
        },
        Change::Moved { .. } | Change::StatusChanged { .. } => Event::AppointmentUpdated {
            appointment: appointment.clone(),
        },
    };
    let payload = realtime::payload(&Envelope {
        org_id: actor.org_id,
        branch_id: appointment.branch_id,
        event,
    })?;
    let telling = Telling {
        kind: message,
        plan_reminders: matches!(change, Change::Booked | Change::Moved { .. }),
        supersede_reminders: match change {
            Change::Booked => false,
            Change::Moved { .. } | Change::Cancelled { .. } => true,
            Change::StatusChanged { .. } => !appointment.status.is_movable(),
        },
    };
    let outgoing = outbox::compose(state, actor.org_id, recorded, telling, chrono::Utc::now())?;

    let entry = audit::Entry {
        org_id: actor.org_id,
        branch_id: Some(appointment.branch_id),
        actor: actor.user_id,
        action,
        entity: "appointment",
        entity_id: Some(appointment.id),
        diff,
        ip: actor.ip,
    };
    changes::write(tx, &entry, &outgoing, &payload).await?;
    // After the confirmation, so that the patient hears of the booking first.
    if matches!(change, Change::Booked) {
        form_submissions::with_booking(tx, state, actor.org_id, recorded).await?;
    }
    Ok(())
}

/// What the audit log keeps of an appointment.
fn snapshot(view: &AppointmentView) -> Value {
    json!({
        "patient": view.patient_name,
        "practitioner": view.practitioner_name,
        "service": view.service_name,
        "room": view.room_name,
        "starts_at": view.starts_at,
        "ends_at": view.ends_at,
        "status": view.status.as_str(),
    })
}
