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
        .route("/offline-messages/{id}/done", post(offline_done))
        .route("/callbacks", get(callbacks))
        .route("/callbacks/{id}/done", post(done))
}

async fn offline_messages(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<OfflineMessage>>> {
    let (limit, offset) = page.bounds()?;
    let open_only = open_only(&page)?;
    let company = &state.config.companies[who.op.company];
    Ok(Json(
        state
            .hub
            .store()
            .offline_messages(
                &company.id,
                &my_presets(&state, who),
                open_only,
                limit,
                offset,
            )
            .await?,
    ))
}

/// `?status=open` (default) or `all`.
fn open_only(page: &Page) -> Result<bool> {
    match page.status.as_deref() {
        None | Some("open") => Ok(true),
        Some("all") => Ok(false),
        Some(_) => Err(Error::BadRequest("status must be open or all".into())),
    }
}

/// Presets whose visitors the operator serves (one of its groups): the
/// same rule as for the live desk events.
fn my_presets(state: &AppState, who: CurrentOperator) -> Vec<String> {
    let company = &state.config.companies[who.op.company];
    let me = &company.operators[who.op.operator];
    company
        .presets
        .iter()
        .filter(|p| me.serves(&p.widget.groups))
        .map(|p| p.name.clone())
        .collect()
}

async fn offline_done(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<i64>,
) -> Result<Json<OfflineMessage>> {
    let company = &state.config.companies[who.op.company];
    let by = &company.operators[who.op.operator].username;
    state
        .hub
        .store()
        .offline_done(&company.id, id, by)
        .await?
        .map(Json)
        .ok_or_else(|| Error::NotFound("no such offline message".into()))
}

async fn callbacks(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<CallbackRequest>>> {
    let (limit, offset) = page.bounds()?;
    let open_only = open_only(&page)?;
    let company = &state.config.companies[who.op.company];
    Ok(Json(
        state
            .hub
            .store()
            .callbacks(
                &company.id,
                &my_presets(&state, who),
                open_only,
                limit,
                offset,
            )
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
