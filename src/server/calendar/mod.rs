//! Calendar use cases, shared by the server functions and the REST API: the visible
//! range here; booking, moving and the status machine in their own files. Every change
//! goes through the permission guard, the scheduling engine and the change recorder.

mod book;
mod moves;
mod status;

pub use book::create;
pub use moves::{reschedule, update, Reschedule};
pub use status::{cancel, set_status, undo};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{
        appointments::{self, RangeFilter},
        catalog::{self, PlaceKind},
        messages, patients,
        schedules::{self, FactsOf},
        Tx,
    },
    scheduling::Practitioner,
};
use crate::domain::{
    access::Action,
    appointment::{AppointmentView, Status, LONGEST_MINUTES},
    calendar::{
        week_columns, AppointmentDetail, BookingOptions, CalendarBlock, CalendarColumn, CalendarData, CalendarQuery,
        CalendarView, ColumnHours, Grouping, ReminderNotSent, TodayPage, UPCOMING_DAYS, UPCOMING_SHOWN,
    },
    catalog::Service,
    messaging::MessageLogFilter,
    patient::OutboxMessage,
    schedule::minute_of_day,
    time::{local_to_utc, utc_to_local, zone},
    AppError,
};

fn tz_of(ctx: &RequestContext) -> Tz {
    zone(&ctx.user.branch.timezone)
}

/// The week's columns chosen last on this browser, for a week asked for without a
/// choice; a week asked for with one is remembered instead (so a receptionist's chosen
/// few, or a practitioner's own week, opens again without choosing).
pub fn remembered_week(ctx: &RequestContext, q: &CalendarQuery) -> Vec<Uuid> {
    use super::auth::{context, cookies};
    if q.view != CalendarView::Week {
        return Vec::new();
    }
    let (name, asked) = match q.grouping {
        Grouping::Practitioner => (cookies::WEEK_PRACTITIONERS_COOKIE, &q.practitioners),
        Grouping::Room => (cookies::WEEK_ROOMS_COOKIE, &q.rooms),
    };
    if asked.is_empty() {
        return context::cookie(name)
            .unwrap_or_default()
            .split('.')
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
    }
    let value = asked.iter().map(Uuid::to_string).collect::<Vec<_>>().join(".");
    context::set_cookies([cookies::week_choice(name, value, &ctx.state.config)]);
    Vec::new()
}

/// The first day shown: the date itself, or the Monday of its week.
pub fn first_day(date: NaiveDate, view: CalendarView) -> NaiveDate {
    match view {
        CalendarView::Day => date,
        CalendarView::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
    }
}

