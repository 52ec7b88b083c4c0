//! Calendar use cases, shared by the server functions and the REST API: the visible
//! range, booking, moving, cancelling and the status machine. Every change is checked by
//! the permission guard, written with its audit entry, and published to open calendars
//! in the same transaction.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{
        appointments::{self, NewRow, RangeFilter, Taken},
        catalog::{self, PlaceKind},
        patients, schedules, Tx,
    },
    outbox, realtime,
};
use crate::domain::{
    access::Action,
    appointment::{
        AppointmentView, CalendarColumn, CalendarData, CalendarView, ColumnHours, Grouping, NewAppointment, Scope,
        Span, Status,
    },
    catalog::Service,
    messages::MessageKind,
    patient::PatientChoice,
    realtime::{Envelope, Event},
    schedule::{minute_of_day, within_hours, WorkingInterval},
    time::{local_to_utc, utc_to_local, zone},
    AppError,
};

/// What a calendar page shows.
#[derive(Debug, Clone, Default)]
pub struct CalendarQuery {
    pub date: Option<NaiveDate>,
    pub view: CalendarView,
    pub grouping: Grouping,
    pub practitioners: Vec<Uuid>,
    pub rooms: Vec<Uuid>,
    pub services: Vec<Uuid>,
}

fn tz_of(ctx: &RequestContext) -> Tz {
    zone(&ctx.user.branch.timezone)
}

/// The first day shown: the date itself, or the Monday of its week.
pub fn first_day(date: NaiveDate, view: CalendarView) -> NaiveDate {
    match view {
        CalendarView::Day => date,
        CalendarView::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
    }
}

/// Everything the calendar draws for the visible days, in a handful of queries whatever
/// the number of appointments.
pub async fn calendar(ctx: &RequestContext, q: &CalendarQuery) -> Result<CalendarData, AppError> {
    ctx.require(Action::ViewCalendar)?;
    let tz = tz_of(ctx);
    let now = utc_to_local(Utc::now(), tz);
    let first = first_day(q.date.unwrap_or(now.date()), q.view);
    let count = if q.view == CalendarView::Week { 7 } else { 1 };
    let days: Vec<NaiveDate> = (0..count).map(|n| first + Duration::days(n)).collect();
    let from = local_to_utc(tz, first.and_time(NaiveTime::MIN));
    let to = local_to_utc(tz, (first + Duration::days(count)).and_time(NaiveTime::MIN));
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);

    let mut tx = ctx.tenant().await?;
    let practitioners = schedules::practitioners(&mut tx, org, branch).await?;
    let rooms = catalog::places(&mut tx, org, branch, PlaceKind::Room).await?;
    let services = catalog::services(&mut tx, org).await?;
    let hours = schedules::hours(&mut tx, org, branch).await?;
    let away = schedules::time_off(&mut tx, org, from, to).await?;
    let closures = schedules::closures(&mut tx, org, branch, first, days[days.len() - 1]).await?;
    let filter = RangeFilter {
        branch_id: branch,
        from,
        to,
        practitioners: &q.practitioners,
        rooms: &q.rooms,
        services: &q.services,
        with_cancelled: false,
    };
    let appointments = appointments::range(&mut tx, org, &filter, tz).await?;
    tx.commit().await?;

    let column = |id: Uuid, label: &str| CalendarColumn {
        id,
        label: label.to_owned(),
    };
    let practitioner_choices: Vec<CalendarColumn> = practitioners.iter().map(|(id, n)| column(*id, n)).collect();
    let room_choices: Vec<CalendarColumn> = rooms
        .iter()
        .filter(|r| r.active)
        .map(|r| column(r.id, &r.name))
        .collect();
    let chosen = |list: &[CalendarColumn], only: &[Uuid]| -> Vec<CalendarColumn> {
        list.iter()
            .filter(|c| only.is_empty() || only.contains(&c.id))
            .cloned()
            .collect()
    };
    let columns = match q.grouping {
        Grouping::Practitioner => chosen(&practitioner_choices, &q.practitioners),
        Grouping::Room => chosen(&room_choices, &q.rooms),
    };

    // Working time per practitioner and day, minus time off; rooms follow the branch.
    let closed: Vec<NaiveDate> = closures.iter().map(|(_, day, _)| *day).collect();
    let mut shaded = Vec::new();
    if q.grouping == Grouping::Practitioner {
        for c in &columns {
            for day in &days {
                if closed.contains(day) {
                    continue;
                }
                let weekday = day.weekday().number_from_monday() as u8;
                let mut intervals: Vec<(u32, u32)> = hours
                    .iter()
                    .filter(|(user, h)| *user == c.id && h.weekday == weekday)
                    .map(|(_, h)| (minute_of_day(h.starts), minute_of_day(h.ends)))
                    .collect();
                for off in away.iter().filter(|o| o.user_id == c.id) {
                    intervals = subtract(intervals, local_minutes(off.starts, off.ends, *day, tz));
                }
                shaded.push(ColumnHours {
                    column: c.id,
                    date: *day,
                    intervals,
                });
            }
        }
    }

    let opening: Vec<(u32, u32)> = hours
        .iter()
        .map(|(_, h)| (minute_of_day(h.starts), minute_of_day(h.ends)))
        .chain(appointments.iter().map(|a| (a.start_minute, a.end_minute)))
        .collect();
    let day_start = opening.iter().map(|(s, _)| *s).min().unwrap_or(8 * 60).min(8 * 60) / 60 * 60;
    let day_end = opening
        .iter()
        .map(|(_, e)| *e)
        .max()
        .unwrap_or(18 * 60)
        .max(18 * 60)
        .div_ceil(60)
        * 60;

    Ok(CalendarData {
        timezone: ctx.user.branch.timezone.clone(),
        view: q.view,
        grouping: q.grouping,
        days,
        columns,
        appointments,
        hours: shaded,
        closures: closed,
        day_start,
        day_end: day_end.min(24 * 60),
        today: now.date(),
        now_minute: minute_of_day(now.time()),
        practitioners: practitioner_choices,
        rooms: room_choices,
        services: services
            .iter()
            .filter(|s| s.active)
            .map(|s| column(s.id, &s.name))
            .collect(),
    })
}

