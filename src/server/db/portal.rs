//! What the booking portal reads: the organization by its address, and everything the
//! availability of a range needs, in two queries.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    appointment::Span,
    availability::{BookingRules, Needs, World},
    portal::{OnlineBookingSettings, OnlineRules, ServiceRules, ServiceRulesRow},
    schedule::WorkingInterval,
    AppError,
};

/// The organization a portal address names, before its tenant is known.
pub async fn organization(pool: &sqlx::PgPool, slug: &str) -> Result<Option<Uuid>, AppError> {
    Ok(
        sqlx::query_scalar!(r#"select org_id as "org_id!" from portal_organization($1)"#, slug)
            .fetch_optional(pool)
            .await?,
    )
}

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(|e| crate::server::error::internal("reading booking setup", e))
}

/// The branch, service and rules of one booking page.
pub struct Setup {
    pub timezone: String,
    pub service_name: String,
    pub price_minor: i64,
    pub rules: BookingRules,
    pub cancellation_window_hours: i32,
    pub needs: Needs,
    pub service_active: bool,
    /// Practitioners who give the service at the branch, with names.
    pub practitioners: Vec<(Uuid, String)>,
    pub world: World,
}

#[derive(Deserialize)]
struct HoursRow(Uuid, i16, NaiveTime, NaiveTime);
#[derive(Deserialize)]
struct KindRow(Uuid, String);
#[derive(Deserialize)]
struct NameRow(Uuid, String);

