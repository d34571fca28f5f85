//! The External Bot's asynchronous replies (contract §4.7): the part of
//! iAdvize's public API a bot app calls to send messages after it answered
//! `POST /conversations/:id/messages` (possibly with empty `replies`), at
//! the server's root so that the app only swaps `https://api.iadvize.com`
//! for our base URL:
//!
//! - `POST /oauth2/token` (`oauth`): password grant of a company's
//!   `[[companies.api_users]]`; 24 h bearer tokens kept hashed in
//!   `api_tokens` (`tokens`), 10 logins a minute per user, 100 per IP;
//! - `GET /_authenticated`: 200 with a live token, 401 without;
//! - `POST /graphql` (`graphql`): `chatbotMessageSend` and
//!   `routingRule(id){availability{chat{isAvailable}}}`.
//!
//! A `chatbotMessageSend` becomes the reply object it stands for (§4.3:
//! text `message`, `message` with `quickReplies`, `transfer`, `close`) and
//! is handed to the conversation's task, which plays it exactly like a
//! reply of a `messages` answer, between two of them (never inside one),
//! and acknowledges once the message is stored. Every call is logged in
//! the company's connector log.

mod graphql;
mod input;
mod oauth;
pub mod tokens;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::plugins::{ConnectorCall, PluginKind};
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

pub use input::{send_input, SendInput};
pub use oauth::{ApiAuth, LOGINS_PER_IP, LOGINS_PER_USER, TOKEN_TTL};

use super::conv::conversation_uuid;
use super::{AsyncReply, Bots, ConvEvent};
use crate::ids::now_ms;
use crate::AppState;

/// Largest `POST /graphql` body.
pub const GRAPHQL_BODY_LIMIT: usize = 64 * 1024;
/// Largest `POST /oauth2/token` body.
pub const TOKEN_BODY_LIMIT: usize = 4 * 1024;
/// Longest wait for the conversation to take a message.
const DELIVERY_WAIT: Duration = Duration::from_secs(15);

/// The API routes (at the root).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth2/token",
            post(oauth::token).layer(DefaultBodyLimit::max(TOKEN_BODY_LIMIT)),
        )
        .route("/_authenticated", get(oauth::authenticated))
        .route(
            "/graphql",
            post(graphql_endpoint).layer(DefaultBodyLimit::max(GRAPHQL_BODY_LIMIT)),
        )
}

/// A `userErrors` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct UserError {
    /// Path of the input field at fault.
    pub field: Vec<&'static str>,
    /// What is wrong.
    pub message: String,
}

impl UserError {
    fn new(field: &[&'static str], message: impl Into<String>) -> Self {
        UserError {
            field: field.to_vec(),
            message: message.into(),
        }
    }
}

fn errors_only(status: StatusCode, errors: Vec<Value>) -> Response {
    let message = errors
        .first()
        .and_then(|e| e["message"].as_str())
        .unwrap_or("error")
        .to_string();
    (
        status,
        Json(json!({ "errors": errors, "message": message })),
    )
        .into_response()
}

async fn graphql_endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = std::time::Instant::now();
    let at = now_ms();
    let caller = match oauth::caller(&state, &headers).await {
        Ok(c) => c,
        Err(e) => {
            let status = e.status();
            return errors_only(status, vec![graphql::error(e.to_string(), None)]);
        }
    };
    let company = caller.company;
    let (status, body, problem) = match body {
        Err(e) => {
            let status = e.status();
            let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("request body over {GRAPHQL_BODY_LIMIT} bytes")
            } else {
                e.body_text()
            };
            (
                status,
                json!({"errors": [graphql::error(msg.clone(), None)], "message": msg}),
                Some(msg),
            )
        }
        Ok(bytes) => {
            let (status, body) = run(&state, company, &bytes).await;
            let problem = first_problem(&body);
            (status, body, problem)
        }
    };
    let call = ConnectorCall {
        at,
        plugin: PluginKind::Bot,
        method: "POST".into(),
        url: "(from the bot app) /graphql".into(),
        status: Some(status.as_u16()),
        latency_ms: started.elapsed().as_millis() as u64,
        ok: problem.is_none(),
        error: problem.clone(),
    };
    state.plugins.inbound(company, call);
    tracing::info!(user = %caller.username, status = status.as_u16(), error = ?problem, "bot app GraphQL call");
    (status, Json(body)).into_response()
}

