//! App Plugins (issue 7) end to end in real Chromium: the operator desk and
//! the demo page's widget through the real server and a real HTTP connector.
//!
//! # Layout
//! - `support`: a conversation between the demo page and the desk, and
//!   reads of the widget's shadow root.
//! - `demo`: the built-in demo connector: browse, search and share a
//!   product, the visitor's card (new tab, keyboard, 360 px, restore),
//!   customer information with its action, the closing form and history,
//!   the connector view.
//! - `custom_app`: the demo Custom App "Orders" on its own origin: compose
//!   box, pushed card and carousel in the widget, a wrong-origin message
//!   ignored, getJWT, one frame (and state) per conversation.
//! - `hostile`: a connector that returns markup everywhere, a `javascript:`
//!   URL and an HTTP 500: all text, errors in their panel, paging and
//!   search parameters as the connector received them.

mod custom_app;
mod demo;
mod hostile;
mod support;
