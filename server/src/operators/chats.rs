//! Operator chat endpoints: queue, my chats, one chat, accept, messages,
//! typing, read, transfer, end, history.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::desk::{ChatDetail, ChatSummary};
use owidget_protocol::{ServerMessage, WireMessage};
use serde::Deserialize;

use super::auth::CurrentOperator;
use crate::error::JsonBody;
use crate::limits::check_text;
use crate::{AppState, Error, Result};

/// Chat routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queue", get(queue))
        .route("/chats", get(my_chats))
        .route("/chats/{id}", get(detail))
        .route("/chats/{id}/accept", post(accept))
        .route("/chats/{id}/messages", post(message))
        .route("/chats/{id}/typing", post(typing))
        .route("/chats/{id}/read", post(read))
        .route("/chats/{id}/transfer", post(transfer))
        .route("/chats/{id}/end", post(end))
        .route("/history", get(history))
}

async fn queue(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<ChatSummary>> {
    Json(state.hub.queue(who.op))
}

async fn my_chats(State(state): State<AppState>, who: CurrentOperator) -> Json<Vec<ChatSummary>> {
    Json(state.hub.my_chats(who.op))
}

/// `GET /chats/{id}?afterSeq=0&limit=500`: messages after a `seq`, a page
/// at a time (a full page means: ask again after its last `seq`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetailQuery {
    after_seq: Option<u64>,
    limit: Option<u32>,
}

/// Default and largest page of `GET /chats/{id}`.
pub const MESSAGE_PAGE: (u32, u32) = (500, 1000);

/// A live chat the operator may see, or an ended chat of their company.
async fn detail(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Json<ChatDetail>> {
    let limit = q.limit.unwrap_or(MESSAGE_PAGE.0);
    if !(1..=MESSAGE_PAGE.1).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "limit must be 1 to {}",
            MESSAGE_PAGE.1
        )));
    }
    let chat = match state.hub.live_chat(who.op, &id) {
        Some(chat) => chat,
        None => {
            let company = &state.config.companies[who.op.company].id;
            match state.hub.store().session(company, &id).await? {
                Some(s) if s.chat.state == owidget_protocol::SessionState::Ended => s.chat,
                Some(_) => return Err(Error::Forbidden("the chat is not yours".into())),
                None => return Err(Error::NotFound("no such chat".into())),
            }
        }
    };
    let after = q.after_seq.unwrap_or(0);
    let messages = state
        .hub
        .store()
        .messages_page(&id, after, limit, false)
        .await?;
    let (visitor_read_seq, operator_read_seq) = state.hub.store().read_marks(&id).await?;
    Ok(Json(ChatDetail {
        chat,
        messages,
        visitor_read_seq,
        operator_read_seq,
    }))
}

async fn accept(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(state.hub.accept(who.op, &id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SendBody {
    text: String,
    #[serde(default)]
    client_id: Option<String>,
}

/// Stores and sends a message; `201` when new, `200` for a repeated `clientId`.
async fn message(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SendBody>,
) -> Result<(StatusCode, Json<WireMessage>)> {
    check_text(&body.text, state.config.limits.message_max_chars)
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    if body
        .client_id
        .as_ref()
        .is_some_and(|c| c.is_empty() || c.len() > 64)
    {
        return Err(Error::BadRequest(
            "clientId must be 1 to 64 characters".into(),
        ));
    }
    let stored = state
        .hub
        .operator_message(who.op, &id, body.client_id, body.text)
        .await?;
    let status = if stored.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(stored.message)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypingBody {
    typing: bool,
}

async fn typing(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TypingBody>,
) -> Result<StatusCode> {
    state.hub.operator_event(
        who.op,
        &id,
        ServerMessage::Typing {
            typing: body.typing,
        },
    )?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    seq: u64,
}

async fn read(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReadBody>,
) -> Result<StatusCode> {
    // Checked that the chat is theirs, stored (a widget resuming later
    // shows it), then pushed and published.
    state.hub.operator_read(who.op, &id, body.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    /// Username of the new operator; `null` or absent = back to the queue.
    #[serde(default)]
    to: Option<String>,
}

async fn transfer(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(
        state.hub.transfer(who.op, &id, body.to.as_deref()).await?,
    ))
}

async fn end(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Json<ChatSummary>> {
    Ok(Json(
        state.hub.end(who.op.company, &id, Some(who.op)).await?,
    ))
}

/// `limit` (1..=200, default 50) and `offset` (default 0) of list endpoints.
#[derive(Debug, Deserialize)]
pub struct Page {
    limit: Option<u32>,
    offset: Option<u32>,
    /// History only: `true` = only my conversations.
    mine: Option<bool>,
    /// Callbacks only: `open` (default) or `all`.
    pub status: Option<String>,
}

impl Page {
    /// Checked `(limit, offset)`.
    pub fn bounds(&self) -> Result<(u32, u32)> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(Error::BadRequest("limit must be 1 to 200".into()));
        }
        Ok((limit, self.offset.unwrap_or(0)))
    }
}

/// Ended conversations of the company, newest first.
async fn history(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<ChatSummary>>> {
    let (limit, offset) = page.bounds()?;
    let company = &state.config.companies[who.op.company];
    let mine = page
        .mine
        .unwrap_or(false)
        .then(|| company.operators[who.op.operator].username.as_str());
    Ok(Json(
        state
            .hub
            .store()
            .history(&company.id, mine, limit, offset)
            .await?,
    ))
}
