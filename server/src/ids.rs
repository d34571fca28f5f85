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

/// A widget's `startKey`: 16 to 64 characters of `A-Z a-z 0-9 _ -`.
pub fn is_start_key(key: &str) -> bool {
    (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What the database keeps of a `startKey`: its hash (to find the session
/// it started) and the session's token sealed with it (XOR with a hash of
/// the key), so that a repeated start answers the same token while the
/// database alone reveals neither the key nor the token (Stripe-style
/// idempotency keys replay the first answer).
pub fn start_key_record(key: &str, token: &str) -> (String, String) {
    (start_key_hash(key), seal(key, token))
}

/// The lookup hash of a `startKey`.
pub fn start_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(
        format!("owidget start key:{key}").as_bytes(),
    ))
}

fn pad(key: &str) -> [u8; 32] {
    Sha256::digest(format!("owidget start seal:{key}").as_bytes()).into()
}

/// Seals a 64-hex token with `key`.
fn seal(key: &str, token: &str) -> String {
    let bytes = hex::decode(token).expect("tokens are 64 hex");
    hex::encode(
        bytes
            .iter()
            .zip(pad(key))
            .map(|(b, p)| b ^ p)
            .collect::<Vec<_>>(),
    )
}

/// The token sealed with `key`, if `sealed` is well-formed.
pub fn unseal(key: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok().filter(|b| b.len() == 32)?;
    Some(hex::encode(
        bytes
            .iter()
            .zip(pad(key))
            .map(|(b, p)| b ^ p)
            .collect::<Vec<_>>(),
    ))
}

/// ISO 8601 UTC with milliseconds for Unix milliseconds, without a
/// calendar crate: days → civil date (Howard Hinnant's algorithm, written
/// from its description). The bot contract's `createdAt` and the webhooks'
/// `createdAt` / `sentAt`.
/// `2018-07-16T13:53:57.961Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_key_only() {
        let token = new_token();
        let (hash, sealed) = start_key_record("key-0123456789abcdef", &token);
        assert_eq!(hash, start_key_hash("key-0123456789abcdef"));
        assert_ne!(sealed, token);
        assert_eq!(unseal("key-0123456789abcdef", &sealed), Some(token.clone()));
        assert_ne!(unseal("key-0123456789abcdeX", &sealed), Some(token));
        assert!(is_start_key("w0123456789abcdef"));
        assert!(!is_start_key("short"));
        assert!(!is_start_key("bad key with spaces!"));
    }

    #[test]
    fn known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_531_749_237_961), "2018-07-16T13:53:57.961Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_796_083_200_123), "2026-12-01T00:00:00.123Z");
    }
}
