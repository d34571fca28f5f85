//! The owidget SDK: a WebAssembly reimplementation of the mluvii `owidget`
//! JavaScript object. The loader (`www/owidget.js`) builds one [`Owidget`]
//! per snippet and passes it to the snippet's `$owidgetOnLoad`.
//!
//! # Layout
//! - `api`: the `#[wasm_bindgen]` facade, the only place touching untyped JS
//!   values; TypeScript types in `api.d.ts`.
//! - `widget`: one widget's state, callbacks and effects (re-entrancy safe).
//! - `connection`: configuration fetch, status socket, reconnect, grace.
//! - `chat`: the conversation state machine (pure), links, `localStorage`.
//! - `chat_flow`: chat I/O: actions → messages, messages → state/events.
//! - `settings`: `init` arguments → validated settings; server URLs.
//! - `lang`: the language rule (pure). `backoff`: reconnect delays (pure).
//! - `net`: owned browser resources: the config request (XHR) and the
//!   WebSocket; dropping them detaches every handler.
//! - `ui`: shadow-root DOM: button, window, CSS, stacking of several widgets;
//!   `ui::chat_view` draws the conversation, composer, ended view and
//!   offline form.
//! - `dom`: listener that detaches on drop, element helpers (no innerHTML).
//! - `wire`: protocol JSON decoded from the browser's `JSON.parse` without
//!   serde's deserializer (size), checked against serde in native tests.
//! - `console`, `error`: `[owidget]` console output, the one error enum.
#![deny(missing_docs)]

mod api;
mod backoff;
mod chat;
mod chat_flow;
mod connection;
mod console;
mod dom;
mod error;
mod lang;
mod net;
mod settings;
mod ui;
mod widget;
mod wire;

pub use api::Owidget;

// Size: see Cargo.toml. `LockedAllocator` (a spin lock that is never
// contended in single-threaded wasm) because `unsafe` is forbidden here.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
