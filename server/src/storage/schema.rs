//! Tables, created on first start; `user_version` tracks the schema.

use rusqlite::Connection;

use crate::Result;

const V1: &str = r#"
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    company       TEXT NOT NULL,
    preset        TEXT NOT NULL,
    scope         TEXT,
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'ended')),
    operator      TEXT,
    operator_name TEXT,
    language      TEXT NOT NULL,
    page_url      TEXT NOT NULL,
    custom_data   TEXT NOT NULL DEFAULT '{}',
    token_hash    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    accepted_at   INTEGER,
    ended_at      INTEGER,
    ended_by      TEXT,
    closing_notes TEXT
);
CREATE INDEX sessions_open ON sessions (state) WHERE state != 'ended';
CREATE INDEX sessions_history ON sessions (company, ended_at);

CREATE TABLE messages (
    session   TEXT NOT NULL REFERENCES sessions (id),
    seq       INTEGER NOT NULL,
    author    TEXT NOT NULL CHECK (author IN ('visitor', 'operator', 'system')),
    name      TEXT,
    text      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    client_id TEXT,
    PRIMARY KEY (session, seq),
    UNIQUE (session, client_id)
);

CREATE TABLE offline_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    company    TEXT NOT NULL,
    preset     TEXT NOT NULL,
    email      TEXT NOT NULL,
    text       TEXT NOT NULL,
    language   TEXT NOT NULL,
    page_url   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX offline_by_company ON offline_messages (company, id);

CREATE TABLE callback_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    company    TEXT NOT NULL,
    preset     TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    language   TEXT NOT NULL,
    page_url   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at INTEGER NOT NULL,
    done_at    INTEGER,
    done_by    TEXT
);
CREATE INDEX callbacks_by_company ON callback_requests (company, id);

CREATE TABLE transcript_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session    TEXT NOT NULL REFERENCES sessions (id),
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
"#;

/// Version 2: read marks, so that "Read" survives a reload of either side
/// (`visitor_seq`: the visitor has read up to this `seq`; `operator_seq`:
/// the operator has); offline messages get a done state, as callbacks;
/// a transcript the relay refused for good is marked failed.
const V2: &str = r#"
CREATE TABLE read_marks (
    session      TEXT PRIMARY KEY REFERENCES sessions (id),
    visitor_seq  INTEGER NOT NULL DEFAULT 0,
    operator_seq INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE offline_messages ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'done'));
ALTER TABLE offline_messages ADD COLUMN done_at INTEGER;
ALTER TABLE offline_messages ADD COLUMN done_by TEXT;
ALTER TABLE transcript_requests ADD COLUMN failed_at INTEGER;
ALTER TABLE transcript_requests ADD COLUMN error TEXT;
"#;

