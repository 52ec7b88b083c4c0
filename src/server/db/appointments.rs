//! Appointments. Overlaps are refused by the exclusion constraints; these functions
//! return `sqlx::Error` where the caller turns a violation into a message that names
//! what clashes and when.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        appointment::{AppointmentView, Source, Span, Status},
        time::utc_to_local,
        AppError,
    },
    server::error::internal,
};

pub struct NewRow<'a> {
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub practitioner_id: Uuid,
    pub service_id: Uuid,
    pub room_id: Option<Uuid>,
    pub series_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub source: Source,
    pub notes: &'a str,
    pub created_by: Option<Uuid>,
}

pub async fn insert(tx: &mut Tx, org_id: Uuid, row: &NewRow<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, room_id, series_id,
                                   starts_at, ends_at, buffer_before_minutes, buffer_after_minutes, source, notes, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning id",
        org_id,
        row.branch_id,
        row.patient_id,
        row.practitioner_id,
        row.service_id,
        row.room_id,
        row.series_id,
        row.starts_at,
        row.ends_at,
        row.buffer_before_minutes,
        row.buffer_after_minutes,
        row.source.as_str(),
        row.notes,
        row.created_by,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Books the equipment for an appointment; overlapping equipment bookings are refused by
/// `appointment_resources_overlap`.
pub async fn attach_resources(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    resources: &[Uuid],
) -> Result<(), sqlx::Error> {
    if resources.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into appointment_resources (org_id, appointment_id, resource_id, blocked)
         select $1, $2, r, a.blocked from unnest($3::uuid[]) r, appointments a where a.id = $2",
        org_id,
        appointment_id,
        resources,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves an appointment (and so its equipment, by trigger).
pub async fn move_to(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    practitioner_id: Uuid,
    room_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update appointments set starts_at = $3, ends_at = $4, practitioner_id = $5, room_id = $6
         where org_id = $1 and id = $2",
        org_id,
        id,
        starts_at,
        ends_at,
        practitioner_id,
        room_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_status(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    status: Status,
    reason: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query!(
        // Arriving stamps the time (not again when a start is undone); going back to booked
        // forgets it.
        "update appointments set status = $3, cancel_reason = coalesce($4, cancel_reason),
                confirmed_at = case when $3 = 'confirmed' then now() else confirmed_at end,
                arrived_at = case when $3 = 'arrived' and status <> 'in_progress' then now()
                                  when $3 in ('scheduled', 'confirmed') then null
                                  else arrived_at end
         where org_id = $1 and id = $2",
        org_id,
        id,
        status.as_str(),
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The patient of an appointment.
pub async fn patient_of(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Uuid, AppError> {
    sqlx::query_scalar!(
        "select patient_id from appointments where org_id = $1 and id = $2",
        org_id,
        id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("That appointment"))
}

/// The parts of an appointment a change depends on, locked for the transaction.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub practitioner_id: Uuid,
    pub room_id: Option<Uuid>,
    pub service_id: Uuid,
    pub series_id: Option<Uuid>,
    pub status: Status,
    /// The patient had confirmed it.
    pub confirmed: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub async fn lock(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Current>, AppError> {
    let row = sqlx::query!(
        r#"select id, branch_id, practitioner_id, room_id, service_id, series_id, status,
                  confirmed_at is not null as "confirmed!", starts_at, ends_at
           from appointments where org_id = $1 and id = $2 for update"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Current {
            id: r.id,
            branch_id: r.branch_id,
            practitioner_id: r.practitioner_id,
            room_id: r.room_id,
            service_id: r.service_id,
            series_id: r.series_id,
            status: Status::parse(&r.status).ok_or_else(|| internal("unknown status", &r.status))?,
            confirmed: r.confirmed,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
        })
    })
    .transpose()
}

/// The still-movable occurrences of a series from `from` on, in order, locked.
pub async fn series_from(
    tx: &mut Tx,
    org_id: Uuid,
    series_id: Uuid,
    from: DateTime<Utc>,
) -> Result<Vec<Current>, AppError> {
    let ids = sqlx::query_scalar!(
        "select id from appointments
         where org_id = $1 and series_id = $2 and starts_at >= $3 and status in ('scheduled', 'confirmed')
         order by starts_at",
        org_id,
        series_id,
        from,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut all = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(current) = lock(tx, org_id, id).await? {
            all.push(current);
        }
    }
    Ok(all)
}

pub async fn create_series(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    rule: &serde_json::Value,
    first_start_local: chrono::NaiveDateTime,
    timezone: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into appointment_series (org_id, branch_id, rule, first_start_local, timezone)
         values ($1, $2, $3, $4, $5) returning id",
        org_id,
        branch_id,
        rule,
        first_start_local,
        timezone,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// What a calendar range asks for.
pub struct RangeFilter<'a> {
    pub branch_id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub practitioners: &'a [Uuid],
    pub rooms: &'a [Uuid],
    pub services: &'a [Uuid],
    /// Include cancelled appointments (the API's list does; the grid does not).
    pub with_cancelled: bool,
}

struct ViewRow {
    id: Uuid,
    branch_id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    practitioner_id: Uuid,
    practitioner_name: String,
    service_id: Uuid,
    service_name: String,
    colour: String,
    room_id: Option<Uuid>,
    room_name: Option<String>,
    resource_names: Vec<String>,
    status: String,
    source: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    buffer_before_minutes: i32,
    buffer_after_minutes: i32,
    series_id: Option<Uuid>,
    notes: String,
    cancel_reason: Option<String>,
    arrived_at: Option<DateTime<Utc>>,
    forms_due: i32,
}

fn view(row: ViewRow, tz: Tz) -> Result<AppointmentView, AppError> {
    use chrono::Timelike;
    let start = utc_to_local(row.starts_at, tz);
    let end = utc_to_local(row.ends_at, tz);
    let minute = |t: chrono::NaiveDateTime| t.hour() * 60 + t.minute();
    // An appointment past midnight is drawn to the end of its first day.
    let end_minute = if end.date() > start.date() {
        24 * 60
    } else {
        minute(end)
    };
    Ok(AppointmentView {
        id: row.id,
        branch_id: row.branch_id,
        patient_id: row.patient_id,
        patient_name: row.patient_name,
        practitioner_id: row.practitioner_id,
        practitioner_name: row.practitioner_name,
        service_id: row.service_id,
        service_name: row.service_name,
        colour: row.colour,
        room_id: row.room_id,
        room_name: row.room_name,
        resource_names: row.resource_names,
        status: Status::parse(&row.status).ok_or_else(|| internal("unknown status", &row.status))?,
        source: Source::parse(&row.source).ok_or_else(|| internal("unknown source", &row.source))?,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        buffer_before_minutes: row.buffer_before_minutes,
        buffer_after_minutes: row.buffer_after_minutes,
        series_id: row.series_id,
        notes: row.notes,
        cancel_reason: row.cancel_reason,
        arrived_at: row.arrived_at,
        local_date: start.date(),
        start_minute: minute(start),
        end_minute,
        time_label: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
        forms_due: row.forms_due.max(0).unsigned_abs(),
    })
}

/// The appointments of a branch that touch `[from, to)`, with the names the calendar
/// shows, in the branch's time zone. One query, whatever the range.
pub async fn range(
    tx: &mut Tx,
    org_id: Uuid,
    filter: &RangeFilter<'_>,
    tz: Tz,
) -> Result<Vec<AppointmentView>, AppError> {
    let rows = sqlx::query_as!(
        ViewRow,
        r#"select a.id, a.branch_id, a.patient_id, p.full_name as patient_name, a.practitioner_id,
                  u.full_name as practitioner_name, a.service_id, s.name as service_name, s.colour,
                  a.room_id, r.name as "room_name?",
                  array(select res.name from appointment_resources ar join resources res on res.id = ar.resource_id
                        where ar.appointment_id = a.id order by res.name) as "resource_names!",
                  a.status, a.source, a.starts_at, a.ends_at, a.buffer_before_minutes, a.buffer_after_minutes,
                  a.series_id, a.notes, a.cancel_reason, a.arrived_at,
                  (select count(*) from form_submissions fs where fs.appointment_id = a.id and fs.submitted_at is null)::int
                  as "forms_due!"
           from appointments a
           join patients p on p.id = a.patient_id
           join users u on u.id = a.practitioner_id
           join services s on s.id = a.service_id
           left join rooms r on r.id = a.room_id
           where a.org_id = $1 and a.branch_id = $2
             and appointment_may_block(a.starts_at, $3, $4) and a.blocked && tstzrange($3, $4)
             and ($5 or a.status <> 'cancelled')
             and (cardinality($6::uuid[]) = 0 or a.practitioner_id = any($6))
             and (cardinality($7::uuid[]) = 0 or a.room_id = any($7))
             and (cardinality($8::uuid[]) = 0 or a.service_id = any($8))
           order by a.starts_at, a.id"#,
        org_id,
        filter.branch_id,
        filter.from,
        filter.to,
        filter.with_cancelled,
        filter.practitioners,
        filter.rooms,
        filter.services,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter().map(|r| view(r, tz)).collect()
}

/// What a message to an appointment's patient needs besides the appointment's view.
pub struct Addressing {
    pub org_name: String,
    pub branch_name: String,
    pub branch_address: String,
    pub timezone: String,
    pub phone: String,
    pub email: String,
    pub consent_sms: bool,
    pub consent_email: bool,
    /// The organization's reminders, in minutes before the appointment, per channel.
    pub reminder_email_minutes: Vec<i32>,
    pub reminder_sms_minutes: Vec<i32>,
    /// The organization's quiet hours for text messages, local times.
    pub quiet_hours: Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    /// The organization's own wording of its messages, where it has any.
    pub templates: Vec<crate::domain::templates::Template>,
    /// The service asks for forms (a booking then requests them).
    pub asks_forms: bool,
}

/// An appointment as the change recorder writes it: its view, and how to reach its patient.
pub struct Recorded {
    pub view: AppointmentView,
    pub addressing: Addressing,
}

/// Appointments by id (any branch of the organization), as views in `tz`.
pub async fn by_ids(tx: &mut Tx, org_id: Uuid, ids: &[Uuid], tz: Tz) -> Result<Vec<AppointmentView>, AppError> {
    Ok(recorded(tx, org_id, ids, tz)
        .await?
        .into_iter()
        .map(|r| r.view)
        .collect())
}

/// Appointments by id with what a message to their patients needs, in one read.
///
/// Each id is looked up on its own (`lateral … offset 0` keeps the planner from merging
/// the look-ups into one join): a writer's transaction plans this once per connection,
/// and a plan merged from estimates made while a table was small or its statistics old
/// walked every appointment of every patient of the organization, 40 ms at 50,000
/// appointments instead of 0.3.
pub async fn recorded(tx: &mut Tx, org_id: Uuid, ids: &[Uuid], tz: Tz) -> Result<Vec<Recorded>, AppError> {
    let rows = sqlx::query!(
        r#"select x.* from unnest($2::uuid[]) want(id), lateral (
             select a.id, a.branch_id, a.patient_id, p.full_name as patient_name, a.practitioner_id,
                    u.full_name as practitioner_name, a.service_id, s.name as service_name, s.colour,
                    a.room_id, r.name as "room_name?",
                    array(select res.name from appointment_resources ar join resources res on res.id = ar.resource_id
                          where ar.appointment_id = a.id order by res.name) as "resource_names!",
                    a.status, a.source, a.starts_at, a.ends_at, a.buffer_before_minutes, a.buffer_after_minutes,
                    a.series_id, a.notes, a.cancel_reason, a.arrived_at as "arrived_at?",
                    (select count(*) from form_submissions fs
                      where fs.appointment_id = a.id and fs.submitted_at is null)::int as "forms_due!",
                    o.name as org_name, b.name as branch_name, b.address as branch_address, b.timezone,
                    p.phone, p.email, p.consent_sms, p.consent_email,
                    o.reminder_email_minutes, o.reminder_sms_minutes, o.quiet_hours_start, o.quiet_hours_end,
                    (select coalesce(jsonb_agg(jsonb_build_object('kind', t.kind, 'channel', t.channel,
                                                                  'subject', t.subject, 'body', t.body)), '[]')
                     from message_templates t where t.org_id = a.org_id) as "templates!",
                    exists(select 1 from service_forms sf where sf.service_id = a.service_id) as "asks_forms!"
             from appointments a
             join patients p on p.id = a.patient_id
             join users u on u.id = a.practitioner_id
             join services s on s.id = a.service_id
             join branches b on b.id = a.branch_id
             join organizations o on o.id = a.org_id
             left join rooms r on r.id = a.room_id
             where a.org_id = $1 and a.id = want.id
             offset 0) x
           order by x.starts_at, x.id"#,
        org_id,
        ids,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let addressing = Addressing {
                org_name: r.org_name,
                branch_name: r.branch_name,
                branch_address: r.branch_address,
                timezone: r.timezone,
                phone: r.phone,
                email: r.email,
                consent_sms: r.consent_sms,
                consent_email: r.consent_email,
                reminder_email_minutes: r.reminder_email_minutes,
                reminder_sms_minutes: r.reminder_sms_minutes,
                quiet_hours: r.quiet_hours_start.zip(r.quiet_hours_end),
                templates: serde_json::from_value(r.templates).map_err(|e| internal("message templates", e))?,
                asks_forms: r.asks_forms,
            };
            let row = ViewRow {
                id: r.id,
                branch_id: r.branch_id,
                patient_id: r.patient_id,
                patient_name: r.patient_name,
                practitioner_id: r.practitioner_id,
                practitioner_name: r.practitioner_name,
                service_id: r.service_id,
                service_name: r.service_name,
                colour: r.colour,
                room_id: r.room_id,
                room_name: r.room_name,
                resource_names: r.resource_names,
                status: r.status,
                source: r.source,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                buffer_before_minutes: r.buffer_before_minutes,
                buffer_after_minutes: r.buffer_after_minutes,
                series_id: r.series_id,
                notes: r.notes,
                cancel_reason: r.cancel_reason,
                arrived_at: r.arrived_at,
                forms_due: r.forms_due,
            };
            Ok(Recorded {
                view: view(row, tz)?,
                addressing,
            })
        })
        .collect()
}

/// An appointment's id and branch.
pub struct Placement {
    pub id: Uuid,
    pub branch_id: Uuid,
}

/// A patient's latest 200 appointments in the given branches, newest first.
pub async fn of_patient(
    tx: &mut Tx,
    org_id: Uuid,
    patient_id: Uuid,
    branches: &[Uuid],
) -> Result<Vec<Placement>, AppError> {
    Ok(sqlx::query_as!(
        Placement,
        "select id, branch_id from appointments where org_id = $1 and patient_id = $2 and branch_id = any($3)
         order by starts_at desc limit 200",
        org_id,
        patient_id,
        branches,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// One appointment as a view in `tz`; another organization's is not found.
pub async fn view_of(tx: &mut Tx, org_id: Uuid, id: Uuid, tz: Tz) -> Result<AppointmentView, AppError> {
    Ok(recorded_one(tx, org_id, id, tz).await?.view)
}

/// One appointment as the change recorder writes it; another organization's is not found.
pub async fn recorded_one(tx: &mut Tx, org_id: Uuid, id: Uuid, tz: Tz) -> Result<Recorded, AppError> {
    recorded(tx, org_id, &[id], tz)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("That appointment"))
}

/// What an exclusion constraint protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Practitioner(Uuid),
    Room(Uuid),
    Resource(Uuid),
}

/// The live appointment that holds `what` during `span`, for the refusal's message:
/// (whose or which, from, to, service).
pub async fn clash(
    tx: &mut Tx,
    org_id: Uuid,
    what: Taken,
    span: Span,
    except: Option<Uuid>,
) -> Result<Option<(String, DateTime<Utc>, DateTime<Utc>, String)>, AppError> {
    let (practitioner, room, resource) = match what {
        Taken::Practitioner(id) => (Some(id), None, None),
        Taken::Room(id) => (None, Some(id), None),
        Taken::Resource(id) => (None, None, Some(id)),
    };
    let row = sqlx::query!(
        r#"select coalesce(case when $3::uuid is not null then u.full_name end,
                           case when $4::uuid is not null then r.name end,
                           (select name from resources where id = $5)) as "name!",
                  a.starts_at, a.ends_at, s.name as service
           from appointments a
           join users u on u.id = a.practitioner_id
           join services s on s.id = a.service_id
           left join rooms r on r.id = a.room_id
           where a.org_id = $1 and a.status <> 'cancelled'
             and appointment_may_block(a.starts_at, $6, $7) and a.blocked && tstzrange($6, $7)
             and ($2::uuid is null or a.id <> $2)
             and (($3::uuid is not null and a.practitioner_id = $3)
                  or ($4::uuid is not null and a.room_id = $4)
                  or ($5::uuid is not null and exists (select 1 from appointment_resources ar
                                                       where ar.appointment_id = a.id and ar.resource_id = $5 and ar.live)))
           order by a.starts_at limit 1"#,
        org_id,
        except,
        practitioner,
        room,
        resource,
        span.start,
        span.end,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.name, r.starts_at, r.ends_at, r.service)))
}

/// A room of `kind` in the branch that is free during `span`, by name.
pub async fn free_room(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    kind: &str,
    span: Span,
    except: Option<Uuid>,
) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select r.id from rooms r
         where r.org_id = $1 and r.branch_id = $2 and r.kind = $3 and r.active
           and not exists (select 1 from appointments a where a.org_id = $1 and a.room_id = r.id
                           and a.status <> 'cancelled' and appointment_may_block(a.starts_at, $4, $5)
                           and a.blocked && tstzrange($4, $5) and ($6::uuid is null or a.id <> $6))
         order by r.name limit 1",
        org_id,
        branch_id,
        kind,
        span.start,
        span.end,
        except,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// One free piece of equipment of each kind; the kinds with none free are returned as
/// the error.
pub async fn free_resources(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    kinds: &[String],
    span: Span,
) -> Result<Result<Vec<Uuid>, Vec<String>>, AppError> {
    let mut chosen = Vec::new();
    let mut missing = Vec::new();
    for kind in kinds {
        let id = sqlx::query_scalar!(
            "select r.id from resources r
             where r.org_id = $1 and r.branch_id = $2 and r.kind = $3 and r.active
               and not exists (select 1 from appointment_resources ar where ar.resource_id = r.id and ar.live
                               and ar.blocked && tstzrange($4, $5))
               and r.id <> all($6)
             order by r.name limit 1",
            org_id,
            branch_id,
            kind,
            span.start,
            span.end,
            &chosen,
        )
        .fetch_optional(&mut **tx)
        .await?;
        match id {
            Some(id) => chosen.push(id),
            None => missing.push(kind.clone()),
        }
    }
    Ok(if missing.is_empty() { Ok(chosen) } else { Err(missing) })
}

/// The equipment the given appointments hold, as (appointment, resource) pairs.
pub async fn resources_of(tx: &mut Tx, ids: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>, AppError> {
    Ok(sqlx::query!(
        "select appointment_id, resource_id from appointment_resources where appointment_id = any($1)",
        ids
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.appointment_id, r.resource_id))
    .collect())
}

/// Takes the transaction-scoped advisory locks named by `keys`, in the order given. Every
/// writer of appointments passes its keys sorted, in one call, so that no two can wait
/// for each other.
pub async fn claim(tx: &mut Tx, keys: &[String]) -> Result<(), AppError> {
    sqlx::query_scalar!(
        "select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) k",
        keys
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// The exclusion constraint a failed write ran into, if that is why it failed.
pub fn overlap_of(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error()
        .filter(|e| e.code().as_deref() == Some("23P01"))
        .and_then(|e| e.constraint())
}
