//! `GET /ws/desk?token=<token>`: live events for the operator desk.
//!
//! Browsers cannot set an `Authorization` header on a WebSocket, hence the
//! token in the query. Events are [`owidget_protocol::desk::DeskEvent`]s;
//! the first two are the operator's state and their queue, the third a
//! `heartbeat`. Heartbeats go both ways, as in Phoenix channels: the desk
//! sends `{"type":"heartbeat"}` every `intervalMs` and the server answers
//! each, so that the desk notices a dead connection it would otherwise show
//! as live; the server closes a desk it has heard nothing from (no frame,
//! no pong) for two intervals, which lets presence decay take the operator
//! away. Other frames from the desk are ignored. A desk that cannot keep
//! up is disconnected; it should reconnect and refetch its chats.

use std::sync::atomic::{AtomicU64, Ordering};

use std::fmt::Display;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, Message, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{Sink, Stream, StreamExt};
use owidget_protocol::desk::DeskEvent;
use serde::Deserialize;

use crate::chat::OpRef;
use crate::wsio::{close_within, send_within};
use crate::{AppState, Error, Result};

static NEXT_DESK: AtomicU64 = AtomicU64::new(1);

/// Query of the desk socket.
#[derive(Debug, Deserialize)]
pub struct DeskQuery {
    token: Option<String>,
}

/// The upgrade handler.
pub async fn socket(
    State(state): State<AppState>,
    Query(q): Query<DeskQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response> {
    let token = q
        .token
        .ok_or_else(|| Error::Unauthorized("missing query parameter token".into()))?;
    let op = state
        .auth
        .check_current(&token)
        .await?
        .ok_or_else(|| Error::Unauthorized("invalid or expired token; log in again".into()))?;
    let ws = ws.map_err(|e| Error::BadRequest(format!("expected a WebSocket upgrade: {e}")))?;
    Ok(ws.max_message_size(16 * 1024).on_upgrade(move |socket| {
        let (sink, stream) = socket.split();
        serve(sink, stream, state, op, token)
    }))
}

/// Runs one desk socket until the desk goes away, is too slow, or the
/// token is revoked. Generic over `Sink`/`Stream` so that tests drive it
/// with channels.
pub async fn serve<S, R, E>(mut sink: S, mut stream: R, state: AppState, op: OpRef, token: String)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    let id = NEXT_DESK.fetch_add(1, Ordering::Relaxed);
    let within = state.config.network.send_timeout;
    let mut events = state.hub.attach_desk(op, id);
    let every = state.config.network.desk_heartbeat;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Ticks since the desk was last heard from (any frame or pong).
    let mut silent = 0u32;
    let mut closing = state.closing.subscribe();
    let heartbeat = DeskEvent::Heartbeat {
        interval_ms: every.as_millis() as u64,
    };
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                if !send_event(&mut sink, &event, within).await {
                    break;
                }
            }
            frame = stream.next() => match frame {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(Message::Text(t))) => {
                    silent = 0;
                    if is_heartbeat(t.as_str()) && !send_event(&mut sink, &heartbeat, within).await {
                        break;
                    }
                }
                Some(Ok(_)) => silent = 0,
            },
            _ = closing.changed() => break,
            _ = ping.tick() => {
                silent += 1;
                if silent > 2 {
                    tracing::info!("desk silent for two heartbeat intervals; closing");
                    break;
                }
                // A logged-out token ends the desk's live feed too (on any
                // instance; a database that cannot be read keeps it).
                if matches!(state.auth.check_current(&token).await, Ok(None)) {
                    break;
                }
                if !send_within(&mut sink, Message::Ping(Default::default()), within).await {
                    break;
                }
            }
        }
    }
    state.hub.detach_desk(op, id);
    close_within(&mut sink, within).await;
}

async fn send_event<S: Sink<Message> + Unpin>(
    sink: &mut S,
    event: &DeskEvent,
    within: std::time::Duration,
) -> bool {
    let json = serde_json::to_string(event).expect("desk events serialize");
    send_within(sink, Message::Text(json.into()), within).await
}

/// `{"type":"heartbeat"}` from the desk (other frames are ignored).
fn is_heartbeat(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("heartbeat"))
}

#[cfg(test)]
#[path = "desk_tests.rs"]
mod tests;