/// Query one of two: the branch, the service, who gives it and when, rooms, equipment
/// and closures between `from` and `to`.
pub async fn setup(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    service_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<Setup>, AppError> {
    let row = sqlx::query!(
        r#"
        with givers as (
            select u.id, u.full_name from users u
            where u.org_id = $1 and u.is_active
              and exists (select 1 from working_hours w where w.user_id = u.id and w.branch_id = $2)
              and (not exists (select 1 from service_practitioners sp where sp.service_id = $3)
                   or exists (select 1 from service_practitioners sp where sp.service_id = $3 and sp.user_id = u.id))
        )
        select b.timezone, b.booking_min_notice_minutes, b.booking_max_days_ahead, b.booking_slot_step_minutes,
               b.cancellation_window_hours, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
               s.room_kind, s.resource_kinds, s.min_notice_minutes, s.max_days_ahead, s.name, s.price_minor,
               s.active and s.online_bookable as "bookable!",
               coalesce((select json_agg(json_build_array(g.id, g.full_name) order by g.full_name) from givers g), '[]') as "givers!",
               coalesce((select json_agg(json_build_array(w.user_id, w.weekday, w.starts, w.ends))
                         from working_hours w where w.branch_id = $2 and w.user_id in (select id from givers)), '[]') as "hours!",
               coalesce((select json_agg(json_build_array(r.id, r.kind)) from rooms r where r.branch_id = $2 and r.active), '[]') as "rooms!",
               coalesce((select json_agg(json_build_array(r.id, r.kind)) from resources r where r.branch_id = $2 and r.active), '[]') as "resources!",
               array(select day from branch_closures where branch_id = $2 and day between $4 and $5) as "closures!"
        from branches b join services s on s.org_id = b.org_id
        where b.org_id = $1 and b.id = $2 and s.id = $3
        "#,
        org_id,
        branch_id,
        service_id,
        from,
        to,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let hours: Vec<HoursRow> = decode(r.hours)?;
    let rooms: Vec<KindRow> = decode(r.rooms)?;
    let resources: Vec<KindRow> = decode(r.resources)?;
    let givers: Vec<NameRow> = decode(r.givers)?;
    Ok(Some(Setup {
        timezone: r.timezone,
        service_name: r.name,
        price_minor: r.price_minor,
        rules: BookingRules {
            min_notice_minutes: i64::from(r.min_notice_minutes.unwrap_or(r.booking_min_notice_minutes)),
            max_days_ahead: i64::from(r.max_days_ahead.unwrap_or(r.booking_max_days_ahead)),
            slot_step_minutes: i64::from(r.booking_slot_step_minutes),
        },
        cancellation_window_hours: r.cancellation_window_hours,
        needs: Needs {
            minutes: i64::from(r.duration_minutes),
            buffer_before_minutes: r.buffer_before_minutes,
            buffer_after_minutes: r.buffer_after_minutes,
            room_kind: r.room_kind,
            resource_kinds: r.resource_kinds,
        },
        service_active: r.bookable,
        practitioners: givers.into_iter().map(|g| (g.0, g.1)).collect(),
        world: World {
            hours: hours
                .into_iter()
                .map(|h| {
                    (
                        h.0,
                        WorkingInterval {
                            weekday: h.1 as u8,
                            starts: h.2,
                            ends: h.3,
                        },
                    )
                })
                .collect(),
            closures: r.closures,
            rooms: rooms.into_iter().map(|k| (k.0, k.1)).collect(),
            resources: resources.into_iter().map(|k| (k.0, k.1)).collect(),
            ..Default::default()
        },
    }))
}

/// Query two of two: the blocked time of the practitioners (at any branch), rooms and
/// equipment of the branch, and time off, between `from` and `to`. `except` leaves out
/// an appointment being moved.
pub async fn busy(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    practitioners: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    except: Option<Uuid>,
    world: &mut World,
) -> Result<(), AppError> {
    let rows = sqlx::query!(
        r#"
        select 'practitioner' as "what!", a.practitioner_id as "key!", lower(a.blocked) as "starts!", upper(a.blocked) as "ends!"
        from appointments a
        where a.org_id = $1 and a.status <> 'cancelled'
          and appointment_may_block(a.starts_at, $4, $5) and a.blocked && tstzrange($4, $5)
          and a.practitioner_id = any($3) and ($6::uuid is null or a.id <> $6)
        union all
        select 'room', a.room_id, lower(a.blocked), upper(a.blocked)
        from appointments a
        where a.org_id = $1 and a.branch_id = $2 and a.room_id is not null and a.status <> 'cancelled'
          and appointment_may_block(a.starts_at, $4, $5) and a.blocked && tstzrange($4, $5)
          and ($6::uuid is null or a.id <> $6)
        union all
        select 'resource', ar.resource_id, lower(ar.blocked), upper(ar.blocked)
        from appointment_resources ar join resources r on r.id = ar.resource_id
        where ar.org_id = $1 and r.branch_id = $2 and ar.live and ar.blocked && tstzrange($4, $5)
          and ($6::uuid is null or ar.appointment_id <> $6)
        union all
        select 'time_off', t.user_id, lower(t.period), upper(t.period)
        from time_off t where t.org_id = $1 and t.user_id = any($3) and t.period && tstzrange($4, $5)
        "#,
        org_id,
        branch_id,
        practitioners,
        from,
        to,
        except,
    )
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let span = Span {
            start: r.starts,
            end: r.ends,
        };
        match r.what.as_str() {
            "practitioner" => world.practitioner_busy.push((r.key, span)),
            "room" => world.room_busy.push((r.key, span)),
            "resource" => world.resource_busy.push((r.key, span)),
            _ => world.time_off.push((r.key, span)),
        }
    }
    Ok(())
}

/// The booking a form with this key already made, if any (the caller holds the key's lock).
pub async fn earlier_request(tx: &mut Tx, org_id: Uuid, key: &str) -> Result<Option<(Uuid, DateTime<Utc>)>, AppError> {
    let row = sqlx::query!(
        "select r.appointment_id, a.starts_at from portal_requests r join appointments a on a.id = r.appointment_id
         where r.org_id = $1 and r.key = $2",
        org_id,
        key,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.appointment_id, r.starts_at)))
}

pub async fn lock_request(tx: &mut Tx, key: &str) -> Result<(), AppError> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended($1, 0))", key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn remember_request(tx: &mut Tx, org_id: Uuid, key: &str, appointment_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "insert into portal_requests (org_id, key, appointment_id) values ($1, $2, $3)",
        org_id,
        key,
        appointment_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The organization's name and currency.
