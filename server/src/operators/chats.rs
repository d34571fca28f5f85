//! Operator chat endpoints: queue, my chats, accept, end.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::desk::ChatSummary;

use super::auth::CurrentOperator;
use crate::{AppState, Result};

/// Chat routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queue", get(queue))
        .route("/chats", get(my_chats))
        .route("/chats/{id}/accept", post(accept))
        .route("/chats/{id}/end", post(end))
}

async fn queue(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<ChatSummary>> {
    Json(state.hub.queue(who.op))
}

async fn my_chats(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<ChatSummary>> {
    Json(state.hub.my_chats(who.op))
}

async fn accept(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(state.hub.accept(who.op, &id)?))
}

async fn end(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(state.hub.end(who.op.company, &id, Some(who.op))?))
}
