//! The plain sections of the configuration: `[smtp]`, `[storage]` and
//! `[limits]` (types and their checks; `check` in `mod.rs` calls them).

use std::time::Duration;

use super::bad;
use super::raw::{RawLimits, RawSmtp, RawStorage};
use crate::Result;

/// `[smtp]`: a relay that takes mail without TLS or login (a local MTA
/// such as Postfix on `localhost:25`, which then delivers it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpOptions {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Sender mailbox (checked).
    pub from: String,
    /// Longest time one delivery may take.
    pub timeout: Duration,
}

/// `[storage]`: which database, and how hard SQLite works to keep a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageOptions {
    /// `synchronous = "full"` (the default): fsync on every commit, so an
    /// acknowledged message survives even a power failure, at the cost of
    /// one disk flush per message (milliseconds on ordinary disks). Our
    /// promise is that an acknowledged message is never lost, so this is
    /// the default. `"normal"` (WAL mode) survives any crash or kill of the
    /// server process; only an operating-system crash or power loss can roll
    /// back the last commits.
    pub full_sync: bool,
    /// `database_url = "postgres://…"` (or the `--database-url` flag):
    /// store everything in PostgreSQL instead of the SQLite file, so that
    /// several instances can share one database. `None`: SQLite.
    pub database_url: Option<String>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            full_sync: true,
            database_url: None,
        }
    }
}

/// Checks a `database_url`: a `postgres://` or `postgresql://` URL that
/// the driver can parse. The error never repeats the URL (it may hold a
/// password).
pub fn check_database_url(url: &str) -> std::result::Result<(), String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("must be a postgres:// or postgresql:// URL".into());
    }
    // The TLS parameters (sslmode, sslrootcert and its file) first.
    let tls = crate::tls::PgTls::parse(url)?;
    <postgres::Config as std::str::FromStr>::from_str(&tls.url)
        .map(|_| ())
        .map_err(|e| format!("not a valid PostgreSQL URL: {e}"))
}

/// Limits applied everywhere.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest chat message, in characters (`message_max_chars`, default 2000).
    pub message_max_chars: usize,
    /// Messages one chat side may send per 10 s (`messages_per_10s`, default 20).
    pub messages_per_10s: u32,
    /// Largest request body in bytes (`body_limit_bytes`, default 64 KiB).
    pub body_limit_bytes: usize,
    /// Timeout of an HTTP request (`request_timeout_secs`, default 15).
    pub request_timeout: Duration,
    /// Idle lifetime of an operator login (`operator_session_hours`, default 12).
    pub operator_session_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            message_max_chars: 2000,
            messages_per_10s: 20,
            body_limit_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(15),
            operator_session_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

pub(super) fn check_smtp(raw: RawSmtp) -> Result<SmtpOptions> {
    if raw.host.trim().is_empty() {
        return Err(bad("smtp.host", "must not be empty"));
    }
    if raw.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(bad(
            "smtp.from",
            format!(
                "{:?} is not a mailbox like \"Shop <chat@shop.example>\"",
                raw.from
            ),
        ));
    }
    Ok(SmtpOptions {
        host: raw.host,
        port: raw.port.unwrap_or(25),
        from: raw.from,
        timeout: Duration::from_secs(raw.timeout_secs.unwrap_or(10).max(1)),
    })
}

pub(super) fn check_storage(raw: RawStorage) -> Result<StorageOptions> {
    let full_sync = match raw.synchronous.as_deref() {
        Some("normal") => false,
        None | Some("full") => true,
        Some(other) => {
            return Err(bad(
                "storage.synchronous",
                format!("{other:?} is not \"normal\" or \"full\""),
            ))
        }
    };
    if let Some(url) = &raw.database_url {
        check_database_url(url).map_err(|e| bad("storage.database_url", e))?;
    }
    Ok(StorageOptions {
        full_sync,
        database_url: raw.database_url,
    })
}

pub(super) fn check_limits(raw: RawLimits) -> Result<Limits> {
    let d = Limits::default();
    let positive = |key: &str, v: Option<u64>, default: u64| match v {
        Some(0) => Err(bad(&format!("limits.{key}"), "must be greater than 0")),
        Some(v) => Ok(v),
        None => Ok(default),
    };
    Ok(Limits {
        message_max_chars: positive(
            "message_max_chars",
            raw.message_max_chars.map(|v| v as u64),
            d.message_max_chars as u64,
        )? as usize,
        messages_per_10s: positive(
            "messages_per_10s",
            raw.messages_per_10s.map(u64::from),
            u64::from(d.messages_per_10s),
        )? as u32,
        body_limit_bytes: positive(
            "body_limit_bytes",
            raw.body_limit_bytes.map(|v| v as u64),
            d.body_limit_bytes as u64,
        )? as usize,
        request_timeout: Duration::from_secs(positive(
            "request_timeout_secs",
            raw.request_timeout_secs,
            d.request_timeout.as_secs(),
        )?),
        operator_session_ttl: Duration::from_secs(
            positive("operator_session_hours", raw.operator_session_hours, 12)? * 3600,
        ),
    })
}
