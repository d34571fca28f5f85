//! The owidget SDK: a WebAssembly reimplementation of the mluvii `owidget`
//! JavaScript object. The loader (`www/owidget.js`) builds one [`Owidget`]
//! per snippet and passes it to the snippet's `$owidgetOnLoad`.
//!
//! This crate is the core, the part the first paint pays for: the API,
//! the configuration, the status socket, the button and the window frame.
//! The chat window's content is a second wasm module (`chat/`, crate
//! `owidget-chat`) fetched lazily: it also owns what the first status
//! does not need (phone number normalization, custom data, writing the
//! stored conversation); the core checks those methods' arguments at once
//! and queues the calls in order until the module is there.
//!
//! # Layout
//! - `api`: the `#[wasm_bindgen]` facade, the only place touching untyped
//!   page values; TypeScript types in `api.d.ts`.
//! - `widget`: one widget's state, callbacks and effects (re-entrancy safe).
//! - `connection`: configuration fetch, status socket, reconnect, grace.
//! - `modules`: `import()` of the lazily loaded modules (inline JS).
//! - `chat_link`: loading the chat module and talking to its window.
//! - `phone`: `normalizeNumber` and `setCustomNumberNormalization`, queued
//!   for the chat module (which normalizes, custom or by the server).
//! - `chat_api`: `openChat`, `closeChat`, `addCustomData`.
//! - `store`: reading the open conversation in `localStorage` on page load
//!   (restore by scope; the chat module writes it).
//! - `settings`: `init` arguments → validated settings; server URLs.
//! - `lang`: the language wishes sent with the configuration request (the
//!   server chooses). `backoff`: reconnect delays (pure).
//! - `texts`: the frame's texts.
//! - `net`: owned browser resources: the config request (XHR) and the
//!   WebSocket; dropping them detaches every handler.
//! - `ui`: shadow-root DOM: button, window frame, CSS, stacking of several
//!   widgets.
//! - `wire`: the configuration and the status frame decoded from the
//!   browser's `JSON.parse` without serde's deserializer (size).
//! - `error`: the one error enum. DOM helpers, console output and the
//!   JSON reader/writer are shared with the chat module (`owidget-web`).
#![deny(missing_docs)]

mod api;
mod backoff;
mod chat_api;
mod chat_link;
mod connection;
mod error;
mod lang;
mod modules;
mod net;
mod phone;
mod settings;
mod store;
mod texts;
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
