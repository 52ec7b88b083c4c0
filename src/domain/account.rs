//! Validated inputs of accounts: who signs up, with what, for which clinic.
//!
//! Each newtype parses once, the same way in the browser and on the server.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// The sign-up form as posted: the practice, its first branch, and its owner. (Its
/// fields are parsed by the sign-up use case, which makes the owner and their session.)
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpForm {
    pub org_name: String,
    pub branch_name: String,
    pub timezone: String,
    /// An ISO 4217 code, or empty (or `auto`) for the time zone's currency.
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
}

/// The sign-in form as posted; `next` is where to go after it (a path on this site).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogInForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// Joining from an invitation: one's name and a password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinForm {
    pub full_name: String,
    pub password: String,
}

// Passwords stay out of logs and panic messages.
impl fmt::Debug for SignUpForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUpForm")
            .field("org_name", &self.org_name)
            .field("branch_name", &self.branch_name)
            .field("timezone", &self.timezone)
            .field("currency", &self.currency)
            .field("address", &self.address)
            .field("phone", &self.phone)
            .field("full_name", &self.full_name)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for LogInForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogInForm")
            .field("email", &self.email)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for JoinForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinForm")
            .field("full_name", &self.full_name)
            .finish_non_exhaustive()
    }
}

/// A lower-cased, trimmed email address that looks deliverable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(FieldError::new(field, "Enter an email address."));
        }
        let parsed = email_address::EmailAddress::from_str(&value)
            .map_err(|_| FieldError::new(field, "Enter an email address like name@clinic.com."))?;
        // RFC 5322 allows "user@localhost"; nobody at a clinic has one.
        if !parsed.domain().contains('.') || value.len() > 254 {
            return Err(FieldError::new(field, "Enter an email address like name@clinic.com."));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trimmed, non-empty text of bounded length: names of people, clinics and branches.
fn bounded_text(field: &str, what: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("Remove the special characters from {what}."),
        ));
    }
    if value.is_empty() {
        return Err(FieldError::new(field, format!("Enter {what}.")));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("Keep {what} to {max} characters or fewer."),
        ));
    }
    Ok(value)
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
                bounded_text(field, $what, raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// A person's full name as they want to be addressed.
    PersonName, "a name", 120
);
text_newtype!(
    /// The name of an organization (the practice or clinic group).
    OrgName, "the organization's name", 120
);
text_newtype!(
    /// The name of one branch (location) of an organization.
    BranchName, "the branch name", 120
);

/// The minimum length of a new password (NIST SP 800-63B asks for at least 8; we ask 10).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing it costs nothing extra.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// A new password that meets the length rules. Whether it is too common is checked on
/// the server, against a list the browser does not need to download.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(FieldError::new(
                field,
                format!("Use at least {MIN_PASSWORD_CHARS} characters."),
            ));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(FieldError::new(field, "Use a shorter password."));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// An IANA time zone such as `Europe/Berlin`; every branch has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| FieldError::new(field, "Choose a time zone from the list, like Europe/London."))
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// Time zones offered first in pickers (any IANA name is accepted), with the currency of
/// the country they are in: what sign-up proposes for a clinic there.
pub const COMMON_TIME_ZONES: &[(&str, &str)] = &[
    ("Europe/London", "GBP"),
    ("Europe/Dublin", "EUR"),
    ("Europe/Lisbon", "EUR"),
    ("Europe/Madrid", "EUR"),
    ("Europe/Paris", "EUR"),
    ("Europe/Amsterdam", "EUR"),
    ("Europe/Brussels", "EUR"),
    ("Europe/Berlin", "EUR"),
    ("Europe/Zurich", "CHF"),
    ("Europe/Rome", "EUR"),
    ("Europe/Vienna", "EUR"),
    ("Europe/Prague", "CZK"),
    ("Europe/Warsaw", "PLN"),
    ("Europe/Stockholm", "SEK"),
    ("Europe/Helsinki", "EUR"),
    ("Europe/Athens", "EUR"),
    ("Europe/Bucharest", "RON"),
    ("Europe/Kyiv", "UAH"),
    ("Europe/Istanbul", "TRY"),
    ("America/New_York", "USD"),
    ("America/Chicago", "USD"),
    ("America/Denver", "USD"),
    ("America/Phoenix", "USD"),
    ("America/Los_Angeles", "USD"),
    ("America/Anchorage", "USD"),
    ("America/Toronto", "CAD"),
    ("America/Vancouver", "CAD"),
    ("America/Mexico_City", "MXN"),
    ("America/Sao_Paulo", "BRL"),
    ("America/Buenos_Aires", "ARS"),
    ("Africa/Johannesburg", "ZAR"),
    ("Africa/Lagos", "NGN"),
    ("Africa/Cairo", "EGP"),
    ("Asia/Dubai", "AED"),
    ("Asia/Kolkata", "INR"),
    ("Asia/Singapore", "SGD"),
    ("Asia/Tokyo", "JPY"),
    ("Australia/Sydney", "AUD"),
    ("Australia/Perth", "AUD"),
    ("Pacific/Auckland", "NZD"),
    ("UTC", ""),
];

/// Every place's time zone, the common ones first, for a picker that finds any city.
/// (Aliases such as `US/Eastern` and the `Etc/` offsets are left out.)
pub fn all_time_zones() -> Vec<&'static str> {
    let common = COMMON_TIME_ZONES.iter().map(|(name, _)| *name);
    let rest = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).filter(|name| {
        name.contains('/')
            && !name.starts_with("Etc/")
            && !name.starts_with("US/")
            && !name.starts_with("SystemV/")
            && !COMMON_TIME_ZONES.iter().any(|(common, _)| common == name)
    });
    common.chain(rest).collect()
}

