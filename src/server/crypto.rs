//! Encryption of the few secrets the server must be able to read back (TOTP seeds).
//! ChaCha20-Poly1305 with a random nonce per message; the key comes from `DATA_KEY`.

use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng},
    ChaCha20Poly1305, Key, Nonce,
};

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SecretBox(ChaCha20Poly1305);

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        Self(ChaCha20Poly1305::new(&Key::from(*key)))
    }

    /// `nonce || ciphertext || tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        // Encryption fails only for messages over 256 GiB.
        sealed.extend(self.0.encrypt(&nonce, plaintext).unwrap_or_default());
        sealed
    }

    /// The plaintext, or `None` if the message was altered or sealed with another key.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.0.decrypt(&Nonce::from(nonce), ciphertext).ok()
    }

    /// A sealed text (a provider's key), or "" when none is set or it cannot be opened:
    /// to the caller, a key it cannot read is a key not set.
    pub fn open_text(&self, sealed: Option<&[u8]>) -> String {
        sealed
            .and_then(|sealed| self.open(sealed))
            .and_then(|plain| String::from_utf8(plain).ok())
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_messages_open_only_unaltered_and_with_their_key() {
        let vault = SecretBox::new(&[7; 32]);
        let sealed = vault.seal(b"totp seed");
        assert_eq!(vault.open(&sealed).as_deref(), Some(&b"totp seed"[..]));
        assert_ne!(vault.seal(b"totp seed"), sealed, "a fresh nonce every time");

        let mut tampered = sealed.clone();
        tampered[NONCE_LEN] ^= 1;
        assert_eq!(vault.open(&tampered), None);
        assert_eq!(SecretBox::new(&[8; 32]).open(&sealed), None);
        assert_eq!(vault.open(b"short"), None);
    }
}
