//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the
//! blocking pool, never on the async workers.

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::domain::{account::NewPassword, AppError};

/// argon2id, 19 MiB, two passes, one lane: OWASP's minimum, and the crate's default.
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

fn hash_blocking(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher().hash_password(password, &salt)?.to_string())
}

/// Each hash holds 19 MiB and a core for tens of milliseconds. A flood of sign-ins or
/// sign-ups waits here for its turn instead of piling hundreds of them onto the blocking
/// pool (and into memory) at once.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(2 * cores)
    })
}

/// Makes the dummy hash now, so that the first sign-in with an unknown email does not
/// take twice as long as any other (and tell that it was the first).
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(dummy_hash).await;
}

pub async fn hash_password(password: NewPassword) -> Result<String, AppError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| super::super::error::internal("password hashing slots closed", e))?;
    tokio::task::spawn_blocking(move || hash_blocking(password.expose().as_bytes()))
        .await
        .map_err(|e| super::super::error::internal("password hashing task failed", e))?
        .map_err(|e| super::super::error::internal("password hashing failed", e))
}

/// A hash of nothing anyone knows, verified when the email is unknown so that the
/// answer takes as long as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = uuid::Uuid::new_v4().to_string();
        hash_blocking(random.as_bytes()).unwrap_or_default()
    })
}

/// Whether `candidate` matches `stored`; with no stored hash, spends the same time and
/// answers false.
pub async fn verify_password(candidate: String, stored: Option<String>) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matches = PasswordHash::new(&stored)
            .map(|hash| hasher().verify_password(candidate.as_bytes(), &hash).is_ok())
            .unwrap_or(false);
        known && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_meet_owasp_minimum_for_argon2id() {
        let hash = hash_blocking(b"correct horse battery").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = argon2::Params::try_from(&parsed).unwrap();
        assert!(params.m_cost() >= 19 * 1024, "memory {} KiB", params.m_cost());
        assert!(params.t_cost() >= 2);
        assert_eq!(params.p_cost(), 1);
    }

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let stored = hash_password(NewPassword::parse("p", "correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(verify_password("correct horse battery".into(), Some(stored.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(stored)).await);
        assert!(!verify_password("anything at all".into(), None).await);
    }
}

/// Refuses passwords from the bundled list of the most common ones, and runs of one
/// character ("aaaaaaaaaa").
pub fn not_common(password: NewPassword) -> Result<NewPassword, crate::domain::FieldError> {
    static LIST: &str = include_str!("common_passwords.txt");
    let candidate = password.expose().to_lowercase();
    let one_char = candidate.chars().all(|c| candidate.starts_with(c));
    let listed = LIST
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|line| line == candidate);
    if one_char || listed {
        Err(crate::domain::FieldError::new(
            "password",
            "This password is too common and easy to guess. Try a phrase of a few unrelated words.",
        ))
    } else {
        Ok(password)
    }
}

#[cfg(test)]
mod common_tests {
    use super::*;

    fn new(raw: &str) -> NewPassword {
        NewPassword::parse("password", raw).unwrap()
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        assert!(not_common(new("Password123")).is_err());
        assert!(not_common(new("QWERTYUIOP")).is_err());
        assert!(not_common(new("zzzzzzzzzzzz")).is_err());
        assert!(not_common(new("violet-kettle-harbour")).is_ok());
    }
}
