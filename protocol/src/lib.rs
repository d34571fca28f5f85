//! Wire types shared by the owidget SDK (wasm) and `owidget-server`.
//!
//! Nothing here does I/O: these are serde types and a few pure helpers, so
//! that both ends agree on the JSON byte for byte. Golden tests in
//! `tests/golden.rs` pin the format; change them only together with
//! [`PROTOCOL_VERSION`].
//!
//! # Layout
//! - [`status`]: the button status code (0 offline, 1 online, 2 busy).
//! - [`config`]: widget configuration served at `GET /api/widget/config`.
//! - [`widget`]: messages on the widget WebSocket `/ws/widget`.
//! - [`desk`]: operator API bodies and desk socket events.
//! - [`plugins`]: App Plugins payloads (connector answers, operator API,
//!   product cards) and the published JSON Schemas.
//! - [`guid`]: GUID syntax check used by `init` and by the server.
//! - [`lang`]: the language rule (the server chooses with the SDK's wishes).
//! - [`ErrorBody`]: the `{ "message" }` body of every HTTP error.
#![deny(missing_docs)]

pub mod config;
pub mod desk;
pub mod guid;
pub mod lang;
pub mod plugins;
pub mod status;
pub mod widget;

pub use config::{Colors, Features, Position, Texts, WidgetConfig, WidgetLimits};
pub use guid::{is_guid, normalize_guid};
pub use status::ButtonStatus;
pub use widget::{
    Author, BotContent, BotFile, ClientMessage, ErrorCode, ServerMessage, SessionState, StoredKind,
    WireMessage,
};

use serde::{Deserialize, Serialize};

/// Version of the widget socket protocol. The widget sends it in the socket
/// URL (`v=`); the server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;

/// Body of every HTTP error answer of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable reason, safe to show (no internals).
    pub message: String,
}
