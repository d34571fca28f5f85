//! Messages on the widget WebSocket.
//!
//! The widget opens `GET /ws/widget?company=<guid>&preset=<name>&v=1` (the
//! server checks the `Origin` header against the company's allowed origins).
//! Every frame is one JSON text message, tagged by `type`.
//!
//! Status flow: right after the upgrade the server sends a
//! [`ServerMessage::Status`], then another one on every change.
//!
//! Chat flow: [`ClientMessage::StartChat`] → [`ServerMessage::SessionCreated`]
//! (waiting, with the queue position) → [`ServerMessage::SessionStarted`] when
//! an operator accepts → [`ServerMessage::Message`]s both ways → either side
//! ends → [`ServerMessage::SessionEnded`]. A reconnecting widget sends
//! [`ClientMessage::Resume`] with the last `seq` it saw and gets what it missed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plugins::{Card, Carousel};
use crate::ButtonStatus;

/// Widget → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientMessage {
    /// Start a chat session (enqueue the visitor).
    StartChat {
        /// Language the widget shows.
        language: String,
        /// URL of the page the visitor is on.
        page_url: String,
        /// `init`'s scope; the session is restored only under the same scope.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        /// Data set with `addCustomData` (reserved keys `oo1_guest_ident`,
        /// `oo1_guest_email`, `oo1_guest_phone` fill the visitor's identity).
        #[serde(default)]
        custom_data: BTreeMap<String, String>,
        /// First message typed by the visitor, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The `visitorId` of an earlier [`ServerMessage::SessionCreated`]
        /// (kept by the widget per company): a well-formed one (64 lowercase
        /// hex) is kept, anything else gets a new id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor_id: Option<String>,
        /// Idempotency key of this start, chosen by the widget (16 to 64
        /// characters of `A-Z a-z 0-9 _ -`, random) and re-sent unchanged
        /// when the socket dropped before [`ServerMessage::SessionCreated`]
        /// arrived: while the session it created is open, a `startChat` with
        /// the same key creates nothing and answers that session's
        /// `sessionCreated` (same id and token), followed by a
        /// [`ServerMessage::Resumed`] and its messages so far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_key: Option<String>,
    },
    /// Reattach to a session after a reload or reconnect.
    Resume {
        /// Session id from [`ServerMessage::SessionCreated`].
        session_id: String,
        /// Secret token from [`ServerMessage::SessionCreated`].
        token: String,
        /// Highest message `seq` already seen (0 for none).
        after_seq: u64,
    },
    /// A visitor message. `client_id` is chosen by the widget and comes back
    /// in the [`ServerMessage::Ack`]; resending the same id never duplicates.
    Send {
        /// Idempotency key chosen by the widget.
        client_id: String,
        /// Message text (plain text, never HTML).
        text: String,
    },
    /// The visitor is typing (or stopped).
    Typing {
        /// True while typing.
        typing: bool,
    },
    /// The visitor has seen messages up to `seq`.
    Read {
        /// Highest seen `seq`.
        seq: u64,
    },
    /// The visitor ends the chat.
    EndChat,
    /// Offline message (when nobody is available).
    OfflineMessage {
        /// Reply address.
        email: String,
        /// Message text.
        text: String,
        /// Language the widget shows.
        language: String,
        /// URL of the page the visitor is on.
        page_url: String,
    },
    /// "Call me back" request; `phone` is already normalized by the widget
    /// and re-validated by the server.
    CallbackRequest {
        /// Visitor name.
        name: String,
        /// Phone number in international format.
        phone: String,
        /// Language the widget shows.
        language: String,
        /// URL of the page the visitor is on.
        page_url: String,
    },
    /// Ask for the transcript of the (ended) session by e-mail.
    Transcript {
        /// Address to send it to.
        email: String,
    },
    /// The widget's heartbeat: answered at once by [`ServerMessage::Pong`].
    /// Browsers cannot send WebSocket pings, and a socket whose network
    /// died silently stays "open" for minutes; a widget that hears nothing
    /// after its ping closes the socket and reconnects.
    Ping,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Author {
    /// The visitor.
    Visitor,
    /// An operator (human or bot).
    Operator,
    /// The system (joins, transfers, ends).
    System,
}

/// One stored chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireMessage {
    /// Position in the session, from 1, without gaps.
    pub seq: u64,
    /// Who wrote it.
    pub author: Author,
    /// Display name of the author (operator name, visitor name), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Plain text.
    pub text: String,
    /// Server time of storage, Unix milliseconds.
    pub at: i64,
    /// The widget's idempotency key, for the visitor's own messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// A card shown with the message (a shared product); `text` is then its
    /// plain-text fallback. Boxed: it is large and rare, and every
    /// [`ServerMessage`] would otherwise carry its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Box<Card>>,
    /// A carousel of cards shown with the message (pushed by a Custom App
    /// or a bot); `text` is then its plain-text fallback. Boxed like `card`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carousel: Option<Box<Carousel>>,
    /// What a bot's message carries besides its text (Markdown, quick
    /// replies, a file). Boxed like `card`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<Box<BotContent>>,
}

