//! Offline messages and callback requests in the desk.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::desk::{CallbackRequest, OfflineMessage};

use super::auth::CurrentOperator;
use super::chats::Page;
use crate::{AppState, Error, Result};

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/offline-messages", get(offline_messages))
        .route("/callbacks", get(callbacks))
        .route("/callbacks/{id}/done", post(done))
}

async fn offline_messages(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<OfflineMessage>>> {
    let (limit, offset) = page.bounds()?;
    let company = &state.config.companies[who.op.company].id;
    Ok(Json(
        state
            .hub
            .store()
            .offline_messages(company, limit, offset)
            .await?,
    ))
}

async fn callbacks(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<CallbackRequest>>> {
    let (limit, offset) = page.bounds()?;
    let open_only = match page.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(_) => return Err(Error::BadRequest("status must be open or all".into())),
    };
    let company = &state.config.companies[who.op.company].id;
    Ok(Json(
        state
            .hub
            .store()
            .callbacks(company, open_only, limit, offset)
            .await?,
    ))
}

async fn done(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<i64>,
) -> Result<Json<CallbackRequest>> {
    let company = &state.config.companies[who.op.company];
    let by = &company.operators[who.op.operator].username;
    state
        .hub
        .store()
        .callback_done(&company.id, id, by)
        .await?
        .map(Json)
        .ok_or_else(|| Error::NotFound("no such callback request".into()))
}
