//! `--broker` / `[broker] url`: which broker, parsed (and its URL checked)
//! at start; shown with the password masked.

use std::fmt;
use std::str::FromStr;

/// Which broker (`--broker`, `[broker] url`).
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Broker {
    /// In-process (`memory`, the default).
    #[default]
    Memory,
    /// Redis pub/sub at this `redis://` (or `rediss://`, TLS) URL.
    Redis(String),
    /// PostgreSQL `LISTEN`/`NOTIFY` at this `postgres://` URL.
    Postgres(String),
}

impl FromStr for Broker {
    type Err = String;

    /// `memory`, `redis://…` or `postgres://…` (`postgresql://…`); the URL
    /// is parsed here, so a bad one stops the server at start.
    fn from_str(s: &str) -> Result<Broker, String> {
        let s = s.trim();
        if s == "memory" {
            return Ok(Broker::Memory);
        }
        if s == "postgres" || s == "postgresql" {
            return Err("give the PostgreSQL URL to listen on: postgres://user@host/db".into());
        }
        if s.starts_with("redis://") || s.starts_with("rediss://") {
            // rediss://: TLS, with its `ca_file=` loaded here (crate::tls).
            crate::tls::redis_client(s).map_err(|e| format!("{}: {e}", redact(s)))?;
            return Ok(Broker::Redis(s.to_string()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let tls = crate::tls::PgTls::parse(s).map_err(|e| format!("{}: {e}", redact(s)))?;
            tokio_postgres::Config::from_str(&tls.url)
                .map_err(|e| format!("{}: not a PostgreSQL URL: {e}", redact(s)))?;
            return Ok(Broker::Postgres(s.to_string()));
        }
        Err(format!(
            "{:?} is not \"memory\", \"redis://host:port\", \"rediss://host:port\" or \"postgres://user@host/db\"",
            redact(s)
        ))
    }
}

/// `scheme://user:***@host/…`: a URL fit for logs.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (auth, host),
        None => return url.to_string(),
    };
    let user = auth.split(':').next().unwrap_or("");
    if auth.contains(':') {
        format!("{scheme}://{user}:***@{host}")
    } else {
        url.to_string()
    }
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broker::Memory => f.write_str("memory"),
            Broker::Redis(u) | Broker::Postgres(u) => f.write_str(&redact(u)),
        }
    }
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Broker({self})")
    }
}
