//! `bot_conversations`: per chat held by a bot, the connector's own
//! conversation id (joined, contract §4.2 rule 3), the replies of the last
//! answer with how far they were played, and the last message posted to the
//! bot, so that a restart resumes where it stopped without replaying.

use crate::args;
use serde_json::Value;

use crate::storage::Store;
use crate::Result;

/// One row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvRow {
    /// Session id.
    pub session: String,
    /// The bot's `idOperator`.
    pub operator: String,
    /// The connector's conversation id once created.
    pub conversation: Option<String>,
    /// Counter of answers (part of the replies' idempotency keys).
    pub batch: i64,
    /// Replies of the current answer.
    pub pending: Vec<Value>,
    /// Index of the next reply to play.
    pub next: i64,
    /// Last message `seq` posted to the bot.
    pub posted_seq: u64,
}

/// Reads a row.
pub async fn load(store: &Store, session: &str) -> Result<Option<ConvRow>> {
    let session = session.to_string();
    store
        .call(move |c| {
            c.query_opt(
                "SELECT session, operator, conversation, batch, pending, next, posted_seq \
                 FROM bot_conversations WHERE session = ?1",
                args![session],
            )?
            .map(|r| {
                Ok(ConvRow {
                    session: r.get(0)?,
                    operator: r.get(1)?,
                    conversation: r.get(2)?,
                    batch: r.get(3)?,
                    pending: serde_json::from_str(&r.get::<String>(4)?).unwrap_or_default(),
                    next: r.get(5)?,
                    posted_seq: r.get::<i64>(6)? as u64,
                })
            })
            .transpose()
        })
        .await
}

/// Writes a row (insert or replace).
pub async fn save(store: &Store, row: &ConvRow) -> Result<()> {
    let row = row.clone();
    store
        .call(move |c| {
            c.execute(
                "INSERT INTO bot_conversations (session, operator, conversation, batch, pending, next, posted_seq) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (session) DO UPDATE SET operator = ?2, conversation = ?3, batch = ?4, \
                 pending = ?5, next = ?6, posted_seq = ?7",
                args![
                    row.session,
                    row.operator,
                    row.conversation,
                    row.batch,
                    serde_json::to_string(&row.pending).expect("JSON values serialize"),
                    row.next,
                    row.posted_seq as i64
                ],
            )?;
            Ok(())
        })
        .await
}

/// Forgets a row (the bot no longer holds the chat).
pub async fn delete(store: &Store, session: &str) -> Result<()> {
    let session = session.to_string();
    store
        .call(move |c| {
            c.execute(
                "DELETE FROM bot_conversations WHERE session = ?1",
                args![session],
            )?;
            Ok(())
        })
        .await
}
