//! Single-use links to choose a new password.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Pool, Tx};
use crate::domain::AppError;

/// Links one person may have open at once: more requests send nothing more.
pub const OPEN_AT_ONCE: i64 = 3;

/// Stores a link for `user_id`; false (nothing stored) when they have too many open.
pub async fn create(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<bool, AppError> {
    let created = sqlx::query!(
        "insert into password_resets (org_id, user_id, token_hash, expires_at)
         select $1, $2, $3, $4
         where (select count(*) from password_resets
                where user_id = $2 and used_at is null and expires_at > now()) < $5",
        org_id,
        user_id,
        token_hash,
        expires_at,
        OPEN_AT_ONCE,
    )
    .execute(&mut **tx)
    .await?;
    Ok(created.rows_affected() == 1)
}

/// The open link with this hash: (its id, the organization, the user).
pub async fn find(pool: &Pool, token_hash: &[u8]) -> Result<Option<(Uuid, Uuid, Uuid)>, AppError> {
    let row = sqlx::query!(
        r#"select reset_id as "reset_id!", org_id as "org_id!", user_id as "user_id!"
           from auth_password_reset($1)"#,
        token_hash,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.reset_id, r.org_id, r.user_id)))
}

/// Uses link `id` (once: false if it was used meanwhile): sets the new password, closes
/// the user's other links and ends all their sessions.
pub async fn use_link(tx: &mut Tx, id: Uuid, user_id: Uuid, password_hash: &str) -> Result<bool, AppError> {
    let used = sqlx::query!(
        "update password_resets set used_at = now() where id = $1 and used_at is null and expires_at > now()",
        id,
    )
    .execute(&mut **tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query!(
        "with others as (
             update password_resets set used_at = now() where user_id = $1 and used_at is null
         ), sessions_ended as (
             update sessions set revoked_at = now(), revoked_reason = 'password reset'
             where user_id = $1 and revoked_at is null
         )
         update users set password_hash = $2 where id = $1",
        user_id,
        password_hash,
    )
    .execute(&mut **tx)
    .await?;
    Ok(true)
}
