//! Working hours, time off and branch closures.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use sqlx::types::Json;

use super::Tx;
use crate::domain::{
    calendar::CalendarColumn,
    catalog::Service,
    schedule::{Rota, WorkingInterval},
    AppError,
};

/// Every practitioner's weekly hours at the branch.
pub async fn hours(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<Vec<(Uuid, WorkingInterval)>, AppError> {
    let rows = sqlx::query!(
        "select user_id, weekday, starts, ends from working_hours
         where org_id = $1 and branch_id = $2 order by user_id, weekday, starts",
        org_id,
        branch_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.user_id, interval(r.weekday, r.starts, r.ends)))
        .collect())
}

fn interval(weekday: i16, starts: chrono::NaiveTime, ends: chrono::NaiveTime) -> WorkingInterval {
    WorkingInterval {
        weekday: weekday as u8,
        starts,
        ends,
    }
}

/// What a staff booking or move is checked against, read in one statement.
pub struct BookingFacts {
    pub service: Option<Service>,
    /// The practitioner's name, if they treat at the branch (a practitioner membership
    /// there, or hours there) and are active.
    pub practitioner: Option<String>,
    /// The patient is on file and not archived.
    pub patient_known: bool,
    /// The practitioner's hours at the branch, its closures on `days`, and their time
    /// off during `period`.
    pub rota: Rota,
}

/// What a booking or move names, and the local days and the period its appointments touch.
pub struct FactsOf {
    pub service_id: Uuid,
    pub practitioner_id: Uuid,
    pub patient_id: Option<Uuid>,
    pub days: (NaiveDate, NaiveDate),
    pub period: (DateTime<Utc>, DateTime<Utc>),
}

pub async fn booking_facts(tx: &mut Tx, org_id: Uuid, branch_id: Uuid, of: &FactsOf) -> Result<BookingFacts, AppError> {
    let row = sqlx::query!(
        r#"select
             (select to_jsonb(x) from (
                 select s.id, s.name, s.duration_minutes, s.price_minor, s.buffer_before_minutes,
                        s.buffer_after_minutes, s.colour, s.online_bookable, s.room_kind, s.resource_kinds, s.active,
                        array(select user_id from service_practitioners sp where sp.service_id = s.id order by user_id)
                            as practitioner_ids
                 from services s where s.org_id = $1 and s.id = $4) x) as "service: Json<Service>",
             (select u.full_name from users u
              where u.org_id = $1 and u.id = $3 and u.is_active and (
                  exists (select 1 from memberships m where m.user_id = u.id and m.branch_id = $2 and m.role = 'practitioner')
                  or exists (select 1 from working_hours w where w.user_id = u.id and w.branch_id = $2))) as practitioner,
             exists (select 1 from patients p where p.org_id = $1 and p.id = $5 and p.archived_at is null) as "patient_known!",
             jsonb_build_object(
                 'hours', coalesce((select jsonb_agg(jsonb_build_object('weekday', w.weekday, 'starts', w.starts, 'ends', w.ends)
                                                     order by w.weekday, w.starts)
                                    from working_hours w where w.org_id = $1 and w.branch_id = $2 and w.user_id = $3), '[]'),
                 'closures', coalesce((select jsonb_agg(jsonb_build_object('day', c.day, 'name', c.name) order by c.day)
                                       from branch_closures c
                                       where c.org_id = $1 and c.branch_id = $2 and c.day between $6 and $7), '[]'),
                 'away', coalesce((select jsonb_agg(jsonb_build_object('starts', lower(t.period), 'ends', upper(t.period),
                                                                       'reason', t.reason) order by lower(t.period))
                                   from time_off t
                                   where t.org_id = $1 and t.user_id = $3 and t.period && tstzrange($8, $9)), '[]')
             ) as "rota!: Json<Rota>""#,
        org_id,
        branch_id,
        of.practitioner_id,
        of.service_id,
        of.patient_id,
        of.days.0,
        of.days.1,
        of.period.0,
        of.period.1,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(BookingFacts {
        service: row.service.map(|Json(s)| s),
        practitioner: row.practitioner,
        patient_known: row.patient_known,
        rota: row.rota.0,
    })
}

/// Replaces a practitioner's weekly hours at the branch.
pub async fn set_hours(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    user_id: Uuid,
    hours: &[WorkingInterval],
) -> Result<(), AppError> {
    sqlx::query!(
        "delete from working_hours where org_id = $1 and branch_id = $2 and user_id = $3",
        org_id,
        branch_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    let weekdays: Vec<i16> = hours.iter().map(|h| i16::from(h.weekday)).collect();
    let starts: Vec<chrono::NaiveTime> = hours.iter().map(|h| h.starts).collect();
    let ends: Vec<chrono::NaiveTime> = hours.iter().map(|h| h.ends).collect();
    sqlx::query!(
        "insert into working_hours (org_id, branch_id, user_id, weekday, starts, ends)
         select $1, $2, $3, w, s, e from unnest($4::smallint[], $5::time[], $6::time[]) as t(w, s, e)",
        org_id,
        branch_id,
        user_id,
        &weekdays,
        &starts,
        &ends,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct TimeOffRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub reason: String,
}

/// Time off of anyone in the organization that touches `[from, to)`.
pub async fn time_off(
    tx: &mut Tx,
    org_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TimeOffRow>, AppError> {
    let rows = sqlx::query!(
        r#"select id, user_id, lower(period) as "starts!", upper(period) as "ends!", reason from time_off
           where org_id = $1 and period && tstzrange($2, $3) order by lower(period)"#,
        org_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TimeOffRow {
            id: r.id,
            user_id: r.user_id,
            starts: r.starts,
            ends: r.ends,
            reason: r.reason,
        })
        .collect())
}

pub async fn add_time_off(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    reason: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into time_off (org_id, user_id, period, reason) values ($1, $2, tstzrange($3, $4), $5) returning id",
        org_id,
        user_id,
        starts,
        ends,
        reason,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Deletes a time off; whose it was, if it existed.
pub async fn remove_time_off(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "delete from time_off where org_id = $1 and id = $2 returning user_id",
        org_id,
        id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Days the branch is closed within `[from, to]`.
pub async fn closures(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, NaiveDate, String)>, AppError> {
    let rows = sqlx::query!(
        "select id, day, name from branch_closures where org_id = $1 and branch_id = $2 and day between $3 and $4 order by day",
        org_id,
        branch_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.day, r.name)).collect())
}

pub async fn add_closure(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    day: NaiveDate,
    name: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into branch_closures (org_id, branch_id, day, name) values ($1, $2, $3, $4)
         on conflict (branch_id, day) do update set name = excluded.name returning id",
        org_id,
        branch_id,
        day,
        name,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn remove_closure(tx: &mut Tx, org_id: Uuid, branch_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    let deleted = sqlx::query!(
        "delete from branch_closures where org_id = $1 and branch_id = $2 and id = $3",
        org_id,
        branch_id,
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// The branch's practitioners (a practitioner membership there, or hours there), by name.
pub async fn practitioners(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<Vec<CalendarColumn>, AppError> {
    let rows = sqlx::query!(
        "select u.id, u.full_name from users u
         where u.org_id = $1 and u.is_active and (
             exists (select 1 from memberships m where m.user_id = u.id and m.branch_id = $2 and m.role = 'practitioner')
             or exists (select 1 from working_hours w where w.user_id = u.id and w.branch_id = $2))
         order by u.full_name, u.id",
        org_id,
        branch_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CalendarColumn {
            id: r.id,
            label: r.full_name,
        })
        .collect())
}
