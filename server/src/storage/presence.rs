//! Operator presence and availability across instances (issue 13): the
//! `operator_presence` heartbeat table, and the re-reads an instance makes
//! when another one says a company's availability changed.

use owidget_protocol::desk::Availability;

use super::operators::{availability_str, parse_availability};
use super::Store;
use crate::{args, Result};

/// An operator by company GUID and login name.
pub type OperatorKey = (String, String);

/// One operator's availability change as the sweep stores it.
#[derive(Debug, Clone)]
pub struct AvailabilityChange {
    /// The operator's index in the company (to match events and results).
    pub operator: usize,
    /// Login name.
    pub username: String,
    /// What this instance believes the database holds.
    pub from: Availability,
    /// The new value.
    pub to: Availability,
}

impl Store {
    /// Stores one company's availability `changes`, each only where the
    /// database still holds its `from` (or has no row yet), with the
    /// `events` (`(operator index, event)`) of the changes that were
    /// stored and of operators without a change, in one transaction.
    /// Returns what the database holds for each change afterwards (`to`
    /// when it was stored) and the events written.
    pub async fn store_availability_changes(
        &self,
        company: String,
        changes: Vec<AvailabilityChange>,
        events: Vec<(usize, crate::webhooks::Planned)>,
    ) -> Result<(Vec<Availability>, Vec<crate::webhooks::Planned>)> {
        self.call(move |c| {
            c.transaction(|tx| {
                let mut now = Vec::with_capacity(changes.len());
                let mut lost = Vec::new();
                for ch in &changes {
                    let n = tx.execute(
                        "INSERT INTO operator_state (company, username, availability) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (company, username) DO UPDATE SET availability = excluded.availability \
                         WHERE operator_state.availability = ?4",
                        args![company, ch.username, availability_str(ch.to), availability_str(ch.from)],
                    )?;
                    if n == 1 {
                        now.push(ch.to);
                        continue;
                    }
                    let row = tx.query_one(
                        "SELECT availability FROM operator_state WHERE company = ?1 AND username = ?2",
                        args![company, ch.username],
                    )?;
                    now.push(parse_availability(&row.get::<String>(0)?));
                    lost.push(ch.operator);
                }
                let written: Vec<_> = events
                    .into_iter()
                    .filter(|(i, _)| !lost.contains(i))
                    .map(|(_, p)| p)
                    .collect();
                crate::webhooks::outbox::write_all(tx, &written)?;
                Ok((now, written))
            })
        })
        .await
    }

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
