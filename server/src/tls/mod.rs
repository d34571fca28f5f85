//! TLS to PostgreSQL (the storage pool and the `LISTEN`/`NOTIFY` bus) and
//! to Redis, with rustls (ring; no system OpenSSL).
//!
//! PostgreSQL follows libpq's `sslmode` in the URL: `disable`, `prefer`
//! (the default: TLS when the server offers it, unverified), `require`
//! (TLS or fail, unverified), `verify-ca` (the chain must lead to the CA of
//! `sslrootcert=`) and `verify-full` (and the host name must match). As in
//! libpq, `require` with an `sslrootcert` verifies the chain like
//! `verify-ca`, and `sslrootcert=system` takes the Mozilla roots built into
//! the binary (with `verify-full` only). tokio-postgres knows neither
//! `verify-*` nor `sslrootcert`: [`PgTls::parse`] takes them out of the URL
//! and hands it `sslmode=require` with a connector that verifies.
//!
//! Redis: `rediss://` URLs, verified against the system's roots, or
//! against the CA of a `ca_file=` query parameter; `#insecure` (redis-rs)
//! skips the verification.
//!
//! `verify.rs`: the rustls configurations and certificate verifiers.

#[cfg(test)]
mod tests;
mod verify;

use std::path::Path;

use tokio_postgres_rustls::MakeRustlsConnect;

pub use verify::load_ca;
use verify::{no_verify, verify_ca, verify_full, webpki_roots_store};

/// libpq's `sslmode`, as owidget applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, the certificate not checked.
    Prefer,
    /// TLS or fail, the certificate not checked (checked like `VerifyCa`
    /// when a CA is given).
    Require,
    /// TLS, the chain checked against the CA, not the host name.
    VerifyCa,
    /// TLS, the chain and the host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode={other:?} is not disable, prefer, require, verify-ca or verify-full"
                ))
            }
        })
    }

    /// libpq's name.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL URL made ready for tokio-postgres: the URL it understands
/// and the connector that applies the `sslmode`.
#[derive(Clone)]
pub struct PgTls {
    /// The URL without `sslrootcert`, `verify-*` turned into `require`.
    pub url: String,
    /// The mode in force (`require` with a CA file is `verify-ca`).
    pub mode: SslMode,
    /// The connector to connect with (every mode: `disable` never uses it).
    pub connector: MakeRustlsConnect,
}

impl PgTls {
    /// Parses the TLS parameters of `url` and loads its CA file. The error
    /// names the parameter and the problem.
    pub fn parse(url: &str) -> Result<PgTls, String> {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut kept = Vec::new();
        let mut mode = None;
        let mut root = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => mode = Some(SslMode::parse(&percent_decode(value))?),
                "sslrootcert" => root = Some(percent_decode(value)),
                _ => kept.push(pair),
            }
        }
        let mode = match (mode, root.as_deref()) {
            (None | Some(SslMode::VerifyFull), Some("system")) => SslMode::VerifyFull,
            (Some(m), Some("system")) => {
                return Err(format!(
                    "sslrootcert=system needs sslmode=verify-full, not sslmode={}",
                    m.name()
                ))
            }
            (Some(SslMode::Require), Some(_)) => SslMode::VerifyCa,
            (None, Some(_)) => SslMode::VerifyCa,
            (Some(m), _) => m,
            (None, None) => SslMode::Prefer,
        };
        let roots = match root.as_deref() {
            Some("system") => Some(webpki_roots_store()),
            Some(path) if mode != SslMode::Disable => {
                Some(load_ca("sslrootcert", Path::new(path))?)
            }
            _ => None,
        };
        let config = match (mode, roots) {
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
                return Err(format!(
                    "sslmode={} needs the CA that signed the server's certificate: \
                     add sslrootcert=/path/to/ca.pem (or sslrootcert=system) to the URL",
                    mode.name()
                ))
            }
            (SslMode::VerifyFull, Some(roots)) => verify_full(roots)?,
            (SslMode::VerifyCa, Some(roots)) => verify_ca(roots)?,
            _ => no_verify(),
        };
        // tokio-postgres: `require` means "TLS or fail"; our connector verifies.
        let forwarded = match mode {
            SslMode::VerifyCa | SslMode::VerifyFull => "require",
            m => m.name(),
        };
        kept.push(match forwarded {
            "disable" => "sslmode=disable",
            "prefer" => "sslmode=prefer",
            _ => "sslmode=require",
        });
        Ok(PgTls {
            url: format!("{base}?{}", kept.join("&")),
            mode,
            connector: MakeRustlsConnect::new(config),
        })
    }
}

/// Whether `e` (a tokio-postgres error) is a TLS failure: the server has no
/// TLS, the handshake failed, its certificate was refused. Such a failure
/// at start stops the server; an unreachable one does not.
pub fn is_pg_tls_error(e: &tokio_postgres::Error) -> bool {
    e.to_string().starts_with("error performing TLS handshake") || has_rustls_cause(e)
}

/// Whether a rustls error is among the causes of `e`.
pub fn has_rustls_cause(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

/// `e` with its causes, on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// A `rediss://` URL's client: `ca_file=` (taken out of the URL) is the CA
/// to verify against instead of the system's roots. `redis://` passes
/// through unchanged.
pub fn redis_client(url: &str) -> Result<redis::Client, String> {
    install_provider();
    if !url.starts_with("rediss://") {
        return redis::Client::open(url).map_err(|e| e.to_string());
    }
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, q),
        None => (rest, ""),
    };
    let mut kept = Vec::new();
    let mut ca = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("ca_file", v)) => ca = Some(percent_decode(v)),
            _ => kept.push(pair),
        }
    }
    let mut clean = base.to_string();
    if !kept.is_empty() {
        clean.push('?');
        clean.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        clean.push('#');
        clean.push_str(f);
    }
    let Some(ca) = ca else {
        return redis::Client::open(clean.as_str()).map_err(|e| e.to_string());
    };
    // Checked here so that a bad file is named (redis-rs only says "PEM").
    load_ca("ca_file", Path::new(&ca))?;
    let pem = std::fs::read(&ca).map_err(|e| format!("ca_file {ca}: {e}"))?;
    redis::Client::build_with_tls(
        clean.as_str(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem),
        },
    )
    .map_err(|e| e.to_string())
}

/// Whether a Redis error is a TLS failure (see [`is_pg_tls_error`]).
pub fn is_redis_tls_error(e: &redis::RedisError) -> bool {
    if has_rustls_cause(e) {
        return true;
    }
    let text = e.to_string().to_ascii_lowercase();
    ["certificate", "tls", "handshake", "corrupt message"]
        .iter()
        .any(|w| text.contains(w))
}

/// redis-rs builds its rustls configs with the process default provider.
fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `%XX` decoding of a URL parameter (a path may carry `%2F`, `%20`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
