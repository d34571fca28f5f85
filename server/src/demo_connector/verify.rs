//! How a connector verifies our requests — written the way a company's
//! connector would, from the documented contract only.
//!
//! 1. iAdvize's signature: `x-iadvize-signature` must equal
//!    `"sha256=" + hex(HMAC-SHA256(secret, message))`, where `message` is
//!    the raw query string for a GET (everything after `?`, exactly as
//!    received, not re-encoded) and the raw body for a POST.
//! 2. Ours (recommended): `x-owidget-timestamp` (Unix seconds) must be
//!    within five minutes of now, and one of the comma-separated `v2=<hex>`
//!    values of `x-owidget-signature` must equal
//!    `hex(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + QUERY + "\n" + TIMESTAMP + "\n" + BODY))`.
//!    This binds the signature to the endpoint and the time, so a captured
//!    request cannot be replayed later or against another endpoint. During
//!    a secret rotation the platform sends one `v2=` per active secret:
//!    accept the request when any of them matches a secret you hold.
//!
//! Compare in constant time; refuse anything missing or wrong.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Largest accepted clock difference, in seconds.
pub const MAX_SKEW_SECS: u64 = 300;

/// What a request carries, as received.
#[derive(Debug)]
pub struct Signed<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// Path as received.
    pub path: &'a str,
    /// Raw query string (without `?`).
    pub query: &'a str,
    /// Raw body.
    pub body: &'a [u8],
    /// `x-iadvize-signature`.
    pub iadvize: Option<&'a str>,
    /// `x-owidget-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `x-owidget-signature`.
    pub v2: Option<&'a str>,
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length")
}

/// Constant-time check of a hex HMAC against `expected` bytes.
fn matches(m: Hmac<Sha256>, hex_sig: &str) -> bool {
    match hex::decode(hex_sig) {
        Ok(bytes) => m.verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// `Ok` when the request is signed with one of `secrets`; else why not.
pub fn verify(secrets: &[String], r: &Signed<'_>, now: u64) -> Result<(), &'static str> {
    let sig = r.iadvize.ok_or("missing x-iadvize-signature")?;
    let hex_sig = sig
        .strip_prefix("sha256=")
        .ok_or("x-iadvize-signature must start with sha256=")?;
    let message: &[u8] = if r.method == "GET" {
        r.query.as_bytes()
    } else {
        r.body
    };
    let ok = secrets.iter().any(|s| {
        let mut m = mac(s);
        m.update(message);
        matches(m, hex_sig)
    });
    if !ok {
        return Err("bad x-iadvize-signature");
    }
    // The v2 signature is ours: a platform that sends it must get it right.
    let Some(v2) = r.v2 else {
        return Ok(());
    };
    let ts = r
        .timestamp
        .ok_or("x-owidget-signature without x-owidget-timestamp")?;
    let t: u64 = ts.parse().map_err(|_| "bad x-owidget-timestamp")?;
    if t.abs_diff(now) > MAX_SKEW_SECS {
        return Err("x-owidget-timestamp too far from now");
    }
    let ok = v2
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v2="))
        .any(|hex_sig| {
            secrets.iter().any(|s| {
                let mut m = mac(s);
                for part in [
                    r.method.as_bytes(),
                    r.path.as_bytes(),
                    r.query.as_bytes(),
                    ts.as_bytes(),
                ] {
                    m.update(part);
                    m.update(b"\n");
                }
                m.update(r.body);
                matches(m, hex_sig)
            })
        });
    if ok {
        Ok(())
    } else {
        Err("bad x-owidget-signature")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac_hex(secret: &str, msg: &[u8]) -> String {
        let mut m = mac(secret);
        m.update(msg);
        hex::encode(m.finalize().into_bytes())
    }

    #[test]
    fn accepts_good_and_refuses_bad() {
        let secrets = vec!["s3cret-s3cret-s3cret".to_string()];
        let query = "idWebsite=ha-1&limit=10";
        let good = format!("sha256={}", hmac_hex(&secrets[0], query.as_bytes()));
        let v2 = hmac_hex(
            &secrets[0],
            format!("GET\n/products\n{query}\n100\n").as_bytes(),
        );
        let v2 = format!("v2={},v2={v2}", "00".repeat(32));
        let mut r = Signed {
            method: "GET",
            path: "/products",
            query,
            body: b"",
            iadvize: Some(&good),
            timestamp: Some("100"),
            v2: Some(&v2),
        };
        assert_eq!(verify(&secrets, &r, 150), Ok(()));
        assert_eq!(
            verify(&secrets, &r, 1000),
            Err("x-owidget-timestamp too far from now")
        );
        r.path = "/categories";
        assert_eq!(verify(&secrets, &r, 150), Err("bad x-owidget-signature"));
        r.v2 = None;
        assert_eq!(
            verify(&secrets, &r, 150),
            Ok(()),
            "iAdvize-only platforms pass"
        );
        r.query = "idWebsite=ha-1&limit=11";
        assert_eq!(verify(&secrets, &r, 150), Err("bad x-iadvize-signature"));
        r.iadvize = None;
        assert_eq!(
            verify(&secrets, &r, 150),
            Err("missing x-iadvize-signature")
        );
    }
}
