//! `POST /oauth2/token` and `GET /_authenticated` (contract §4.7): the
//! password grant of a company's API user and the bearer check.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use owidget_protocol::plugins::{ConnectorCall, PluginKind};
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use super::tokens::{self, ApiToken};
use crate::ids::{new_token, now_ms, token_hash};
use crate::listen::PeerIp;
use crate::throttle::{retry_secs, Throttle};
use crate::{AppState, Error};

/// Lifetime of a token (contract: 24 h).
pub const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// Logins per minute and username (contract).
pub const LOGINS_PER_USER: u32 = 10;
/// Logins per minute and client IP (contract).
pub const LOGINS_PER_IP: u32 = 100;

const MINUTE: Duration = Duration::from_secs(60);

/// The login limits (per instance: each instance counts what it serves).
#[derive(Debug)]
pub struct ApiAuth {
    per_user: Throttle<String>,
    per_ip: Throttle<IpAddr>,
}

impl Default for ApiAuth {
    fn default() -> Self {
        ApiAuth {
            per_user: Throttle::new(LOGINS_PER_USER, MINUTE),
            per_ip: Throttle::new(LOGINS_PER_IP, MINUTE),
        }
    }
}

/// Who a valid bearer token belongs to.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// Company index.
    pub company: usize,
    /// API username.
    pub username: String,
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2), with the project's
/// `message` beside `error` and `error_description`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": description,
        "message": description,
    });
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

fn too_many(wait: Duration) -> Response {
    let secs = retry_secs(wait);
    let mut r = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        &format!("too many logins; try again in {secs} s"),
    );
    r.headers_mut().insert(header::RETRY_AFTER, secs.into());
    r
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenForm {
    username: Option<String>,
    password: Option<String>,
    grant_type: Option<String>,
}

/// `POST /oauth2/token`, form-encoded `username`, `password`,
/// `grant_type=password`. Every attempt counts against the limits.
pub(super) async fn token(
    State(state): State<AppState>,
    PeerIp(ip): PeerIp,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let api = &state.bots.api;
    let now = Instant::now();
    if let Some(ip) = ip {
        if let Err(wait) = api.per_ip.hit(ip, now) {
            return too_many(wait);
        }
    }
    let form = match form {
        Ok(Form(f)) => f,
        Err(e) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("the body must be form-encoded username, password and grant_type: {e}"),
            )
        }
    };
    if form.grant_type.as_deref() != Some("password") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be \"password\"",
        );
    }
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "username and password are required",
        );
    };
    if let Err(wait) = api.per_user.hit(username.clone(), now) {
        return too_many(wait);
    }
    let (at, started) = (now_ms(), std::time::Instant::now());
    let found = state
        .config
        .companies
        .iter()
        .enumerate()
        .find_map(|(c, co)| {
            co.api_users
                .iter()
                .find(|u| u.username == username)
                .map(|u| (c, u.password_hash.clone()))
        });
    // Verify against some hash even for unknown users (uniform timing).
    let phc = found
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |(_, h)| h.clone());
    let ok = match state.auth.guard.verify(password, phc).await {
        Ok(ok) => ok,
        Err(Error::RetryAfter(_, secs)) => return too_many(Duration::from_secs(secs)),
        Err(e) => return e.into_response(),
    };
    let Some((company, _)) = found.clone().filter(|_| ok) else {
        tracing::info!(%username, "API login refused");
        if let Some((company, _)) = found {
            log_login(&state, company, at, started, Some("wrong password".into()));
        }
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "wrong username or password",
        );
    };
    let token = new_token();
    let row = ApiToken {
        token_hash: token_hash(&token),
        company: state.config.companies[company].id.clone(),
        username: username.clone(),
        expires_at: at + TOKEN_TTL.as_millis() as i64,
    };
    if let Err(e) = tokens::insert(state.hub.store(), &row, at).await {
        return e.into_response();
    }
    tracing::info!(%username, "API user logged in");
    log_login(&state, company, at, started, None);
    let body = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": TOKEN_TTL.as_secs(),
    });
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

/// A login of a known API user in its company's connector log.
fn log_login(
    state: &AppState,
    company: usize,
    at: i64,
    started: std::time::Instant,
    error: Option<String>,
) {
    let call = ConnectorCall {
        at,
        plugin: PluginKind::Bot,
        method: "POST".into(),
        url: "(from the bot app) /oauth2/token".into(),
        status: Some(if error.is_some() { 400 } else { 200 }),
        latency_ms: started.elapsed().as_millis() as u64,
        ok: error.is_none(),
        error,
    };
    state.plugins.inbound(company, call);
}

/// The caller of a request with `Authorization: Bearer <token>`, or why
/// not (`Unauthorized`: missing, unknown or expired).
pub(super) async fn caller(state: &AppState, headers: &HeaderMap) -> Result<ApiCaller, Error> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::Unauthorized("missing Authorization: Bearer <token>".into()))?;
    let expired = || Error::Unauthorized("invalid or expired token; POST /oauth2/token".into());
    let row = tokens::find(state.hub.store(), &token_hash(token), now_ms())
        .await?
        .ok_or_else(expired)?;
    let company = state
        .config
        .companies
        .iter()
        .position(|c| c.id == row.company)
        .ok_or_else(expired)?;
    // A user removed from the configuration loses its tokens.
    if !state.config.companies[company]
        .api_users
        .iter()
        .any(|u| u.username == row.username)
    {
        return Err(expired());
    }
    Ok(ApiCaller {
        company,
        username: row.username,
    })
}

/// `GET /_authenticated`: 200 with a live token, else 401.
pub(super) async fn authenticated(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match caller(&state, &headers).await {
        Ok(c) => Json(json!({"authenticated": true, "username": c.username})).into_response(),
        Err(e) => {
            let mut r = e.into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static"));
            r
        }
    }
}
