//! Random identifiers, secret tokens and the clock.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS generator, hex encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A new secret token: 32 random bytes, 64 hex characters.
pub fn new_token() -> String {
    random_hex(32)
}

/// SHA-256 of a token, hex. Tokens are kept only hashed so that a leaked
/// database or memory dump does not hand out live sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time equality of two hex hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Wall-clock time, Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
