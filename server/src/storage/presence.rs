//! Operator presence and availability across instances (issue 13): the
//! `operator_presence` heartbeat table, and the re-reads an instance makes
//! when another one says a company's availability changed.

use owidget_protocol::desk::Availability;

use super::operators::parse_availability;
use super::Store;
use crate::{args, Result};

/// An operator by company GUID and login name.
pub type OperatorKey = (String, String);

impl Store {
    /// Stored availability of one company's operators: `(username, availability)`.
    pub async fn company_availability(
        &self,
        company: String,
    ) -> Result<Vec<(String, Availability)>> {
        self.call(move |c| {
            c.query(
                "SELECT username, availability FROM operator_state WHERE company = ?1",
                args![company],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, parse_availability(&r.get::<String>(1)?))))
            .collect()
        })
        .await
    }

    /// Commits one operator's availability with its webhook `events`, in
    /// one transaction (before the change is applied or published).
    pub async fn commit_availability(
        &self,
        company: String,
        username: String,
        a: Availability,
        events: Vec<crate::webhooks::Planned>,
    ) -> Result<()> {
        self.save_availability(vec![(company, username, a)], events)
            .await
    }

    /// The heartbeat of `instance`: its rows become exactly `held` (the
    /// operators whose desk sockets it holds), valid until `expires_at`
    /// (unix ms); rows expired at `now` are deleted, whoever wrote them.
    /// Returns the operators present on *other* instances at `now`.
    pub async fn heartbeat(
        &self,
        instance: String,
        held: Vec<OperatorKey>,
        now: i64,
        expires_at: i64,
    ) -> Result<Vec<OperatorKey>> {
        self.call(move |c| {
            c.transaction(|tx| {
                tx.execute(
                    "DELETE FROM operator_presence WHERE instance = ?1 OR expires_at <= ?2",
                    args![instance, now],
                )?;
                for (company, username) in &held {
                    tx.execute(
                        "INSERT INTO operator_presence (company, username, instance, expires_at) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (company, username, instance) \
                         DO UPDATE SET expires_at = excluded.expires_at",
                        args![company, username, instance, expires_at],
                    )?;
                }
                tx.query(
                    "SELECT DISTINCT company, username FROM operator_presence \
                     WHERE instance != ?1 AND expires_at > ?2",
                    args![instance, now],
                )?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect()
            })
        })
        .await
    }

    /// Forgets `instance`'s heartbeat (a clean shutdown: its operators'
    /// presence goes at once instead of after the TTL).
    pub async fn clear_presence(&self, instance: String) -> Result<()> {
        self.call(move |c| {
            c.execute(
                "DELETE FROM operator_presence WHERE instance = ?1",
                args![instance],
            )?;
            Ok(())
        })
        .await
    }

    /// Active sessions of a company: `(operator username, session id)`.
    pub async fn active_assignments(&self, company: String) -> Result<Vec<(String, String)>> {
        self.call(move |c| {
            c.query(
                "SELECT operator, id FROM sessions WHERE company = ?1 AND state = 'active' \
                 AND operator IS NOT NULL",
                args![company],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
        })
        .await
    }
}
