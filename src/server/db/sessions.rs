//! Signed-in sessions (one per device) and the refresh tokens that keep them alive.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use crate::domain::{account::DeviceSession, AppError};

/// Where a request came from, for the sessions page and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: String,
    pub ip: Option<String>,
}

/// The account behind an email, found before the organization is known.
pub struct LoginCandidate {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub password_hash: String,
    pub is_active: bool,
}

pub async fn login_candidate(pool: &PgPool, email: &str) -> Result<Option<LoginCandidate>, AppError> {
    let row = sqlx::query!(
        r#"select user_id as "user_id!", org_id as "org_id!", password_hash as "password_hash!",
                  is_active as "is_active!"
           from auth_user_by_email($1)"#,
        email,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| LoginCandidate {
        user_id: r.user_id,
        org_id: r.org_id,
        password_hash: r.password_hash,
        is_active: r.is_active,
    }))
}

/// Opens a session; it ends after the organization's absolute lifetime at the latest.
pub async fn create_session(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<(Uuid, DateTime<Utc>), AppError> {
    let row = sqlx::query!(
        "insert into sessions (org_id, user_id, user_agent, ip, expires_at)
         select $1, $2, $3, $4, now() + make_interval(hours => o.session_max_hours)
         from organizations o where o.id = $1
         returning id, expires_at",
        org_id,
        user_id,
        client.user_agent,
        client.ip,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!("update users set last_login_at = now() where id = $1", user_id)
        .execute(&mut **tx)
        .await?;
    Ok((row.id, row.expires_at))
}

pub async fn insert_refresh_token(
    tx: &mut Tx,
    org_id: Uuid,
    session_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into refresh_tokens (org_id, session_id, token_hash, expires_at) values ($1, $2, $3, $4)",
        org_id,
        session_id,
        token_hash,
        expires_at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whose refresh token this is, found before the organization is known.
pub struct TokenOwner {
    pub token_id: Uuid,
    pub org_id: Uuid,
    pub session_id: Uuid,
    pub user_id: Uuid,
}

pub async fn token_owner(pool: &PgPool, token_hash: &[u8]) -> Result<Option<TokenOwner>, AppError> {
    let row = sqlx::query!(
        r#"select token_id as "token_id!", org_id as "org_id!", session_id as "session_id!",
                  user_id as "user_id!"
           from auth_refresh_token($1)"#,
        token_hash,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TokenOwner {
        token_id: r.token_id,
        org_id: r.org_id,
        session_id: r.session_id,
        user_id: r.user_id,
    }))
}

/// A refresh token and its session, locked so that concurrent refreshes queue up.
pub struct TokenState {
    pub token_expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub session_expires_at: DateTime<Utc>,
    /// The session went unused for longer than the organization's idle timeout.
    pub session_idle: bool,
    pub session_revoked: bool,
    pub user_active: bool,
}

pub async fn lock_token(tx: &mut Tx, token_id: Uuid) -> Result<Option<TokenState>, AppError> {
    let row = sqlx::query!(
        r#"select t.expires_at, t.rotated_at, s.expires_at as session_expires_at,
                  s.last_seen_at < now() - make_interval(mins => o.session_idle_minutes) as "session_idle!",
                  s.revoked_at is not null as "session_revoked!", u.is_active
           from refresh_tokens t
           join sessions s on s.id = t.session_id
           join users u on u.id = s.user_id
           join organizations o on o.id = s.org_id
           where t.id = $1
           for update of t"#,
        token_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| TokenState {
        token_expires_at: r.expires_at,
        rotated_at: r.rotated_at,
        session_expires_at: r.session_expires_at,
        session_idle: r.session_idle,
        session_revoked: r.session_revoked,
        user_active: r.is_active,
    }))
}

pub async fn mark_rotated(tx: &mut Tx, token_id: Uuid) -> Result<(), AppError> {
    sqlx::query!("update refresh_tokens set rotated_at = now() where id = $1", token_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends a session: its refresh tokens stop working and its access tokens are refused.
pub async fn revoke_session(tx: &mut Tx, session_id: Uuid, reason: &str) -> Result<(), AppError> {
    sqlx::query!(
        "update sessions set revoked_at = now(), revoked_reason = $2
         where id = $1 and revoked_at is null",
        session_id,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The user's signed-in devices, most recently used first.
pub async fn list_for_user(tx: &mut Tx, user_id: Uuid, current: Uuid) -> Result<Vec<DeviceSession>, AppError> {
    let rows = sqlx::query!(
        "select id, user_agent, ip, created_at, last_seen_at from sessions
         where user_id = $1 and revoked_at is null and expires_at > now()
         order by last_seen_at desc",
        user_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeviceSession {
            current: r.id == current,
            id: r.id,
            user_agent: r.user_agent,
            ip: r.ip,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            last_seen_local: String::new(),
        })
        .collect())
}

/// Ends one of the user's own sessions; `false` when they have no live one with that id.
pub async fn revoke_own(tx: &mut Tx, user_id: Uuid, session_id: Uuid) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update sessions set revoked_at = now(), revoked_reason = 'revoked by user'
         where id = $1 and user_id = $2 and revoked_at is null",
        session_id,
        user_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Whether the session is still live, without counting this as its use.
pub async fn is_live(tx: &mut Tx, session_id: Uuid, user_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select s.revoked_at is null and s.expires_at > now() and u.is_active
                  and s.last_seen_at > now() - make_interval(mins => o.session_idle_minutes) as "live!"
           from sessions s join users u on u.id = s.user_id join organizations o on o.id = s.org_id
           where s.id = $1 and s.user_id = $2"#,
        session_id,
        user_id,
    )
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or(false))
}
