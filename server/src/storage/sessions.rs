//! The `sessions` table.

use std::collections::BTreeMap;

use super::{Db, Row};
use crate::args;
use owidget_protocol::desk::ChatSummary;
use owidget_protocol::{Author, SessionState};

use super::Store;
use crate::Result;

/// A session to insert (state `waiting`).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Session id.
    pub id: String,
    /// Company GUID.
    pub company: String,
    /// Preset name.
    pub preset: String,
    /// `init` scope.
    pub scope: Option<String>,
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
    /// `addCustomData` values.
    pub custom_data: BTreeMap<String, String>,
    /// SHA-256 of the visitor's resume token.
    pub token_hash: String,
    /// Unix ms.
    pub created_at: i64,
    /// The visitor's stable id (`idVisitorUnique` for plugin connectors).
    pub visitor_id: String,
    /// `(hash of the startKey, token sealed with it)`, see
    /// [`crate::ids::start_key_record`].
    pub start_key: Option<(String, String)>,
}

#[cfg(test)]
impl NewSession {
    /// A waiting session `id` with placeholder fields, for storage tests.
    pub(crate) fn for_test(id: &str) -> NewSession {
        NewSession {
            id: id.into(),
            company: "c".into(),
            preset: "p".into(),
            scope: None,
            language: "en".into(),
            page_url: "u".into(),
            custom_data: Default::default(),
            token_hash: "h".into(),
            created_at: 1,
            visitor_id: "v".into(),
            start_key: None,
        }
    }
}

/// A stored session with what the summary does not show.
#[derive(Debug, Clone)]
pub struct OpenSession {
    /// As the desk shows it (`visitor_online` false, `queue_position` none).
    pub chat: ChatSummary,
    /// Company GUID.
    pub company: String,
    /// SHA-256 of the resume token.
    pub token_hash: String,
    /// The groups a bot routed the chat to (`None`: its preset's).
    pub groups: Option<Vec<String>>,
}

const COLUMNS: &str = "id, company, preset, scope, state, operator, operator_name, language, \
     page_url, custom_data, token_hash, created_at, accepted_at, ended_at, ended_by, closing_form, \
     route_groups";

pub(super) fn state_str(s: SessionState) -> &'static str {
    match s {
        SessionState::Waiting => "waiting",
        SessionState::Active => "active",
        SessionState::Ended => "ended",
    }
}

pub(super) fn author_str(a: Author) -> &'static str {
    match a {
        Author::Visitor => "visitor",
        Author::Operator => "operator",
        Author::System => "system",
    }
}

pub(super) fn parse_author(s: &str) -> Author {
    match s {
        "visitor" => Author::Visitor,
        "operator" => Author::Operator,
        _ => Author::System,
    }
}

fn row(r: &Row) -> Result<OpenSession> {
    let state = match r.get::<String>(4)?.as_str() {
        "waiting" => SessionState::Waiting,
        "active" => SessionState::Active,
        _ => SessionState::Ended,
    };
    let custom: String = r.get(9)?;
    Ok(OpenSession {
        chat: ChatSummary {
            id: r.get(0)?,
            preset: r.get(2)?,
            scope: r.get(3)?,
            state,
            operator: r.get(5)?,
            operator_name: r.get(6)?,
            language: r.get(7)?,
            page_url: r.get(8)?,
            custom_data: serde_json::from_str(&custom).unwrap_or_default(),
            created_at: r.get(11)?,
            accepted_at: r.get(12)?,
            ended_at: r.get(13)?,
            ended_by: r.get::<Option<String>>(14)?.map(|a| parse_author(&a)),
            queue_position: None,
            visitor_online: false,
            closing_form: r
                .get::<Option<String>>(15)?
                .and_then(|f| serde_json::from_str(&f).ok()),
        },
        company: r.get(1)?,
        token_hash: r.get(10)?,
        groups: r
            .get::<Option<String>>(16)?
            .and_then(|g| serde_json::from_str(&g).ok()),
    })
}

fn rows(c: &mut Db<'_>, sql: &str, args: &[super::Arg]) -> Result<Vec<OpenSession>> {
    c.query(sql, args)?.iter().map(row).collect()
}

