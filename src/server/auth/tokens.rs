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

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    sub: Uuid,
    org: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue_access(
        &self,
        auth: Authenticated,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> Result<String, AppError> {
        let claims = AccessClaims {
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
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?;
        Some(Authenticated {
            user_id: data.claims.sub,
            org_id: data.claims.org,
            session_id: data.claims.sid,
        })
    }
}

/// A fresh refresh token (256 random bits) and the hash under which it is stored.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> Vec<u8> {
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
        let token = keys
            .issue_access(who, Utc::now(), Duration::from_secs(900))
            .unwrap();
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
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_a, hash_refresh_token(&a));
        assert_eq!(hash_a.len(), 32);
    }
}
