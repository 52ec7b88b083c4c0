//! Patients: what the calendar needs to find or add one (the patients feature extends it).

use uuid::Uuid;

use super::Tx;
use crate::domain::{patient::PatientSummary, AppError};

/// Patients whose name, phone or email contains `query`, best matches first.
pub async fn search(tx: &mut Tx, org_id: Uuid, query: &str, limit: i64) -> Result<Vec<PatientSummary>, AppError> {
    let pattern = format!("%{}%", query.trim().to_lowercase().replace(['%', '_', '\\'], ""));
    let rows = sqlx::query_as!(
        PatientSummary,
        "select id, full_name, phone, email from patients
         where org_id = $1 and archived_at is null
           and (lower(full_name) like $2 or phone like $2 or lower(email) like $2)
         order by lower(full_name) like $3 desc, lower(full_name), id
         limit $4",
        org_id,
        pattern,
        format!("{}%", query.trim().to_lowercase()),
        limit,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

pub async fn get(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<PatientSummary>, AppError> {
    Ok(sqlx::query_as!(
        PatientSummary,
        "select id, full_name, phone, email from patients where org_id = $1 and id = $2",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// A patient added from the booking form with a name and a phone number.
pub async fn create_quick(tx: &mut Tx, org_id: Uuid, full_name: &str, phone: &str) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into patients (org_id, full_name, phone) values ($1, $2, $3) returning id",
        org_id,
        full_name,
        phone,
    )
    .fetch_one(&mut **tx)
    .await?)
}