impl Store {
    /// Inserts a waiting session.
    pub async fn insert_session(&self, s: NewSession) -> Result<()> {
        self.call(move |c| {
            let custom = serde_json::to_string(&s.custom_data).expect("map serializes");
            let (key_hash, seal) = s.start_key.unzip();
            let r = c.execute(
                "INSERT INTO sessions (id, company, preset, scope, state, language, page_url, \
                 custom_data, token_hash, created_at, visitor_id, start_key_hash, start_token_seal) \
                 VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                args![s.id, s.company, s.preset, s.scope, s.language, s.page_url, custom, s.token_hash, s.created_at, s.visitor_id, key_hash, seal],
            );
            match r {
                // PostgreSQL: another instance stored this startKey's chat
                // first; a retried start finds it.
                Err(crate::Error::Postgres(e))
                    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) =>
                {
                    Err(crate::Error::Conflict(
                        "this chat is being started already, try again".into(),
                    ))
                }
                r => r.map(|_| ()),
            }
        })
        .await
    }

    /// The open session a `startKey` created: `(id, sealed token, visitor id)`.
    pub async fn session_by_start_key(
        &self,
        company: &str,
        key_hash: &str,
    ) -> Result<Option<(String, Option<String>, Option<String>)>> {
        let (company, key_hash) = (company.to_string(), key_hash.to_string());
        self.call(move |c| {
            c.query_opt(
                "SELECT id, start_token_seal, visitor_id FROM sessions \
                 WHERE company = ?1 AND start_key_hash = ?2 AND state != 'ended'",
                args![company, key_hash],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .transpose()
        })
        .await
    }

    /// Records the session's assignment: `Some` operator = active with that
    /// operator (accept or transfer, added to the session's `operator_ids`),
    /// `None` = back to waiting. `events` (webhooks) are written in the
    /// same transaction; returns how many outbox rows were.
    pub async fn set_assignment(
        &self,
        chat: &ChatSummary,
        events: Option<crate::webhooks::Planned>,
    ) -> Result<usize> {
        let (id, op, name, at) = (
            chat.id.clone(),
            chat.operator.clone(),
            chat.operator_name.clone(),
            chat.accepted_at,
        );
        let state = state_str(chat.state);
        self.call(move |c| {
            c.transaction(|tx| {
                let sql = super::assign::assign_sql(tx.is_pg(), "state != 'ended'");
                tx.execute(&sql, args![id, state, op, name, at])?;
                match &events {
                    Some(e) => crate::webhooks::outbox::write(tx, e),
                    None => Ok(0),
                }
            })
        })
        .await
    }

    /// Marks a session ended, with its webhook `events` in the same
    /// transaction; returns how many outbox rows were written.
    pub async fn end_session(
        &self,
        id: &str,
        at: i64,
        by: Author,
        events: Option<crate::webhooks::Planned>,
    ) -> Result<usize> {
        let id = id.to_string();
        self.call(move |c| {
            c.transaction(|tx| {
                let n = tx.execute(
                    "UPDATE sessions SET state = 'ended', ended_at = ?2, ended_by = ?3 \
                     WHERE id = ?1 AND state != 'ended'",
                    args![id, at, author_str(by)],
                )?;
                if n == 0 {
                    // Ended by another instance meanwhile (or never stored).
                    return Err(crate::Error::Conflict("the chat has already ended".into()));
                }
                match &events {
                    Some(e) => crate::webhooks::outbox::write(tx, e),
                    None => Ok(0),
                }
            })
        })
        .await
    }

    /// Records the groups a bot routes the chat to (transfer, failure, take
    /// back), so that the other instances queue it for the same people.
    pub async fn set_route_groups(&self, id: &str, groups: &[String]) -> Result<()> {
        let id = id.to_string();
        let groups = serde_json::to_string(groups).expect("strings serialize");
        self.call(move |c| {
            c.execute(
                "UPDATE sessions SET route_groups = ?2 WHERE id = ?1",
                args![id, groups],
            )?;
            Ok(())
        })
        .await
    }

    /// Waiting and active sessions, oldest first (restored at start).
    pub async fn open_sessions(&self) -> Result<Vec<OpenSession>> {
        self.call(|c| {
            rows(
                c,
                &format!(
                "SELECT {COLUMNS} FROM sessions WHERE state != 'ended' ORDER BY created_at, rowid"
            ),
                args![],
            )
        })
        .await
    }

    /// One session of a company, in any state.
    pub async fn session(&self, company: &str, id: &str) -> Result<Option<OpenSession>> {
        let (company, id) = (company.to_string(), id.to_string());
        self.call(move |c| {
            c.query_opt(
                &format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1 AND company = ?2"),
                args![id, company],
            )?
            .map(|r| row(&r))
            .transpose()
        })
        .await
    }

    /// Ended sessions of a company, newest first; `operator` narrows to one
    /// operator's conversations.
    pub async fn history(
        &self,
        company: &str,
        operator: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ChatSummary>> {
        let (company, operator) = (company.to_string(), operator.map(str::to_string));
        self.call(move |c| {
            let found = rows(c, &format!(
                "SELECT {COLUMNS} FROM sessions WHERE company = ?1 AND state = 'ended' \
                 AND (CAST(?2 AS TEXT) IS NULL OR operator = ?2) ORDER BY ended_at DESC, rowid DESC LIMIT ?3 OFFSET ?4"
            ), args![company, operator, limit, offset])?;
            Ok(found.into_iter().map(|s| s.chat).collect())
        })
        .await
    }
}
