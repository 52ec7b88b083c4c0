//! How an organization's messages go out (Settings → Messages): the email provider and
//! its SMTP server, the sender, and which reminders are sent on which channel.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    account::Email,
    error::{AppError, FieldError},
    patient::OutboxMessage,
    time::filter_day,
};

/// What a message can be about, with its label.
pub const MESSAGE_KINDS: &[(&str, &str)] = &[
    ("booking_confirmation", "Booking confirmation"),
    ("reminder", "Reminder"),
    ("reschedule", "New time"),
    ("cancellation", "Cancellation"),
    ("form_request", "Form to fill in"),
    ("receipt", "Receipt"),
    ("staff_invitation", "Staff invitation"),
    ("password_reset", "Password reset"),
    ("low_stock", "Running low"),
];

/// Where a message can stand, with its label for the log's filter.
pub const MESSAGE_STATUSES: &[(&str, &str)] = &[
    ("queued", "Planned or waiting"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("bounced", "Bounced"),
    ("undeliverable", "Not delivered"),
    ("failed", "Not sent"),
    ("cancelled", "Called off"),
];

pub const CHANNELS: &[(&str, &str)] = &[("email", "Email"), ("sms", "Text message")];

/// The message log's filters as its GET form carries them; days in the branch's zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageLogQuery {
    pub status: String,
    pub channel: String,
    pub kind: String,
    pub from: String,
    pub until: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageLogFilter {
    pub status: Option<&'static str>,
    pub channel: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// One patient's messages only (their profile).
    pub patient: Option<Uuid>,
    /// One appointment's messages only (its page).
    pub appointment: Option<Uuid>,
}

impl MessageLogQuery {
    /// The filter; an unknown value of a list is refused, "until" takes the whole day.
    pub fn parse(&self, tz: chrono_tz::Tz) -> Result<MessageLogFilter, AppError> {
        let one_of = |field: &str, raw: &str, list: &[(&'static str, &str)]| match raw.trim() {
            "" => Ok(None),
            raw => list
                .iter()
                .find(|(key, _)| *key == raw)
                .map(|(key, _)| Some(*key))
                .ok_or_else(|| AppError::field(field, "Choose one of the list.")),
        };
        Ok(MessageLogFilter {
            status: one_of("status", &self.status, MESSAGE_STATUSES)?,
            channel: one_of("channel", &self.channel, CHANNELS)?,
            kind: one_of("kind", &self.kind, MESSAGE_KINDS)?,
            from: filter_day("from", &self.from, 0, tz)?,
            until: filter_day("until", &self.until, 1, tz)?,
            patient: None,
            appointment: None,
        })
    }
}

/// A line of the message log: the message and whom it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedMessage {
    /// None for a message to someone who is no patient (an invitee).
    pub patient_id: Option<Uuid>,
    /// The patient's name, or the recipient's address.
    pub patient_name: String,
    pub message: OutboxMessage,
}

/// The reminders offered, in minutes before the appointment.
pub const REMINDER_MINUTES: [i32; 3] = [1440, 180, 60];

/// "24 hours", "3 hours", "1 hour": a reminder's distance in words.
pub fn reminder_words(minutes: i32) -> String {
    match minutes {
        m if m % 60 == 0 && m != 60 => format!("{} hours", m / 60),
        60 => "1 hour".to_owned(),
        m => format!("{m} minutes"),
    }
}

/// The settings as the page shows them; the SMTP password is never sent back, only
/// whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingSettings {
    /// `log`, `smtp`, `sendgrid` or `resend`.
    pub email_provider: String,
    /// `none`, or the email provider tried when the first refuses.
    pub email_fallback: String,
    pub sender_name: String,
    pub sender_email: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password_set: bool,
    pub sendgrid_api_key_set: bool,
    pub sendgrid_webhook_key: String,
    pub resend_api_key_set: bool,
    pub resend_webhook_secret_set: bool,
    /// `log` or `twilio`.
    pub sms_provider: String,
    pub twilio_account_sid: String,
    pub twilio_auth_token_set: bool,
    pub sms_sender: String,
    /// Where each provider's delivery reports go, to paste into its settings.
    pub sendgrid_webhook_url: String,
    pub resend_webhook_url: String,
    pub twilio_webhook_url: String,
    pub reminder_email_minutes: Vec<i32>,
    pub reminder_sms_minutes: Vec<i32>,
    /// "21:00", or empty without quiet hours.
    pub quiet_from: String,
    pub quiet_until: String,
}

