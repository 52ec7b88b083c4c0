//! Organization-wide settings.

use serde::{Deserialize, Serialize};

use super::{
    account::OrgName,
    error::{AppError, FieldError},
    money::currency_code,
};

/// The organization's name and currency (Settings → Organization).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationProfile {
    pub name: String,
    /// ISO 4217: prices and, later, invoices are in it.
    pub currency: String,
    /// A movement may take an item's stock below zero (counted later).
    pub allow_negative_stock: bool,
}

/// The home page's setup checklist for owners and admins: each step is ticked by what
/// exists, at the caller's branch where it is about a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupChecklist {
    /// Someone has working hours here.
    pub hours: bool,
    /// A service can be booked.
    pub service: bool,
    /// Someone else works here, or has been invited.
    pub team: bool,
    /// The booking page offers this branch's times: an online service, given by someone
    /// with hours here.
    pub bookable: bool,
    /// A patient has booked through it.
    pub booked_online: bool,
    /// The booking page's full address, and its QR code (SVG) for the front desk.
    pub portal_url: String,
    pub qr_svg: String,
}

impl SetupChecklist {
    pub fn done(&self) -> bool {
        self.hours && self.service && self.team && self.bookable && self.booked_online
    }
}

/// The organization form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationForm {
    pub name: String,
    pub currency: String,
    #[serde(default)]
    pub allow_negative_stock: Option<String>,
}

impl OrganizationForm {
    pub fn parse(&self) -> Result<OrganizationProfile, AppError> {
        let currency = currency_code(&self.currency)
            .ok_or_else(|| FieldError::new("currency", "Choose a currency from the list."));
        match (OrgName::parse("name", &self.name), currency) {
            (Ok(name), Ok(currency)) => Ok(OrganizationProfile {
                name: name.as_str().to_owned(),
                currency: currency.to_owned(),
                allow_negative_stock: self.allow_negative_stock.is_some(),
            }),
            (name, currency) => Err(AppError::Validation(
                [name.err(), currency.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

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
    fn an_organization_has_a_name_and_a_currency_in_use() {
        let form = |name: &str, currency: &str| OrganizationForm {
            name: name.into(),
            currency: currency.into(),
            allow_negative_stock: None,
        };
        let profile = form("  Harbour   Physio ", "gbp").parse().unwrap();
        assert_eq!(
            (profile.name.as_str(), profile.currency.as_str()),
            ("Harbour Physio", "GBP")
        );
        let AppError::Validation(errors) = form("", "XAU").parse().unwrap_err() else {
            panic!("expected validation")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "currency"]);
    }

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
