//! Offline messages and callback requests in the desk: both listed and
//! marked done by the same two handlers, one [`Contact`] kind each.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::desk::{CallbackRequest, OfflineMessage};
use serde::Serialize;

use super::auth::CurrentOperator;
use super::chats::Page;
use crate::storage::Contact;
use crate::{AppState, Error, Result};

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/offline-messages", get(list::<OfflineMessage>))
        .route("/offline-messages/{id}/done", post(done::<OfflineMessage>))
        .route("/callbacks", get(list::<CallbackRequest>))
        .route("/callbacks/{id}/done", post(done::<CallbackRequest>))
}

/// `GET /offline-messages`, `GET /callbacks`: those of the presets the
/// operator serves, newest first.
async fn list<T: Contact + Serialize>(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(page): Query<Page>,
) -> Result<Json<Vec<T>>> {
    let (limit, offset) = page.bounds()?;
    let open_only = open_only(&page)?;
    let company = &state.config.companies[who.op.company];
    let presets = my_presets(&state, who);
    let store = state.hub.store();
    Ok(Json(
        store
            .contacts(&company.id, &presets, open_only, limit, offset)
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

/// `POST /offline-messages/{id}/done`, `POST /callbacks/{id}/done`: the
/// contact as it is now.
async fn done<T: Contact + Serialize>(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<i64>,
) -> Result<Json<T>> {
    let company = &state.config.companies[who.op.company];
    let by = &company.operators[who.op.operator].username;
    state
        .hub
        .store()
        .contact_done(&company.id, id, by)
        .await?
        .map(Json)
        .ok_or_else(|| Error::NotFound(format!("no such {}", T::NAME)))
}
