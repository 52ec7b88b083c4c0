//! Rate limits and lock-out for sign-in and second-factor attempts, kept in PostgreSQL
//! so that every server process sees the same counts.

use crate::{
    domain::AppError,
    server::db::{attempts, Pool},
};

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Password,
    SecondFactor,
    PortalBooking,
    SignUp,
    PasswordReset,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Password => "password",
            Kind::SecondFactor => "second_factor",
            Kind::PortalBooking => "portal_booking",
            Kind::SignUp => "sign_up",
            Kind::PasswordReset => "password_reset",
        }
    }
}

/// Failures within the window that lock an account.
pub const LOCKOUT_FAILURES: i64 = 10;
pub const LOCKOUT_WINDOW_SECS: i64 = 15 * 60;
/// Attempts on one account per minute, failed or not.
pub const ACCOUNT_ATTEMPTS_PER_MINUTE: i64 = 5;

/// An attempt that passed the limits and is already counted (as a failure until it
/// proves otherwise).
#[must_use = "an attempt counts as failed unless marked as succeeded"]
pub struct Attempt {
    id: i64,
}

/// Refuses the attempt with 429 and a wait when the account is locked or the account or
/// address is going too fast; otherwise counts it. `account` is the lower-cased email
/// (password step) or the user id (second factor): unknown emails are limited exactly
/// like known ones.
pub async fn begin(
    pool: &Pool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    per_ip_minute: u32,
) -> Result<Attempt, AppError> {
    let id = enter(
        pool,
        kind,
        account,
        ip,
        ACCOUNT_ATTEMPTS_PER_MINUTE as u32,
        per_ip_minute,
        true,
    )
    .await?;
    Ok(Attempt { id })
}

/// Counts something that is limited but never judged (an online booking, a sign-up),
/// refusing it with 429 past `per_account_minute` for `account` or `per_ip_minute` for
/// the address. It never counts as a failure, so a burst of them locks nothing out.
pub async fn count(
    pool: &Pool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    per_account_minute: u32,
    per_ip_minute: u32,
) -> Result<(), AppError> {
    enter(pool, kind, account, ip, per_account_minute, per_ip_minute, false).await?;
    Ok(())
}

/// Checks the limits and records the attempt, as a failure until proven otherwise when
/// it is `judged`; its id.
///
/// The check and the count are one step: the account's and the address's advisory locks
/// (always taken in that order, so two attempts cannot deadlock) make simultaneous
/// attempts queue, and each sees the ones before it. Without that, a burst of parallel
/// guesses would all pass a check made before any of them was recorded.
async fn enter(
    pool: &Pool,
    kind: Kind,
    account: &str,
    ip: Option<&str>,
    per_account_minute: u32,
    per_ip_minute: u32,
    judged: bool,
) -> Result<i64, AppError> {
    // Whatever was typed as an email is stored; no real one is longer than 254 characters.
    let account: String = account.chars().filter(|c| !c.is_control()).take(320).collect();
    let mut tx = pool.begin().await?;
    attempts::lock(&mut tx, &account, ip).await?;
    let row = attempts::recent(
        &mut tx,
        kind.as_str(),
        &account,
        ip,
        (2 * LOCKOUT_WINDOW_SECS) as f64,
        LOCKOUT_FAILURES,
    )
    .await?;

    if let Some(wait) = lockout_remaining(&row.failure_ages) {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    if row.account_recent >= i64::from(per_account_minute) || row.ip_recent >= i64::from(per_ip_minute) {
        return Err(AppError::RateLimited { retry_after_secs: 60 });
    }
    let id = attempts::add(&mut tx, kind.as_str(), &account, ip, !judged).await?;
    tx.commit().await?;
    if rand::random::<u8>() == 0 {
        attempts::prune(pool).await?;
    }
    Ok(id)
}

impl Attempt {
    /// The attempt succeeded: it no longer counts towards the lock-out, and earlier
    /// failures stop counting too.
    pub async fn succeeded(self, pool: &Pool) -> Result<(), AppError> {
        attempts::mark_succeeded(pool, self.id).await
    }
}

/// Ten failures within fifteen minutes lock the account for fifteen minutes after the
/// last of them. `ages` are seconds since each recent failure, newest first.
fn lockout_remaining(ages: &[f64]) -> Option<u64> {
    let window = LOCKOUT_WINDOW_SECS as f64;
    let (newest, tenth) = (ages.first()?, ages.get(LOCKOUT_FAILURES as usize - 1)?);
    (tenth - newest <= window && *newest < window).then(|| (window - newest).ceil().max(1.0) as u64)
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
