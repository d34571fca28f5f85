//! The `operator_sessions` and `operator_state` tables: logins (token
//! hashes only) and availability, so that a deploy logs nobody out.

use crate::args;
use owidget_protocol::desk::Availability;

use super::Store;
use crate::Result;

/// A stored operator login.
#[derive(Debug, Clone)]
pub struct OperatorSession {
    /// SHA-256 of the bearer token.
    pub token_hash: String,
    /// Company GUID.
    pub company: String,
    /// Operator's login name.
    pub username: String,
    /// Unix ms after which the login is dead unless used.
    pub expires_at: i64,
}

pub(super) fn availability_str(a: Availability) -> &'static str {
    match a {
        Availability::Online => "online",
        Availability::Away => "away",
        Availability::Offline => "offline",
    }
}

/// A stored availability (anything unknown reads as offline).
pub(super) fn parse_availability(s: &str) -> Availability {
    match s {
        "online" => Availability::Online,
        "away" => Availability::Away,
        _ => Availability::Offline,
    }
}

/// The `SELECT token_hash, company, username, expires_at` of a login.
fn login_row(r: &super::db::Row) -> Result<OperatorSession> {
    Ok(OperatorSession {
        token_hash: r.get(0)?,
        company: r.get(1)?,
        username: r.get(2)?,
        expires_at: r.get(3)?,
    })
}

impl Store {
    /// Stores a new login.
    pub async fn insert_operator_session(&self, s: OperatorSession, now: i64) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "INSERT INTO operator_sessions (token_hash, company, username, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (token_hash) DO UPDATE SET company = excluded.company, \
                 username = excluded.username, created_at = excluded.created_at, expires_at = excluded.expires_at",
                args![s.token_hash, s.company, s.username, now, s.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    /// Moves a login's expiry (it was used).
    pub async fn extend_operator_session(&self, token_hash: String, expires_at: i64) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE operator_sessions SET expires_at = ?2 WHERE token_hash = ?1",
                args![token_hash, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    /// Forgets a login (logout).
    pub async fn delete_operator_session(&self, token_hash: String) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "DELETE FROM operator_sessions WHERE token_hash = ?1",
                args![token_hash],
            )?;
            Ok(())
        })
        .await
    }

    /// One login, if still alive at `now` (another instance may have issued
    /// it, or revoked it).
    pub async fn operator_session(
        &self,
        token_hash: String,
        now: i64,
    ) -> Result<Option<OperatorSession>> {
        self.call(move |c| {
            c.query_opt(
                "SELECT token_hash, company, username, expires_at FROM operator_sessions \
                 WHERE token_hash = ?1 AND expires_at > ?2",
                args![token_hash, now],
            )?
            .map(|r| login_row(&r))
            .transpose()
        })
        .await
    }

    /// How many logins of one operator are alive at `now`, issued on any
    /// instance (a logout takes the operator offline only after the last).
    pub async fn live_logins(&self, company: String, username: String, now: i64) -> Result<u64> {
        self.call(move |c| {
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM operator_sessions \
                     WHERE company = ?1 AND username = ?2 AND expires_at > ?3",
                    args![company, username, now],
                )?
                .get(0)?;
            Ok(n.max(0) as u64)
        })
        .await
    }

    /// Logins still alive at `now`; expired ones are deleted.
    pub async fn operator_sessions(&self, now: i64) -> Result<Vec<OperatorSession>> {
        self.call(move |c| {
            c.execute(
                "DELETE FROM operator_sessions WHERE expires_at <= ?1",
                args![now],
            )?;
            c.query(
                "SELECT token_hash, company, username, expires_at FROM operator_sessions",
                args![],
            )?
            .iter()
            .map(login_row)
            .collect()
        })
        .await
    }

    /// Stores operators' availability: `(company, username, availability)`,
    /// with the webhook `events` of those changes in the same transaction.
    pub async fn save_availability(
        &self,
        rows: Vec<(String, String, Availability)>,
        events: Vec<crate::webhooks::Planned>,
    ) -> Result<()> {
        self.call(move |c| {
            c.transaction(|tx| {
                for (company, username, a) in &rows {
                    tx.execute(
                        "INSERT INTO operator_state (company, username, availability) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (company, username) DO UPDATE SET availability = excluded.availability",
                        args![company, username, availability_str(*a)],
                    )?;
                }
                crate::webhooks::outbox::write_all(tx, &events)?;
                Ok(())
            })
        })
        .await
    }

    /// Stored availability of every operator ever seen.
    pub async fn availability(&self) -> Result<Vec<(String, String, Availability)>> {
        self.call(|c| {
            c.query(
                "SELECT company, username, availability FROM operator_state",
                args![],
            )?
            .iter()
            .map(|r| {
                let a = parse_availability(&r.get::<String>(2)?);
                Ok((r.get(0)?, r.get(1)?, a))
            })
            .collect()
        })
        .await
    }
}
