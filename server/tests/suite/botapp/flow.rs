//! Helpers of the bot tests: a server with the test bot app, a visitor in
//! a chat the bot took, reading what the bot says.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use super::BotApp;
use crate::common::*;

pub async fn setup(extra: &str) -> (Server, BotApp) {
    let app = BotApp::start().await;
    let s = Server::start_with(app.config(extra), None).await;
    (s, app)
}

/// A visitor on the bot preset, once the bot is available, with a chat the
/// bot took (`sessionStarted` by Shopbot). Returns (socket, id, token).
pub async fn bot_chat(s: &Server) -> (Ws, String, String) {
    let mut w = s.widget("bot").await;
    expect_status(&mut w, 1).await;
    let created = start_chat(&mut w).await;
    let started = next_of(&mut w, "sessionStarted").await;
    assert_eq!(started["operatorName"], "Shopbot");
    (
        w,
        created["sessionId"].as_str().unwrap().into(),
        created["token"].as_str().unwrap().into(),
    )
}

/// The next `message` pushed to the visitor.
pub async fn next_message(w: &mut Ws) -> Value {
    next_of(w, "message").await["message"].clone()
}

/// Visitor says `text`; returns the messages that follow until one with
/// `until` as text (inclusive), skipping the visitor's own.
pub async fn say_and_collect(w: &mut Ws, text: &str, until: &str) -> Vec<Value> {
    send(
        w,
        json!({"type": "send", "clientId": format!("c-{text}"), "text": text}),
    )
    .await;
    let mut out = Vec::new();
    loop {
        let m = next_message(w).await;
        if m["author"] == "visitor" {
            continue;
        }
        let done = m["text"] == until;
        out.push(m);
        if done {
            return out;
        }
    }
}

/// The next `message`, waiting up to `limit` (longer than [`WAIT`]).
pub async fn next_message_within(w: &mut Ws, limit: Duration) -> Value {
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let frame = tokio::time::timeout_at(deadline, w.next())
            .await
            .expect("a message within the limit")
            .expect("socket open")
            .expect("frame reads");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = frame {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "message" {
                return v["message"].clone();
            }
        }
    }
}

/// Waits (bounded) until the chat is in the operator's queue.
pub async fn wait_queued(s: &Server, token: &str, id: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, q) = s
            .call(Method::GET, "/api/operator/queue", token, None)
            .await;
        if q.as_array().unwrap().iter().any(|c| c["id"] == id) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{id} never queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn log_errors(s: &Server, token: &str) -> Vec<String> {
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/connector-log?limit=100",
            token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["plugin"] == "bot")
        .filter_map(|c| c["error"].as_str().map(str::to_string))
        .collect()
}

/// The texts of a chat's transcript as the desk reads it.
pub async fn transcript(s: &Server, token: &str, id: &str) -> Vec<String> {
    let (st, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{detail}");
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}
