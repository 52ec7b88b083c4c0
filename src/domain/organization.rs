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

/// The security policy form as posted; a ticked box arrives as `Some("on")`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicyForm {
    #[serde(default)]
    pub require_two_factor: Option<String>,
    pub session_idle_minutes: String,
    pub session_max_hours: String,
}

impl SecurityPolicyForm {
    pub fn parse(&self) -> Result<SecurityPolicy, AppError> {
        let (require_two_factor, idle_minutes, max_hours) = (
            self.require_two_factor.is_some(),
            self.session_idle_minutes.as_str(),
            self.session_max_hours.as_str(),
        );
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
            (Ok(session_idle_minutes), Ok(session_max_hours)) => Ok(SecurityPolicy {
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
        let form = |tick: bool, idle: &str, max: &str| SecurityPolicyForm {
            require_two_factor: tick.then(|| "on".into()),
            session_idle_minutes: idle.into(),
            session_max_hours: max.into(),
        };
        let policy = form(true, "30", "12").parse().unwrap();
        assert_eq!(policy.session_idle_minutes, 30);
        let AppError::Validation(errors) = form(false, "1", "many").parse().unwrap_err() else {
            panic!("expected validation")
        };
        assert_eq!(errors.len(), 2);
    }
}
