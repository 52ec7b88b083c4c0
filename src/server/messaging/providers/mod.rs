//! The providers that carry messages, one trait per channel: `log` only records (the
//! default, so that everything works offline); email goes by SMTP, SendGrid or Resend,
//! text messages by Twilio. Each HTTP provider's module also reads its delivery reports
//! and checks their signatures.

pub mod resend;
pub mod sendgrid;
pub mod smtp;
pub mod twilio;

use std::{future::Future, time::Duration};

use uuid::Uuid;

pub use self::smtp::{Smtp, SmtpSettings};

/// What a delivery report says became of a message the provider had accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// The receiving mail server refused it (a wrong address, a full mailbox).
    Bounced(String),
    /// The carrier could not deliver the text (a phone off for days, a landline).
    Undeliverable(String),
    /// The provider gave up on it after accepting it.
    Failed(String),
}

/// One delivery report about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The message: our id where the provider echoes it, else the provider's id for it.
    pub message: MessageRef,
    pub fate: Fate,
    /// The provider's id for this report: one taken already changes nothing.
    pub receipt: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageRef {
    Ours(Uuid),
    Providers(String),
}

/// Why a delivery report was refused (401), in words for the provider's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forged(pub &'static str);

/// A signed report must have been signed this recently: an old one sent again is refused.
pub const REPORT_TOLERANCE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

fn fresh(timestamp: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), Forged> {
    let at = timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .ok_or(Forged("the signature's time is missing or not a time"))?;
    match (now - at).abs() <= REPORT_TOLERANCE {
        true => Ok(()),
        false => Err(Forged("the signature is too old (a replay?) or from the future")),
    }
}

/// An email about to go out; `id` is the message's own, the same at every attempt.
pub struct Email<'a> {
    pub id: Uuid,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment: Option<&'a Attachment>,
}

/// A file sent with an email (a receipt's PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// Its bytes in base64, as the HTTP providers take them.
    pub fn base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }
}

/// A text message about to go out.
pub struct Sms<'a> {
    pub id: Uuid,
    pub to: &'a str,
    pub body: &'a str,
}

/// The provider took the message; `message_id` is its name for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub message_id: String,
}

/// Why the provider did not take the message, in words a receptionist understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Worth another try later (unreachable, busy, a time-out, a 4xx SMTP answer).
    Temporary(String),
    /// Trying again would be refused the same way (a bad address, a rejected login).
    Permanent(String),
    /// No answer after the message was handed over: it may have gone out, and a provider
    /// without idempotency could send it twice if asked again.
    Uncertain(String),
}

impl Refused {
    pub fn reason(&self) -> &str {
        match self {
            Refused::Temporary(why) | Refused::Permanent(why) | Refused::Uncertain(why) => why,
        }
    }
}

pub trait EmailProvider {
    /// Its name in the message log.
    fn name(&self) -> &'static str;
    fn send(&self, email: &Email<'_>) -> impl Future<Output = Result<Accepted, Refused>> + Send;
}

pub trait SmsProvider {
    fn name(&self) -> &'static str;
    fn send(&self, sms: &Sms<'_>) -> impl Future<Output = Result<Accepted, Refused>> + Send;
}

/// Sends nothing: the message stays in the log, marked sent, for staff to read.
pub struct LogProvider;

impl LogProvider {
    fn record(&self, id: Uuid, channel: &str, to: &str) -> Result<Accepted, Refused> {
        tracing::info!(message = %id, channel, to, "message recorded by the log provider, not sent");
        Ok(Accepted {
            message_id: format!("log-{id}"),
        })
    }
}

impl EmailProvider for LogProvider {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, email: &Email<'_>) -> Result<Accepted, Refused> {
        self.record(email.id, "email", email.to)
    }
}

impl SmsProvider for LogProvider {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<Accepted, Refused> {
        self.record(sms.id, "sms", sms.to)
    }
}

/// The sender of email, as the HTTP providers take it.
pub struct Sender<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// One client for every provider's HTTP API: connections are kept and reused.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .user_agent(concat!("CareOps/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with rustls builds")
}

/// Reads a provider's HTTP answer: success, or why not, as the providers document it
/// (429 and 5xx: try later; other 4xx: the request itself is refused). `detail` finds
/// the provider's own words in an error body.
async fn answer(
    provider: &str,
    sent: Result<reqwest::Response, reqwest::Error>,
    detail: fn(&serde_json::Value) -> Option<String>,
) -> Result<reqwest::Response, Refused> {
    let response = match sent {
        Ok(response) => response,
        Err(e) if e.is_connect() => {
            return Err(Refused::Temporary(format!("Could not reach {provider}.")));
        }
        Err(e) if e.is_timeout() => {
            return Err(Refused::Uncertain(format!("{provider} did not answer in time.")));
        }
        Err(e) => return Err(Refused::Temporary(format!("Could not talk to {provider}: {e}"))),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let words = detail(&body).map(|d| format!(": {d}")).unwrap_or_default();
    Err(match status.as_u16() {
        401 | 403 => Refused::Permanent(format!(
            "{provider} refused the credentials{words}. Check them in Settings → Messages."
        )),
        429 => Refused::Temporary(format!("{provider} asked to slow down{words}.")),
        code if code >= 500 => Refused::Temporary(format!("{provider} had a problem ({code}){words}.")),
        code => Refused::Permanent(format!("{provider} refused it ({code}){words}.")),
    })
}
