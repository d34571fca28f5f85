//! The owidget chat window: the second wasm module of the SDK. The core
//! (`owidget`, first paint) draws the button and the window frame and
//! fetches this module only when the window is first opened, when a chat
//! must be restored, or when the page is idle after the first status. The
//! core creates one [`ChatWindow`] per widget with `create`, forwards the
//! socket frames it does not handle and the page's calls this module owns
//! (`normalizeNumber`, `setCustomNumberNormalization`, `addCustomData`),
//! and receives frames to send, app events and whether a session runs
//! through JS callbacks ([`host`]).
//!
//! # Layout
//! - `api`: the `#[wasm_bindgen]` surface (`create`, `ChatWindow`).
//! - `host`: the core's callbacks, typed.
//! - `window`: one chat window's state, effects and re-entrancy rule.
//! - `flow`: chat I/O: actions → messages, messages → state/events.
//! - `state`: the conversation state machine (pure). `linkify`: links.
//!   `keyed`: which message rows the view keeps (pure).
//! - `view`: the DOM of conversation, composer and ended view; `forms`:
//!   the offline and callback forms and the tabs between them (which
//!   panels a status offers); `style`: their CSS.
//! - `callback`: the callback form's submit (normalization, then
//!   `callbackRequest`).
//! - `phone`: phone number normalization, custom or by the server.
//! - `store`: the open conversation in `localStorage` (written here, read
//!   by the core on page load).
//! - `card`: a product the operator shared (decode and DOM).
//! - `botmsg`: a bot's message (Markdown, file, quick replies); `markdown`:
//!   the Markdown subset parsed into a tree drawn with text nodes (pure).
//! - `visitor`: the server-issued visitor id kept in `localStorage`.
//! - `decode` / `encode`: the protocol's JSON without serde in the wasm.
#![deny(missing_docs)]

mod api;
mod botmsg;
mod callback;
mod card;
mod decode;
mod encode;
mod flow;
mod forms;
pub mod host;
mod keyed;
mod linkify;
mod markdown;
mod phone;
mod state;
mod store;
mod style;
mod view;
mod visitor;
mod window;

pub use api::{create, ChatWindow};

// Size: see the root Cargo.toml. `LockedAllocator` (a spin lock that is
// never contended in single-threaded wasm) because `unsafe` is forbidden.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
