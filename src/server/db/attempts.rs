//! The ledger of sign-in, second-factor, sign-up and online-booking attempts that rate
//! limits and lock-outs read (not tenant data: it is kept before anyone is known).

use sqlx::PgPool;

use super::Tx;
use crate::domain::AppError;

/// Makes attempts on one account and from one address queue behind each other (always
/// account first, then address, so two attempts cannot deadlock).
pub async fn lock(tx: &mut Tx, account: &str, ip: Option<&str>) -> Result<(), AppError> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('attempts:' || $1, 0)),
                pg_advisory_xact_lock(hashtextextended('attempts-ip:' || coalesce($2, ''), 0))",
        account,
        ip,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// What the limits look at.
pub struct Recent {
    /// Seconds since each failure of the account within `window_secs` and after its last
    /// success, newest first, at most `failures` of them.
    pub failure_ages: Vec<f64>,
    /// Attempts on the account, and from the address, in the last minute.
    pub account_recent: i64,
    pub ip_recent: i64,
}

pub async fn recent(
    tx: &mut Tx,
    kind: &str,
    account: &str,
    ip: Option<&str>,
    window_secs: f64,
    failures: i64,
) -> Result<Recent, AppError> {
    Ok(sqlx::query_as!(
        Recent,
        r#"
        select
            array(
                select extract(epoch from now() - f.created_at)::float8
                from auth_attempts f
                where f.account = $1 and f.kind = $2 and not f.succeeded
                  and f.created_at > now() - make_interval(secs => $4)
                  and f.created_at > coalesce((select max(s.created_at) from auth_attempts s
                                               where s.account = $1 and s.kind = $2 and s.succeeded), '-infinity')
                order by f.created_at desc
                limit $5
            ) as "failure_ages!",
            (select count(*) from auth_attempts r
             where r.account = $1 and r.created_at > now() - interval '1 minute') as "account_recent!",
            (select count(*) from auth_attempts r
             where r.ip = $3 and r.created_at > now() - interval '1 minute') as "ip_recent!"
        "#,
        account,
        kind,
        ip,
        window_secs,
        failures,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Records an attempt; its id.
pub async fn add(tx: &mut Tx, kind: &str, account: &str, ip: Option<&str>, succeeded: bool) -> Result<i64, AppError> {
    // `now()` is the transaction's start, which may be before an attempt that held the
    // lock: the clock's time keeps the ledger in the order attempts were counted.
    Ok(sqlx::query_scalar!(
        "insert into auth_attempts (kind, account, ip, succeeded, created_at)
         values ($1, $2, $3, $4, clock_timestamp()) returning id",
        kind,
        account,
        ip,
        succeeded,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn mark_succeeded(pool: &PgPool, id: i64) -> Result<(), AppError> {
    sqlx::query!(
        "update auth_attempts set succeeded = true, created_at = clock_timestamp() where id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets attempts older than a day, far longer than any window.
pub async fn prune(pool: &PgPool) -> Result<(), AppError> {
    sqlx::query!("delete from auth_attempts where created_at < now() - interval '1 day'")
        .execute(pool)
        .await?;
    Ok(())
}
