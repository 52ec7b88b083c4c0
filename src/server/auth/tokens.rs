//! Access tokens (short-lived JWTs) and refresh tokens (random, stored hashed).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::AppError;

/// Who a request is from, as proven by its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub session_id: Uuid,
}

const ACCESS_AUDIENCE: &str = "careops:access";
const CHALLENGE_AUDIENCE: &str = "careops:second-factor";
const MANAGE_AUDIENCE: &str = "careops:manage";
const RECEIPT_AUDIENCE: &str = "careops:receipt";
const FORM_AUDIENCE: &str = "careops:form";

/// What a patient's manage link proves: which appointment of which organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManageGrant {
    pub appointment_id: Uuid,
    pub org_id: Uuid,
}

/// What a patient's receipt link proves: which invoice of which organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptGrant {
    pub invoice_id: Uuid,
    pub org_id: Uuid,
}

/// What a patient's form link proves: which form request of which organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormGrant {
    pub submission_id: Uuid,
    pub org_id: Uuid,
}

/// A manage link's claims, and a receipt link's (`sub` is then the invoice).
#[derive(Debug, Serialize, Deserialize)]
struct ManageClaims {
    aud: String,
    sub: Uuid,
    org: Uuid,
    exp: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    aud: String,
    sub: Uuid,
    org: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
}

/// What the password step proved, while the second step is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengePurpose {
    /// Enter a code from the authenticator app (or a recovery code).
    Verify,
    /// The organization requires 2FA and this user has none yet: set it up first.
    Enrol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub purpose: ChallengePurpose,
}

#[derive(Debug, Serialize, Deserialize)]
struct ChallengeClaims {
    aud: String,
    sub: Uuid,
    org: Uuid,
    purpose: ChallengePurpose,
    exp: i64,
}

/// How long the second sign-in step may take.
pub const CHALLENGE_TTL_SECS: i64 = 15 * 60;

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access: Validation,
    challenge: Validation,
    manage: Validation,
    receipt: Validation,
    form: Validation,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        // The audience keeps the two kinds of token apart: a challenge is never an access token.
        let validation = |audience: &str| {
            let mut v = Validation::new(Algorithm::HS256);
            v.leeway = 5;
            v.set_required_spec_claims(&["exp", "sub", "aud"]);
            v.set_audience(&[audience]);
            v
        };
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access: validation(ACCESS_AUDIENCE),
            challenge: validation(CHALLENGE_AUDIENCE),
            manage: validation(MANAGE_AUDIENCE),
            receipt: validation(RECEIPT_AUDIENCE),
            form: validation(FORM_AUDIENCE),
        }
    }

    /// A patient's link (no password) to record `sub` of organization `org`, for one
    /// audience, valid until `expires`.
    fn issue_link(&self, audience: &str, sub: Uuid, org: Uuid, expires: DateTime<Utc>) -> Result<String, AppError> {
        let claims = ManageClaims {
            aud: audience.into(),
            sub,
            org,
            exp: expires.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| super::super::error::internal("signing a patient's link", e))
    }

    /// The (record, organization) a link names; `None` if it was altered, forged, expired
    /// or made for another audience.
    fn verify_link(&self, token: &str, validation: &Validation) -> Option<(Uuid, Uuid)> {
        let data = jsonwebtoken::decode::<ManageClaims>(token, &self.decoding, validation).ok()?;
        Some((data.claims.sub, data.claims.org))
    }

    /// A patient's link to one appointment, valid until `expires`.
    pub fn issue_manage(&self, grant: ManageGrant, expires: DateTime<Utc>) -> Result<String, AppError> {
        self.issue_link(MANAGE_AUDIENCE, grant.appointment_id, grant.org_id, expires)
    }

    /// The appointment a manage link names; `None` if it was altered, forged or expired.
    pub fn verify_manage(&self, token: &str) -> Option<ManageGrant> {
        let (appointment_id, org_id) = self.verify_link(token, &self.manage)?;
        Some(ManageGrant { appointment_id, org_id })
    }

    /// A patient's link to the receipt of one invoice, valid until `expires`.
    pub fn issue_receipt(&self, grant: ReceiptGrant, expires: DateTime<Utc>) -> Result<String, AppError> {
        self.issue_link(RECEIPT_AUDIENCE, grant.invoice_id, grant.org_id, expires)
    }

    /// The invoice a receipt link names; `None` if it was altered, forged or expired.
    pub fn verify_receipt(&self, token: &str) -> Option<ReceiptGrant> {
        let (invoice_id, org_id) = self.verify_link(token, &self.receipt)?;
        Some(ReceiptGrant { invoice_id, org_id })
    }

    /// A patient's link to fill in one form request, valid until `expires`.
    pub fn issue_form(&self, grant: FormGrant, expires: DateTime<Utc>) -> Result<String, AppError> {
        self.issue_link(FORM_AUDIENCE, grant.submission_id, grant.org_id, expires)
    }

    /// The form request a form link names; `None` if it was altered, forged or expired.
    pub fn verify_form(&self, token: &str) -> Option<FormGrant> {
        let (submission_id, org_id) = self.verify_link(token, &self.form)?;
        Some(FormGrant { submission_id, org_id })
    }

    pub fn issue_challenge(&self, challenge: Challenge, now: DateTime<Utc>) -> Result<String, AppError> {
        let claims = ChallengeClaims {
            aud: CHALLENGE_AUDIENCE.into(),
            sub: challenge.user_id,
            org: challenge.org_id,
            purpose: challenge.purpose,
            exp: now.timestamp() + CHALLENGE_TTL_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| super::super::error::internal("signing challenge", e))
    }

    pub fn verify_challenge(&self, token: &str) -> Option<Challenge> {
        let data = jsonwebtoken::decode::<ChallengeClaims>(token, &self.decoding, &self.challenge).ok()?;
        Some(Challenge {
            user_id: data.claims.sub,
            org_id: data.claims.org,
            purpose: data.claims.purpose,
        })
    }

    pub fn issue_access(
        &self,
        auth: Authenticated,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> Result<String, AppError> {
        let claims = AccessClaims {
            aud: ACCESS_AUDIENCE.into(),
            sub: auth.user_id,
            org: auth.org_id,
            sid: auth.session_id,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| super::super::error::internal("signing access token", e))
    }

    /// The identity in a valid, unexpired token; `None` for anything else.
    pub fn verify_access(&self, token: &str) -> Option<Authenticated> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.access).ok()?;
        Some(Authenticated {
            user_id: data.claims.sub,
            org_id: data.claims.org,
            session_id: data.claims.sid,
        })
    }
}