/// The first error or user error of an answer, for the log.
fn first_problem(body: &Value) -> Option<String> {
    if let Some(e) = body["errors"].as_array().and_then(|e| e.first()) {
        return Some(e["message"].as_str().unwrap_or("error").to_string());
    }
    body["data"].as_object()?.values().find_map(|v| {
        v["userErrors"]
            .as_array()
            .and_then(|u| u.first())
            .map(|u| format!("userError: {}", u["message"].as_str().unwrap_or("")))
    })
}

/// Parses and runs one GraphQL request: (status, body).
async fn run(state: &AppState, company: usize, bytes: &[u8]) -> (StatusCode, Value) {
    let bad = |msg: String| {
        (
            StatusCode::BAD_REQUEST,
            json!({"errors": [graphql::error(msg, None)]}),
        )
    };
    let req: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return bad(format!("the body is not JSON: {e}")),
    };
    let Some(query) = req["query"].as_str() else {
        return bad("the body needs a \"query\" string".into());
    };
    let variables = match &req["variables"] {
        Value::Null => Map::new(),
        Value::Object(m) => m.clone(),
        _ => return bad("\"variables\" must be an object".into()),
    };
    let operation = req["operationName"].as_str();
    let planned = match graphql_parser::parse_query::<&str>(query) {
        Ok(doc) => graphql::plan(&doc, operation, &variables),
        Err(e) => Err(vec![graphql::error(format!("syntax error: {e}"), None)]),
    };
    let plan = match planned {
        Ok(p) => p,
        Err(errors) => return (StatusCode::OK, json!({ "errors": errors })),
    };
    let mut data = Map::new();
    let mut errors = Vec::new();
    for f in &plan.fields {
        let full = match f.name.as_str() {
            "__typename" => json!(if plan.mutation { "Mutation" } else { "Query" }),
            "routingRule" => routing_rule(state, company, &f.args["id"]),
            "chatbotMessageSend" => match send_input(&f.args["input"]) {
                Err(e) => {
                    errors.push(graphql::error(e, None));
                    data.insert(f.key.clone(), Value::Null);
                    continue;
                }
                Ok(input) => {
                    let result = state.bots.send_async(company, input).await;
                    let user_errors: Vec<Value> = result
                        .err()
                        .into_iter()
                        .map(|e| json!({"__typename": "UserError", "field": e.field, "message": e.message}))
                        .collect();
                    json!({"__typename": "ChatbotMessageSendPayload", "userErrors": user_errors})
                }
            },
            _ => Value::Null,
        };
        data.insert(f.key.clone(), f.project(&full));
    }
    let mut body = json!({ "data": data });
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    (StatusCode::OK, body)
}

/// `routingRule(id)`: a distribution rule of the company's bots; available
/// for chat when a person of its group is online with room. Unknown → null.
fn routing_rule(state: &AppState, company: usize, id: &Value) -> Value {
    let Some(id) = id.as_str() else {
        return Value::Null;
    };
    let c = &state.config.companies[company];
    let Some(rule) = c.bots.iter().find_map(|b| b.rule(id)) else {
        return Value::Null;
    };
    let available = state.hub.group_has_room(company, &rule.group);
    json!({
        "__typename": "RoutingRule",
        "id": rule.id,
        "availability": {
            "__typename": "RoutingRuleAvailability",
            "chat": {"__typename": "ChannelAvailability", "isAvailable": available},
        },
    })
}

/// `chatbotId` names this bot: its `idOperator` (`ha-900`) or the number
/// after the platform prefix (`900`, what iAdvize's GraphQL uses).
fn names_bot(id_operator: &str, chatbot: &str) -> bool {
    id_operator == chatbot || id_operator.rsplit('-').next() == Some(chatbot)
}

