//! Organization-wide settings.

use serde::{Deserialize, Serialize};

use super::error::{AppError, FieldError};

/// The organization's security policy (Settings → Security, owner only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// Every staff member must use two-factor authentication.
    pub require_two_factor: bool,
    /// A session unused for this long ends (HIPAA's automatic log-off).
    pub session_idle_minutes: i32,
    /// No session lives longer than this, however active.
    pub session_max_hours: i32,
}

impl SecurityPolicy {
    pub fn parse(require_two_factor: bool, idle_minutes: &str, max_hours: &str) -> Result<Self, AppError> {
        let idle = idle_minutes
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (5..=720).contains(m))
            .ok_or_else(|| FieldError::new("session_idle_minutes", "Enter a number of minutes from 5 to 720."));
        let max = max_hours
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|h| (1..=720).contains(h))
            .ok_or_else(|| FieldError::new("session_max_hours", "Enter a number of hours from 1 to 720."));
        match (idle, max) {
            (Ok(session_idle_minutes), Ok(session_max_hours)) => Ok(Self {
                require_two_factor,
                session_idle_minutes,
                session_max_hours,
            }),
            (idle, max) => Err(AppError::Validation(
                [idle.err(), max.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_must_be_in_range() {
        let policy = SecurityPolicy::parse(true, "30", "12").unwrap();
        assert_eq!(policy.session_idle_minutes, 30);
        let AppError::Validation(errors) = SecurityPolicy::parse(false, "1", "many").unwrap_err() else {
            panic!("expected validation")
        };
        assert_eq!(errors.len(), 2);
    }
}
