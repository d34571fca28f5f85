//! Assignments decided by the database (several instances): accept and
//! transfer change a session only if it is still as the caller saw it
//! (waiting, or held by the transferring operator), and only if the taking
//! operator still has a free slot, counted in the same transaction under a
//! row lock of the operator (`operator_state … FOR UPDATE` on PostgreSQL;
//! SQLite's `BEGIN IMMEDIATE` serializes every writer anyway). The loser of
//! a race gets `Conflict` and nothing is written.

use owidget_protocol::desk::ChatSummary;

use super::{Db, Store};
use crate::{args, Error, Result};

/// What the session must still be for the assignment to happen.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Waiting in the queue (accept).
    Waiting,
    /// Active with this operator (transfer).
    HeldBy(String),
}

/// The assignment statement, guarded by `cond` (SQL after `WHERE id = ?1`).
pub(super) fn assign_sql(pg: bool, cond: &str) -> String {
    let ids = if pg {
        "operator_ids = CASE WHEN ?3::text IS NULL THEN operator_ids \
         ELSE (coalesce(operator_ids, '[]')::jsonb || jsonb_build_array(?3::text))::text END"
    } else {
        "operator_ids = CASE WHEN ?3 IS NULL THEN operator_ids \
         ELSE json_insert(coalesce(operator_ids, '[]'), '$[#]', ?3) END"
    };
    format!(
        "UPDATE sessions SET state = ?2, operator = ?3, operator_name = ?4, accepted_at = ?5, \
         {ids} WHERE id = ?1 AND {cond}"
    )
}

/// Locks the operator's row (PostgreSQL) and fails with `Conflict` when
/// they already hold `capacity` active chats other than `id`.
fn check_capacity(
    tx: &mut Db<'_>,
    company: &str,
    username: &str,
    id: &str,
    capacity: u32,
) -> Result<()> {
    if tx.is_pg() {
        tx.execute(
            "INSERT INTO operator_state (company, username, availability) VALUES (?1, ?2, 'offline') \
             ON CONFLICT (company, username) DO NOTHING",
            args![company, username],
        )?;
        tx.query_opt(
            "SELECT 1 FROM operator_state WHERE company = ?1 AND username = ?2 FOR UPDATE",
            args![company, username],
        )?;
    }
    let held: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM sessions WHERE company = ?1 AND operator = ?2 \
             AND state = 'active' AND id != ?3",
            args![company, username, id],
        )?
        .get(0)?;
    if held >= i64::from(capacity) {
        return Err(Error::Conflict(format!(
            "{username} is at their chat capacity (another chat was assigned meanwhile)"
        )));
    }
    Ok(())
}

impl Store {
    /// Records an accept or transfer (`chat` as it will be: active with
    /// its operator, or waiting for a transfer back to the queue) only if
    /// the session is still as `expect` says and, with `capacity`, the new
    /// operator has a free slot; `events` (webhooks) in the same
    /// transaction. `Conflict` (nothing written) otherwise.
    pub async fn assign_checked(
        &self,
        company: &str,
        chat: &ChatSummary,
        expect: Expect,
        capacity: Option<u32>,
        events: Option<crate::webhooks::Planned>,
    ) -> Result<usize> {
        let company = company.to_string();
        let (id, op, name, at) = (
            chat.id.clone(),
            chat.operator.clone(),
            chat.operator_name.clone(),
            chat.accepted_at,
        );
        let state = super::sessions::state_str(chat.state);
        self.call(move |c| {
            c.transaction(|tx| {
                if let (Some(cap), Some(op)) = (capacity, &op) {
                    check_capacity(tx, &company, op, &id, cap)?;
                }
                let (sql, from) = match &expect {
                    Expect::Waiting => (assign_sql(tx.is_pg(), "state = 'waiting'"), None),
                    Expect::HeldBy(u) => (
                        assign_sql(tx.is_pg(), "state = 'active' AND operator = ?6"),
                        Some(u.clone()),
                    ),
                };
                let n = match from {
                    None => tx.execute(&sql, args![id, state, op, name, at])?,
                    Some(from) => tx.execute(&sql, args![id, state, op, name, at, from])?,
                };
                if n == 0 {
                    return Err(Error::Conflict(match expect {
                        Expect::Waiting => {
                            "the chat is not waiting any more (another operator took it or it ended)"
                                .into()
                        }
                        Expect::HeldBy(_) => {
                            "the chat changed meanwhile (it is no longer yours or it ended)".into()
                        }
                    }));
                }
                match &events {
                    Some(e) => crate::webhooks::outbox::write(tx, e),
                    None => Ok(0),
                }
            })
        })
        .await
    }

    /// The last `seq` of every open session (restore seeds delivery with it).
    pub async fn open_heads(&self) -> Result<Vec<(String, u64)>> {
        self.call(|c| {
            c.query(
                "SELECT s.id, COALESCE(MAX(m.seq), 0) FROM sessions s \
                 LEFT JOIN messages m ON m.session = s.id WHERE s.state != 'ended' GROUP BY s.id",
                args![],
            )?
            .iter()
            .map(|r| Ok((r.get::<String>(0)?, r.get::<i64>(1)? as u64)))
            .collect()
        })
        .await
    }

    /// One session of a company and its last `seq`.
    pub async fn session_head(
        &self,
        company: &str,
        id: &str,
    ) -> Result<Option<(super::OpenSession, u64)>> {
        let Some(s) = self.session(company, id).await? else {
            return Ok(None);
        };
        let id = id.to_string();
        let head: i64 = self
            .call(move |c| {
                c.query_one(
                    "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session = ?1",
                    args![id],
                )?
                .get(0)
            })
            .await?;
        Ok(Some((s, head as u64)))
    }
}
