//! Customer information plugin (reference §3.2): the connector's fields for
//! the chat's visitor, identified by e-mail (`oo1_guest_email`) and/or
//! external id (`oo1_guest_external_id`), and ACTION fields POSTed back.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::plugins::{
    ActionRequest, ActionResult, CustomerField, CustomerInformation, PluginKind,
};
use serde::Deserialize;

use super::schemas::Schema;
use super::{connector, locale, operator_id, visible_chat, Call};
use crate::error::JsonBody;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// Reserved custom data key: the visitor's e-mail (`emailVisitor`).
pub const EMAIL_KEY: &str = "oo1_guest_email";
/// Reserved custom data key: the page's own customer id (`idVisitorExternal`).
pub const EXTERNAL_ID_KEY: &str = "oo1_guest_external_id";

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chats/{id}/customer-information", get(information))
        .route("/chats/{id}/customer-information/action", post(action))
}

#[derive(Debug, Deserialize)]
struct LocaleQuery {
    locale: Option<String>,
}

struct Visitor {
    email: Option<String>,
    external: Option<String>,
    unique: String,
}

async fn visitor(state: &AppState, who: &CurrentOperator, id: &str) -> Result<Visitor> {
    let chat = visible_chat(state, who, id).await?;
    let company = &state.config.companies[who.op.company].id;
    let (_, unique) = state
        .hub
        .store()
        .plugin_fields(company, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such chat".into()))?;
    let get = |k: &str| {
        chat.custom_data
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Ok(Visitor {
        email: get(EMAIL_KEY),
        external: get(EXTERNAL_ID_KEY),
        // Sessions stored before visitor ids existed get a stable stand-in.
        unique: unique.unwrap_or_else(|| crate::ids::token_hash(id)),
    })
}

async fn information(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    Query(q): Query<LocaleQuery>,
) -> Result<Json<CustomerInformation>> {
    let operator_locale = locale(q.locale)?;
    let c = connector(&state, &who, "customer information", |c| {
        c.customer_information_url.is_some()
    })?;
    let v = visitor(&state, &who, &id).await?;
    if v.email.is_none() && v.external.is_none() {
        return Ok(Json(CustomerInformation {
            fields: Vec::new(),
            identified: false,
        }));
    }
    let call = Call {
        plugin: PluginKind::Customer,
        url: c
            .config
            .customer_information_url
            .as_deref()
            .expect("filtered"),
        params: vec![
            ("emailVisitor", v.email),
            (
                "idConnectorVersion",
                Some(c.config.id_connector_version.clone()),
            ),
            ("idVisitorExternal", v.external),
            ("idVisitorUnique", Some(v.unique)),
            ("idWebsite", Some(c.config.id_website.clone())),
            ("operatorLocale", Some(operator_locale)),
            ("idOperator", Some(operator_id(&state, &who))),
        ],
        post: false,
        schema: Some(Schema::CustomerInformation),
        quiet_when_ok: false,
    };
    let fields: Vec<CustomerField> = state
        .plugins
        .call(who.op.company, call)
        .await
        .map_err(|e| Error::BadGateway(format!("customer information is unavailable: {e}")))?;
    Ok(Json(CustomerInformation {
        fields,
        identified: true,
    }))
}

async fn action(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActionRequest>,
) -> Result<Json<ActionResult>> {
    if body.action.trim().is_empty() || body.action.chars().count() > 4096 {
        return Err(Error::BadRequest(
            "action must be 1 to 4096 characters".into(),
        ));
    }
    let c = connector(&state, &who, "customer action", |c| {
        c.customer_action_url.is_some()
    })?;
    let v = visitor(&state, &who, &id).await?;
    let call = Call {
        plugin: PluginKind::Customer,
        url: c.config.customer_action_url.as_deref().expect("filtered"),
        params: vec![
            ("action", Some(body.action)),
            (
                "idConnectorVersion",
                Some(c.config.id_connector_version.clone()),
            ),
            ("idVisitorUnique", Some(v.unique)),
            ("idWebsite", Some(c.config.id_website.clone())),
            ("idConversation", Some(crate::bot::conversation_uuid(&id))),
            ("idOperator", Some(operator_id(&state, &who))),
        ],
        post: true,
        schema: Some(Schema::CustomerAction),
        quiet_when_ok: false,
    };
    let result: ActionResult = state
        .plugins
        .call(who.op.company, call)
        .await
        .map_err(|e| Error::BadGateway(format!("the action failed: {e}")))?;
    Ok(Json(result))
}