/// The part of `[starts, ends)` that falls on local `day`, in minutes of that day.
fn local_minutes(starts: chrono::DateTime<Utc>, ends: chrono::DateTime<Utc>, day: NaiveDate, tz: Tz) -> (u32, u32) {
    let day_start = local_to_utc(tz, day.and_time(NaiveTime::MIN));
    let day_end = local_to_utc(tz, (day + Duration::days(1)).and_time(NaiveTime::MIN));
    let (s, e) = (starts.max(day_start), ends.min(day_end));
    if s >= e {
        return (0, 0);
    }
    let minutes = |t: chrono::DateTime<Utc>| ((t - day_start).num_minutes().clamp(0, 24 * 60)) as u32;
    (minutes(s), minutes(e))
}

/// Intervals with `cut` taken out.
fn subtract(intervals: Vec<(u32, u32)>, cut: (u32, u32)) -> Vec<(u32, u32)> {
    if cut.0 >= cut.1 {
        return intervals;
    }
    intervals
        .into_iter()
        .flat_map(|(s, e)| {
            let mut parts = Vec::new();
            if s < cut.0 {
                parts.push((s, e.min(cut.0)));
            }
            if e > cut.1 {
                parts.push((s.max(cut.1), e));
            }
            parts
        })
        .filter(|(s, e)| s < e)
        .collect()
}

/// Why a time does not suit the practitioner, if it does not.
async fn hours_problem(
    tx: &mut Tx,
    ctx: &RequestContext,
    practitioner: (Uuid, &str),
    span: (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
    hours: &[(Uuid, WorkingInterval)],
) -> Result<Option<String>, AppError> {
    let tz = tz_of(ctx);
    let (start, end) = (utc_to_local(span.0, tz), utc_to_local(span.1, tz));
    let day = start.date();
    if let Some((_, _, name)) = schedules::closures(tx, ctx.org_id(), ctx.user.branch.id, day, day)
        .await?
        .first()
    {
        let why = if name.is_empty() {
            String::new()
        } else {
            format!(" ({name})")
        };
        return Ok(Some(format!("The branch is closed on {}{why}.", day.format("%-d %b"))));
    }
    if let Some(off) = schedules::time_off(tx, ctx.org_id(), span.0, span.1)
        .await?
        .into_iter()
        .find(|o| o.user_id == practitioner.0)
    {
        let why = if off.reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", off.reason)
        };
        return Ok(Some(format!("{} is away then{why}.", practitioner.1)));
    }
    let mine: Vec<WorkingInterval> = hours
        .iter()
        .filter(|(u, _)| *u == practitioner.0)
        .map(|(_, h)| *h)
        .collect();
    let weekday = day.weekday().number_from_monday() as u8;
    let end_minute = if end.date() > day {
        24 * 60
    } else {
        minute_of_day(end.time())
    };
    if within_hours(&mine, weekday, minute_of_day(start.time()), end_minute) {
        return Ok(None);
    }
    let today = crate::domain::schedule::format_day(&mine, weekday);
    let hours_text = if today.is_empty() {
        "not working that day".to_owned()
    } else {
        format!("hours {today}")
    };
    Ok(Some(format!(
        "{} does not work at {} on {} ({hours_text}).",
        practitioner.1,
        start.format("%H:%M"),
        day.format("%A"),
    )))
}

