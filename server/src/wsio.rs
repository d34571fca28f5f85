//! Writing to WebSockets with a deadline.
//!
//! A peer that stops reading fills its TCP window and then every send waits
//! forever: awaited inline, that parks the socket's task, its pings and its
//! shutdown. Like Centrifugo's write timeout, every frame gets a deadline
//! (`[network] send_timeout_secs`); a peer that does not take a frame
//! within it is a slow peer and its socket is closed. The widget resumes
//! after reconnecting and the desk refetches, so nothing is lost.

use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt};

/// Sends one frame; false when the socket failed or the peer did not take
/// the frame within `deadline` (the caller then closes the socket).
pub async fn send_within<S: Sink<Message> + Unpin>(
    sink: &mut S,
    msg: Message,
    deadline: Duration,
) -> bool {
    match tokio::time::timeout(deadline, sink.send(msg)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            tracing::info!(?deadline, "slow peer: frame not taken in time; closing");
            false
        }
    }
}

/// Closes a socket, giving up after `deadline` (a slow peer may never take
/// the Close frame either).
pub async fn close_within<S: Sink<Message> + Unpin>(sink: &mut S, deadline: Duration) {
    let _ = tokio::time::timeout(deadline, sink.close()).await;
}
