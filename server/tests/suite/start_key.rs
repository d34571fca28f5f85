//! Issue 10, item 7: a chat start lost in a dropped socket. The widget
//! sends `startChat` with a `startKey` and re-sends the same frame after a
//! reconnect when no `sessionCreated` came; the server answers the session
//! that key created instead of queueing a second one. Real server on port
//! 0, real WebSocket clients.

use crate::common;

use common::*;
use serde_json::{json, Value};

fn start(key: &str, text: &str) -> Value {
    json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/shop",
           "text": text, "startKey": key})
}

async fn queue_len(s: &Server, token: &str) -> usize {
    let (st, q) = s
        .call(reqwest::Method::GET, "/api/operator/queue", token, None)
        .await;
    assert_eq!(st, 200, "{q}");
    q.as_array().expect("queue is a list").len()
}

/// The server's answer to a start: every frame up to the first `message`
/// (or the error).
async fn answer(w: &mut Ws) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let v = next_json(w).await;
        if v["type"] == "status" {
            continue;
        }
        let last = v["type"] == "message" || v["type"] == "error";
        out.push(v);
        if last {
            return out;
        }
    }
}

#[tokio::test]
async fn a_start_re_sent_with_its_key_answers_the_session_it_created() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    const KEY: &str = "w3f2a9c0d1e4b5a6978812ab34cd56ef";

    // The first socket drops right after the start: its answer is lost.
    let mut a = s.widget("default").await;
    send(&mut a, start(KEY, "Hello")).await;
    let first = next_of(&mut a, "sessionCreated").await;
    drop(a);
    assert_eq!(queue_len(&s, &token).await, 1);

    // The widget reconnects and re-sends the very same frame.
    let mut b = s.widget("default").await;
    send(&mut b, start(KEY, "Hello")).await;
    let again = answer(&mut b).await;
    assert_eq!(again[0]["type"], "sessionCreated", "{again:?}");
    assert_eq!(again[0]["sessionId"], first["sessionId"], "{again:?}");
    assert_eq!(again[0]["token"], first["token"], "{again:?}");
    assert_eq!(again[0]["visitorId"], first["visitorId"], "{again:?}");
    assert_eq!(again[1]["type"], "resumed", "{again:?}");
    assert_eq!(again[1]["state"], "waiting", "{again:?}");
    assert_eq!(again[2]["message"]["seq"], 1, "{again:?}");
    assert_eq!(again[2]["message"]["text"], "Hello", "{again:?}");
    assert_eq!(queue_len(&s, &token).await, 1, "no second session queued");

    // The socket is the session's: what the visitor sends next is stored,
    // and the operator's acceptance reaches it.
    let ack = visitor_says(&mut b, "c2", "Are you there?").await;
    assert_eq!(ack["seq"], 2);
    let id = first["sessionId"].as_str().unwrap().to_string();
    let (st, v) = s.accept(&token, &id).await;
    assert_eq!(st, 200, "{v}");
    next_of(&mut b, "sessionStarted").await;

    // Another key is another chat; a key of an ended chat starts afresh.
    let mut c = s.widget("default").await;
    send(&mut c, start("another-key-0123456789", "Hi")).await;
    let other = next_of(&mut c, "sessionCreated").await;
    assert_ne!(other["sessionId"], first["sessionId"]);
    let (st, v) = s.end(&token, &id).await;
    assert_eq!(st, 200, "{v}");
    let mut d = s.widget("default").await;
    send(&mut d, start(KEY, "Hello again")).await;
    let fresh = next_of(&mut d, "sessionCreated").await;
    assert_ne!(fresh["sessionId"], first["sessionId"]);

    // A malformed key is refused, and nothing is created.
    let before = queue_len(&s, &token).await;
    let mut e = s.widget("default").await;
    send(&mut e, start("short", "x")).await;
    let refused = next_of(&mut e, "error").await;
    assert_eq!(refused["code"], "invalid", "{refused}");
    assert_eq!(queue_len(&s, &token).await, before);
}

/// The server stored the session and died before its answer left: after
/// the restart the same key still finds it (the key lives in the database,
/// only hashed, the token only sealed with it).
#[tokio::test]
async fn a_start_key_survives_a_restart() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    const KEY: &str = "restart-key-0123456789abcdef";
    let mut a = s.widget("default").await;
    send(&mut a, start(KEY, "Before the crash")).await;
    let first = next_of(&mut a, "sessionCreated").await;
    drop(a);
    let data = s.stop().await;
    // The database and its write-ahead log, as left on disk.
    let dir = data.as_ref().unwrap().path();
    let mut raw = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("owidget.sqlite3")
        {
            raw.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    assert!(!raw.is_empty(), "the database file is there");
    let token_hex = first["token"].as_str().unwrap();
    assert!(
        !raw.windows(token_hex.len())
            .any(|w| w == token_hex.as_bytes())
            && !raw.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "neither the key nor the token is stored in clear"
    );

    let s = Server::start_with(test_config(), data).await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    let mut b = s.widget("default").await;
    send(&mut b, start(KEY, "Before the crash")).await;
    let again = answer(&mut b).await;
    assert_eq!(again[0]["sessionId"], first["sessionId"], "{again:?}");
    assert_eq!(again[0]["token"], first["token"], "{again:?}");
    assert_eq!(again[2]["message"]["text"], "Before the crash", "{again:?}");
    assert_eq!(queue_len(&s, &token).await, 1);
}

/// Issue 10 (network drop): the widget's heartbeat `ping` is answered at
/// once with `pong`, and the period is published in the configuration.
#[tokio::test]
async fn the_widget_heartbeat_is_answered_and_published() {
    let s = Server::start().await;
    let mut w = s.widget("default").await;
    send(&mut w, json!({"type": "ping"})).await;
    let pong = next_of(&mut w, "pong").await;
    assert_eq!(pong, json!({"type": "pong"}));
    let cfg: Value = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}&preset=default")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["heartbeatSecs"], 25, "{cfg}");
}
