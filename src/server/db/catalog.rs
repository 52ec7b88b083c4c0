//! Services, rooms and equipment.

use uuid::Uuid;

use super::Tx;
use crate::domain::{
    catalog::{Place, PlaceDetails, Service, ServiceDetails},
    AppError,
};

/// Rooms and equipment live in two tables of the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Room,
    Resource,
}

pub async fn services(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Service>, AppError> {
    let rows = sqlx::query!(
        r#"select s.id, s.name, s.duration_minutes, s.price_minor, s.buffer_before_minutes, s.buffer_after_minutes,
                  s.colour, s.online_bookable, s.room_kind, s.resource_kinds, s.active,
                  array(select user_id from service_practitioners sp where sp.service_id = s.id order by user_id)
                      as "practitioner_ids!"
           from services s where s.org_id = $1 order by s.active desc, s.name"#,
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Service {
            id: r.id,
            name: r.name,
            duration_minutes: r.duration_minutes,
            price_minor: r.price_minor,
            buffer_before_minutes: r.buffer_before_minutes,
            buffer_after_minutes: r.buffer_after_minutes,
            colour: r.colour,
            online_bookable: r.online_bookable,
            room_kind: r.room_kind,
            resource_kinds: r.resource_kinds,
            practitioner_ids: r.practitioner_ids,
            active: r.active,
        })
        .collect())
}

pub async fn service(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Service>, AppError> {
    Ok(services(tx, org_id).await?.into_iter().find(|s| s.id == id))
}

async fn set_practitioners(tx: &mut Tx, org_id: Uuid, service_id: Uuid, ids: &[Uuid]) -> Result<(), AppError> {
    sqlx::query!("delete from service_practitioners where service_id = $1", service_id)
        .execute(&mut **tx)
        .await?;
    // A practitioner of another organization fails the composite foreign key.
    sqlx::query!(
        "insert into service_practitioners (org_id, service_id, user_id) select $1, $2, unnest($3::uuid[])",
        org_id,
        service_id,
        ids,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn create_service(tx: &mut Tx, org_id: Uuid, d: &ServiceDetails) -> Result<Uuid, AppError> {
    let id = sqlx::query_scalar!(
        "insert into services (org_id, name, duration_minutes, price_minor, buffer_before_minutes,
                               buffer_after_minutes, colour, online_bookable, room_kind, resource_kinds)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        org_id,
        d.name,
        d.duration_minutes,
        d.price_minor,
        d.buffer_before_minutes,
        d.buffer_after_minutes,
        d.colour,
        d.online_bookable,
        d.room_kind,
        &d.resource_kinds,
    )
    .fetch_one(&mut **tx)
    .await?;
    set_practitioners(tx, org_id, id, &d.practitioner_ids).await?;
    Ok(id)
}

pub async fn update_service(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    d: &ServiceDetails,
    active: bool,
) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update services set name = $3, duration_minutes = $4, price_minor = $5, buffer_before_minutes = $6,
                buffer_after_minutes = $7, colour = $8, online_bookable = $9, room_kind = $10, resource_kinds = $11,
                active = $12
         where org_id = $1 and id = $2",
        org_id,
        id,
        d.name,
        d.duration_minutes,
        d.price_minor,
        d.buffer_before_minutes,
        d.buffer_after_minutes,
        d.colour,
        d.online_bookable,
        d.room_kind,
        &d.resource_kinds,
        active,
    )
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    set_practitioners(tx, org_id, id, &d.practitioner_ids).await?;
    Ok(true)
}

/// The rooms or equipment of a branch, by name.
pub async fn places(tx: &mut Tx, org_id: Uuid, branch_id: Uuid, kind: PlaceKind) -> Result<Vec<Place>, AppError> {
    macro_rules! load {
        ($table:literal) => {
            sqlx::query_as!(
                Place,
                "select id, branch_id, name, kind, active from "
                    + $table
                    + " where org_id = $1 and branch_id = $2 order by active desc, name",
                org_id,
                branch_id,
            )
            .fetch_all(&mut **tx)
            .await?
        };
    }
    Ok(match kind {
        PlaceKind::Room => load!("rooms"),
        PlaceKind::Resource => load!("resources"),
    })
}

pub async fn create_place(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    kind: PlaceKind,
    d: &PlaceDetails,
) -> Result<Uuid, AppError> {
    let id = match kind {
        PlaceKind::Room => {
            sqlx::query_scalar!(
                "insert into rooms (org_id, branch_id, name, kind) values ($1, $2, $3, $4) returning id",
                org_id,
                branch_id,
                d.name,
                d.kind,
            )
            .fetch_one(&mut **tx)
            .await?
        }
        PlaceKind::Resource => {
            sqlx::query_scalar!(
                "insert into resources (org_id, branch_id, name, kind) values ($1, $2, $3, $4) returning id",
                org_id,
                branch_id,
                d.name,
                d.kind,
            )
            .fetch_one(&mut **tx)
            .await?
        }
    };
    Ok(id)
}

/// Renames, re-kinds or retires a room or piece of equipment of the branch.
pub async fn update_place(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    kind: PlaceKind,
    id: Uuid,
    d: &PlaceDetails,
    active: bool,
) -> Result<bool, AppError> {
    let updated = match kind {
        PlaceKind::Room => {
            sqlx::query!(
                "update rooms set name = $4, kind = $5, active = $6 where org_id = $1 and branch_id = $2 and id = $3",
                org_id,
                branch_id,
                id,
                d.name,
                d.kind,
                active,
            )
            .execute(&mut **tx)
            .await?
        }
        PlaceKind::Resource => {
            sqlx::query!(
            "update resources set name = $4, kind = $5, active = $6 where org_id = $1 and branch_id = $2 and id = $3",
            org_id,
            branch_id,
            id,
            d.name,
            d.kind,
            active,
        )
            .execute(&mut **tx)
            .await?
        }
    };
    Ok(updated.rows_affected() == 1)
}
