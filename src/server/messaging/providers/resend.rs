//! Resend: email by its HTTP API (with the message's id as its idempotency key, so a
//! try that timed out can be made again safely), and its webhooks, signed the Svix way
//! (HMAC-SHA256 of id, timestamp and body with the organization's signing secret).

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;

use super::{answer, fresh, Accepted, Email, EmailProvider, Fate, Forged, MessageRef, Refused, Report, Sender};

pub const ID: &str = "svix-id";
pub const TIMESTAMP: &str = "svix-timestamp";
pub const SIGNATURE: &str = "svix-signature";

pub struct Resend {
    pub client: reqwest::Client,
    pub base_url: String,
    pub api_key: String,
    /// "Name <address>" or the address.
    pub from: String,
}

impl Resend {
    pub fn new(client: reqwest::Client, base_url: &str, api_key: String, from: &Sender<'_>) -> Self {
        let from = match from.name.is_empty() {
            true => from.email.to_owned(),
            false => format!("{} <{}>", from.name.replace(['<', '>', '"'], ""), from.email),
        };
        Self {
            client,
            base_url: base_url.to_owned(),
            api_key,
            from,
        }
    }
}

fn detail(body: &Value) -> Option<String> {
    body["message"].as_str().map(str::to_owned)
}

impl EmailProvider for Resend {
    fn name(&self) -> &'static str {
        "resend"
    }

    async fn send(&self, email: &Email<'_>) -> Result<Accepted, Refused> {
        let mut mail = json!({
            "from": self.from,
            "to": [email.to],
            "subject": email.subject,
            "text": email.body,
        });
        if let Some(file) = email.attachment {
            mail["attachments"] = json!([{"filename": file.file_name, "content": file.base64()}]);
        }
        let sent = self
            .client
            .post(format!("{}/emails", self.base_url))
            .bearer_auth(&self.api_key)
            .header("Idempotency-Key", email.id.to_string())
            .json(&mail)
            .send()
            .await;
        let response = match answer("Resend", sent, detail).await {
            // The idempotency key makes another try safe: Resend sends it once.
            Err(Refused::Uncertain(why)) => return Err(Refused::Temporary(why)),
            other => other?,
        };
        let body: Value = response.json().await.unwrap_or_default();
        let message_id = body["id"].as_str().map_or_else(|| email.id.to_string(), str::to_owned);
        Ok(Accepted { message_id })
    }
}

/// Checks a webhook's Svix signature with the organization's signing secret (`whsec_…`)
/// and that it was signed within the tolerance.
pub fn verify(
    secret: &str,
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Forged> {
    let key = STANDARD
        .decode(secret.trim().trim_start_matches("whsec_"))
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or(Forged("no usable Resend signing secret is set for this organization"))?;
    let (Some(id), Some(timestamp), Some(signatures)) = (id, timestamp, signatures) else {
        return Err(Forged("the request is not signed"));
    };
    let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat();
    // Several signatures ("v1,<base64> v1,<base64>") while a secret is being rotated.
    let matches = signatures
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|signature| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
            mac.update(&signed);
            mac.verify_slice(&signature).is_ok()
        });
    if !matches {
        return Err(Forged("the signature does not match"));
    }
    fresh(timestamp, now)
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    email_id: String,
    #[serde(default)]
    bounce: Option<Value>,
}

/// The report in a webhook's body (Resend sends one event per request), keyed by the
/// Svix id; `None`: the body is not Resend's. Events that change nothing are left out.
pub fn reports(body: &[u8], svix_id: &str) -> Option<Vec<Report>> {
    let event: Event = serde_json::from_slice(body).ok()?;
    let fate = match event.kind.as_str() {
        "email.delivered" => Fate::Delivered,
        "email.bounced" => Fate::Bounced(format!(
            "The receiving mail server refused it: {}",
            event
                .data
                .bounce
                .as_ref()
                .and_then(|b| b["message"].as_str())
                .unwrap_or("no reason given")
        )),
        "email.failed" => Fate::Failed("Resend could not send it.".to_owned()),
        _ => return Some(Vec::new()),
    };
    Some(vec![Report {
        message: MessageRef::Providers(event.data.email_id),
        fate,
        receipt: svix_id.to_owned(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn sign(id: &str, ts: &str, body: &[u8]) -> String {
        let key = STANDARD.decode(SECRET.trim_start_matches("whsec_")).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(&[id.as_bytes(), b".", ts.as_bytes(), b".", body].concat());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_svix_signature_with_the_secret_passes_and_any_change_fails() {
        let now = chrono::Utc::now();
        let ts = now.timestamp().to_string();
        let body = br#"{"type":"email.delivered","data":{"email_id":"re_1"}}"#;
        let sig = sign("msg_1", &ts, body);
        let rotated = format!("v1,bm90IGl0 {sig}");
        assert_eq!(
            verify(SECRET, Some("msg_1"), Some(&ts), Some(&rotated), body, now),
            Ok(())
        );
        assert!(verify(SECRET, Some("msg_2"), Some(&ts), Some(&sig), body, now).is_err());
        assert!(verify(SECRET, Some("msg_1"), Some(&ts), Some(&sig), b"{}", now).is_err());
        assert!(verify("whsec_b3RoZXI=", Some("msg_1"), Some(&ts), Some(&sig), body, now).is_err());
        let stale = (now - chrono::TimeDelta::minutes(10)).timestamp().to_string();
        assert!(verify(
            SECRET,
            Some("msg_1"),
            Some(&stale),
            Some(&sign("msg_1", &stale, body)),
            body,
            now
        )
        .is_err());
    }
}
