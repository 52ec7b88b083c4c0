//! Rate limits and lock-out for sign-in and second-factor attempts, kept in PostgreSQL
//! so that every server process sees the same counts.

use sqlx::PgPool;

use crate::domain::AppError;

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Password,
    SecondFactor,
    PortalBooking,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Password => "password",
            Kind::SecondFactor => "second_factor",
            Kind::PortalBooking => "portal_booking",
        }
    }
}

/// Failures within the window that lock an account.
pub const LOCKOUT_FAILURES: i64 = 10;
pub const LOCKOUT_WINDOW_SECS: i64 = 15 * 60;
/// Attempts on one account per minute, failed or not.
pub const ACCOUNT_ATTEMPTS_PER_MINUTE: i64 = 5;

/// Refuses the attempt with 429 and a wait when the account is locked or the account or
/// address is going too fast. `account` is the lower-cased email (password step) or the
/// user id (second factor): unknown emails are limited exactly like known ones.
pub async fn check(
    pool: &PgPool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    per_ip_minute: u32,
) -> Result<(), AppError> {
    check_with_limit(
        pool,
        kind,
        account,
        ip,
        ACCOUNT_ATTEMPTS_PER_MINUTE as u32,
        per_ip_minute,
    )
    .await
}

/// As `check`, with the per-account limit given (the portal counts bookings per address).
pub async fn check_with_limit(
    pool: &PgPool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    per_account_minute: u32,
    per_ip_minute: u32,
) -> Result<(), AppError> {
    let row = sqlx::query!(
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
        kind.as_str(),
        ip,
        (2 * LOCKOUT_WINDOW_SECS) as f64,
        LOCKOUT_FAILURES,
    )
    .fetch_one(pool)
    .await?;

    if let Some(wait) = lockout_remaining(&row.failure_ages) {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    if row.account_recent >= i64::from(per_account_minute) || row.ip_recent >= i64::from(per_ip_minute) {
        return Err(AppError::RateLimited { retry_after_secs: 60 });
    }
    Ok(())
}

/// Ten failures within fifteen minutes lock the account for fifteen minutes after the
/// last of them. `ages` are seconds since each recent failure, newest first.
fn lockout_remaining(ages: &[f64]) -> Option<u64> {
    let window = LOCKOUT_WINDOW_SECS as f64;
    let (newest, tenth) = (ages.first()?, ages.get(LOCKOUT_FAILURES as usize - 1)?);
    (tenth - newest <= window && *newest < window).then(|| (window - newest).ceil().max(1.0) as u64)
}

pub async fn record(
    pool: &PgPool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    succeeded: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into auth_attempts (kind, account, ip, succeeded) values ($1, $2, $3, $4)",
        kind.as_str(),
        account,
        ip,
        succeeded,
    )
    .execute(pool)
    .await?;
    // Keep the ledger small: a day is far longer than any window above.
    if rand::random::<u8>() == 0 {
        sqlx::query!("delete from auth_attempts where created_at < now() - interval '1 day'")
            .execute(pool)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lockout_remaining;

    #[test]
    fn ten_failures_within_fifteen_minutes_lock_for_fifteen_minutes_after_the_last() {
        let quick: Vec<f64> = (0..10).map(|i| 10.0 + f64::from(i)).collect();
        assert_eq!(lockout_remaining(&quick), Some(890));
        let nine: Vec<f64> = (0..9).map(f64::from).collect();
        assert_eq!(lockout_remaining(&nine), None);
        // Spread over more than fifteen minutes: no lock.
        let slow: Vec<f64> = (0..10).map(|i| f64::from(i) * 120.0).collect();
        assert_eq!(lockout_remaining(&slow), None);
        // The lock has run out.
        let old: Vec<f64> = (0..10).map(|i| 901.0 + f64::from(i)).collect();
        assert_eq!(lockout_remaining(&old), None);
    }
}
