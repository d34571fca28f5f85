//! The demo webhook receiver: `POST /webhooks` (signed, checked by the
//! same middleware as the plugin endpoints) keeps the last
//! [`KEEP`] events, deduplicated by `eventId` as iAdvize advises (a
//! retry of an event already received is counted, not stored twice), and
//! logs each one; `GET /webhooks` shows them as a page (text only),
//! `GET /webhooks.json` as JSON.

use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use super::data::escape;
use super::Shared;

/// Events kept.
pub const KEEP: usize = 200;

/// One received event.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// `eventId`.
    pub event_id: String,
    /// `eventType`.
    pub event_type: String,
    /// `x-iadvize-correlationid`.
    pub correlation_id: String,
    /// `x-iadvize-delivery` of the first delivery received.
    pub delivery: String,
    /// Deliveries of this event received (more than 1: retried).
    pub deliveries: u32,
    /// The payload (JSON, or the form fields as an object).
    pub payload: Value,
}

/// The receiver's memory, newest first.
#[derive(Debug, Default)]
pub struct Inbox {
    events: Mutex<Vec<Received>>,
}

fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Value> {
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let text = std::str::from_utf8(body).ok()?;
        let url = reqwest::Url::parse(&format!("http://x/?{text}")).ok()?;
        Some(Value::Object(
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        ))
    } else {
        serde_json::from_slice(body).ok()
    }
}

pub(super) async fn receive(
    State(demo): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(payload) = parse(&headers, &body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "expected a JSON or form-encoded event"})),
        )
            .into_response();
    };
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let field = |k: &str| payload[k].as_str().unwrap_or("").to_string();
    let (event_id, event_type) = (field("eventId"), field("eventType"));
    tracing::info!(%event_type, %event_id, "demo connector received a webhook");
    let mut events = demo
        .webhooks
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(seen) = events.iter_mut().find(|e| e.event_id == event_id) {
        seen.deliveries += 1;
    } else {
        events.insert(
            0,
            Received {
                event_id,
                event_type,
                correlation_id: header("x-iadvize-correlationid"),
                delivery: header("x-iadvize-delivery"),
                deliveries: 1,
                payload,
            },
        );
        events.truncate(KEEP);
    }
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn list(State(demo): State<Shared>) -> Json<Value> {
    let events = demo
        .webhooks
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Json(json!({ "events": *events }))
}

pub(super) async fn page(State(demo): State<Shared>) -> Html<String> {
    let events = demo
        .webhooks
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut rows = String::new();
    for e in &events {
        let pretty = serde_json::to_string_pretty(&e.payload).unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code><br><small>correlation {}<br>{} deliver{}</small></td><td><pre>{}</pre></td></tr>",
            escape(&e.event_type),
            escape(&e.event_id),
            escape(&e.correlation_id),
            e.deliveries,
            if e.deliveries == 1 { "y" } else { "ies" },
            escape(&pretty)
        ));
    }
    if events.is_empty() {
        rows.push_str("<tr><td colspan=\"3\">No event yet: accept, transfer or end a chat, change your availability, or save a closing form in the desk.</td></tr>");
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"5\"><title>Demo webhook receiver</title>\
         <style>body{{font-family:sans-serif;margin:2em}}td{{vertical-align:top;border-top:1px solid #ccc;padding:.5em}}pre{{margin:0}}</style></head>\
         <body><h1>Demo webhook receiver</h1><p>The last {KEEP} events the server delivered to the demo connector, newest first (this page reloads every 5 s).</p>\
         <table><tr><th>eventType</th><th>eventId</th><th>payload</th></tr>{rows}</table></body></html>"
    ))
}
