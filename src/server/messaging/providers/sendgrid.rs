//! SendGrid: email by its v3 Mail Send API, and its signed event webhook (ECDSA P-256
//! over the timestamp and the body, checked with the verification key the organization
//! copies from SendGrid).

use base64::{engine::general_purpose::STANDARD, Engine};
use p256::{
    ecdsa::{signature::Verifier, Signature, VerifyingKey},
    pkcs8::DecodePublicKey,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{answer, fresh, Accepted, Email, EmailProvider, Fate, Forged, MessageRef, Refused, Report, Sender};

pub const SIGNATURE: &str = "x-twilio-email-event-webhook-signature";
pub const TIMESTAMP: &str = "x-twilio-email-event-webhook-timestamp";
/// Our message id, sent as a custom argument: SendGrid echoes it in every event.
const OUR_ID: &str = "careops_message_id";

pub struct SendGrid {
    pub client: reqwest::Client,
    pub base_url: String,
    pub api_key: String,
    pub from_name: String,
    pub from_email: String,
}

impl SendGrid {
    pub fn new(client: reqwest::Client, base_url: &str, api_key: String, from: &Sender<'_>) -> Self {
        Self {
            client,
            base_url: base_url.to_owned(),
            api_key,
            from_name: from.name.to_owned(),
            from_email: from.email.to_owned(),
        }
    }
}

fn detail(body: &Value) -> Option<String> {
    body["errors"][0]["message"].as_str().map(str::to_owned)
}

impl EmailProvider for SendGrid {
    fn name(&self) -> &'static str {
        "sendgrid"
    }

    async fn send(&self, email: &Email<'_>) -> Result<Accepted, Refused> {
        let mut from = json!({"email": self.from_email});
        if !self.from_name.is_empty() {
            from["name"] = json!(self.from_name);
        }
        let mut mail = json!({
            "personalizations": [{"to": [{"email": email.to}]}],
            "from": from,
            "subject": email.subject,
            "content": [{"type": "text/plain", "value": email.body}],
            "custom_args": {OUR_ID: email.id.to_string()},
        });
        if let Some(file) = email.attachment {
            mail["attachments"] = json!([{"content": file.base64(), "filename": file.file_name,
                                          "type": file.content_type, "disposition": "attachment"}]);
        }
        let sent = self
            .client
            .post(format!("{}/v3/mail/send", self.base_url))
            .bearer_auth(&self.api_key)
            .json(&mail)
            .send()
            .await;
        let response = answer("SendGrid", sent, detail).await?;
        let message_id = response
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| email.id.to_string(), str::to_owned);
        Ok(Accepted { message_id })
    }
}

/// Checks an event webhook's signature with the organization's verification key
/// (base64 DER, as SendGrid shows it) and that it was signed within the tolerance.
pub fn verify(
    key: &str,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Forged> {
    let key = STANDARD
        .decode(key.trim())
        .ok()
        .and_then(|der| VerifyingKey::from_public_key_der(&der).ok())
        .ok_or(Forged(
            "no usable SendGrid verification key is set for this organization",
        ))?;
    let (signature, timestamp) = signature.zip(timestamp).ok_or(Forged("the request is not signed"))?;
    let signature = STANDARD
        .decode(signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok())
        .ok_or(Forged("the signature is not an ECDSA signature"))?;
    let signed = [timestamp.as_bytes(), body].concat();
    key.verify(&signed, &signature)
        .map_err(|_| Forged("the signature does not match"))?;
    fresh(timestamp, now)
}

#[derive(Deserialize)]
struct Event {
    event: String,
    #[serde(default)]
    sg_event_id: String,
    #[serde(default)]
    sg_message_id: String,
    #[serde(default)]
    careops_message_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// The reports in an event webhook's body; events that change nothing for us (processed,
/// deferred, opens, clicks) are left out. `None`: the body is not SendGrid's.
pub fn reports(body: &[u8]) -> Option<Vec<Report>> {
    let events: Vec<Event> = serde_json::from_slice(body).ok()?;
    Some(
        events
            .into_iter()
            .filter_map(|e| {
                let reason = || e.reason.clone().unwrap_or_default();
                let fate = match e.event.as_str() {
                    "delivered" => Fate::Delivered,
                    "bounce" => Fate::Bounced(format!("The receiving mail server refused it: {}", reason())),
                    "dropped" => Fate::Bounced(format!("SendGrid did not send it: {}", reason())),
                    _ => return None,
                };
                let message = match e.careops_message_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) {
                    Some(id) => MessageRef::Ours(id),
                    // "<x-message-id>.filter…": the part before the first dot is ours to match.
                    None => MessageRef::Providers(e.sg_message_id.split('.').next()?.to_owned()),
                };
                let receipt = match e.sg_event_id.is_empty() {
                    true => format!("{}:{}", e.sg_message_id, e.event),
                    false => e.sg_event_id,
                };
                Some(Report { message, fate, receipt })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use p256::{
        ecdsa::{signature::Signer, SigningKey},
        pkcs8::EncodePublicKey,
    };

    use super::*;

    fn signed(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let signature: Signature = key.sign(&[timestamp.as_bytes(), body].concat());
        STANDARD.encode(signature.to_der().as_bytes())
    }

    #[test]
    fn a_report_signed_with_the_key_passes_and_any_change_fails() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let public = STANDARD.encode(key.verifying_key().to_public_key_der().unwrap().as_bytes());
        let now = chrono::Utc::now();
        let ts = now.timestamp().to_string();
        let body = br#"[{"event":"delivered","sg_event_id":"e1","careops_message_id":"x"}]"#;
        let sig = signed(&key, &ts, body);
        assert_eq!(verify(&public, Some(&sig), Some(&ts), body, now), Ok(()));
        let tampered = br#"[{"event":"bounce","sg_event_id":"e1","careops_message_id":"x"}]"#;
        assert!(verify(&public, Some(&sig), Some(&ts), tampered, now).is_err());
        assert!(verify(&public, None, Some(&ts), body, now).is_err());
        let other = SigningKey::from_slice(&[9u8; 32]).unwrap();
        assert!(verify(&public, Some(&signed(&other, &ts, body)), Some(&ts), body, now).is_err());
        let later = now + chrono::TimeDelta::minutes(6);
        assert_eq!(
            verify(&public, Some(&sig), Some(&ts), body, later),
            Err(Forged("the signature is too old (a replay?) or from the future"))
        );
    }
}