/// A fresh bearer secret (256 random bits, URL-safe) and the hash under which it is
/// stored: refresh tokens, invitation links, API tokens. Only the hash is kept, so a
/// copy of the database opens no session.
pub fn new_token(prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// SHA-256 is enough for 256-bit random secrets: there is nothing to guess.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn auth() -> Authenticated {
        Authenticated {
            user_id: Uuid::new_v4(),
            org_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
        }
    }

    #[test]
    fn access_token_round_trips() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let who = auth();
        let token = keys.issue_access(who, Utc::now(), Duration::from_secs(900)).unwrap();
        assert_eq!(keys.verify_access(&token), Some(who));
    }

    #[test]
    fn expired_or_foreign_tokens_are_refused() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let old = keys
            .issue_access(
                auth(),
                Utc::now() - chrono::Duration::hours(1),
                Duration::from_secs(900),
            )
            .unwrap();
        assert_eq!(keys.verify_access(&old), None);

        let other = Keys::new(b"another-secret-another-secret-xx");
        let forged = other
            .issue_access(auth(), Utc::now(), Duration::from_secs(900))
            .unwrap();
        assert_eq!(keys.verify_access(&forged), None);
        assert_eq!(keys.verify_access("not a token"), None);
    }

    #[test]
    fn a_challenge_is_not_an_access_token_nor_the_reverse() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let who = auth();
        let challenge = Challenge {
            user_id: who.user_id,
            org_id: who.org_id,
            purpose: ChallengePurpose::Verify,
        };
        let token = keys.issue_challenge(challenge, Utc::now()).unwrap();
        assert_eq!(keys.verify_challenge(&token), Some(challenge));
        assert_eq!(keys.verify_access(&token), None);
        let access = keys.issue_access(who, Utc::now(), Duration::from_secs(900)).unwrap();
        assert_eq!(keys.verify_challenge(&access), None);
    }

    #[test]
    fn a_manage_link_names_its_appointment_until_it_expires() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let grant = ManageGrant {
            appointment_id: Uuid::new_v4(),
            org_id: Uuid::new_v4(),
        };
        let token = keys
            .issue_manage(grant, Utc::now() + chrono::Duration::days(3))
            .unwrap();
        assert_eq!(keys.verify_manage(&token), Some(grant));
        assert_eq!(keys.verify_access(&token), None, "not a session");
        let expired = keys
            .issue_manage(grant, Utc::now() - chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(keys.verify_manage(&expired), None);
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(keys.verify_manage(&forged), None);
    }

    #[test]
    fn a_receipt_link_opens_its_receipt_only_and_no_appointment() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let (record, org) = (Uuid::new_v4(), Uuid::new_v4());
        let expires = Utc::now() + chrono::Duration::days(30);
        let receipt = keys
            .issue_receipt(
                ReceiptGrant {
                    invoice_id: record,
                    org_id: org,
                },
                expires,
            )
            .unwrap();
        assert_eq!(
            keys.verify_receipt(&receipt),
            Some(ReceiptGrant {
                invoice_id: record,
                org_id: org
            })
        );
        assert_eq!(keys.verify_manage(&receipt), None, "not a manage link");
        let manage = keys
            .issue_manage(
                ManageGrant {
                    appointment_id: record,
                    org_id: org,
                },
                expires,
            )
            .unwrap();
        assert_eq!(keys.verify_receipt(&manage), None, "a manage link opens no receipt");
        let expired = keys
            .issue_receipt(
                ReceiptGrant {
                    invoice_id: record,
                    org_id: org,
                },
                Utc::now() - chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(keys.verify_receipt(&expired), None);
    }

    #[test]
    fn a_form_link_opens_its_form_only() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let grant = FormGrant {
            submission_id: Uuid::new_v4(),
            org_id: Uuid::new_v4(),
        };
        let form = keys.issue_form(grant, Utc::now() + chrono::Duration::days(3)).unwrap();
        assert_eq!(keys.verify_form(&form), Some(grant));
        assert_eq!(keys.verify_manage(&form), None, "no appointment");
        assert_eq!(keys.verify_receipt(&form), None, "no receipt");
        let manage = keys
            .issue_manage(
                ManageGrant {
                    appointment_id: grant.submission_id,
                    org_id: grant.org_id,
                },
                Utc::now() + chrono::Duration::days(3),
            )
            .unwrap();
        assert_eq!(keys.verify_form(&manage), None, "a manage link opens no form");
        let expired = keys.issue_form(grant, Utc::now() - chrono::Duration::hours(1)).unwrap();
        assert_eq!(keys.verify_form(&expired), None);
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_token("");
        let (b, _) = new_token("cop_");
        assert_ne!(a, b);
        assert!(b.starts_with("cop_"));
        assert_eq!(hash_a, hash_token(&a));
        assert_eq!(hash_a.len(), 32);
    }
}