/// Operator logins (hashed tokens) and availability survive a restart
/// (issue 14, item 6).
const V3: &str = r#"
CREATE TABLE operator_sessions (
    token_hash TEXT PRIMARY KEY,
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE operator_state (
    company      TEXT NOT NULL,
    username     TEXT NOT NULL,
    availability TEXT NOT NULL CHECK (availability IN ('online', 'away', 'offline')),
    PRIMARY KEY (company, username)
);
"#;

/// A message may carry a carousel of cards (a Custom App's or a bot's card
/// bundle), stored as JSON beside the single card of `card_json` (the
/// plugins' own idempotent migration adds that one).
const MESSAGE_CAROUSELS: &str = r#"
ALTER TABLE messages ADD COLUMN carousel_json TEXT;
"#;

/// A chat start is idempotent (issue 10, item 7): the hash of the widget's
/// `startKey` finds the open session it created, and the session's token
/// sealed with the key answers a repeated start with the same token.
const START_KEYS: &str = r#"
ALTER TABLE sessions ADD COLUMN start_key_hash TEXT;
ALTER TABLE sessions ADD COLUMN start_token_seal TEXT;
CREATE INDEX sessions_start_key ON sessions (company, start_key_hash)
    WHERE start_key_hash IS NOT NULL;
"#;

/// Webhooks' durable outbox (issue 9): one row per (event, receiver),
/// written in the transaction of the change that caused the event; one
/// row per delivery attempt; and every operator a session was ever
/// assigned to (`operatorIds` of `v2.conversation.closed`), a JSON array.
const WEBHOOK_OUTBOX: &str = r#"
CREATE TABLE webhook_outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    company        TEXT NOT NULL,
    receiver       TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    correlation_id TEXT NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    done_at        INTEGER,
    UNIQUE (receiver, event_id)
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (company, receiver, id) WHERE state = 'pending';
CREATE INDEX webhook_outbox_log ON webhook_outbox (company, id);
CREATE TABLE webhook_attempts (
    outbox      INTEGER NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    latency_ms  INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_attempts_by_outbox ON webhook_attempts (outbox);
ALTER TABLE sessions ADD COLUMN operator_ids TEXT;
"#;

/// External Bot (issue 8): a bot message's Markdown flag, quick replies and
/// file (`bot_json`); per bot conversation the connector's own id (joined),
/// the replies not yet played and how far they got, so that a restart
/// neither loses nor replays them.
const BOT_CONVERSATIONS: &str = r#"
ALTER TABLE messages ADD COLUMN bot_json TEXT;
CREATE TABLE bot_conversations (
    session      TEXT PRIMARY KEY REFERENCES sessions (id),
    operator     TEXT NOT NULL,
    conversation TEXT,
    batch        INTEGER NOT NULL DEFAULT 0,
    pending      TEXT NOT NULL DEFAULT '[]',
    next         INTEGER NOT NULL DEFAULT 0,
    posted_seq   INTEGER NOT NULL DEFAULT 0
);
"#;

/// Operator presence across instances (issue 13): each instance's
/// heartbeat of the operators whose desk sockets it holds, valid until
/// `expires_at` (unix ms). One SQLite file has one instance, but the table
/// is the same on both backends.
pub(crate) const OPERATOR_PRESENCE: &str = r#"
CREATE TABLE operator_presence (
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    instance   TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (company, username, instance)
);
"#;

/// External Bot across instances (issue 13): per bot, the instance that
/// drives it (`owner`, a lease valid until `until`, unix ms) and the status
/// it last shared (one SQLite file has one instance, which never reads it;
/// the table is the same on both backends); per session the groups a bot
/// routed it to (`NULL`: its preset's), read by the other instances.
pub(crate) const BOT_LEASES: &str = r#"
ALTER TABLE sessions ADD COLUMN route_groups TEXT;
CREATE TABLE bot_leases (
    company  TEXT NOT NULL,
    operator TEXT NOT NULL,
    owner    TEXT NOT NULL,
    until    INTEGER NOT NULL,
    status   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (company, operator)
);
"#;

/// External Bot's GraphQL API (contract §4.7): the bearer tokens that
/// `POST /oauth2/token` handed to a company's API user, by SHA-256, valid
/// until `expires_at` (unix ms, 24 h after the login; never extended).
pub(crate) const API_TOKENS: &str = r#"
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);
"#;

/// Migrations in order: `(user_version after it, SQL)`. Append new ones;
/// never edit an applied one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1),
    (2, V2),
    (3, V3),
    (4, MESSAGE_CAROUSELS),
    (5, START_KEYS),
    (6, WEBHOOK_OUTBOX),
    (7, BOT_CONVERSATIONS),
    (8, OPERATOR_PRESENCE),
    (9, BOT_LEASES),
    (10, API_TOKENS),
];

/// Brings the schema up to the current version. Each step reads the
/// version inside a `BEGIN IMMEDIATE` transaction, so two processes
/// opening the file at once do not both apply it.
pub fn migrate(conn: &Connection) -> Result<()> {
    for (v, sql) in MIGRATIONS {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = (|| -> rusqlite::Result<()> {
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version < *v {
                conn.execute_batch(&format!("{sql} PRAGMA user_version = {v};"))?;
            }
            Ok(())
        })();
        match step {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
    }
    // App Plugins' columns and tables (idempotent, independent of user_version).
    crate::plugins::store::migrate(conn)?;
    Ok(())
}
