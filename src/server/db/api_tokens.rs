//! Personal API tokens for integrations: a bearer secret that acts as its user.

use uuid::Uuid;

use super::Tx;
use crate::domain::{account::ApiTokenInfo, AppError};

pub async fn create(tx: &mut Tx, org_id: Uuid, user_id: Uuid, name: &str, token_hash: &[u8]) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into api_tokens (org_id, user_id, name, token_hash) values ($1, $2, $3, $4) returning id",
        org_id,
        user_id,
        name,
        token_hash,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn list(tx: &mut Tx, user_id: Uuid) -> Result<Vec<ApiTokenInfo>, AppError> {
    let rows = sqlx::query!(
        "select id, name, created_at, last_used_at from api_tokens
         where user_id = $1 and revoked_at is null order by created_at desc",
        user_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApiTokenInfo {
            id: r.id,
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            created_local: String::new(),
        })
        .collect())
}

/// Revokes one of the user's own tokens; `false` when they have none with that id.
pub async fn revoke(tx: &mut Tx, user_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update api_tokens set revoked_at = now() where user_id = $1 and id = $2 and revoked_at is null",
        user_id,
        id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}
