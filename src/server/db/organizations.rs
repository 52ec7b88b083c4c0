//! Organization-wide settings.

use uuid::Uuid;

use super::Tx;
use crate::domain::{organization::SecurityPolicy, AppError};

/// The organization's currency (ISO 4217).
pub async fn currency(tx: &mut Tx, org_id: Uuid) -> Result<String, AppError> {
    Ok(
        sqlx::query_scalar!("select currency from organizations where id = $1", org_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

pub async fn security_policy(tx: &mut Tx, org_id: Uuid) -> Result<SecurityPolicy, AppError> {
    let row = sqlx::query!(
        "select require_two_factor, session_idle_minutes, session_max_hours from organizations where id = $1",
        org_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(SecurityPolicy {
        require_two_factor: row.require_two_factor,
        session_idle_minutes: row.session_idle_minutes,
        session_max_hours: row.session_max_hours,
    })
}

/// Stores the policy. Turning two-factor on ends the sessions of everyone who has not
/// set it up, so that they meet the policy at their next sign-in.
pub async fn set_security_policy(tx: &mut Tx, org_id: Uuid, policy: &SecurityPolicy) -> Result<u64, AppError> {
    sqlx::query!(
        "update organizations set require_two_factor = $2, session_idle_minutes = $3, session_max_hours = $4
         where id = $1",
        org_id,
        policy.require_two_factor,
        policy.session_idle_minutes,
        policy.session_max_hours,
    )
    .execute(&mut **tx)
    .await?;
    if !policy.require_two_factor {
        return Ok(0);
    }
    let ended = sqlx::query!(
        "update sessions s set revoked_at = now(), revoked_reason = 'two-factor required'
         from users u
         where s.user_id = u.id and s.org_id = $1 and s.revoked_at is null and u.totp_enabled_at is null",
        org_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(ended.rows_affected())
}
