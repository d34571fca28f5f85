//! The desk's view of bots, under `/api/operator`:
//! - `GET /bots` → `[{ idOperator, name, configured, available, error,
//!   drivenHere }]` (on an instance that does not drive the bot: as its
//!   driver last shared it, `bot::lead`);
//! - `GET /bot-chats` → the live chats bots hold that I may watch
//!   (read-only in the desk: `GET /chats/:id` works for them);
//! - `POST /chats/:id/take-over` → the chat is mine (I must be online with
//!   room); the bot stops answering.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::desk::ChatSummary;

use super::BotStatus;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Result};

/// Bot routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bots", get(bots))
        .route("/bot-chats", get(bot_chats))
        .route("/chats/{id}/take-over", post(take_over))
}

async fn bots(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<BotStatus>> {
    Json(state.bots.statuses(who.op.company))
}

async fn bot_chats(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<ChatSummary>> {
    let mut chats = state.hub.bot_chats(who.op);
    chats.sort_by_key(|c| c.created_at);
    Json(chats)
}

async fn take_over(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(state.hub.take_over(who.op, &id).await?))
}
