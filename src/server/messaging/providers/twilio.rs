//! Twilio: text messages by its Messages API, and its status callbacks, signed with
//! `X-Twilio-Signature` (HMAC-SHA1 of the callback's URL and its sorted parameters with
//! the account's auth token).

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

use super::{answer, Accepted, Fate, Forged, MessageRef, Refused, Report, Sms, SmsProvider};

pub const SIGNATURE: &str = "x-twilio-signature";

pub struct Twilio {
    pub client: reqwest::Client,
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// A number (E.164) or a messaging service (`MG…`).
    pub sender: String,
    /// Where Twilio reports what became of each text.
    pub status_callback: String,
}

fn detail(body: &Value) -> Option<String> {
    let message = body["message"].as_str()?;
    Some(match body["code"].as_i64() {
        Some(code) => format!("{message} (error {code})"),
        None => message.to_owned(),
    })
}

impl SmsProvider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<Accepted, Refused> {
        let from = match self.sender.starts_with("MG") {
            true => ("MessagingServiceSid", self.sender.as_str()),
            false => ("From", self.sender.as_str()),
        };
        // As typed ("+44 7700 900123"), without the spaces and brackets Twilio refuses.
        let to: String = sms.to.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        let sent = self
            .client
            .post(format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                self.base_url, self.account_sid
            ))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&[
                ("To", to.as_str()),
                from,
                ("Body", sms.body),
                ("StatusCallback", self.status_callback.as_str()),
            ])
            .send()
            .await;
        let response = answer("Twilio", sent, detail).await?;
        let body: Value = response.json().await.unwrap_or_default();
        match body["sid"].as_str() {
            Some(sid) => Ok(Accepted {
                message_id: sid.to_owned(),
            }),
            None => Err(Refused::Uncertain(
                "Twilio answered without naming the message.".to_owned(),
            )),
        }
    }
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The signature Twilio gives a request to `url` with form `params`.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Checks a status callback's `X-Twilio-Signature` with the organization's auth token.
/// Twilio signs no time: a replayed report is caught by its receipt instead.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], given: Option<&str>) -> Result<(), Forged> {
    if auth_token.is_empty() {
        return Err(Forged("no Twilio auth token is set for this organization"));
    }
    let given = given
        .and_then(|g| STANDARD.decode(g.trim()).ok())
        .ok_or(Forged("the request is not signed"))?;
    mac(auth_token, url, params)
        .verify_slice(&given)
        .map_err(|_| Forged("the signature does not match"))
}

/// The report in a status callback; statuses on the way (queued, sending, sent) are left out.
pub fn reports(params: &[(String, String)]) -> Vec<Report> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (Some(sid), Some(status)) = (get("MessageSid"), get("MessageStatus")) else {
        return Vec::new();
    };
    let code = get("ErrorCode").map(|c| format!(" (error {c})")).unwrap_or_default();
    let fate = match status {
        "delivered" => Fate::Delivered,
        "undelivered" => Fate::Undeliverable(format!(
            "The phone network could not deliver it{code}: check the number, or call the patient."
        )),
        "failed" => Fate::Failed(format!("Twilio could not send it{code}.")),
        _ => return Vec::new(),
    };
    vec![Report {
        message: MessageRef::Providers(sid.to_owned()),
        fate,
        receipt: format!("{sid}:{status}"),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn twilios_documented_example_signature_is_reproduced() {
        // The example of Twilio's "Webhooks security" page.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(signature("12345", url, &p), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert_eq!(verify("12345", url, &p, Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")), Ok(()));
        assert!(verify("12345", url, &p, Some("1/KCTR6DLpKmkAf8muzZqo1nDgQ=")).is_err());
        assert!(verify("54321", url, &p, Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).is_err());
        assert!(verify("12345", url, &p[1..], Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).is_err());
        assert!(verify("12345", url, &p, None).is_err());
    }
}