/// The email form as posted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EmailSettingsForm {
    pub email_provider: String,
    #[serde(default)]
    pub sender_name: String,
    #[serde(default)]
    pub sender_email: String,
    #[serde(default)]
    pub smtp_host: String,
    #[serde(default)]
    pub smtp_port: String,
    #[serde(default)]
    pub smtp_security: String,
    #[serde(default)]
    pub smtp_username: String,
    /// Empty keeps the stored password; so for every secret below.
    #[serde(default)]
    pub smtp_password: String,
    #[serde(default)]
    pub email_fallback: String,
    #[serde(default)]
    pub sendgrid_api_key: String,
    #[serde(default)]
    pub sendgrid_webhook_key: String,
    #[serde(default)]
    pub resend_api_key: String,
    #[serde(default)]
    pub resend_webhook_secret: String,
}

/// Validated email settings; `smtp_password: None` keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailSettings {
    pub email_provider: &'static str,
    pub sender_name: String,
    pub sender_email: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: &'static str,
    pub smtp_username: String,
    pub email_fallback: &'static str,
    pub sendgrid_webhook_key: String,
    #[serde(skip)]
    pub secrets: EmailSecrets,
}

/// The secrets of the email form: each `None` keeps the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailSecrets {
    pub smtp_password: Option<String>,
    pub sendgrid_api_key: Option<String>,
    pub resend_api_key: Option<String>,
    pub resend_webhook_secret: Option<String>,
}

/// The email providers, with their labels.
pub const EMAIL_PROVIDERS: &[(&str, &str)] = &[
    ("log", "Nothing: record it only"),
    ("smtp", "Your mail server (SMTP)"),
    ("sendgrid", "SendGrid"),
    ("resend", "Resend"),
];

/// The text-message providers, with their labels.
pub const SMS_PROVIDERS: &[(&str, &str)] = &[("log", "Nothing: record them only"), ("twilio", "Twilio")];

/// A provider's label, as the settings list it.
pub fn provider_label(key: &str) -> &'static str {
    EMAIL_PROVIDERS
        .iter()
        .chain(SMS_PROVIDERS)
        .find(|(k, _)| *k == key)
        .map_or("an unknown provider", |(_, label)| label)
}

