//! The PostgreSQL schema: the same tables and columns as SQLite's
//! migrations 1–7 plus the plugins' columns (`schema.rs`,
//! `plugins/store.rs`), written as one first version since no PostgreSQL
//! database predates it. Integers are `BIGINT` (Unix ms, `seq`), ids
//! `BIGSERIAL`. `sessions` and `webhook_attempts` get a `rowid` column so
//! that queries ordering by SQLite's implicit `rowid` read the same on both.
//!
//! Differences that matter for several instances: an open session's
//! `startKey` is unique (two instances cannot both create the chat of one
//! repeated start), webhook receivers have a lease row (`webhook_leases`)
//! so that one instance at a time delivers a receiver's events, in order,
//! and a transcript request is claimed by the instance that mails it.

const V1: &str = r#"
CREATE TABLE sessions (
    rowid            BIGSERIAL NOT NULL UNIQUE,
    id               TEXT PRIMARY KEY,
    company          TEXT NOT NULL,
    preset           TEXT NOT NULL,
    scope            TEXT,
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'ended')),
    operator         TEXT,
    operator_name    TEXT,
    language         TEXT NOT NULL,
    page_url         TEXT NOT NULL,
    custom_data      TEXT NOT NULL DEFAULT '{}',
    token_hash       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    accepted_at      BIGINT,
    ended_at         BIGINT,
    ended_by         TEXT,
    closing_notes    TEXT,
    visitor_id       TEXT,
    closing_form     TEXT,
    start_key_hash   TEXT,
    start_token_seal TEXT,
    operator_ids     TEXT
);
CREATE INDEX sessions_open ON sessions (state) WHERE state != 'ended';
CREATE INDEX sessions_history ON sessions (company, ended_at);
CREATE UNIQUE INDEX sessions_start_key ON sessions (company, start_key_hash)
    WHERE start_key_hash IS NOT NULL AND state != 'ended';

CREATE TABLE messages (
    session       TEXT NOT NULL REFERENCES sessions (id),
    seq           BIGINT NOT NULL,
    author        TEXT NOT NULL CHECK (author IN ('visitor', 'operator', 'system')),
    name          TEXT,
    text          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    client_id     TEXT,
    card_json     TEXT,
    carousel_json TEXT,
    bot_json      TEXT,
    PRIMARY KEY (session, seq),
    UNIQUE (session, client_id)
);

CREATE TABLE offline_messages (
    id         BIGSERIAL PRIMARY KEY,
    company    TEXT NOT NULL,
    preset     TEXT NOT NULL,
    email      TEXT NOT NULL,
    text       TEXT NOT NULL,
    language   TEXT NOT NULL,
    page_url   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at    BIGINT,
    done_by    TEXT
);
CREATE INDEX offline_by_company ON offline_messages (company, id);

CREATE TABLE callback_requests (
    id         BIGSERIAL PRIMARY KEY,
    company    TEXT NOT NULL,
    preset     TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    language   TEXT NOT NULL,
    page_url   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at BIGINT NOT NULL,
    done_at    BIGINT,
    done_by    TEXT
);
CREATE INDEX callbacks_by_company ON callback_requests (company, id);

CREATE TABLE transcript_requests (
    id         BIGSERIAL PRIMARY KEY,
    session    TEXT NOT NULL REFERENCES sessions (id),
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT,
    failed_at  BIGINT,
    error      TEXT,
    -- the instance mailing it, until when (one instance sends each)
    claimed_by    TEXT,
    claimed_until BIGINT
);

CREATE TABLE read_marks (
    session      TEXT PRIMARY KEY REFERENCES sessions (id),
    visitor_seq  BIGINT NOT NULL DEFAULT 0,
    operator_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE operator_sessions (
    token_hash TEXT PRIMARY KEY,
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE operator_state (
    company      TEXT NOT NULL,
    username     TEXT NOT NULL,
    availability TEXT NOT NULL CHECK (availability IN ('online', 'away', 'offline')),
    PRIMARY KEY (company, username)
);

CREATE TABLE webhook_outbox (
    id             BIGSERIAL PRIMARY KEY,
    company        TEXT NOT NULL,
    receiver       TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    correlation_id TEXT NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_at        BIGINT NOT NULL,
    done_at        BIGINT,
    UNIQUE (receiver, event_id)
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (company, receiver, id) WHERE state = 'pending';
CREATE INDEX webhook_outbox_log ON webhook_outbox (company, id);
CREATE TABLE webhook_attempts (
    rowid       BIGSERIAL NOT NULL,
    outbox      BIGINT NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    status      BIGINT,
    latency_ms  BIGINT NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_attempts_by_outbox ON webhook_attempts (outbox);
CREATE TABLE webhook_leases (
    company  TEXT NOT NULL,
    receiver TEXT NOT NULL,
    owner    TEXT NOT NULL,
    until    BIGINT NOT NULL,
    PRIMARY KEY (company, receiver)
);

CREATE TABLE bot_conversations (
    session      TEXT PRIMARY KEY REFERENCES sessions (id),
    operator     TEXT NOT NULL,
    conversation TEXT,
    batch        BIGINT NOT NULL DEFAULT 0,
    pending      TEXT NOT NULL DEFAULT '[]',
    next         BIGINT NOT NULL DEFAULT 0,
    posted_seq   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE connector_calls (
    id         BIGSERIAL PRIMARY KEY,
    company    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    plugin     TEXT NOT NULL,
    method     TEXT NOT NULL,
    url        TEXT NOT NULL,
    status     BIGINT,
    latency_ms BIGINT NOT NULL,
    ok         BOOLEAN NOT NULL,
    error      TEXT
);
CREATE INDEX connector_calls_by_company ON connector_calls (company, id);
"#;

/// Migrations in order: `(version, SQL)`. Append new ones; never edit an
/// applied one.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1),
    (2, OPERATOR_PRESENCE),
    (3, BOT_LEASES),
    (4, API_TOKENS),
];

/// Operator presence across instances (issue 13): each instance's
/// heartbeat of the operators whose desk sockets it holds, valid until
/// `expires_at` (unix ms).
const OPERATOR_PRESENCE: &str = r#"
CREATE TABLE operator_presence (
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    instance   TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (company, username, instance)
);
CREATE INDEX operator_presence_expiry ON operator_presence (expires_at);
"#;

/// External Bot across instances (issue 13): per bot, the instance that
/// drives it (`owner`, a lease valid until `until`, unix ms: renewed every
/// third of `[presence] ttl_secs`) and the status it last shared; per
/// session the groups a bot routed it to (`NULL`: its preset's).
const BOT_LEASES: &str = r#"
ALTER TABLE sessions ADD COLUMN route_groups TEXT;
CREATE TABLE bot_leases (
    company  TEXT NOT NULL,
    operator TEXT NOT NULL,
    owner    TEXT NOT NULL,
    until    BIGINT NOT NULL,
    status   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (company, operator)
);
"#;

/// External Bot's GraphQL API (contract §4.7): bearer tokens of API users
/// by SHA-256, valid until `expires_at` (unix ms); every instance reads
/// them, so a token from one works on all.
const API_TOKENS: &str = r#"
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    company    TEXT NOT NULL,
    username   TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);
"#;
