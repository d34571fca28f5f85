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