/// The currency of the country a common time zone is in.
pub fn zone_currency(zone: &str) -> Option<&'static str> {
    COMMON_TIME_ZONES
        .iter()
        .find(|(name, currency)| *name == zone && !currency.is_empty())
        .map(|(_, currency)| *currency)
}

/// A path inside this site to return to after signing in. Anything else (another host,
/// a protocol-relative `//evil`, a backslash trick) falls back to the app's home, so the
/// sign-in page cannot be used as an open redirect.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/app".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("email", "  Ada@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada@example.com");
    }

    #[test]
    fn email_without_a_domain_dot_or_at_sign_is_refused() {
        for raw in ["", "ada", "ada@", "ada@localhost", "@example.com", "a b@example.com"] {
            let err = Email::parse("email", raw).unwrap_err();
            assert_eq!(err.field, "email", "{raw:?} should be refused");
        }
    }

    #[test]
    fn names_collapse_whitespace_and_have_a_limit() {
        assert_eq!(
            PersonName::parse("n", "  Ada   Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(PersonName::parse("n", "   ").is_err());
        assert!(OrgName::parse("n", &"x".repeat(121)).is_err());
        assert!(OrgName::parse("n", &"é".repeat(120)).is_ok());
    }

    #[test]
    fn names_with_control_characters_are_refused() {
        let err = PersonName::parse("full_name", "Ada\0Lovelace").unwrap_err();
        assert_eq!(err.field, "full_name");
        assert!(err.message.contains("special characters"), "{}", err.message);
        assert!(OrgName::parse("n", "Clinic\u{7}").is_err());
    }

    #[test]
    fn password_needs_ten_characters() {
        assert!(NewPassword::parse("p", "short-pw1").is_err());
        assert!(NewPassword::parse("p", "long-enough").is_ok());
        assert!(NewPassword::parse("p", &"x".repeat(300)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("p", "secret-secret").unwrap()),
            "NewPassword(..)"
        );
    }

    #[test]
    fn time_zone_must_be_an_iana_name() {
        assert_eq!(TimeZone::parse("tz", "Europe/Berlin").unwrap().name(), "Europe/Berlin");
        assert!(TimeZone::parse("tz", "Mars/Olympus").is_err());
        for (name, currency) in COMMON_TIME_ZONES {
            assert!(TimeZone::parse("tz", name).is_ok(), "{name}");
            assert!(
                currency.is_empty() || crate::domain::money::currency_code(currency) == Some(*currency),
                "{currency}"
            );
        }
        let all = all_time_zones();
        assert_eq!(all[0], "Europe/London");
        assert!(all.contains(&"Asia/Kathmandu") && !all.contains(&"US/Eastern"));
        assert_eq!(all.iter().filter(|z| **z == "Europe/Paris").count(), 1);
        assert_eq!(zone_currency("Europe/London"), Some("GBP"));
        assert_eq!(zone_currency("UTC"), None);
        assert_eq!(zone_currency("Asia/Kathmandu"), None);
    }

    #[test]
    fn next_path_cannot_leave_the_site() {
        assert_eq!(safe_next_path(Some("/app/patients?q=a")), "/app/patients?q=a");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "app", ""] {
            assert_eq!(safe_next_path(Some(bad)), "/app", "{bad}");
        }
        assert_eq!(safe_next_path(None), "/app");
    }
}

/// Whom an invitation link is from and for, as the joining page greets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub org_name: String,
    pub email: String,
}

/// One's API tokens, and the secret of one just created by a form posted without
/// JavaScript (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokens {
    pub tokens: Vec<ApiTokenInfo>,
    pub created: Option<String>,
}

/// A personal API token as its owner sees it (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `created_at` in the viewer's branch time zone (formatted on the server, so the
    /// browser needs no time-zone database).
    #[serde(default)]
    pub created_local: String,
}

/// One signed-in device of the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: uuid::Uuid,
    pub user_agent: String,
    pub ip: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// `last_seen_at` in the viewer's branch time zone.
    #[serde(default)]
    pub last_seen_local: String,
    /// The session of the browser looking at the list.
    pub current: bool,
}

impl DeviceSession {
    /// "Firefox on Windows" from the user agent, or the raw text when unrecognised.
    pub fn device(&self) -> String {
        device_label(&self.user_agent)
    }
}

pub fn device_label(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) if user_agent.is_empty() => "Unknown device".to_owned(),
        (None, None) => user_agent.chars().take(60).collect(),
    }
}

/// The two-factor section of the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
    pub required_by_organization: bool,
    /// While not enabled: the enrolment to confirm.
    pub enrolment: Option<EnrolmentView>,
}

/// What a person needs to set up their authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentView {
    /// The QR code, an SVG drawn on the server.
    pub qr_svg: String,
    /// The same secret in base32, to type in by hand.
    pub secret: String,
    /// Shown now, before they are needed; each works once.
    pub recovery_codes: Vec<String>,
}

#[cfg(test)]
mod device_tests {
    use super::device_label;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(device_label(chrome), "Chrome on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_label(iphone), "Safari on iPhone");
        assert_eq!(device_label(""), "Unknown device");
        assert_eq!(device_label("curl/8.0"), "curl/8.0");
    }
}