/// Applies the working-hours rule: refuses, or lets a permitted override through.
fn hours_rule(ctx: &RequestContext, problem: Option<String>, override_hours: bool) -> Result<(), AppError> {
    match problem {
        None => Ok(()),
        Some(_) if override_hours && ctx.user.can(Action::OverrideWorkingHours) => Ok(()),
        Some(message) if ctx.user.can(Action::OverrideWorkingHours) => Err(AppError::Conflict {
            field: Some("override_hours".into()),
            message: format!("{message} Tick “Book outside working hours” to book anyway."),
        }),
        Some(message) => Err(AppError::field(
            "time",
            format!("{message} Choose a time within their hours."),
        )),
    }
}

/// A clash the exclusion constraints reported, as a sentence naming what and when.
async fn clash_message(tx: &mut Tx, ctx: &RequestContext, what: Taken, span: Span, except: Option<Uuid>) -> AppError {
    let tz = tz_of(ctx);
    let subject = match what {
        Taken::Practitioner(_) => "",
        Taken::Room(_) => "The room ",
        Taken::Resource(_) => "The equipment ",
    };
    match appointments::clash(tx, ctx.org_id(), what, span, except).await {
        Ok(Some((name, starts, ends, service))) => {
            let (s, e) = (utc_to_local(starts, tz), utc_to_local(ends, tz));
            AppError::Conflict {
                field: Some("time".into()),
                message: format!(
                    "{subject}{name} is already booked from {} to {} on {} ({service}). Choose another time.",
                    s.format("%H:%M"),
                    e.format("%H:%M"),
                    s.format("%-d %b"),
                ),
            }
        }
        _ => AppError::Conflict {
            field: Some("time".into()),
            message: "That time was just taken. Choose another time.".into(),
        },
    }
}

/// `savepoint x`, `release savepoint x` or `rollback to savepoint x`.
async fn savepoint(tx: &mut Tx, statement: &'static str) -> Result<(), AppError> {
    sqlx::query(statement).execute(&mut **tx).await?;
    Ok(())
}

/// Which constraint a failed write ran into.
fn taken_by(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error()
        .filter(|e| e.code().as_deref() == Some("23P01"))
        .and_then(|e| e.constraint())
}

enum Attempt<T> {
    Done(T),
    /// An automatically chosen room or piece of equipment was taken by a concurrent
    /// booking: choose again.
    Retry,
}

struct Occurrence {
    starts: chrono::DateTime<Utc>,
    ends: chrono::DateTime<Utc>,
}

/// Books an appointment, or every occurrence of a series (all or none).
pub async fn create(ctx: &RequestContext, input: &NewAppointment) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    for _ in 0..3 {
        if let Attempt::Done(views) = create_once(ctx, input).await? {
            return Ok(views);
        }
    }
    Err(AppError::Conflict {
        field: Some("time".into()),
        message: "The rooms and equipment for that time were just taken. Choose another time.".into(),
    })
}

