//! Time-based one-time passwords (RFC 6238): enrolment, the QR code (drawn here as SVG,
//! no outside service), verification that accepts each code once, and recovery codes.

use rand::{seq::SliceRandom, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Totp};

const ISSUER: &str = "CareOps";
const RECOVERY_CODES: usize = 10;
/// Crockford's base32 without the easily confused I, L, O and U.
const RECOVERY_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An enrolment in progress: kept encrypted until the user proves it works.
#[derive(Clone, Serialize, Deserialize)]
pub struct Enrolment {
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

impl Enrolment {
    pub fn new() -> Self {
        let mut secret = vec![0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let mut rng = rand::rngs::OsRng;
        let recovery_codes = (0..RECOVERY_CODES)
            .map(|_| {
                let chars: String = (0..10)
                    .map(|_| *RECOVERY_ALPHABET.choose(&mut rng).unwrap_or(&b'0') as char)
                    .collect();
                format!("{}-{}", &chars[..5], &chars[5..])
            })
            .collect();
        Self { secret, recovery_codes }
    }
}

impl Default for Enrolment {
    fn default() -> Self {
        Self::new()
    }
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The base32 secret, for people who type it into their app instead of scanning.
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` address that authenticator apps read from the QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The time step `code` belongs to, if it is valid now (one step of clock drift either
/// way) and newer than `last_step`: an accepted code cannot be replayed.
pub fn verify(secret: &[u8], code: &str, unix_time: u64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let step = totp(secret, "user")?.check(&code, unix_time)? as i64;
    match last_step {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

/// The code an authenticator app shows at `unix_time` (tests and demo use).
pub fn code_at(secret: &[u8], unix_time: u64) -> Option<String> {
    Some(totp(secret, "user")?.generate(unix_time).to_string())
}

/// The code for a secret given in base32 (as the set-up page shows it), at `unix_time`.
pub fn code_for_base32(secret: &str, unix_time: u64) -> Option<String> {
    let secret = totp_rs::Secret::try_from_base32(secret).ok()?;
    code_at(secret.as_ref(), unix_time)
}

/// Recovery codes are compared without case, spaces or dashes.
pub fn hash_recovery_code(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(normal.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn a_code_is_accepted_once_within_its_window() {
        let enrolment = Enrolment::new();
        let code = code_at(&enrolment.secret, NOW).unwrap();
        let step = verify(&enrolment.secret, &code, NOW, None).expect("fresh code");
        assert_eq!(step, (NOW / 30) as i64);
        // Replay of the same code (or of an older step) is refused.
        assert_eq!(verify(&enrolment.secret, &code, NOW, Some(step)), None);
        // Thirty seconds of clock drift are tolerated, ninety are not.
        assert!(verify(&enrolment.secret, &code, NOW + 30, None).is_some());
        assert!(verify(&enrolment.secret, &code, NOW + 90, None).is_none());
        assert!(verify(&enrolment.secret, "000000", NOW, None).is_none() || code == "000000");
    }

    #[test]
    fn codes_may_be_typed_with_spaces() {
        let enrolment = Enrolment::new();
        let code = code_at(&enrolment.secret, NOW).unwrap();
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(verify(&enrolment.secret, &spaced, NOW, None).is_some());
    }

    #[test]
    fn enrolment_makes_ten_distinct_readable_recovery_codes() {
        let enrolment = Enrolment::new();
        assert_eq!(enrolment.recovery_codes.len(), 10);
        let mut unique = enrolment.recovery_codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(enrolment
            .recovery_codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let code = &enrolment.recovery_codes[0];
        assert_eq!(
            hash_recovery_code(code),
            hash_recovery_code(&code.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_otpauth_address() {
        let enrolment = Enrolment::new();
        let url = otpauth_url(&enrolment.secret, "ada@clinic.com").unwrap();
        assert!(url.starts_with("otpauth://totp/CareOps:ada%40clinic.com?"), "{url}");
        assert!(url.contains(&format!("secret={}", secret_base32(&enrolment.secret))));
        let svg = crate::server::qr::svg(&url).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
