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
#![deny(missing_docs)]

pub mod console;
pub mod dom;
mod json;
mod text;

pub use json::{parse_text, Json, Obj};
pub use text::{cat, decimal};
