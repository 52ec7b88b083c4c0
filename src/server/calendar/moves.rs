//! Moving, resizing and reassigning appointments from the calendar and the API.

use chrono::Duration;
use uuid::Uuid;

use super::{checked_room, facts_of, gives, locked, status::set_status_in, tz_of};
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
        db::{appointments, schedules, Tx},
        scheduling::{
            self, hours_rule,
            record::{record, Actor, Change},
            Attempt, Needs, Outcome, Practitioner, Refusal, Relocation, Target, Was,
        },
    },
};

/// A move, a resize or a reassignment: defined with the appointment's other types,
/// where the form that asks for one parses it.
pub use crate::domain::appointment::Reschedule;

pub async fn reschedule(ctx: &RequestContext, id: Uuid, change: &Reschedule) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    scheduling::write(&ctx.state, ctx.org_id(), || async {
        let mut tx = ctx.tenant_planned_once().await?;
        let moved = reschedule_in(&mut tx, ctx, id, change).await?;
        if let Attempt::Done(_) = moved {
            tx.commit().await?;
        }
        Ok(moved)
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
        let mut tx = ctx.tenant_planned_once().await?;
        let mut view = None;
        if let Some(change) = change {
            match reschedule_in(&mut tx, ctx, id, change).await? {
                Attempt::Done(moved) => view = moved.into_iter().next(),
                Attempt::Again => return Ok(Attempt::Again),
                Attempt::Refused(refusal) => return Ok(Attempt::Refused(refusal)),
            }
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
) -> Result<Attempt<Vec<AppointmentView>>, AppError> {
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
    let wanted = change.practitioner_id.unwrap_or(this.practitioner_id);
    // The appointment moves to the start asked for; following occurrences by the same
    // number of days, to the new time of day. Without a new start nothing moves.
    let target = change.start.map(|s| {
        let local = s.local(tz);
        (
            s.instant(tz),
            local.time(),
            local.date() - utc_to_local(this.starts_at, tz).date(),
        )
    });
    current.sort_by_key(|t| t.starts_at);
    if target.is_some_and(|(instant, ..)| instant > this.starts_at) {
        current.reverse();
    }
    let spans: Vec<_> = current
        .iter()
        .map(|c| {
            let minutes = i64::from(
                change
                    .minutes
                    .unwrap_or_else(|| (c.ends_at - c.starts_at).num_minutes() as i32),
            );
            let starts = match target {
                Some((instant, ..)) if c.id == this.id => instant,
                Some((_, time, days)) => local_to_utc(tz, (utc_to_local(c.starts_at, tz).date() + days).and_time(time)),
                None => c.starts_at,
            };
            (starts, starts + Duration::minutes(minutes))
        })
        .collect();
    let starts: Vec<_> = spans.iter().map(|(s, _)| *s).collect();
    let facts =
        schedules::booking_facts(tx, org, branch, &facts_of(tz, this.service_id, wanted, None, &starts)).await?;
    let service = facts.service.ok_or_else(|| AppError::not_found("That service"))?;
    let name = facts
        .practitioner
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
    let mut targets = Vec::with_capacity(current.len());
    for (c, &(starts, ends)) in current.iter().zip(&spans) {
        hours_rule(
            facts.rota.problem(tz, practitioner.name, starts, ends),
            ctx.user.can(Action::OverrideWorkingHours),
            change.override_hours,
        )?;
        targets.push(Target {
            id: c.id,
            room_id: c.room_id,
            starts,
            ends,
            was: Was {
                practitioner_id: c.practitioner_id,
                starts: c.starts_at,
                ends: c.ends_at,
            },
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
        Outcome::Refused(clash) => {
            return Ok(Attempt::Refused(Refusal {
                clash,
                practitioner_id: practitioner.id,
                tz,
            }))
        }
        // A move keeps or names its rooms; it chooses none that could be taken meanwhile.
        Outcome::Again => return Err(scheduling::kept_taken()),
    }

    let after = appointments::recorded(tx, org, &ids, tz).await?;
    let first = after.iter().map(|a| &a.view).min_by_key(|a| a.starts_at).map(|a| a.id);
    for moved in &after {
        let Some(old) = before.iter().find(|b| b.id == moved.view.id) else {
            continue;
        };
        let message = (Some(moved.view.id) == first).then_some(MessageKind::Reschedule);
        record(
            tx,
            &ctx.state,
            Actor::staff(ctx),
            "appointment.rescheduled",
            moved,
            Change::Moved { before: old },
            message,
        )
        .await?;
    }
    Ok(Attempt::Done(after.into_iter().map(|a| a.view).collect()))
}