impl Bots {
    /// Hands a `chatbotMessageSend` to the conversation it names, if the
    /// bot it names drives it here, and waits until it is played.
    pub(crate) async fn send_async(
        &self,
        company: usize,
        input: SendInput,
    ) -> Result<(), UserError> {
        let c = &self.config.companies[company];
        let bot = c
            .bots
            .iter()
            .position(|b| names_bot(&b.id_operator, &input.chatbot))
            .ok_or_else(|| UserError::new(&["chatbotId"], "no chatbot with this id"))?;
        let reply = input.reply?;
        if reply["type"] == "transfer" {
            let rule = reply["distributionRule"].as_str().unwrap_or_default();
            if c.bots[bot].rule(rule).is_none() {
                return Err(UserError::new(
                    &[
                        "actionOrMessage",
                        "chatbotAction",
                        "transferMessage",
                        "routingRuleId",
                    ],
                    "not a distribution rule of this chatbot",
                ));
            }
        }
        let wanted = input.conversation.to_ascii_lowercase();
        let not_driven = || {
            UserError::new(
                &["conversationId"],
                "no conversation with this id is driven by this chatbot \
                 (unknown, ended, transferred to a person, or driven by another instance)",
            )
        };
        let (done, answer) = oneshot::channel();
        {
            let convs = self.convs.lock().unwrap_or_else(|e| e.into_inner());
            let found = convs
                .tasks
                .iter()
                .find(|((co, session), _)| *co == company && conversation_uuid(session) == wanted);
            let Some(((_, session), task)) = found else {
                return Err(not_driven());
            };
            // The task may still run a moment after a person took the chat.
            let op = self.op(company, bot);
            if task.bot != bot || self.hub.holder(company, session) != Some(op.operator) {
                return Err(not_driven());
            }
            task.tx
                .send(ConvEvent::Async(AsyncReply { reply, done }))
                .map_err(|_| not_driven())?;
        }
        match tokio::time::timeout(DELIVERY_WAIT, answer).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(message))) => Err(UserError::new(&["actionOrMessage"], message)),
            // The task ended first (the chat ended or went to a person).
            Ok(Err(_)) => Err(not_driven()),
            Err(_) => Err(UserError::new(
                &["conversationId"],
                "the conversation is busy; try again",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_become_reply_objects() {
        let i = |aom: Value| {
            send_input(&json!({"conversationId": "c", "chatbotId": 900, "actionOrMessage": aom}))
        };
        let r = i(json!({"chatbotMessage": {"chatbotSimpleTextMessage": "Hi", "chatbotMessageAttachmentInput": null}, "chatbotAction": null})).unwrap();
        assert_eq!(r.chatbot, "900");
        assert_eq!(r.reply.unwrap()["payload"]["value"], "Hi");
        let r = i(json!({"chatbotMessage": {"chatbotMessageAttachmentInput": {"quickReplyMenu": {"message": "Pick", "choices": ["A", "B"]}}}})).unwrap();
        assert_eq!(r.reply.unwrap()["quickReplies"][1]["value"], "B");
        let r = i(json!({"chatbotAction": {"closeMessage": {"_unusedField": false}}})).unwrap();
        assert_eq!(r.reply.unwrap()["type"], "close");
        let r = i(json!({"chatbotAction": {"transferMessage": {"routingRuleId": "r", "transferOptions": {"timeout": 20}}}})).unwrap();
        assert_eq!(r.reply.unwrap()["transferOptions"]["timeout"]["value"], 20);
        assert!(
            i(json!({"chatbotMessage": {}, "chatbotAction": {"closeMessage": {}}}))
                .unwrap()
                .reply
                .is_err()
        );
        assert!(i(json!({"chatbotMessage": {"dance": 1}})).is_err());
        assert!(
            names_bot("ha-900", "900")
                && names_bot("ha-900", "ha-900")
                && !names_bot("ha-900", "90")
        );
    }
}
