//! Catalog and schedule use cases: services, rooms, equipment, working hours, time off
//! and branch closures.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{
        audit,
        catalog::{self, PlaceKind},
        schedules, Tx,
    },
};
use crate::domain::{
    access::Action,
    calendar::CalendarColumn,
    catalog::{PlaceDetails, Places, ServiceDetails, ServiceForm, ServicesPage},
    schedule::{Closure, ClosureRow, HoursPage, PersonHours, TimeOff, TimeOffRow, WorkingInterval},
    time::{local_to_utc, zone},
    AppError,
};

fn service_json(s: &ServiceDetails) -> serde_json::Value {
    json!({
        "name": s.name, "duration_minutes": s.duration_minutes, "price_minor": s.price_minor,
        "buffer_before_minutes": s.buffer_before_minutes, "buffer_after_minutes": s.buffer_after_minutes,
        "colour": s.colour, "online_bookable": s.online_bookable, "room_kind": s.room_kind,
        "resource_kinds": s.resource_kinds, "practitioners": s.practitioner_ids,
    })
}

pub async fn save_service(ctx: &RequestContext, id: Option<Uuid>, form: &ServiceForm) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageCatalog)?;
    let mut tx = ctx.tenant().await?;
    let currency = super::db::organizations::currency(&mut tx, ctx.org_id()).await?;
    let (details, active) = (&form.parse(&currency)?, form.active());
    let id = match id {
        Some(id) => {
            let before = catalog::service(&mut tx, ctx.org_id(), id)
                .await?
                .ok_or_else(|| AppError::not_found("That service"))?;
            catalog::update_service(&mut tx, ctx.org_id(), id, details, active).await?;
            let before = json!({
                "name": before.name, "duration_minutes": before.duration_minutes, "price_minor": before.price_minor,
                "buffer_before_minutes": before.buffer_before_minutes, "buffer_after_minutes": before.buffer_after_minutes,
                "colour": before.colour, "online_bookable": before.online_bookable, "room_kind": before.room_kind,
                "resource_kinds": before.resource_kinds, "practitioners": before.practitioner_ids,
            });
            ctx.audit(
                &mut tx,
                "service.updated",
                "service",
                Some(id),
                audit::changes(&before, &service_json(details)),
            )
            .await?;
            id
        }
        None => {
            let id = catalog::create_service(&mut tx, ctx.org_id(), details).await?;
            ctx.audit(
                &mut tx,
                "service.created",
                "service",
                Some(id),
                json!({"after": service_json(details)}),
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// The branch's rooms and equipment, for the settings page.
pub async fn places_page(ctx: &RequestContext) -> Result<Places, AppError> {
    ctx.require(Action::ManageCatalog)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let rooms = catalog::places(&mut tx, org, branch, PlaceKind::Room).await?;
    let equipment = catalog::places(&mut tx, org, branch, PlaceKind::Resource).await?;
    tx.commit().await?;
    Ok(Places { rooms, equipment })
}

/// Adds (no id) or changes a room or piece of equipment of the caller's branch.
pub async fn save_place(
    ctx: &RequestContext,
    kind: PlaceKind,
    id: Option<Uuid>,
    details: &PlaceDetails,
    active: bool,
) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageCatalog)?;
    let entity = match kind {
        PlaceKind::Room => "room",
        PlaceKind::Resource => "resource",
    };
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let after = json!({"name": details.name, "kind": details.kind, "active": active});
    let id = match id {
        Some(id) => {
            if !catalog::update_place(&mut tx, org, branch, kind, id, details, active).await? {
                return Err(AppError::not_found(if kind == PlaceKind::Room {
                    "That room"
                } else {
                    "That equipment"
                }));
            }
            ctx.audit(
                &mut tx,
                &format!("{entity}.updated"),
                entity,
                Some(id),
                json!({"after": after}),
            )
            .await?;
            id
        }
        None => {
            let id = catalog::create_place(&mut tx, org, branch, kind, details).await?;
            ctx.audit(
                &mut tx,
                &format!("{entity}.created"),
                entity,
                Some(id),
                json!({"after": after}),
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Practitioners of the branch, and the staff of the branch who are not practitioners
/// yet (anyone who may treat can be given hours or a service).
async fn people(tx: &mut Tx, org: Uuid, branch: Uuid) -> Result<Vec<CalendarColumn>, AppError> {
    let mut people = schedules::practitioners(tx, org, branch).await?;
    for member in super::db::staff::list(tx, org).await? {
        let here = member
            .access
            .iter()
            .any(|a| a.branch_id.is_none() || a.branch_id == Some(branch));
        if member.is_active && here && !people.iter().any(|p| p.id == member.user_id) {
            people.push(CalendarColumn {
                id: member.user_id,
                label: member.full_name,
            });
        }
    }
    Ok(people)
}

/// The services page, read in one transaction.
pub async fn services_page(ctx: &RequestContext) -> Result<ServicesPage, AppError> {
    ctx.require(Action::ManageCatalog)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let services = catalog::services(&mut tx, org).await?;
    let mut room_kinds: Vec<String> = catalog::places(&mut tx, org, branch, PlaceKind::Room)
        .await?
        .into_iter()
        .map(|r| r.kind)
        .collect();
    room_kinds.sort();
    room_kinds.dedup();
    let staff = people(&mut tx, org, branch).await?;
    let currency = super::db::organizations::currency(&mut tx, org).await?;
    tx.commit().await?;
    Ok(ServicesPage {
        services,
        staff,
        room_kinds,
        currency,
    })
}

/// Practitioners of the branch with their weekly hours there.
pub async fn working_hours(ctx: &RequestContext) -> Result<Vec<PersonHours>, AppError> {
    ctx.require(Action::ManageSchedules)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let people = people(&mut tx, org, branch).await?;
    let hours = schedules::hours(&mut tx, org, branch).await?;
    tx.commit().await?;
    Ok(people
        .into_iter()
        .map(|p| {
            let mine = hours.iter().filter(|(u, _)| *u == p.id).map(|(_, h)| *h).collect();
            PersonHours {
                id: p.id,
                name: p.label,
                hours: mine,
            }
        })
        .collect())
}

/// The working-hours page: everyone's weekly hours, and the coming year's time off and
/// closed days, in the branch's time.
pub async fn hours_page(ctx: &RequestContext) -> Result<HoursPage, AppError> {
    let people = working_hours(ctx).await?;
    let mut tx = ctx.tenant().await?;
    let now = chrono::Utc::now();
    let year = chrono::Duration::days(366);
    let away = schedules::time_off(&mut tx, ctx.org_id(), now, now + year).await?;
    let today = now.date_naive();
    let closures = schedules::closures(&mut tx, ctx.org_id(), ctx.user.branch.id, today, today + year).await?;
    tx.commit().await?;
    let name = |id: Uuid| {
        people
            .iter()
            .find(|p| p.id == id)
            .map_or_else(String::new, |p| p.name.clone())
    };
    Ok(HoursPage {
        time_off: away
            .into_iter()
            .map(|o| TimeOffRow {
                id: o.id,
                who: name(o.user_id),
                from: ctx.local_time(o.starts),
                until: ctx.local_time(o.ends),
                reason: o.reason,
            })
            .collect(),
        closures: closures
            .into_iter()
            .map(|(id, day, name)| ClosureRow {
                id,
                day: day.format("%a %-d %b %Y").to_string(),
                name,
            })
            .collect(),
        people,
    })
}

pub async fn set_working_hours(ctx: &RequestContext, user_id: Uuid, hours: &[WorkingInterval]) -> Result<(), AppError> {
    ctx.require(Action::ManageSchedules)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    require_member_here(ctx, &mut tx, user_id).await?;
    schedules::set_hours(&mut tx, org, branch, user_id, hours).await?;
    ctx.audit(
        &mut tx,
        "schedule.hours_changed",
        "user",
        Some(user_id),
        json!({"after": {"hours": hours.iter().map(|h| format!("{} {}-{}", h.weekday, h.starts.format("%H:%M"), h.ends.format("%H:%M"))).collect::<Vec<_>>()}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Schedules are managed branch by branch: a staff member who does not work in the
/// caller's current branch is not found from there.
async fn require_member_here(ctx: &RequestContext, tx: &mut Tx, user_id: Uuid) -> Result<(), AppError> {
    let branch = ctx.user.branch.id;
    super::db::staff::get(tx, ctx.org_id(), user_id)
        .await?
        .filter(|m| {
            m.access
                .iter()
                .any(|a| a.branch_id.is_none() || a.branch_id == Some(branch))
        })
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("That staff member"))
}

/// Records time off for a staff member, given in the branch's local time.
pub async fn add_time_off(ctx: &RequestContext, user_id: Uuid, off: &TimeOff) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageSchedules)?;
    let TimeOff { from, until, reason } = off;
    let (from, until) = (*from, *until);
    let tz = zone(&ctx.user.branch.timezone);
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    require_member_here(ctx, &mut tx, user_id).await?;
    let id = schedules::add_time_off(
        &mut tx,
        org,
        user_id,
        local_to_utc(tz, from),
        local_to_utc(tz, until),
        reason,
    )
    .await?;
    ctx.audit(
        &mut tx,
        "schedule.time_off_added",
        "user",
        Some(user_id),
        json!({"after": {"from": from, "until": until, "reason": reason}}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_time_off(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageSchedules)?;
    let mut tx = ctx.tenant().await?;
    let user_id = schedules::remove_time_off(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("That time off"))?;
    // Dropping the transaction undoes the delete.
    require_member_here(ctx, &mut tx, user_id)
        .await
        .map_err(|_| AppError::not_found("That time off"))?;
    ctx.audit(&mut tx, "schedule.time_off_removed", "time_off", Some(id), json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_closure(ctx: &RequestContext, closure: &Closure) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageSchedules)?;
    let Closure { day, name } = closure;
    let mut tx = ctx.tenant().await?;
    let id = schedules::add_closure(&mut tx, ctx.org_id(), ctx.user.branch.id, *day, name).await?;
    ctx.audit(
        &mut tx,
        "schedule.closure_added",
        "branch",
        Some(ctx.user.branch.id),
        json!({"after": {"day": day, "name": name}}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_closure(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageSchedules)?;
    let mut tx = ctx.tenant().await?;
    if !schedules::remove_closure(&mut tx, ctx.org_id(), ctx.user.branch.id, id).await? {
        return Err(AppError::not_found("That closure"));
    }
    ctx.audit(
        &mut tx,
        "schedule.closure_removed",
        "branch",
        Some(ctx.user.branch.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
