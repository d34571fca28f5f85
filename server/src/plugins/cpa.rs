//! The operator API of Custom Apps: the apps of my company's connector, a
//! fresh token (and iframe URL) per app, and the cards an app pushes into
//! my active chat (reference §5.3: `pushCardInConversationThread`,
//! `pushCardBundleInConversationThread`).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::{SessionState, WireMessage};
use serde_json::{json, Value};

use super::cards;
use super::custom_app::{frame_src, sign, Claims, CustomApp};
use super::operator_id;
use crate::error::JsonBody;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/custom-apps", get(list))
        .route("/custom-apps/{app}/token", get(token))
        .route("/chats/{id}/custom-apps/{app}/card", post(push_card))
        .route(
            "/chats/{id}/custom-apps/{app}/card-bundle",
            post(push_bundle),
        )
}

/// Every Custom App origin of every company: the desk's `frame-src`.
pub fn frame_origins(config: &crate::Config) -> Vec<String> {
    let mut origins: Vec<String> = config
        .companies
        .iter()
        .filter_map(|c| c.connector.as_ref())
        .flat_map(|c| c.custom_apps.iter().map(|a| a.origin.clone()))
        .collect();
    origins.sort();
    origins.dedup();
    origins
}

fn app<'a>(state: &'a AppState, who: &CurrentOperator, id: &str) -> Result<&'a CustomApp> {
    state.config.companies[who.op.company]
        .connector
        .as_ref()
        .and_then(|c| c.custom_apps.iter().find(|a| a.id == id))
        .ok_or_else(|| Error::NotFound(format!("no custom app {id:?}")))
}

/// `GET /custom-apps` → `{projectId, apps: [{id, name, icon, url, origin,
/// useAuthentication}]}`.
async fn list(State(state): State<AppState>, who: CurrentOperator) -> Json<Value> {
    let connector = state.config.companies[who.op.company].connector.as_ref();
    Json(json!({
        "projectId": connector.map(|c| c.id_website.clone()),
        "apps": connector.map(|c| c.custom_apps.clone()).unwrap_or_default(),
    }))
}

/// `GET /custom-apps/{app}/token` → `{jwt, expiresAt, src}`: a fresh token
/// (reference §2.3) and the iframe URL (`?jwt=` when the app uses
/// authentication). Never cached.
async fn token(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
) -> Result<Response> {
    let app = app(&state, &who, &id)?;
    let connector = state.config.companies[who.op.company]
        .connector
        .as_ref()
        .expect("an app implies a connector");
    let me = &state.config.companies[who.op.company].operators[who.op.operator];
    let now = crate::ids::now_ms() / 1000;
    let claims = Claims::new(app, &operator_id(&state, &who), me.email.as_deref(), now);
    let jwt = sign(&claims, &connector.secrets[0]);
    tracing::info!(app = %app.id, operator = %claims.sub, "custom app token issued");
    let body = json!({
        "jwt": jwt,
        "expiresAt": claims.exp * 1000,
        "src": frame_src(app, &jwt),
    });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Only an active chat of mine takes cards.
fn check_mine(state: &AppState, who: &CurrentOperator, id: &str) -> Result<()> {
    match state.hub.live_chat(who.op, id) {
        Some(chat)
            if chat.state == SessionState::Active
                && chat.operator.as_deref() == Some(operator_id(state, who).as_str()) =>
        {
            Ok(())
        }
        _ => Err(Error::Conflict(
            "cards can be pushed only into your active chats".into(),
        )),
    }
}

/// `POST /chats/{id}/custom-apps/{app}/card` with the app's card
/// `{title?, text?, image?: {url, description?}, actions: [{type: "LINK",
/// title, url}]}` → `201` the stored message (its `card` a content card).
async fn push_card(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path((id, app_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<(StatusCode, Json<WireMessage>)> {
    let app = app(&state, &who, &app_id)?;
    let card = cards::content_card(&body, "card").map_err(Error::BadRequest)?;
    check_mine(&state, &who, &id)?;
    let text = cards::fallback_text(&card);
    let stored = state
        .hub
        .operator_rich(who.op, &id, None, text, Some(Box::new(card)), None)
        .await?;
    tracing::info!(app = %app.id, chat = %id, "custom app pushed a card");
    Ok((StatusCode::CREATED, Json(stored.message)))
}

/// `POST /chats/{id}/custom-apps/{app}/card-bundle` with `{title?, cards:
/// [card, …]}` → `201` the stored message (its `carousel`).
async fn push_bundle(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path((id, app_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<(StatusCode, Json<WireMessage>)> {
    let app = app(&state, &who, &app_id)?;
    let carousel = cards::carousel(&body, "bundle").map_err(Error::BadRequest)?;
    check_mine(&state, &who, &id)?;
    let text = cards::carousel_text(&carousel);
    let stored = state
        .hub
        .operator_rich(who.op, &id, None, text, None, Some(Box::new(carousel)))
        .await?;
    tracing::info!(app = %app.id, chat = %id, "custom app pushed a card bundle");
    Ok((StatusCode::CREATED, Json(stored.message)))
}
