//! The operator desk (`/desk/`, issues 3 and 4) in real Chromium through the
//! real server. The visitor side is a plain widget WebSocket client (with an
//! allowed `Origin`), so that every step of the desk is checked against what
//! a visitor really receives.
//!
//! # Layout
//! - `support`: the visitor client and desk steps (login, clicks, typing).
//! - `login`: login errors, session kept over a reload, logout.
//! - `chat`: one conversation end to end, markup as text, links, history.
//! - `capacity`: several chats up to capacity, tabs, visitor end, transfer.
//! - `contacts`: offline messages and callback requests arriving live.
//! - `read`: read receipts both ways, stored over a desk reload.
//! - `text`: the safe text rendering on awkward inputs.

mod capacity;
mod chat;
mod contacts;
mod login;
mod read;
mod support;
mod text;
