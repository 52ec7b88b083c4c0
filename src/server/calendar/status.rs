//! The status machine from the calendar and the API: confirmed, arrived, in progress,
//! completed, no-show, and cancelling with a reason.

use chrono::Utc;
use uuid::Uuid;

use super::{locked, tz_of};
use crate::{
    domain::{
        access::Action,
        appointment::{AppointmentView, Scope, Status},
        messages::MessageKind,
        AppError,
    },
    server::{
        auth::context::RequestContext,
        db::{appointments, Tx},
        scheduling::record::{record, Actor, Change},
        visits,
    },
};

/// Cancels an appointment (or it and the following ones of its series) with a reason.
pub async fn cancel(
    ctx: &RequestContext,
    id: Uuid,
    reason: &str,
    scope: Scope,
) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(AppError::field(
            "reason",
            "Give a reason for the cancellation (up to 300 characters).",
        ));
    }
    let org = ctx.org_id();
    let mut tx = ctx.tenant_planned_once().await?;
    let this = locked(&mut tx, ctx, id).await?;
    this.status.transition(Status::Cancelled)?;
    let targets = match (scope, this.series_id) {
        (Scope::Following, Some(series)) => appointments::series_from(&mut tx, org, series, this.starts_at).await?,
        _ => vec![this],
    };
    for target in &targets {
        appointments::set_status(&mut tx, org, target.id, Status::Cancelled, Some(reason)).await?;
    }
    let ids: Vec<Uuid> = targets.iter().map(|t| t.id).collect();
    let cancelled = appointments::recorded(&mut tx, org, &ids, tz_of(ctx)).await?;
    for appointment in &cancelled {
        let before = targets
            .iter()
            .find(|t| t.id == appointment.view.id)
            .map_or(Status::Scheduled, |t| t.status);
        record(
            &mut tx,
            &ctx.state,
            Actor::staff(ctx),
            "appointment.cancelled",
            appointment,
            Change::Cancelled { before, reason },
            Some(MessageKind::Cancellation),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(cancelled.into_iter().map(|c| c.view).collect())
}

/// Moves an appointment along the status machine (arrived, in progress, completed,
/// confirmed, no-show).
pub async fn set_status(ctx: &RequestContext, id: Uuid, status: Status) -> Result<AppointmentView, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let mut tx = ctx.tenant_planned_once().await?;
    let view = set_status_in(&mut tx, ctx, id, status).await?;
    tx.commit().await?;
    Ok(view)
}

pub(super) async fn set_status_in(
    tx: &mut Tx,
    ctx: &RequestContext,
    id: Uuid,
    status: Status,
) -> Result<AppointmentView, AppError> {
    if status == Status::Cancelled {
        return Err(AppError::BadRequest("Cancel with a reason instead.".into()));
    }
    let org = ctx.org_id();
    let this = locked(tx, ctx, id).await?;
    this.status.transition(status)?;
    if status == Status::NoShow && this.starts_at > Utc::now() {
        return Err(AppError::Conflict {
            field: Some("status".into()),
            message: "A patient can be marked as a no-show once the appointment has begun.".into(),
        });
    }
    appointments::set_status(tx, org, id, status, None).await?;
    visits::follow_status(tx, ctx, id, status).await?;
    let changed = appointments::recorded_one(tx, org, id, tz_of(ctx)).await?;
    record(
        tx,
        &ctx.state,
        Actor::staff(ctx),
        "appointment.status_changed",
        &changed,
        Change::StatusChanged { before: this.status },
        None,
    )
    .await?;
    Ok(changed.view)
}

/// Takes back a mistaken step: an arrival, a start, a completion (while the note is not
/// signed) or a no-show.
pub async fn undo(ctx: &RequestContext, id: Uuid) -> Result<AppointmentView, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant_planned_once().await?;
    let this = locked(&mut tx, ctx, id).await?;
    let back = this.status.undone(this.confirmed).ok_or_else(|| AppError::Conflict {
        field: Some("status".into()),
        message: format!(
            "There is no step to undo on an appointment that is {}.",
            this.status.label().to_lowercase()
        ),
    })?;
    if this.status == Status::Completed {
        visits::reopen(&mut tx, ctx, id).await?;
    }
    appointments::set_status(&mut tx, org, id, back, None).await?;
    let changed = appointments::recorded_one(&mut tx, org, id, tz_of(ctx)).await?;
    record(
        &mut tx,
        &ctx.state,
        Actor::staff(ctx),
        "appointment.status_undone",
        &changed,
        Change::StatusChanged { before: this.status },
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(changed.view)
}
