//! Moving, resizing and reassigning appointments from the calendar and the API.

use chrono::Duration;
use uuid::Uuid;

use super::{checked_room, gives, locked, status::set_status_in, tz_of};
use crate::{
    domain::{
        access::Action,
        appointment::{AppointmentView, Scope, Status},
        messages::MessageKind,
        time::{local_to_utc, utc_to_local},
        AppError,
    },
    server::{
        auth::context::RequestContext,
        db::{appointments, catalog, schedules, Tx},
        scheduling::{
            self, explain, hours_problem, hours_rule,
            record::{record, Actor, Change},
            Attempt, Needs, Outcome, Practitioner, Relocation, Target,
        },
    },
};

/// A move, a resize or a reassignment: defined with the appointment's other types,
/// where the form that asks for one parses it.
pub use crate::domain::appointment::Reschedule;

pub async fn reschedule(ctx: &RequestContext, id: Uuid, change: &Reschedule) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    scheduling::write(&ctx.state, ctx.org_id(), || async {
        let mut tx = ctx.tenant().await?;
        let moved = reschedule_in(&mut tx, ctx, id, change).await?;
        tx.commit().await?;
        Ok(Attempt::Done(moved))
    })
    .await?
    .ok_or_else(scheduling::kept_taken)
}

/// A move and/or a status change in one transaction (the API's PATCH): both happen or
/// neither does.
pub async fn update(
    ctx: &RequestContext,
    id: Uuid,
    change: Option<&Reschedule>,
    status: Option<Status>,
) -> Result<AppointmentView, AppError> {
    ctx.require(Action::ManageAppointments)?;
    scheduling::write(&ctx.state, ctx.org_id(), || async {
        let mut tx = ctx.tenant().await?;
        let mut view = None;
        if let Some(change) = change {
            view = reschedule_in(&mut tx, ctx, id, change).await?.into_iter().next();
        }
        if let Some(status) = status {
            view = Some(set_status_in(&mut tx, ctx, id, status).await?);
        }
        let view = view.ok_or_else(|| AppError::BadRequest("Nothing to change.".into()))?;
        tx.commit().await?;
        Ok(Attempt::Done(view))
    })
    .await?
    .ok_or_else(scheduling::kept_taken)
}

async fn reschedule_in(
    tx: &mut Tx,
    ctx: &RequestContext,
    id: Uuid,
    change: &Reschedule,
) -> Result<Vec<AppointmentView>, AppError> {
    let tz = tz_of(ctx);
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let this = locked(tx, ctx, id).await?;
    if !this.status.is_movable() {
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "An appointment that is {} cannot be moved.",
                this.status.label().to_lowercase()
            ),
        });
    }
    let mut current = match (change.scope, this.series_id) {
        (Scope::Following, Some(series)) => appointments::series_from(tx, org, series, this.starts_at).await?,
        _ => vec![this.clone()],
    };
    let service = catalog::service(tx, org, this.service_id)
        .await?
        .ok_or_else(|| AppError::not_found("That service"))?;
    let wanted = change.practitioner_id.unwrap_or(this.practitioner_id);
    let name = schedules::practitioner(tx, org, branch, wanted)
        .await?
        .ok_or_else(|| AppError::not_found("That practitioner"))?;
    let practitioner = Practitioner {
        id: wanted,
        name: &name,
    };
    if change.practitioner_id.is_some() {
        gives(&service, practitioner)?;
    }
    let room_id = match change.room_id {
        Some(room) => Some(checked_room(tx, ctx, room, &service).await?),
        None => None,
    };
    let hours = schedules::hours_of(tx, org, branch, practitioner.id).await?;
    // Following occurrences move by the same number of days, to the new time of day.
    let start = change.start.unwrap_or_else(|| utc_to_local(this.starts_at, tz));
    let day_shift = start.date() - utc_to_local(this.starts_at, tz).date();
    current.sort_by_key(|t| t.starts_at);
    if local_to_utc(tz, start) > this.starts_at {
        current.reverse();
    }
    let mut targets = Vec::with_capacity(current.len());
    for c in &current {
        let minutes = i64::from(
            change
                .minutes
                .unwrap_or_else(|| (c.ends_at - c.starts_at).num_minutes() as i32),
        );
        let date = utc_to_local(c.starts_at, tz).date() + day_shift;
        let starts = local_to_utc(tz, date.and_time(start.time()));
        let ends = starts + Duration::minutes(minutes);
        let problem = hours_problem(tx, org, branch, tz, practitioner, starts, ends, &hours).await?;
        hours_rule(
            problem,
            ctx.user.can(Action::OverrideWorkingHours),
            change.override_hours,
        )?;
        targets.push(Target {
            id: c.id,
            room_id: c.room_id,
            starts,
            ends,
        });
    }
    let ids: Vec<Uuid> = targets.iter().map(|t| t.id).collect();
    let before = appointments::by_ids(tx, org, &ids, tz).await?;

    let relocation = Relocation {
        branch_id: branch,
        practitioner_id: practitioner.id,
        needs: Needs::of(&service),
        room_id,
        targets: &targets,
    };
    match scheduling::relocate(tx, org, &relocation).await? {
        Outcome::Done(()) => {}
        Outcome::Refused(clash) => return Err(explain(tx, org, tz, practitioner.id, &clash).await),
        // A move keeps or names its rooms; it chooses none that could be taken meanwhile.
        Outcome::Again => return Err(scheduling::kept_taken()),
    }

    let after = appointments::by_ids(tx, org, &ids, tz).await?;
    let first = after.iter().min_by_key(|a| a.starts_at).map(|a| a.id);
    for view in &after {
        let Some(old) = before.iter().find(|b| b.id == view.id) else {
            continue;
        };
        let message = (Some(view.id) == first).then_some(MessageKind::Reschedule);
        record(
            tx,
            &ctx.state,
            Actor::staff(ctx),
            "appointment.rescheduled",
            view,
            Change::Moved { before: old },
            message,
        )
        .await?;
    }
    Ok(after)
}
