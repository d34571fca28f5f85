//! Browser helpers shared by the owidget SDK's two wasm modules: the core
//! (`owidget`, first paint) and the lazily loaded chat window
//! (`owidget-chat`). Each module links its own copy; nothing here keeps
//! global state.
//!
//! # Layout
//! - `dom`: an event listener that detaches on drop, element helpers
//!   (no `innerHTML`).
//! - `console`: `[owidget]`-prefixed console output.
//! - `text`: `format!`-free string building (`core::fmt` costs wasm size).
//! - `json`: reading JSON parsed by the browser ([`Json`]) and writing it
//!   ([`Obj`]) without serde's (de)serializers in the wasm.
//! - [`window_call`]: the codes of the core's one call into a chat window.
#![deny(missing_docs)]

pub mod console;
pub mod dom;
mod json;
mod text;

pub use json::{parse_text, Json, Obj};
pub use text::{cat, decimal, url_encode};

/// What the core asks of a chat window: the `which` of the chat module's
/// one method `ChatWindow.call(which, arg, text)`. One method rather than
/// one per call: each imported method costs the core's first paint an
/// import, a shim and a glue function.
pub mod window_call {
    /// `arg`: a parsed socket frame the core does not handle (not `status`).
    pub const FRAME: u32 = 0;
    /// `arg`: the socket is up (true) or down.
    pub const CONNECTED: u32 = 1;
    /// `arg`: the button status (0, 1, 2).
    pub const STATUS: u32 = 2;
    /// `arg`: the window was opened (true) or closed; answers true when a
    /// field took the focus.
    pub const OPEN: u32 = 3;
    /// `openChat(true)`: puts the visitor in the queue.
    pub const ENQUEUE: u32 = 4;
    /// An `addCustomData` entry the core accepted: `arg` the name, `text`
    /// the value.
    pub const CUSTOM_DATA: u32 = 5;
    /// Answers true while a chat runs.
    pub const STARTED: u32 = 6;
    /// Removes the content, listeners and timers.
    pub const DESTROY: u32 = 7;
    /// `normalizeNumber`: `arg` the `resolve` of the page's Promise (it
    /// gets the number as dialled or `null`), `text` the number typed.
    pub const NORMALIZE: u32 = 8;
    /// `setCustomNumberNormalization`: `arg` the page's function.
    pub const NORMALIZER: u32 = 9;
}
