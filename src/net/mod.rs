//! Talking to the server: the configuration request and the widget socket.

pub(crate) mod config;
pub(crate) mod socket;
