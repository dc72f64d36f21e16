//! Random tokens handed out once (API tokens of technical accounts, sessions,
//! password-reset links) and stored only as their SHA-256, so a database leak gives
//! nothing that can be replayed.

use sha2::{Digest, Sha256};

use super::password::Secret;
use super::time::Instant;

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
#[error("no randomness available from the operating system: {0}")]
pub struct NoRandomness(String);

/// A new random token: 32 bytes from the OS, hex-encoded, after a readable prefix
/// that tells what it is for (`fct_api_…`, `fct_reset_…`).
pub fn generate(prefix: &str) -> Result<Secret, NoRandomness> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(Secret::new(format!("{prefix}_{}", hex(&bytes))))
}

/// The stored form of a token.
pub fn digest(token: &Secret) -> String {
    hex(&Sha256::digest(token.expose().as_bytes()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// A single-use, expiring password-reset token as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetToken {
    pub digest: String,
    pub expires_at: Instant,
    pub used: bool,
}

/// How long a reset link stays valid: 30 minutes.
pub const RESET_SECONDS: i64 = 1800;

/// Why a reset token was refused. One message for all cases, so the answer tells
/// nothing about which tokens exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this reset link is invalid or has expired; ask for a new one")]
pub struct InvalidReset;

impl ResetToken {
    /// Issues a token for one reset; the clear text goes to the user, the rest is stored.
    pub fn issue(now: Instant) -> Result<(Secret, ResetToken), NoRandomness> {
        let token = generate("fct_reset")?;
        let stored = ResetToken {
            digest: digest(&token),
            expires_at: now.plus_seconds(RESET_SECONDS),
            used: false,
        };
        Ok((token, stored))
    }

    /// Consumes the token if `presented` is it, unused and unexpired.
    pub fn redeem(&mut self, presented: &Secret, now: Instant) -> Result<(), InvalidReset> {
        if self.used || now >= self.expires_at || digest(presented) != self.digest {
            return Err(InvalidReset);
        }
        self.used = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_stored_as_digests() {
        let a = generate("fct_api").unwrap();
        let b = generate("fct_api").unwrap();
        assert_ne!(a, b);
        assert!(a.expose().starts_with("fct_api_"));
        assert_eq!(a.expose().len(), "fct_api_".len() + 64);
        let d = digest(&a);
        assert_eq!(d.len(), 64);
        assert!(!d.contains(a.expose()));
        assert_eq!(d, digest(&a));
    }

    #[test]
    fn reset_tokens_are_single_use_and_expire() {
        let now = Instant(1000);
        let (token, mut stored) = ResetToken::issue(now).unwrap();
        assert_eq!(
            stored.redeem(&Secret::new("fct_reset_guess"), now),
            Err(InvalidReset)
        );
        assert!(stored.redeem(&token, now.plus_seconds(60)).is_ok());
        assert_eq!(
            stored.redeem(&token, now.plus_seconds(61)),
            Err(InvalidReset)
        );
        let (token, mut stored) = ResetToken::issue(now).unwrap();
        assert_eq!(
            stored.redeem(&token, now.plus_seconds(RESET_SECONDS)),
            Err(InvalidReset)
        );
    }
}