pub async fn name_and_currency(tx: &mut Tx, org_id: Uuid) -> Result<(String, String), AppError> {
    let row = sqlx::query!("select name, currency from organizations where id = $1", org_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok((row.name, row.currency))
}

/// An active staff member's name.
pub async fn practitioner_name(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select full_name from users where org_id = $1 and id = $2 and is_active",
        org_id,
        id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// A branch's time zone.
pub async fn branch_timezone(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select timezone from branches where org_id = $1 and id = $2",
        org_id,
        branch_id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// What a manage link's page shows of its appointment besides the appointment itself.
pub struct Managed {
    pub org_name: String,
    pub slug: String,
    pub branch_id: Uuid,
    pub branch_name: String,
    pub address: String,
    pub phone: String,
    pub timezone: String,
    pub cancellation_window_hours: i32,
    pub service: String,
    pub practitioner: String,
}

pub async fn managed(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Managed, AppError> {
    Ok(sqlx::query_as!(
        Managed,
        "select o.name as org_name, o.slug, b.id as branch_id, b.name as branch_name, b.address, b.phone, b.timezone,
                b.cancellation_window_hours, s.name as service, u.full_name as practitioner
         from appointments a join organizations o on o.id = a.org_id join branches b on b.id = a.branch_id
         join services s on s.id = a.service_id join users u on u.id = a.practitioner_id
         where a.org_id = $1 and a.id = $2",
        org_id,
        appointment_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// The "Online booking" settings page: a branch's rules, the portal's slug and the
/// organization's active services with their own rules.
pub async fn online_settings(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<OnlineBookingSettings, AppError> {
    let branch = sqlx::query!(
        "select b.name, b.booking_min_notice_minutes, b.booking_max_days_ahead, b.booking_slot_step_minutes,
                b.cancellation_window_hours, o.slug
         from branches b join organizations o on o.id = b.org_id
         where b.org_id = $1 and b.id = $2",
        org_id,
        branch_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    let services = sqlx::query!(
        "select id, name, online_bookable, min_notice_minutes, max_days_ahead from services
         where org_id = $1 and active order by name",
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(OnlineBookingSettings {
        // The caller puts the site's address in front.
        portal_url: format!("/book/{}", branch.slug),
        branch_name: branch.name,
        rules: OnlineRules {
            min_notice_minutes: branch.booking_min_notice_minutes,
            max_days_ahead: branch.booking_max_days_ahead,
            slot_step_minutes: branch.booking_slot_step_minutes,
            cancellation_window_hours: branch.cancellation_window_hours,
        },
        services: services
            .into_iter()
            .map(|s| ServiceRulesRow {
                id: s.id,
                name: s.name,
                online_bookable: s.online_bookable,
                rules: ServiceRules {
                    min_notice_minutes: s.min_notice_minutes,
                    max_days_ahead: s.max_days_ahead,
                },
            })
            .collect(),
    })
}

pub async fn save_rules(tx: &mut Tx, org_id: Uuid, branch_id: Uuid, rules: &OnlineRules) -> Result<(), AppError> {
    sqlx::query!(
        "update branches set booking_min_notice_minutes = $3, booking_max_days_ahead = $4,
                booking_slot_step_minutes = $5, cancellation_window_hours = $6, updated_at = now()
         where org_id = $1 and id = $2",
        org_id,
        branch_id,
        rules.min_notice_minutes,
        rules.max_days_ahead,
        rules.slot_step_minutes,
        rules.cancellation_window_hours,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A service's own rules; false if the organization has no such service.
pub async fn save_service_rules(
    tx: &mut Tx,
    org_id: Uuid,
    service_id: Uuid,
    rules: &ServiceRules,
) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update services set min_notice_minutes = $3, max_days_ahead = $4, updated_at = now()
         where org_id = $1 and id = $2",
        org_id,
        service_id,
        rules.min_notice_minutes,
        rules.max_days_ahead,
    )
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}
