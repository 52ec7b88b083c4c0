//! The kept answers of the API's POSTs sent with an `Idempotency-Key`.

use uuid::Uuid;

use super::Tx;
use crate::domain::AppError;

/// What a key's first look finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its earlier request died unanswered): this request runs.
    Mine,
    /// Answered before: the kept status and JSON body.
    Answered { status: u16, body: Vec<u8> },
    /// The first request with this key is still running.
    Running,
    /// The key was first sent with another method, path or body.
    Different,
}

/// Claims `key` for this token's request, or finds what it was used for. A key is kept
/// a day; a request that claimed one and never answered (its process died) gives it up
/// after five minutes.
pub async fn claim(
    tx: &mut Tx,
    org_id: Uuid,
    token_id: Uuid,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, AppError> {
    if rand::random::<u8>() == 0 {
        sqlx::query!(
            "delete from api_idempotency_keys where token_id = $1 and created_at < now() - interval '1 day'",
            token_id
        )
        .execute(&mut **tx)
        .await?;
    }
    let mine = sqlx::query_scalar!(
        r#"insert into api_idempotency_keys (org_id, token_id, key, fingerprint) values ($1, $2, $3, $4)
           on conflict (token_id, key) do update
              set fingerprint = excluded.fingerprint, status = null, body = null, created_at = now()
            where api_idempotency_keys.created_at < now() - interval '1 day'
               or (api_idempotency_keys.status is null
                   and api_idempotency_keys.created_at < now() - interval '5 minutes')
           returning true as "mine!""#,
        org_id,
        token_id,
        key,
        fingerprint,
    )
    .fetch_optional(&mut **tx)
    .await?;
    if mine.is_some() {
        return Ok(Claim::Mine);
    }
    let kept = sqlx::query!(
        "select fingerprint, status, body from api_idempotency_keys where token_id = $1 and key = $2",
        token_id,
        key,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(if kept.fingerprint != fingerprint {
        Claim::Different
    } else {
        match (kept.status, kept.body) {
            (Some(status), Some(body)) => Claim::Answered {
                status: u16::try_from(status).map_err(|_| AppError::Internal)?,
                body,
            },
            _ => Claim::Running,
        }
    })
}

/// Keeps the answer to the request that claimed `key`.
pub async fn answer(tx: &mut Tx, token_id: Uuid, key: &str, status: u16, body: &[u8]) -> Result<(), AppError> {
    sqlx::query!(
        "update api_idempotency_keys set status = $3, body = $4 where token_id = $1 and key = $2",
        token_id,
        key,
        i16::try_from(status).map_err(|_| AppError::Internal)?,
        body,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives `key` back unanswered (the request failed on our side): it may be sent again.
pub async fn release(tx: &mut Tx, token_id: Uuid, key: &str) -> Result<(), AppError> {
    sqlx::query!(
        "delete from api_idempotency_keys where token_id = $1 and key = $2",
        token_id,
        key
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
