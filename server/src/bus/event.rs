//! What instances tell each other over the bus: small facts naming ids and
//! versions, never message bodies. A receiver that needs the content reads
//! it from the database, which is the truth; an event is only a hint that
//! something there changed (README, "Scaling out").

use serde::{Deserialize, Serialize};

/// One event as it travels: the publishing instance (so that an instance
/// can drop its own echo) and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Id of the instance that published it ([`super::Bus::instance`]).
    pub from: String,
    /// The event.
    pub event: Event,
}

/// Which side of a chat did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The visitor (widget).
    Visitor,
    /// The operator (desk or bot).
    Operator,
}

/// What happened to a chat session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionChange {
    /// Waiting in the queue.
    Queued,
    /// An operator took it.
    Accepted,
    /// Handed to another operator.
    Transferred,
    /// Over.
    Ended,
}

/// A latest-value version: `(epoch, counter)`, ordered as a pair. The
/// epoch changes when the counter's owner restarts (so a counter that began
/// again at 0 still outranks the old one); receivers keep the highest
/// version they saw and drop anything at or below it
/// ([`super::VersionTracker`]).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Version {
    /// Changes on restart of the counter's owner; compared first.
    pub epoch: u64,
    /// Grows with every change within an epoch.
    pub counter: u64,
}

/// One operator an instance holds a desk socket for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PresentOperator {
    /// Company GUID.
    pub company: String,
    /// Login name.
    pub username: String,
}

/// What a visitor left for the desks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// An offline message (`offline_messages`).
    OfflineMessage,
    /// A callback request (`callback_requests`).
    CallbackRequest,
}

/// The facts instances exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A chat message was committed with this per-session `seq`.
    Message {
        /// Company GUID.
        company: String,
        /// Session id.
        session: String,
        /// The message's `seq` (gapless per session, from 1).
        seq: u64,
    },
    /// One side started or stopped typing.
    Typing {
        /// Company GUID.
        company: String,
        /// Session id.
        session: String,
        /// Who types.
        side: Side,
        /// Typing now (`false`: stopped).
        typing: bool,
    },
    /// One side has read up to `seq`.
    Read {
        /// Company GUID.
        company: String,
        /// Session id.
        session: String,
        /// Who read.
        side: Side,
        /// Highest `seq` read.
        seq: u64,
    },
    /// A session was queued, accepted, transferred or ended.
    Session {
        /// Company GUID.
        company: String,
        /// Session id.
        session: String,
        /// What happened.
        change: SessionChange,
        /// Operator now holding it (accepted, transferred).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator: Option<String>,
        /// Grows with every change of this session: drop stale ones.
        version: u64,
    },
    /// A company's operator availability changed; the new state is in the
    /// database. Latest value: a receiver drops versions at or below the
    /// last it saw.
    Status {
        /// Company GUID.
        company: String,
        /// Version of the company's status.
        version: Version,
    },
    /// Heartbeat of an instance: the operators whose desks it holds. They
    /// count as present until `ttl_secs` after the last heartbeat (the
    /// instance is the envelope's `from`), so a dead instance's operators
    /// go away by themselves.
    Presence {
        /// Operators with a desk socket on the instance.
        operators: Vec<PresentOperator>,
        /// Seconds the list stays valid.
        ttl_secs: u32,
    },
    /// A visitor stored an offline message or a callback request: the
    /// receivers read row `id` and tell their desks serving its preset.
    Contact {
        /// Company GUID.
        company: String,
        /// Which table.
        kind: ContactKind,
        /// Row id.
        id: i64,
    },
    /// Widget sockets of the publishing instance: the visitors of
    /// `sessions` are connected to it (`online`), valid for `ttl_ms`
    /// unless renewed, or no longer (`!online`). Published when a session's
    /// first socket attaches or its last one closes, and as a heartbeat of
    /// all sessions with a socket (in several events when they do not fit
    /// one). Per publisher, a receiver drops versions at or below the last
    /// it applied to a session.
    Visitors {
        /// Company GUID.
        company: String,
        /// Session ids.
        sessions: Vec<String>,
        /// Connected (`false`: the last socket closed).
        online: bool,
        /// Milliseconds an `online` entry stays valid without a renewal.
        ttl_ms: u64,
        /// Version of this instance's visitor presence.
        version: Version,
    },
}

impl Event {
    /// The session the event is about, for per-session events.
    pub fn session(&self) -> Option<&str> {
        match self {
            Event::Message { session, .. }
            | Event::Typing { session, .. }
            | Event::Read { session, .. }
            | Event::Session { session, .. } => Some(session),
            Event::Status { .. }
            | Event::Presence { .. }
            | Event::Contact { .. }
            | Event::Visitors { .. } => None,
        }
    }
}
