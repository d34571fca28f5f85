//! App Plugins, platform side: a company's connector (declared in
//! `[companies.connector]`) serves a product list, customer information and
//! a conversation closing form, called exactly as iAdvize calls them
//! (reference `app-plugins-spec.md` §1–3) and shown in the desk.
//!
//! - [`cards`]: content cards and carousels from iAdvize payloads (Custom
//!   App pushes, bot replies), validated.
//! - [`config`]: the `[companies.connector]` table, raw and checked.
//! - [`custom_app`]: `[[companies.connector.custom_apps]]` and their HS256
//!   tokens; [`cpa`]: their operator API (apps, tokens, pushed cards).
//! - [`connector`]: the one HTTP client every call goes through (sign,
//!   time out, cap, validate, log).
//! - [`sign`]: `x-iadvize-signature` and our v2 signatures.
//! - [`schemas`]: the published JSON Schemas, their validators and
//!   `/schemas/…`.
//! - [`store`]: call log, closing form answers, visitor ids, cards.
//! - `catalog`, `customer`, `closing`: the three plugins' operator endpoints.
//! - `health`: health-check polling; `log`: `GET /api/operator/connector-log`;
//!   `logger`: the batched call log writer.

pub mod cards;
pub mod config;
pub mod connector;
pub mod cpa;
pub mod custom_app;
pub mod schemas;
pub mod sign;
pub mod store;

mod catalog;
mod closing;
mod customer;
mod health;
mod log;
mod logger;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use owidget_protocol::desk::ChatSummary;
use owidget_protocol::plugins::{Health, PluginsInfo};
use owidget_protocol::SessionState;

pub use closing::check_answers;
pub use connector::{Call, CallError, Connector, Connectors, Request};
pub use health::spawn_health_checks;

use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// The visitor id for a new session: the widget's own when well formed
/// (64 lowercase hex, as we issue them), else a new random one.
pub fn visitor_id(given: Option<String>) -> String {
    match given {
        Some(v) if v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => v,
        _ => crate::ids::random_hex(32),
    }
}

/// Operator routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plugins", get(info))
        .route("/connector-log", get(log::connector_log))
        .merge(catalog::routes())
        .merge(customer::routes())
        .merge(closing::routes())
        .merge(cpa::routes())
}

async fn info(State(state): State<AppState>, who: CurrentOperator) -> Json<PluginsInfo> {
    Json(match state.plugins.of(who.op.company) {
        Some(c) => PluginsInfo {
            product_list: c.config.categories_url.is_some() && c.config.products_url.is_some(),
            customer_information: c.config.customer_information_url.is_some(),
            customer_action: c.config.customer_action_url.is_some(),
            closing_form: c.config.closing_form_url.is_some(),
            health: c.health(),
        },
        None => PluginsInfo {
            product_list: false,
            customer_information: false,
            customer_action: false,
            closing_form: false,
            health: Health::None,
        },
    })
}

/// The operator's company connector, or 404 `no <what> connector`.
fn connector<'a>(
    state: &'a AppState,
    who: &CurrentOperator,
    what: &str,
    has: impl Fn(&config::ConnectorConfig) -> bool,
) -> Result<&'a Connector> {
    state
        .plugins
        .of(who.op.company)
        .filter(|c| has(&c.config))
        .ok_or_else(|| Error::NotFound(format!("no {what} connector")))
}

/// The operator's `idOperator` for connectors: their login name (unique
/// within the company).
fn operator_id(state: &AppState, who: &CurrentOperator) -> String {
    state.config.companies[who.op.company].operators[who.op.operator]
        .username
        .clone()
}

/// A chat the operator may see: live and theirs (or waiting for their
/// groups), or ended in their company.
async fn visible_chat(state: &AppState, who: &CurrentOperator, id: &str) -> Result<ChatSummary> {
    if let Some(chat) = state.hub.live_chat(who.op, id) {
        return Ok(chat);
    }
    let company = &state.config.companies[who.op.company].id;
    match state.hub.store().session(company, id).await? {
        Some(s) if s.chat.state == SessionState::Ended => Ok(s.chat),
        Some(_) => Err(Error::Forbidden("the chat is not yours".into())),
        None => Err(Error::NotFound("no such chat".into())),
    }
}

/// `operatorLocale`: the desk's language (`en` when not given).
fn locale(given: Option<String>) -> Result<String> {
    let l = given.unwrap_or_else(|| "en".into());
    if l.is_empty()
        || l.len() > 35
        || !l
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::BadRequest(
            "locale must be a language tag like \"en\" or \"pt-BR\"".into(),
        ));
    }
    Ok(l)
}

/// True for an absolute http(s) URL (the only ones that become links).
pub fn is_http_url(s: &str) -> bool {
    reqwest::Url::parse(s)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_ids_are_kept_only_when_well_formed() {
        let good = "a".repeat(64);
        assert_eq!(visitor_id(Some(good.clone())), good);
        for bad in [
            "A".repeat(64),
            "a".repeat(63),
            "g".repeat(64),
            String::new(),
        ] {
            let v = visitor_id(Some(bad.clone()));
            assert_ne!(v, bad);
            assert_eq!(v.len(), 64);
        }
        assert_ne!(visitor_id(None), visitor_id(None));
    }

    #[test]
    fn only_http_urls() {
        assert!(is_http_url("https://shop.example/p?x=1"));
        assert!(is_http_url("http://127.0.0.1:8080/i.svg"));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "/relative",
            "ftp://x/y",
            "",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }
}