/// The bot-only parts of a message (External Bot replies).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotContent {
    /// `text` is Markdown (the subset of the External Bot contract); the
    /// widget draws its structure with text nodes, never as HTML.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub markdown: bool,
    /// Quick replies offered with the message: a click sends the value as
    /// the visitor's message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<String>,
    /// A file: images inline, other types as a download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<BotFile>,
}

/// A file sent by a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotFile {
    /// File name (the link text).
    pub name: String,
    /// `image/gif`, `image/png`, `image/jpeg` or `application/pdf`.
    pub mime_type: String,
    /// http(s) URL.
    pub url: String,
}

/// Machine-readable reason of a [`ServerMessage::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The frame was not a valid message.
    BadMessage,
    /// Message text over the size limit.
    TooLong,
    /// Too many messages in a short time.
    RateLimited,
    /// No session, or the session is over.
    NoSession,
    /// Unknown session or wrong token on resume.
    BadSession,
    /// A field was invalid (phone, e-mail, empty text).
    Invalid,
    /// Nobody can take a chat right now.
    Unavailable,
    /// Server-side failure; try again.
    Internal,
}

/// Server → widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMessage {
    /// Current status of the preset's operator groups.
    Status {
        /// 0 offline, 1 online, 2 busy.
        status: ButtonStatus,
        /// When the server saw this status change (Unix ms, the server's
        /// clock): a client measures the fan-out lag with it. The frame is
        /// encoded once per change for every socket, so a socket that
        /// connects later gets the time of the change, not of its send.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u64>,
    },
    /// The chat session exists and waits for an operator.
    SessionCreated {
        /// Session id.
        session_id: String,
        /// Secret for [`ClientMessage::Resume`]; keep it in the page's storage.
        token: String,
        /// 1-based place in the queue.
        queue_position: u32,
        /// The visitor's stable id (64 hex), issued by the server; the widget
        /// keeps it and sends it back in [`ClientMessage::StartChat`]. Plugin
        /// connectors get it as `idVisitorUnique`.
        visitor_id: String,
    },
    /// The place in the queue changed.
    Queue {
        /// 1-based place in the queue.
        position: u32,
    },
    /// An operator accepted the chat.
    SessionStarted {
        /// Operator display name.
        operator_name: String,
    },
    /// Answer to [`ClientMessage::Resume`]: where the session stands. Missed
    /// messages follow as [`ServerMessage::Message`]s, in order.
    Resumed {
        /// Session id.
        session_id: String,
        /// `waiting`, `active` or `ended`.
        state: SessionState,
        /// Operator display name when one is assigned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator_name: Option<String>,
        /// 1-based place in the queue while waiting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue_position: Option<u32>,
        /// The operator has read the visitor's messages up to this `seq`
        /// (stored read mark), when they read any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_seq: Option<u64>,
    },
    /// A message of the session (the visitor's own ones too, after storage).
    Message {
        /// The message.
        message: WireMessage,
    },
    /// The visitor's message `client_id` is stored as `seq`.
    Ack {
        /// Idempotency key sent with [`ClientMessage::Send`].
        client_id: String,
        /// Its place in the session.
        seq: u64,
        /// Server time of storage, Unix milliseconds.
        at: i64,
    },
    /// The operator is typing (or stopped).
    Typing {
        /// True while typing.
        typing: bool,
    },
    /// The operator has read the visitor's messages up to `seq`.
    Read {
        /// Highest read `seq`.
        seq: u64,
    },
    /// The session is over.
    SessionEnded {
        /// Who ended it.
        by: Author,
    },
    /// An offline message or callback request was stored.
    Stored {
        /// What was stored.
        kind: StoredKind,
        /// For a callback request: the number as stored (international
        /// format, as dialled).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
    },
    /// A request failed; nothing changed.
    Error {
        /// Machine-readable reason.
        code: ErrorCode,
        /// Human-readable reason (English; the widget shows its own texts).
        message: String,
        /// The `clientId` of the refused `send`: that message is not stored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Answer to [`ClientMessage::Ping`].
    Pong,
}

/// State of a chat session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SessionState {
    /// In the queue.
    Waiting,
    /// An operator is assigned.
    Active,
    /// Over.
    Ended,
}

/// Kind of a [`ServerMessage::Stored`] confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StoredKind {
    /// An offline message.
    OfflineMessage,
    /// A callback request.
    CallbackRequest,
    /// A transcript request.
    Transcript,
}
