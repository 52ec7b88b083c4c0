//! Branches: details, time zone and opening hours.

use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        access::Role,
        branch::{Branch, BranchDetails, OpeningHours},
        AppError,
    },
    server::error::internal,
};

fn hours_json(hours: &OpeningHours) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(hours).map_err(|e| internal("encoding opening hours", e))
}

fn hours_from(value: serde_json::Value) -> OpeningHours {
    // Rows are written from `OpeningHours` only; anything unreadable shows as closed.
    serde_json::from_value(value).unwrap_or_default()
}

/// Every branch of the organization, by name.
pub async fn list(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Branch>, AppError> {
    let rows = sqlx::query!(
        "select id, name, address, phone, timezone, opening_hours from branches where org_id = $1 order by name, id",
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Branch {
            id: r.id,
            name: r.name,
            address: r.address,
            phone: r.phone,
            timezone: r.timezone,
            opening_hours: hours_from(r.opening_hours),
        })
        .collect())
}

pub async fn get(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Branch>, AppError> {
    let row = sqlx::query!(
        "select id, name, address, phone, timezone, opening_hours from branches where org_id = $1 and id = $2",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Branch {
        id: r.id,
        name: r.name,
        address: r.address,
        phone: r.phone,
        timezone: r.timezone,
        opening_hours: hours_from(r.opening_hours),
    }))
}

pub async fn create(tx: &mut Tx, org_id: Uuid, details: &BranchDetails) -> Result<Uuid, AppError> {
    let id = sqlx::query_scalar!(
        "insert into branches (org_id, name, address, phone, timezone, opening_hours)
         values ($1, $2, $3, $4, $5, $6) returning id",
        org_id,
        details.name.as_str(),
        details.address,
        details.phone.as_ref().map_or("", |p| p.as_str()),
        details.timezone.name(),
        hours_json(&details.opening_hours)?,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Updates a branch of the organization; `None` when it has no such branch.
pub async fn update(tx: &mut Tx, org_id: Uuid, id: Uuid, details: &BranchDetails) -> Result<Option<()>, AppError> {
    let updated = sqlx::query!(
        "update branches set name = $3, address = $4, phone = $5, timezone = $6, opening_hours = $7
         where org_id = $1 and id = $2",
        org_id,
        id,
        details.name.as_str(),
        details.address,
        details.phone.as_ref().map_or("", |p| p.as_str()),
        details.timezone.name(),
        hours_json(&details.opening_hours)?,
    )
    .execute(&mut **tx)
    .await?;
    Ok((updated.rows_affected() == 1).then_some(()))
}

/// An administrator of some branches administers the branch they open, too (one with
/// organization-wide access has it already).
pub async fn grant_creator(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    branch_id: Uuid,
    role: Role,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into memberships (org_id, user_id, branch_id, role)
         select $1, $2, $3, $4
         where not exists (select 1 from memberships where user_id = $2 and branch_id is null)",
        org_id,
        user_id,
        branch_id,
        role.as_str(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
