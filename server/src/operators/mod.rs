//! Operator API: `/api/operator/*` (login, availability, queue, chats).
//!
//! Every handler works on the [`auth::CurrentOperator`]'s company only: the
//! token resolves to a company index, and chats are looked up inside that
//! company, so a token of company A can never name a chat of company B.

pub mod auth;
mod chats;
mod contacts;
pub mod guard;

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use owidget_protocol::desk::{
    Availability, AvailabilityRequest, LoginRequest, LoginResponse, OperatorInfo,
};
use owidget_protocol::normalize_guid;

use crate::chat::OpRef;
use crate::error::JsonBody;
use crate::listen::PeerIp;
use crate::{AppState, Error, Result};
use auth::CurrentOperator;

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/availability", put(availability))
        .route("/operators", get(colleagues))
        .merge(chats::routes())
        .merge(contacts::routes())
}

async fn login(
    State(state): State<AppState>,
    PeerIp(ip): PeerIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let guid = normalize_guid(&req.company)
        .ok_or_else(|| Error::BadRequest("company must be a GUID".into()))?;
    let account = (guid.clone(), req.username.clone());
    let guard = &state.auth.guard;
    guard.admit(ip, &account)?;
    let wrong = || Error::Unauthorized("wrong company, username or password".into());
    let company = state.config.companies.iter().position(|c| c.id == guid);
    let operators = company.map_or(&[][..], |c| &state.config.companies[c].operators[..]);
    // A bot has no password: it is never found by a login.
    let found = operators
        .iter()
        .position(|o| o.username == req.username && !o.bot);
    // Verify against some hash even for unknown companies and users so that
    // timing does not reveal which exist.
    let phc = match found {
        Some(i) => operators[i].password_hash.clone(),
        None => state.dummy_hash.to_string(),
    };
    let ok = guard.verify(req.password, phc).await?;
    let (Some(company), Some(operator), true) = (company, found, ok) else {
        guard.failed(ip, account);
        return Err(wrong());
    };
    let op = OpRef { company, operator };
    let token = state.auth.issue(op).await?;
    tracing::info!(operator = %req.username, "operator logged in");
    Ok(Json(LoginResponse {
        token,
        operator: state.hub.operator_info(op),
    }))
}

async fn logout(State(state): State<AppState>, who: CurrentOperator) -> Result<Json<OperatorInfo>> {
    state.auth.revoke(&who.token).await?;
    // The last open desk going away means nobody is there to answer chats.
    let info =
        if state.auth.sessions_of(who.op) == 0 && !logged_in_elsewhere(&state, who.op).await? {
            state
                .hub
                .commit_availability(who.op, Availability::Offline)
                .await?
        } else {
            state.hub.operator_info(who.op)
        };
    Ok(Json(info))
}

/// A login of `op` issued on another instance is still alive (the
/// database holds every instance's logins).
async fn logged_in_elsewhere(state: &AppState, op: OpRef) -> Result<bool> {
    let company = &state.config.companies[op.company];
    let username = company.operators[op.operator].username.clone();
    let n = state
        .hub
        .store()
        .live_logins(company.id.clone(), username, crate::ids::now_ms())
        .await?;
    Ok(n > 0)
}

async fn me(State(state): State<AppState>, who: CurrentOperator) -> Json<OperatorInfo> {
    Json(state.hub.operator_info(who.op))
}

async fn availability(
    State(state): State<AppState>,
    who: CurrentOperator,
    JsonBody(req): JsonBody<AvailabilityRequest>,
) -> Result<Json<OperatorInfo>> {
    Ok(Json(
        state
            .hub
            .commit_availability(who.op, req.availability)
            .await?,
    ))
}

/// Every operator of my company with availability and load (for choosing a
/// transfer target).
async fn colleagues(
    State(state): State<AppState>,
    who: CurrentOperator,
) -> Json<Vec<OperatorInfo>> {
    let n = state.config.companies[who.op.company].operators.len();
    Json(
        (0..n)
            .map(|operator| {
                state.hub.operator_info(OpRef {
                    company: who.op.company,
                    operator,
                })
            })
            .collect(),
    )
}
