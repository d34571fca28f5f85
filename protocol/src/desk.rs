//! Operator API and desk socket types (`/api/operator/*`, `/ws/desk`).
//!
//! The desk page (plain JS) and the server's integration tests rely on
//! these shapes; `tests/golden.rs` pins them. All field names camelCase.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::widget::{Author, SessionState, WireMessage};

/// Whether an operator takes chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Availability {
    /// Takes chats; counts for the button status.
    Online,
    /// Logged in, keeps current chats, takes no new ones.
    Away,
    /// Not working (the state after login and after a server restart).
    #[default]
    Offline,
}

/// `POST /api/operator/login` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// Company GUID.
    pub company: String,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /api/operator/login` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer <token>` and `/ws/desk?token=`.
    pub token: String,
    /// Who logged in.
    pub operator: OperatorInfo,
}

/// `PUT /api/operator/availability` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityRequest {
    /// New availability.
    pub availability: Availability,
}

/// An operator as the desk shows them (`GET /api/operator/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorInfo {
    /// Company GUID.
    pub company: String,
    /// Company display name.
    pub company_name: String,
    /// Login name.
    pub username: String,
    /// Display name (shown to visitors).
    pub name: String,
    /// Concurrent chats the operator can hold.
    pub capacity: u32,
    /// Groups served.
    pub groups: Vec<String>,
    /// Current availability.
    pub availability: Availability,
    /// Chats currently assigned (active).
    pub active_chats: u32,
}

/// A chat session as the desk lists it (queue, my chats, history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSummary {
    /// Session id.
    pub id: String,
    /// Widget preset the visitor used.
    pub preset: String,
    /// `waiting`, `active` or `ended`.
    pub state: SessionState,
    /// Language of the visitor's widget.
    pub language: String,
    /// Page the visitor started on.
    pub page_url: String,
    /// `init`'s scope, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Data from `addCustomData`.
    #[serde(default)]
    pub custom_data: BTreeMap<String, String>,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// Acceptance time, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<i64>,
    /// End time, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
    /// Who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<Author>,
    /// Username of the assigned operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Display name of the assigned operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
    /// 1-based place in the queue while waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    /// Whether the visitor's widget is connected now.
    #[serde(default)]
    pub visitor_online: bool,
    /// Answers of the connector's closing form (field id → answer), once
    /// saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_form: Option<BTreeMap<String, String>>,
}

/// `GET /api/operator/chats/{id}`: a session with its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatDetail {
    /// The session.
    pub chat: ChatSummary,
    /// All its messages, by `seq`.
    pub messages: Vec<WireMessage>,
}

/// An offline message left by a visitor (`GET /api/operator/offline-messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfflineMessage {
    /// Id.
    pub id: i64,
    /// Preset of the widget.
    pub preset: String,
    /// Reply address.
    pub email: String,
    /// Message text.
    pub text: String,
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
    /// Unix ms.
    pub created_at: i64,
}

/// State of a callback request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallbackStatus {
    /// Nobody has called yet.
    Open,
    /// An operator marked it done.
    Done,
}

/// A "call me back" request (`GET /api/operator/callbacks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackRequest {
    /// Id.
    pub id: i64,
    /// Preset of the widget.
    pub preset: String,
    /// Visitor name.
    pub name: String,
    /// Phone number, international format.
    pub phone: String,
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
    /// Open or done.
    pub status: CallbackStatus,
    /// Unix ms.
    pub created_at: i64,
    /// When it was marked done, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<i64>,
    /// Username of the operator who marked it done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_by: Option<String>,
}

/// Server → desk, on `GET /ws/desk?token=<token>`. One JSON text frame each,
/// tagged by `type`. The desk never needs to send anything (pings are
/// answered by the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DeskEvent {
    /// The operator's own state (sent on connect and on every change of
    /// availability or active chat count).
    Operator {
        /// The operator.
        operator: OperatorInfo,
    },
    /// The queue this operator can accept from changed (sent on connect too).
    Queue {
        /// Waiting chats, oldest first, with `queuePosition`.
        queue: Vec<ChatSummary>,
    },
    /// A chat became this operator's (accepted here or transferred to them).
    ChatAssigned {
        /// The chat, state `active`.
        chat: ChatSummary,
    },
    /// A chat left this operator without ending (transferred away).
    ChatUnassigned {
        /// Session id.
        session_id: String,
    },
    /// A new message in one of this operator's chats (their own included).
    /// May repeat a message already fetched: de-duplicate by `seq`.
    Message {
        /// Session id.
        session_id: String,
        /// The message.
        message: WireMessage,
    },
    /// The visitor of one of this operator's chats is typing (or stopped).
    Typing {
        /// Session id.
        session_id: String,
        /// True while typing.
        typing: bool,
    },
    /// The visitor has read the operator's messages up to `seq`.
    Read {
        /// Session id.
        session_id: String,
        /// Highest read `seq`.
        seq: u64,
    },
    /// The visitor's widget connected or went away.
    Presence {
        /// Session id.
        session_id: String,
        /// True when connected.
        online: bool,
    },
    /// One of this operator's chats ended.
    ChatEnded {
        /// Session id.
        session_id: String,
        /// Who ended it.
        by: Author,
    },
    /// A visitor left an offline message.
    OfflineMessage {
        /// The message.
        message: OfflineMessage,
    },
    /// A visitor asked for a callback.
    CallbackRequest {
        /// The request.
        request: CallbackRequest,
    },
}