/// Everything the calendar draws for the visible days, in a handful of queries whatever
/// the number of appointments. A day shows every practitioner or room (or those
/// filtered); a week shows a chosen few (`remembered` is the last choice on this browser).
pub async fn calendar(ctx: &RequestContext, q: &CalendarQuery, remembered: &[Uuid]) -> Result<CalendarData, AppError> {
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
    let practitioner_choices = schedules::practitioners(&mut tx, org, branch).await?;
    let rooms = catalog::places(&mut tx, org, branch, PlaceKind::Room).await?;
    let services = catalog::services(&mut tx, org).await?;
    let hours = schedules::hours(&mut tx, org, branch).await?;
    let away = schedules::time_off(&mut tx, org, from, to).await?;
    let closures = schedules::closures(&mut tx, org, branch, first, days[days.len() - 1]).await?;

    let column = |id: Uuid, label: &str| CalendarColumn {
        id,
        label: label.to_owned(),
    };
    let room_choices: Vec<CalendarColumn> = rooms
        .iter()
        .filter(|r| r.active)
        .map(|r| column(r.id, &r.name))
        .collect();
    let (all, asked) = match q.grouping {
        Grouping::Practitioner => (&practitioner_choices, &q.practitioners),
        Grouping::Room => (&room_choices, &q.rooms),
    };
    let columns: Vec<CalendarColumn> = match q.view {
        CalendarView::Day => all
            .iter()
            .filter(|c| asked.is_empty() || asked.contains(&c.id))
            .cloned()
            .collect(),
        CalendarView::Week => week_columns(all, asked, remembered, ctx.user.user_id),
    };
    // A week reads only the appointments of the columns it shows.
    let shown: Vec<Uuid> = columns.iter().map(|c| c.id).collect();
    let (practitioners, rooms) = match (q.view, q.grouping) {
        (CalendarView::Week, Grouping::Practitioner) => (&shown, &q.rooms),
        (CalendarView::Week, Grouping::Room) => (&q.practitioners, &shown),
        (CalendarView::Day, _) => (&q.practitioners, &q.rooms),
    };
    let filter = RangeFilter {
        branch_id: branch,
        from,
        to,
        practitioners,
        rooms,
        services: &q.services,
        with_cancelled: false,
    };
    // No column, nothing drawn (an empty filter would read every appointment instead).
    let appointments = if columns.is_empty() {
        Vec::new()
    } else {
        appointments::range(&mut tx, org, &filter, tz).await?
    };
    tx.commit().await?;

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
        appointments: blocks(&appointments),
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

/// Refuses a practitioner who does not give the service.
/// The calendar's blocks in the order it draws them: by start and then by practitioner,
/// so that where appointments overlap, each practitioner keeps one lane through the day
/// (and a week's page is the same bytes each time it is drawn).
fn blocks(appointments: &[AppointmentView]) -> Vec<CalendarBlock> {
    let mut blocks: Vec<CalendarBlock> = appointments.iter().map(CalendarBlock::from).collect();
    blocks.sort_by(|a, b| {
        (a.local_date, a.start_minute, &a.practitioner_name, a.id).cmp(&(
            b.local_date,
            b.start_minute,
            &b.practitioner_name,
            b.id,
        ))
    });
    blocks
}

/// What a booking or move reads to check itself: the local days its appointments start
/// on, and a period that covers them whatever their length.
fn facts_of(
    tz: Tz,
    service_id: Uuid,
    practitioner_id: Uuid,
    patient_id: Option<Uuid>,
    starts: &[DateTime<Utc>],
) -> FactsOf {
    let first = starts.iter().min().copied().unwrap_or_else(Utc::now);
    let last = starts.iter().max().copied().unwrap_or(first);
    FactsOf {
        service_id,
        practitioner_id,
        patient_id,
        days: (utc_to_local(first, tz).date(), utc_to_local(last, tz).date()),
        period: (first, last + Duration::minutes(i64::from(LONGEST_MINUTES))),
    }
}

fn gives(service: &Service, practitioner: Practitioner<'_>) -> Result<(), AppError> {
    if service.practitioner_ids.is_empty() || service.practitioner_ids.contains(&practitioner.id) {
        Ok(())
    } else {
        Err(AppError::field(
            "practitioner_id",
            format!("{} does not give {}.", practitioner.name, service.name),
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

/// An appointment of the caller's branch, locked; another branch's or organization's
/// is not found.
pub(crate) async fn locked(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<appointments::Current, AppError> {
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

/// The branch's practitioners and active rooms, as the calendar's forms list them.
struct Choices {
    practitioners: Vec<CalendarColumn>,
    rooms: Vec<CalendarColumn>,
}

async fn choices(tx: &mut Tx, ctx: &RequestContext) -> Result<Choices, AppError> {
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let practitioners = schedules::practitioners(tx, org, branch).await?;
    let rooms = catalog::places(tx, org, branch, PlaceKind::Room)
        .await?
        .into_iter()
        .filter(|r| r.active)
        .map(|r| CalendarColumn {
            id: r.id,
            label: r.name,
        })
        .collect();
    Ok(Choices { practitioners, rooms })
}

/// The booking form's choices, and the patients matching `query` (none for a blank one).
pub async fn booking_options(ctx: &RequestContext, query: &str) -> Result<BookingOptions, AppError> {
    ctx.require(Action::ManageAppointments)?;
    let mut tx = ctx.tenant().await?;
    let services = catalog::services(&mut tx, ctx.org_id())
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect();
    let Choices { practitioners, rooms } = choices(&mut tx, ctx).await?;
    let patients = if query.trim().is_empty() {
        Vec::new()
    } else {
        patients::search(&mut tx, ctx.org_id(), query, 20).await?
    };
    tx.commit().await?;
    Ok(BookingOptions {
        services,
        practitioners,
        rooms,
        can_override: ctx.user.can(Action::OverrideWorkingHours),
        patients,
    })
}

/// An appointment's page: the appointment, its next statuses, and where it could move.
pub async fn detail(ctx: &RequestContext, id: Uuid) -> Result<AppointmentDetail, AppError> {
    let appointment = get(ctx, id).await?;
    let mut tx = ctx.tenant().await?;
    let Choices { practitioners, rooms } = choices(&mut tx, ctx).await?;
    let messages = match ctx.user.can(Action::ViewPatients) {
        true => {
            let filter = MessageLogFilter {
                appointment: Some(id),
                ..MessageLogFilter::default()
            };
            let mut rows = messages::log(&mut tx, ctx.org_id(), &[appointment.branch_id], &filter, 100).await?;
            // A timeline: confirmation first, then the reminders in their order.
            rows.sort_by_key(|(_, at)| *at);
            rows.into_iter()
                .map(|(logged, at)| OutboxMessage {
                    when_local: ctx.local_time(at),
                    ..logged.message
                })
                .collect()
        }
        false => Vec::new(),
    };
    let account = match ctx.user.can(Action::ViewInvoices) {
        true => Some(super::db::payments::account(&mut tx, ctx.org_id(), appointment.patient_id).await?),
        false => None,
    };
    tx.commit().await?;
    Ok(AppointmentDetail {
        messages,
        account,
        next: appointment.status.next().to_vec(),
        practitioners,
        rooms,
        can_manage: ctx.user.can(Action::ManageAppointments),
        can_override: ctx.user.can(Action::OverrideWorkingHours),
        appointment,
    })
}

/// Today at the caller's branch and its appointments, cancelled ones included (the
/// overview page).
pub async fn today(ctx: &RequestContext) -> Result<TodayPage, AppError> {
    let tz = tz_of(ctx);
    let today = utc_to_local(Utc::now(), tz).date();
    let from = local_to_utc(tz, today.and_time(NaiveTime::MIN));
    let to = local_to_utc(tz, (today + Duration::days(1)).and_time(NaiveTime::MIN));
    let appointments = list(ctx, from, to).await?;
    let upcoming = if appointments.iter().all(|a| a.status == Status::Cancelled) {
        let mut next = list(ctx, to, to + Duration::days(UPCOMING_DAYS)).await?;
        next.retain(|a| a.status != Status::Cancelled);
        next.truncate(UPCOMING_SHOWN);
        next
    } else {
        Vec::new()
    };
    let after = local_to_utc(tz, (today + Duration::days(2)).and_time(NaiveTime::MIN));
    let mut tx = ctx.tenant().await?;
    let failed = messages::failed_reminders(&mut tx, ctx.org_id(), ctx.user.branch.id, to, after).await?;
    tx.commit().await?;
    Ok(TodayPage {
        today,
        appointments,
        reminders_not_sent: failed
            .into_iter()
            .map(
                |(appointment_id, patient_name, starts_at, channel, reason)| ReminderNotSent {
                    appointment_id,
                    patient_name,
                    time_label: utc_to_local(starts_at, tz).format("%H:%M").to_string(),
                    channel,
                    reason,
                },
            )
            .collect(),
        upcoming,
    })
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
