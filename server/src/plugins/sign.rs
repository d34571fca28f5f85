//! Request signatures sent to connectors.
//!
//! - `x-iadvize-signature: sha256=<hex>`: HMAC-SHA256 with the connector's
//!   (primary) secret over the raw query string of a GET (everything after
//!   `?`, as sent) or the raw body of a POST — iAdvize's signature, so that
//!   connectors written for iAdvize verify us unchanged.
//! - Ours, beyond iAdvize (which signs neither time, method nor path):
//!   `x-owidget-timestamp: <unix seconds>` and
//!   `x-owidget-signature: v2=<hex>[,v2=<hex>]`, one HMAC-SHA256 per active
//!   secret (two during a rotation) over
//!   `METHOD \n PATH \n QUERY \n TIMESTAMP \n BODY` (path and query exactly
//!   as sent, query without `?`, empty when there is none).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// iAdvize's signature header.
pub const IADVIZE_SIGNATURE: &str = "x-iadvize-signature";
/// Our timestamp header (Unix seconds).
pub const TIMESTAMP: &str = "x-owidget-timestamp";
/// Our v2 signature header.
pub const SIGNATURE_V2: &str = "x-owidget-signature";

fn hmac_hex(secret: &str, parts: &[&[u8]]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// `sha256=<hex>` over `message` (the raw query of a GET, the raw body of
/// a POST).
pub fn iadvize(secret: &str, message: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret, &[message]))
}

/// The hex v2 signature of one request with one secret.
pub fn v2(secret: &str, method: &str, path: &str, query: &str, ts: u64, body: &[u8]) -> String {
    let ts = ts.to_string();
    hmac_hex(
        secret,
        &[
            method.as_bytes(),
            b"\n",
            path.as_bytes(),
            b"\n",
            query.as_bytes(),
            b"\n",
            ts.as_bytes(),
            b"\n",
            body,
        ],
    )
}

/// The `x-owidget-signature` value: `v2=<hex>` per secret, comma separated.
pub fn v2_header(
    secrets: &[String],
    method: &str,
    path: &str,
    query: &str,
    ts: u64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| format!("v2={}", v2(s, method, path, query, ts, body)))
        .collect::<Vec<_>>()
        .join(",")
}

/// Constant-time comparison (for connectors verifying, like the demo one).
pub fn equal(a: &str, b: &str) -> bool {
    crate::ids::hashes_equal(a, b)
}

/// Percent-encodes a query component: unreserved characters stay, every
/// other byte becomes `%XX` (so the string is sent exactly as signed).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iadvize_signature_matches_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            iadvize("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn v2_covers_every_part() {
        let base = v2("k", "GET", "/p", "a=1", 10, b"");
        assert_ne!(base, v2("k", "POST", "/p", "a=1", 10, b""));
        assert_ne!(base, v2("k", "GET", "/q", "a=1", 10, b""));
        assert_ne!(base, v2("k", "GET", "/p", "a=2", 10, b""));
        assert_ne!(base, v2("k", "GET", "/p", "a=1", 11, b""));
        assert_ne!(base, v2("k", "GET", "/p", "a=1", 10, b"x"));
        assert_eq!(base, hmac_hex("k", &[b"GET\n/p\na=1\n10\n"]));
        let two = v2_header(&["k".into(), "l".into()], "GET", "/p", "a=1", 10, b"");
        assert_eq!(
            two,
            format!("v2={base},v2={}", v2("l", "GET", "/p", "a=1", 10, b""))
        );
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
    }
}