fn known_provider(list: &[(&'static str, &str)], raw: &str) -> Option<&'static str> {
    list.iter().find(|(key, _)| *key == raw).map(|(key, _)| *key)
}

/// A secret as typed: empty keeps the stored one.
fn secret(errors: &mut Vec<FieldError>, field: &str, raw: &str, stored: bool, needed: bool) -> Option<String> {
    let raw = raw.trim();
    if raw.len() > 512 {
        errors.push(FieldError::new(field, "Use at most 512 characters."));
    }
    if raw.is_empty() && needed && !stored {
        errors.push(FieldError::new(field, "Enter it: the provider needs it."));
    }
    (!raw.is_empty()).then(|| raw.to_owned())
}

impl EmailSettingsForm {
    /// `stored` says which secrets are kept already: an empty box keeps them.
    pub fn parse(&self, stored: &EmailSecretsStored) -> Result<EmailSettings, AppError> {
        let mut errors = Vec::new();
        let provider = known_provider(EMAIL_PROVIDERS, &self.email_provider).unwrap_or_else(|| {
            errors.push(FieldError::new("email_provider", "Choose how email is sent."));
            "log"
        });
        let fallback = match self.email_fallback.as_str() {
            "" | "none" => "none",
            raw => match known_provider(EMAIL_PROVIDERS, raw) {
                Some("log") | None => {
                    errors.push(FieldError::new(
                        "email_fallback",
                        "Choose a provider that sends, or none.",
                    ));
                    "none"
                }
                Some(p) if p == provider => {
                    errors.push(FieldError::new(
                        "email_fallback",
                        "Choose another provider than the first, or none.",
                    ));
                    "none"
                }
                Some(p) => p,
            },
        };
        let uses = |p: &str| provider == p || fallback == p;
        let smtp = uses("smtp");
        let sender_name = self.sender_name.trim().to_owned();
        if sender_name.chars().count() > 120 {
            errors.push(FieldError::new("sender_name", "Use at most 120 characters."));
        }
        let sender_email = match self.sender_email.trim() {
            "" if provider != "log" => {
                errors.push(FieldError::new(
                    "sender_email",
                    "Enter the address your email comes from.",
                ));
                String::new()
            }
            "" => String::new(),
            raw => match Email::parse("sender_email", raw) {
                Ok(email) => email.to_string(),
                Err(e) => {
                    errors.push(e);
                    String::new()
                }
            },
        };
        let smtp_host = self.smtp_host.trim().to_ascii_lowercase();
        let host_ok = !smtp_host.is_empty()
            && smtp_host.len() <= 253
            && smtp_host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if smtp && !host_ok {
            errors.push(FieldError::new(
                "smtp_host",
                "Enter the mail server's name, like smtp.example.com.",
            ));
        }
        let smtp_security = match self.smtp_security.as_str() {
            "tls" => "tls",
            "none" => "none",
            _ => "starttls",
        };
        let default_port = if smtp_security == "tls" { 465 } else { 587 };
        let smtp_port = match self.smtp_port.trim() {
            "" => default_port,
            raw => match raw.parse::<u16>() {
                Ok(port) if port > 0 => port,
                _ => {
                    errors.push(FieldError::new(
                        "smtp_port",
                        "Enter a port between 1 and 65535, usually 587.",
                    ));
                    default_port
                }
            },
        };
        let smtp_username = self.smtp_username.trim().to_owned();
        if smtp_username.len() > 254 {
            errors.push(FieldError::new("smtp_username", "Use at most 254 characters."));
        }
        let secrets = EmailSecrets {
            smtp_password: secret(&mut errors, "smtp_password", &self.smtp_password, true, false),
            sendgrid_api_key: secret(
                &mut errors,
                "sendgrid_api_key",
                &self.sendgrid_api_key,
                stored.sendgrid_api_key,
                uses("sendgrid"),
            ),
            resend_api_key: secret(
                &mut errors,
                "resend_api_key",
                &self.resend_api_key,
                stored.resend_api_key,
                uses("resend"),
            ),
            resend_webhook_secret: secret(
                &mut errors,
                "resend_webhook_secret",
                &self.resend_webhook_secret,
                true,
                false,
            ),
        };
        if let Some(s) = &secrets.resend_webhook_secret {
            if !s.starts_with("whsec_") {
                errors.push(FieldError::new(
                    "resend_webhook_secret",
                    "Paste the signing secret as Resend shows it, starting with whsec_.",
                ));
            }
        }
        let sendgrid_webhook_key: String = self.sendgrid_webhook_key.split_whitespace().collect();
        if sendgrid_webhook_key.len() > 1000
            || !sendgrid_webhook_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        {
            errors.push(FieldError::new(
                "sendgrid_webhook_key",
                "Paste the verification key as SendGrid shows it (letters, digits, + / =).",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(EmailSettings {
            email_provider: provider,
            sender_name,
            sender_email,
            smtp_host,
            smtp_port,
            smtp_security,
            smtp_username,
            email_fallback: fallback,
            sendgrid_webhook_key,
            secrets,
        })
    }
}

/// Which secrets an organization has stored already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailSecretsStored {
    pub sendgrid_api_key: bool,
    pub resend_api_key: bool,
}

/// The text message form as posted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SmsSettingsForm {
    pub sms_provider: String,
    #[serde(default)]
    pub twilio_account_sid: String,
    /// Empty keeps the stored token.
    #[serde(default)]
    pub twilio_auth_token: String,
    #[serde(default)]
    pub sms_sender: String,
}

/// Validated text message settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsSettings {
    pub sms_provider: &'static str,
    pub twilio_account_sid: String,
    pub sms_sender: String,
    #[serde(skip)]
    pub twilio_auth_token: Option<String>,
}

impl SmsSettingsForm {
    pub fn parse(&self, token_stored: bool) -> Result<SmsSettings, AppError> {
        let mut errors = Vec::new();
        let sms_provider = known_provider(SMS_PROVIDERS, &self.sms_provider).unwrap_or_else(|| {
            errors.push(FieldError::new("sms_provider", "Choose how text messages are sent."));
            "log"
        });
        let twilio = sms_provider == "twilio";
        let twilio_account_sid = self.twilio_account_sid.trim().to_owned();
        let sid_ok = twilio_account_sid.len() == 34
            && twilio_account_sid.starts_with("AC")
            && twilio_account_sid.chars().all(|c| c.is_ascii_alphanumeric());
        if (twilio || !twilio_account_sid.is_empty()) && !sid_ok {
            errors.push(FieldError::new(
                "twilio_account_sid",
                "Paste the Account SID from Twilio's console: AC followed by 32 letters and digits.",
            ));
        }
        let twilio_auth_token = secret(
            &mut errors,
            "twilio_auth_token",
            &self.twilio_auth_token,
            token_stored,
            twilio,
        );
        let sms_sender: String = self.sms_sender.chars().filter(|c| !c.is_whitespace()).collect();
        let service = sms_sender.starts_with("MG") && sms_sender.len() == 34;
        let number = sms_sender.starts_with('+')
            && (8..=16).contains(&sms_sender.len())
            && sms_sender[1..].chars().all(|c| c.is_ascii_digit());
        if (twilio || !sms_sender.is_empty()) && !(service || number) {
            errors.push(FieldError::new(
                "sms_sender",
                "Enter the number texts come from with its country code, like +447700900123, or a messaging service SID (MG…).",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(SmsSettings {
            sms_provider,
            twilio_account_sid,
            sms_sender,
            twilio_auth_token,
        })
    }
}

/// The reminders form: a box per channel and distance, present when ticked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RemindersForm {
    #[serde(default)]
    pub email_1440: Option<String>,
    #[serde(default)]
    pub email_180: Option<String>,
    #[serde(default)]
    pub email_60: Option<String>,
    #[serde(default)]
    pub sms_1440: Option<String>,
    #[serde(default)]
    pub sms_180: Option<String>,
    #[serde(default)]
    pub sms_60: Option<String>,
    /// Quiet hours for text messages, "21:00" to "08:00"; both empty for none.
    #[serde(default)]
    pub quiet_from: String,
    #[serde(default)]
    pub quiet_until: String,
}

/// What the reminders form sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminders {
    pub email: Vec<i32>,
    pub sms: Vec<i32>,
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
}

impl RemindersForm {
    /// The distances ticked per channel, in `REMINDER_MINUTES`' order, and the quiet hours.
    pub fn parse(&self) -> Result<Reminders, AppError> {
        let ticked = |boxes: [&Option<String>; 3]| {
            REMINDER_MINUTES
                .into_iter()
                .zip(boxes)
                .filter(|(_, b)| b.is_some())
                .map(|(m, _)| m)
                .collect()
        };
        let time = |field: &str, raw: &str| match raw.trim() {
            "" => Ok(None),
            raw => NaiveTime::parse_from_str(raw, "%H:%M")
                .map(Some)
                .map_err(|_| FieldError::new(field, "Enter a time like 21:00.")),
        };
        let quiet_hours = match (
            time("quiet_from", &self.quiet_from),
            time("quiet_until", &self.quiet_until),
        ) {
            (Ok(None), Ok(None)) => None,
            (Ok(Some(from)), Ok(Some(until))) if from != until => Some((from, until)),
            (Ok(Some(_)), Ok(Some(_))) => {
                return Err(AppError::field(
                    "quiet_until",
                    "Quiet hours end at another time than they start.",
                ))
            }
            (Ok(Some(_)), Ok(None)) => return Err(AppError::field("quiet_until", "Enter when quiet hours end.")),
            (Ok(None), Ok(Some(_))) => return Err(AppError::field("quiet_from", "Enter when quiet hours start.")),
            (from, until) => {
                return Err(AppError::Validation(
                    [from.err(), until.err()].into_iter().flatten().collect(),
                ))
            }
        };
        Ok(Reminders {
            email: ticked([&self.email_1440, &self.email_180, &self.email_60]),
            sms: ticked([&self.sms_1440, &self.sms_180, &self.sms_60]),
            quiet_hours,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(provider: &str) -> EmailSettingsForm {
        EmailSettingsForm {
            email_provider: provider.into(),
            sender_name: " Riverside Physio ".into(),
            sender_email: "Desk@Riverside.example".into(),
            smtp_host: "SMTP.example.com".into(),
            smtp_security: "starttls".into(),
            ..Default::default()
        }
    }

    #[test]
    fn smtp_needs_a_server_and_a_sender_and_fills_in_the_usual_port() {
        let none = EmailSecretsStored::default();
        let parsed = form("smtp").parse(&none).unwrap();
        assert_eq!(
            (
                parsed.smtp_host.as_str(),
                parsed.smtp_port,
                parsed.sender_email.as_str()
            ),
            ("smtp.example.com", 587, "desk@riverside.example")
        );
        assert_eq!(
            parsed.secrets.smtp_password, None,
            "an empty password keeps the stored one"
        );
        let mut missing = form("smtp");
        missing.smtp_host = String::new();
        missing.sender_email = String::new();
        missing.smtp_port = "70000".into();
        let err = missing.parse(&none).unwrap_err();
        for field in ["smtp_host", "sender_email", "smtp_port"] {
            assert!(err.field_message(field).is_some(), "{field}: {err:?}");
        }
        // The log provider needs none of it.
        let mut log = form("log");
        log.smtp_host = String::new();
        log.sender_email = String::new();
        assert_eq!(log.parse(&none).unwrap().email_provider, "log");
        assert!(form("carrier-pigeon")
            .parse(&none)
            .unwrap_err()
            .field_message("email_provider")
            .is_some());
    }

    #[test]
    fn an_http_provider_needs_its_key_once_and_a_fallback_must_be_another() {
        let none = EmailSecretsStored::default();
        let err = form("sendgrid").parse(&none).unwrap_err();
        assert!(err.field_message("sendgrid_api_key").is_some(), "{err:?}");
        let stored = EmailSecretsStored {
            sendgrid_api_key: true,
            ..none
        };
        assert_eq!(form("sendgrid").parse(&stored).unwrap().secrets.sendgrid_api_key, None);
        let mut same = form("sendgrid");
        same.email_fallback = "sendgrid".into();
        assert!(same
            .parse(&stored)
            .unwrap_err()
            .field_message("email_fallback")
            .is_some());
        let mut fallback = form("sendgrid");
        fallback.email_fallback = "resend".into();
        let err = fallback.parse(&stored).unwrap_err();
        assert!(
            err.field_message("resend_api_key").is_some(),
            "the fallback needs its key too"
        );
        fallback.resend_api_key = "re_123".into();
        fallback.resend_webhook_secret = "not-a-secret".into();
        let err = fallback.parse(&stored).unwrap_err();
        assert!(err.field_message("resend_webhook_secret").is_some());
        fallback.resend_webhook_secret = "whsec_c2VjcmV0".into();
        assert_eq!(fallback.parse(&stored).unwrap().email_fallback, "resend");
    }

    #[test]
    fn twilio_needs_an_account_a_token_and_a_number_with_its_country_code() {
        let form = SmsSettingsForm {
            sms_provider: "twilio".into(),
            twilio_account_sid: format!("AC{}", "a1".repeat(16)),
            twilio_auth_token: "token".into(),
            sms_sender: "+44 7700 900123".into(),
        };
        assert_eq!(form.parse(false).unwrap().sms_sender, "+447700900123");
        let bad = SmsSettingsForm {
            twilio_account_sid: "AC1".into(),
            twilio_auth_token: String::new(),
            sms_sender: "07700 900123".into(),
            ..form.clone()
        };
        let err = bad.parse(false).unwrap_err();
        for field in ["twilio_account_sid", "twilio_auth_token", "sms_sender"] {
            assert!(err.field_message(field).is_some(), "{field}: {err:?}");
        }
        assert!(bad
            .parse(true)
            .unwrap_err()
            .field_message("twilio_auth_token")
            .is_none());
    }

    #[test]
    fn reminders_are_the_ticked_boxes() {
        let on = || Some("on".to_owned());
        let form = RemindersForm {
            email_1440: on(),
            sms_180: on(),
            sms_60: on(),
            ..Default::default()
        };
        let parsed = form.parse().unwrap();
        assert_eq!(
            (parsed.email, parsed.sms, parsed.quiet_hours),
            (vec![1440], vec![180, 60], None)
        );
        let quiet = RemindersForm {
            quiet_from: "21:00".into(),
            quiet_until: "08:00".into(),
            ..Default::default()
        };
        let hours = quiet.parse().unwrap().quiet_hours.unwrap();
        assert_eq!(
            (hours.0.to_string(), hours.1.to_string()),
            ("21:00:00".into(), "08:00:00".into())
        );
        let half = RemindersForm {
            quiet_from: "21:00".into(),
            ..Default::default()
        };
        assert!(half.parse().unwrap_err().field_message("quiet_until").is_some());
        let bad = RemindersForm {
            quiet_from: "9pm".into(),
            quiet_until: "8am".into(),
            ..Default::default()
        };
        let err = bad.parse().unwrap_err();
        assert!(err.field_message("quiet_from").is_some() && err.field_message("quiet_until").is_some());
        assert_eq!(reminder_words(1440), "24 hours");
        assert_eq!(reminder_words(60), "1 hour");
    }
}