async fn create_once(ctx: &RequestContext, input: &NewAppointment) -> Result<Attempt<Vec<AppointmentView>>, AppError> {
    let tz = tz_of(ctx);
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let service = catalog::service(&mut tx, org, input.service_id)
        .await?
        .filter(|s| s.active)
        .ok_or_else(|| AppError::not_found("That service"))?;
    let practitioners = schedules::practitioners(&mut tx, org, branch).await?;
    let practitioner = practitioners
        .iter()
        .find(|(id, _)| *id == input.practitioner_id)
        .ok_or_else(|| AppError::not_found("That practitioner"))?
        .clone();
    check_gives(&service, &practitioner)?;
    let room = match input.room_id {
        Some(id) => Some(checked_room(&mut tx, ctx, id, &service).await?),
        None => None,
    };
    let patient_id = match &input.patient {
        PatientChoice::Existing(id) => {
            patients::get(&mut tx, org, *id)
                .await?
                .ok_or_else(|| AppError::not_found("That patient"))?
                .id
        }
        PatientChoice::New { name, phone } => {
            patients::create_quick(&mut tx, org, name.as_str(), phone.as_str()).await?
        }
    };
    let minutes = i64::from(input.minutes.unwrap_or(service.duration_minutes));
    let occurrences: Vec<Occurrence> = match &input.recurrence {
        Some(rule) => rule
            .occurrences(tz, input.start, minutes)
            .into_iter()
            .map(|(starts, ends)| Occurrence { starts, ends })
            .collect(),
        None => {
            let starts = local_to_utc(tz, input.start);
            vec![Occurrence {
                starts,
                ends: starts + Duration::minutes(minutes),
            }]
        }
    };
    let series_id = match &input.recurrence {
        Some(rule) => Some(
            appointments::create_series(
                &mut tx,
                org,
                branch,
                &serde_json::to_value(rule).unwrap_or_default(),
                input.start,
                &ctx.user.branch.timezone,
            )
            .await?,
        ),
        None => None,
    };
    let hours = schedules::hours(&mut tx, org, branch).await?;

    let mut ids = Vec::with_capacity(occurrences.len());
    for occurrence in &occurrences {
        let problem = hours_problem(
            &mut tx,
            ctx,
            (practitioner.0, &practitioner.1),
            (occurrence.starts, occurrence.ends),
            &hours,
        )
        .await?;
        hours_rule(ctx, problem, input.override_hours)?;
        let span = Span::blocked(
            occurrence.starts,
            occurrence.ends,
            service.buffer_before_minutes,
            service.buffer_after_minutes,
        );
        // The practitioner's own clash is the clearest thing to say; the constraints
        // below still decide.
        if appointments::clash(&mut tx, org, Taken::Practitioner(practitioner.0), span, None)
            .await?
            .is_some()
        {
            return Err(clash_message(&mut tx, ctx, Taken::Practitioner(practitioner.0), span, None).await);
        }
        let (room_id, picked_room) = match (room, &service.room_kind) {
            (Some(id), _) => (Some(id), false),
            (None, Some(kind)) => match appointments::free_room(&mut tx, org, branch, kind, span, None).await? {
                Some(id) => (Some(id), true),
                None => {
                    return Err(AppError::Conflict {
                        field: Some("time".into()),
                        message: format!("No {kind} room is free at that time. Choose another time."),
                    })
                }
            },
            (None, None) => (None, false),
        };
        let resources = match appointments::free_resources(&mut tx, org, branch, &service.resource_kinds, span).await? {
            Ok(list) => list,
            Err(missing) => {
                return Err(AppError::Conflict {
                    field: Some("time".into()),
                    message: format!("No {} is free at that time. Choose another time.", missing.join(" or ")),
                })
            }
        };

        // A savepoint keeps the transaction usable to explain a refusal.
        savepoint(&mut tx, "savepoint booking").await?;
        let row = NewRow {
            branch_id: branch,
            patient_id,
            practitioner_id: practitioner.0,
            service_id: service.id,
            room_id,
            series_id,
            starts_at: occurrence.starts,
            ends_at: occurrence.ends,
            buffer_before_minutes: service.buffer_before_minutes,
            buffer_after_minutes: service.buffer_after_minutes,
            source: input.source,
            notes: input.notes.trim(),
            created_by: Some(ctx.user.user_id),
        };
        let inserted = match appointments::insert(&mut tx, org, &row).await {
            Ok(id) => appointments::attach_resources(&mut tx, org, id, &resources)
                .await
                .map(|()| id),
            Err(err) => Err(err),
        };
        match inserted {
            Ok(id) => {
                savepoint(&mut tx, "release savepoint booking").await?;
                ids.push(id);
            }
            Err(err) => {
                let constraint = taken_by(&err).map(str::to_owned);
                savepoint(&mut tx, "rollback to savepoint booking").await?;
                let what = match constraint.as_deref() {
                    Some("appointments_practitioner_overlap") => Taken::Practitioner(practitioner.0),
                    Some("appointments_room_overlap") if picked_room => return Ok(Attempt::Retry),
                    Some("appointments_room_overlap") => Taken::Room(room_id.unwrap_or_default()),
                    Some("appointment_resources_overlap") => return Ok(Attempt::Retry),
                    _ => return Err(err.into()),
                };
                return Err(clash_message(&mut tx, ctx, what, span, None).await);
            }
        }
    }

    let views = appointments::by_ids(&mut tx, org, &ids, tz).await?;
    for view in &views {
        ctx.audit(
            &mut tx,
            "appointment.created",
            "appointment",
            Some(view.id),
            json!({"after": snapshot(view)}),
        )
        .await?;
        announce(
            &mut tx,
            ctx,
            Event::AppointmentCreated {
                appointment: view.clone(),
            },
        )
        .await?;
    }
    // One confirmation for a booking, the first date of a series: not one per week.
    if let Some(first) = views.first() {
        outbox::queue(&mut tx, &ctx.state, org, first.id, MessageKind::BookingConfirmation).await?;
    }
    tx.commit().await?;
    Ok(Attempt::Done(views))
}

fn check_gives(service: &Service, practitioner: &(Uuid, String)) -> Result<(), AppError> {
    if service.practitioner_ids.is_empty() || service.practitioner_ids.contains(&practitioner.0) {
        Ok(())
    } else {
        Err(AppError::field(
            "practitioner_id",
            format!("{} does not give {}.", practitioner.1, service.name),
        ))
    }
}

/// A room of the caller's branch, suitable for the service.
async fn checked_room(tx: &mut Tx, ctx: &RequestContext, id: Uuid, service: &Service) -> Result<Uuid, AppError> {
    let rooms = catalog::places(tx, ctx.org_id(), ctx.user.branch.id, PlaceKind::Room).await?;
    let room = rooms
        .iter()
        .find(|r| r.id == id && r.active)
        .ok_or_else(|| AppError::not_found("That room"))?;
    match &service.room_kind {
        Some(kind) if *kind != room.kind => Err(AppError::field(
            "room_id",
            format!(
                "{} needs a {kind} room; {} is a {} room.",
                service.name, room.name, room.kind
            ),
        )),
        _ => Ok(room.id),
    }
}

fn snapshot(view: &AppointmentView) -> serde_json::Value {
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

async fn announce(tx: &mut Tx, ctx: &RequestContext, event: Event) -> Result<(), AppError> {
    let branch_id = event.appointment().map_or(ctx.user.branch.id, |a| a.branch_id);
    realtime::publish(
        tx,
        &Envelope {
            org_id: ctx.org_id(),
            branch_id,
            event,
        },
    )
    .await
}

/// An appointment of the caller's branch, locked; another branch's or organization's
/// is not found.
async fn locked(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<appointments::Current, AppError> {
    appointments::lock(tx, ctx.org_id(), id)
        .await?
        .filter(|a| a.branch_id == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That appointment"))
}

pub async fn get(ctx: &RequestContext, id: Uuid) -> Result<AppointmentView, AppError> {
    ctx.require(Action::ViewCalendar)?;
    let mut tx = ctx.tenant().await?;
    let view = appointments::by_ids(&mut tx, ctx.org_id(), &[id], tz_of(ctx))
        .await?
        .into_iter()
        .find(|a| a.branch_id == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That appointment"))?;
    tx.commit().await?;
    Ok(view)
}

/// A move, a resize or a reassignment.
#[derive(Debug, Clone)]
pub struct Reschedule {
    /// The new local start; `None` keeps the current one (a resize or a reassignment).
    pub start: Option<NaiveDateTime>,
    pub minutes: Option<i32>,
    pub practitioner_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub scope: Scope,
    pub override_hours: bool,
}

pub async fn reschedule(ctx: &RequestContext, id: Uuid, change: &Reschedule) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let mut tx = ctx.tenant().await?;
    let moved = reschedule_in(&mut tx, ctx, id, change).await?;
    tx.commit().await?;
    Ok(moved)
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
    Ok(view)
}

async fn reschedule_in(
    tx: &mut Tx,
    ctx: &RequestContext,
    id: Uuid,
    change: &Reschedule,
) -> Result<Vec<AppointmentView>, AppError> {
    let tz = tz_of(ctx);
    let org = ctx.org_id();
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
    let mut targets = match (change.scope, this.series_id) {
        (Scope::Following, Some(series)) => appointments::series_from(tx, org, series, this.starts_at).await?,
        _ => vec![this.clone()],
    };
    let service = catalog::service(tx, org, this.service_id)
        .await?
        .ok_or_else(|| AppError::not_found("That service"))?;
    let practitioners = schedules::practitioners(tx, org, ctx.user.branch.id).await?;
    let practitioner_id = change.practitioner_id.unwrap_or(this.practitioner_id);
    let practitioner = practitioners
        .iter()
        .find(|(p, _)| *p == practitioner_id)
        .ok_or_else(|| AppError::not_found("That practitioner"))?
        .clone();
    if change.practitioner_id.is_some() {
        check_gives(&service, &practitioner)?;
    }
    let room = match change.room_id {
        Some(room) => Some(checked_room(tx, ctx, room, &service).await?),
        None => None,
    };
    let hours = schedules::hours(tx, org, ctx.user.branch.id).await?;
    // Following occurrences move by the same number of days, to the new time of day.
    let start = change.start.unwrap_or_else(|| utc_to_local(this.starts_at, tz));
    let day_shift = start.date() - utc_to_local(this.starts_at, tz).date();
    // The constraints are checked row by row: moving a series later, its last occurrence
    // goes first, so that none lands on a sibling that has yet to move.
    targets.sort_by_key(|t| t.starts_at);
    if local_to_utc(tz, start) > this.starts_at {
        targets.reverse();
    }
    let mut before = appointments::by_ids(tx, org, &targets.iter().map(|t| t.id).collect::<Vec<_>>(), tz).await?;

    for target in &targets {
        let minutes = i64::from(
            change
                .minutes
                .unwrap_or_else(|| (target.ends_at - target.starts_at).num_minutes() as i32),
        );
        let date = utc_to_local(target.starts_at, tz).date() + day_shift;
        let starts = local_to_utc(tz, date.and_time(start.time()));
        let ends = starts + Duration::minutes(minutes);
        let problem = hours_problem(tx, ctx, (practitioner.0, &practitioner.1), (starts, ends), &hours).await?;
        hours_rule(ctx, problem, change.override_hours)?;
        let span = Span::blocked(
            starts,
            ends,
            service.buffer_before_minutes,
            service.buffer_after_minutes,
        );
        // Keep the room if it is still free; else another of the same kind.
        let room_id = match (room, target.room_id, &service.room_kind) {
            (Some(id), _, _) => Some(id),
            (None, Some(current), Some(kind)) => {
                let clash = appointments::clash(tx, org, Taken::Room(current), span, Some(target.id)).await?;
                if clash.is_none() {
                    Some(current)
                } else {
                    appointments::free_room(tx, org, ctx.user.branch.id, kind, span, Some(target.id))
                        .await?
                        .or(Some(current))
                }
            }
            (None, current, _) => current,
        };
        savepoint(tx, "savepoint moving").await?;
        match appointments::move_to(tx, org, target.id, starts, ends, practitioner.0, room_id).await {
            Ok(()) => savepoint(tx, "release savepoint moving").await?,
            Err(err) => {
                let constraint = taken_by(&err).map(str::to_owned);
                savepoint(tx, "rollback to savepoint moving").await?;
                let what = match constraint.as_deref() {
                    Some("appointments_practitioner_overlap") => Taken::Practitioner(practitioner.0),
                    Some("appointments_room_overlap") => Taken::Room(room_id.unwrap_or_default()),
                    Some("appointment_resources_overlap") => {
                        let held = appointments::resources_of(tx, target.id).await?;
                        Taken::Resource(held.first().copied().unwrap_or_default())
                    }
                    _ => return Err(err.into()),
                };
                return Err(clash_message(tx, ctx, what, span, Some(target.id)).await);
            }
        }
    }

    let after = appointments::by_ids(tx, org, &targets.iter().map(|t| t.id).collect::<Vec<_>>(), tz).await?;
    before.sort_by_key(|a| a.id);
    for view in &after {
        let old = before.iter().find(|b| b.id == view.id);
        let diff = super::db::audit::changes(&old.map(snapshot).unwrap_or_default(), &snapshot(view));
        ctx.audit(tx, "appointment.rescheduled", "appointment", Some(view.id), diff)
            .await?;
        announce(
            tx,
            ctx,
            Event::AppointmentUpdated {
                appointment: view.clone(),
            },
        )
        .await?;
    }
    if let Some(first) = after.iter().min_by_key(|a| a.starts_at) {
        outbox::queue(tx, &ctx.state, org, first.id, MessageKind::Reschedule).await?;
    }
    Ok(after)
}

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
    let mut tx = ctx.tenant().await?;
    let this = locked(&mut tx, ctx, id).await?;
    this.status.transition(Status::Cancelled)?;
    let targets = match (scope, this.series_id) {
        (Scope::Following, Some(series)) => appointments::series_from(&mut tx, org, series, this.starts_at).await?,
        _ => vec![this],
    };
    for target in &targets {
        appointments::set_status(&mut tx, org, target.id, Status::Cancelled, Some(reason)).await?;
    }
    let views = appointments::by_ids(
        &mut tx,
        org,
        &targets.iter().map(|t| t.id).collect::<Vec<_>>(),
        tz_of(ctx),
    )
    .await?;
    for view in &views {
        let before = targets
            .iter()
            .find(|t| t.id == view.id)
            .map_or("", |t| t.status.as_str());
        ctx.audit(
            &mut tx,
            "appointment.cancelled",
            "appointment",
            Some(view.id),
            json!({"before": {"status": before}, "after": {"status": "cancelled", "reason": reason}}),
        )
        .await?;
        outbox::queue(&mut tx, &ctx.state, org, view.id, MessageKind::Cancellation).await?;
        announce(
            &mut tx,
            ctx,
            Event::AppointmentCancelled {
                appointment: view.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(views)
}

/// Moves an appointment along the status machine (arrived, in progress, completed,
/// confirmed, no-show).
pub async fn set_status(ctx: &RequestContext, id: Uuid, status: Status) -> Result<AppointmentView, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let mut tx = ctx.tenant().await?;
    let view = set_status_in(&mut tx, ctx, id, status).await?;
    tx.commit().await?;
    Ok(view)
}

async fn set_status_in(
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
    let view = appointments::by_ids(tx, org, &[id], tz_of(ctx))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("That appointment"))?;
    ctx.audit(
        tx,
        "appointment.status_changed",
        "appointment",
        Some(id),
        json!({"before": {"status": this.status.as_str()}, "after": {"status": status.as_str()}}),
    )
    .await?;
    announce(
        tx,
        ctx,
        Event::AppointmentUpdated {
            appointment: view.clone(),
        },
    )
    .await?;
    Ok(view)
}

/// The appointments of the caller's branch in `[from, to)` (the API's list), cancelled
/// ones included.
pub async fn list(
    ctx: &RequestContext,
    from: chrono::DateTime<Utc>,
    to: chrono::DateTime<Utc>,
) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ViewCalendar)?;
    if to <= from || to - from > Duration::days(62) {
        return Err(AppError::BadRequest(
            "Ask for a range of at most 62 days, `to` after `from`.".into(),
        ));
    }
    let mut tx = ctx.tenant().await?;
    let filter = RangeFilter {
        branch_id: ctx.user.branch.id,
        from,
        to,
        practitioners: &[],
        rooms: &[],
        services: &[],
        with_cancelled: true,
    };
    let list = appointments::range(&mut tx, ctx.org_id(), &filter, tz_of(ctx)).await?;
    tx.commit().await?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_off_is_cut_out_of_working_intervals() {
        let day = vec![(9 * 60, 12 * 60), (13 * 60, 17 * 60)];
        assert_eq!(
            subtract(day.clone(), (10 * 60, 14 * 60)),
            vec![(9 * 60, 10 * 60), (14 * 60, 17 * 60)]
        );
        assert_eq!(subtract(day.clone(), (0, 24 * 60)), vec![]);
        assert_eq!(subtract(day.clone(), (0, 0)), day);
    }

    #[test]
    fn a_week_starts_on_monday() {
        let thursday = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            first_day(thursday, CalendarView::Week),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(first_day(thursday, CalendarView::Day), thursday);
    }
}
