//! A test bot app: a real HTTP server on port 0 written from iAdvize's
//! External Bot contract (reference §4), not from our client. It checks
//! every request it gets (signature, path, query parameters in the
//! documented set, body fields and their types) and records each problem
//! as a violation; the tests assert there were none. What it answers is
//! scripted per test.

pub mod flow;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::Notify;

pub const VERSION: &str = "c008849d-7cb1-40ca-9503-d6df2c5cddd8";
pub const WEBSITE: &str = "ha-123";
pub const SECRET: &str = "bot-secret-0123456789";
pub const BOT: &str = "ha-900";
pub const SCENARIO: &str = "scenario-1";
pub const RULE_SUPPORT: &str = "5b1b2b2e-0f7a-4c55-9b39-0c7a1d6a5e01";
pub const RULE_SALES: &str = "5b1b2b2e-0f7a-4c55-9b39-0c7a1d6a5e02";

/// How the conversation endpoints behave.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Answers this status.
    Status(u16),
    /// Answers after this long.
    Slow(Duration),
    /// Answers 200 with a body that is not JSON.
    Garbage,
}

/// One conversation call as the app understood it.
#[derive(Debug, Clone)]
pub struct Heard {
    /// `create` or `message`.
    pub kind: &'static str,
    /// The path's conversation id (messages) or the body's (create).
    pub conversation: String,
    /// `visitor` / `operator` (messages).
    pub role: String,
    /// Text value (messages).
    pub text: String,
    /// Full body (shown in failure messages, through `Debug`).
    #[allow(dead_code)]
    pub body: Value,
}

pub struct Script {
    pub strategy: Value,
    pub first: Value,
    pub first_delay: Duration,
    pub mode: Mode,
    /// Visitor text → replies; others get `[{message "You said: …"}]`.
    pub replies: HashMap<String, Value>,
    pub scenarios: Value,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            strategy: json!([{"strategy": "customAvailability", "availability": true}]),
            first: json!({"replies": []}),
            first_delay: Duration::ZERO,
            mode: Mode::Normal,
            replies: HashMap::new(),
            scenarios: json!([{"idBot": SCENARIO, "name": "Shop", "description": null,
                               "editorUrl": "https://bots.example/edit/1"}]),
        }
    }
}

#[derive(Default)]
struct Inner {
    script: Mutex<Script>,
    violations: Mutex<Vec<String>>,
    paths: Mutex<Vec<String>>,
    heard: Mutex<Vec<Heard>>,
    bot_object: Mutex<Option<Value>>,
    conversations: Mutex<u32>,
    arrived: Notify,
}

#[derive(Clone)]
pub struct BotApp {
    pub base: String,
    inner: Arc<Inner>,
}

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message);
    hex::encode(m.finalize().into_bytes())
}

fn params(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_iso(s: &str) -> bool {
    // 2018-07-16T13:53:57.961Z
    s.len() >= 20 && &s[4..5] == "-" && &s[10..11] == "T" && s.ends_with('Z')
}

impl Inner {
    fn violation(&self, v: String) {
        self.violations.lock().unwrap().push(v);
    }

    /// The documented parameters, exactly (order free, none missing or extra).
    fn expect_query(&self, what: &str, query: &str, want: &[(&str, &str)]) {
        let mut got = params(query);
        got.sort();
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        want.sort();
        if got != want {
            self.violation(format!("{what}: query {got:?}, expected {want:?}"));
        }
    }

    fn check_message(&self, what: &str, m: &Value) {
        let ok = m["idMessage"].is_string()
            && matches!(m["author"]["role"].as_str(), Some("visitor" | "operator"))
            && m["payload"]["contentType"] == "text"
            && m["payload"]["value"].is_string()
            && m["createdAt"].as_str().is_some_and(is_iso);
        if !ok {
            self.violation(format!("{what}: bad Message {m}"));
        }
    }
}

fn json_response(v: Value) -> Response {
    axum::Json(v).into_response()
}

async fn any(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let what = format!("{method} {path}");
    inner.paths.lock().unwrap().push(what.clone());
    // The app must refuse a missing or bad signature (review checklist).
    let signed: &[u8] = if method == Method::GET {
        query.as_bytes()
    } else {
        &body
    };
    let want = format!("sha256={}", hmac_hex(SECRET, signed));
    let got = headers
        .get("x-iadvize-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if got != want {
        inner.violation(format!("{what}: bad signature {got:?}"));
        inner.arrived.notify_waiters();
        return StatusCode::BAD_REQUEST.into_response();
    }
    let std_q = [("idConnectorVersion", VERSION), ("idWebsite", WEBSITE)];
    let bot_path = format!("/bots/{BOT}");
    let first_path = format!("/bots/{BOT}/conversation-first-messages");
    let response = match (method.as_str(), path.as_str()) {
        ("GET", "/external-bots") => {
            inner.expect_query(&what, &query, &std_q);
            json_response(inner.script.lock().unwrap().scenarios.clone())
        }
        ("PUT", p) if p == bot_path => {
            inner.expect_query(&what, &query, &std_q);
            let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let rules_ok = b["distributionRules"].as_array().is_some_and(|r| {
                r.iter()
                    .all(|r| r["id"].as_str().is_some_and(is_uuid) && r["label"].is_string())
            });
            if !(b["name"].is_string()
                && b["pseudo"].is_string()
                && b["language"].as_str().is_some_and(|l| l.len() == 2)
                && rules_ok
                && b["external"]["idBot"].is_string())
            {
                inner.violation(format!("{what}: bad body {b}"));
            }
            let obj = json!({"idOperator": BOT, "external": {"idBot": b["external"]["idBot"],
                "name": "Shop", "editorUrl": "https://bots.example/edit/1"},
                "createdAt": "2026-12-01T10:00:00.000Z", "updatedAt": "2026-12-01T10:00:00.000Z",
                "distributionRules": b["distributionRules"]});
            *inner.bot_object.lock().unwrap() = Some(obj.clone());
            json_response(obj)
        }
        ("GET", p) if p == bot_path => {
            inner.expect_query(&what, &query, &std_q);
            match inner.bot_object.lock().unwrap().clone() {
                Some(o) => json_response(o),
                None => {
                    inner.violation(format!("{what} before PUT"));
                    StatusCode::NOT_FOUND.into_response()
                }
            }
        }
        ("GET", "/availability-strategies") => {
            inner.expect_query(&what, &query, &[("idOperator", BOT), std_q[0], std_q[1]]);
            json_response(inner.script.lock().unwrap().strategy.clone())
        }
        ("GET", p) if p == first_path => {
            inner.expect_query(&what, &query, &[std_q[0]]);
            let (delay, first) = {
                let s = inner.script.lock().unwrap();
                (s.first_delay, s.first.clone())
            };
            tokio::time::sleep(delay).await;
            json_response(first)
        }
        ("POST", "/conversations") => {
            inner.expect_query(&what, &query, &std_q);
            let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if b["idOperator"] != BOT
                || !b["idConversation"].as_str().is_some_and(is_uuid)
                || !b["history"].is_array()
            {
                inner.violation(format!("{what}: bad body {b}"));
            }
            for m in b["history"].as_array().into_iter().flatten() {
                inner.check_message(&what, m);
            }
            if let Some(r) = failure(&inner).await {
                r
            } else {
                let n = {
                    let mut n = inner.conversations.lock().unwrap();
                    *n += 1;
                    *n
                };
                inner.heard.lock().unwrap().push(Heard {
                    kind: "create",
                    conversation: b["idConversation"].as_str().unwrap_or("").into(),
                    role: String::new(),
                    text: String::new(),
                    body: b,
                });
                // Its own id: the platform must join it (§4.2 rule 3).
                json_response(conversation(&format!("app-conv-{n}"), json!([])))
            }
        }
        ("POST", p) if p.starts_with("/conversations/") && p.ends_with("/messages") => {
            inner.expect_query(&what, &query, &std_q);
            let id = p["/conversations/".len()..p.len() - "/messages".len()].to_string();
            if !id.starts_with("app-conv-") {
                inner.violation(format!("{what}: not the app's own conversation id"));
            }
            let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if b["idOperator"] != BOT {
                inner.violation(format!("{what}: idOperator {}", b["idOperator"]));
            }
            inner.check_message(&what, &b["message"]);
            let role = b["message"]["author"]["role"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let text = b["message"]["payload"]["value"]
                .as_str()
                .unwrap_or("")
                .to_string();
            inner.heard.lock().unwrap().push(Heard {
                kind: "message",
                conversation: id.clone(),
                role: role.clone(),
                text: text.clone(),
                body: b,
            });
            if let Some(r) = failure(&inner).await {
                r
            } else if role != "visitor" {
                // Like Tock: operator messages get no answer.
                json_response(conversation(&id, json!([])))
            } else {
                let replies = inner
                    .script
                    .lock()
                    .unwrap()
                    .replies
                    .get(&text)
                    .cloned()
                    .unwrap_or_else(|| json!([text_reply(&format!("You said: {text}"))]));
                json_response(conversation(&id, replies))
            }
        }
        _ => {
            inner.violation(format!("{what}: not an endpoint of the contract"));
            StatusCode::NOT_FOUND.into_response()
        }
    };
    inner.arrived.notify_waiters();
    response
}

async fn failure(inner: &Inner) -> Option<Response> {
    let mode = inner.script.lock().unwrap().mode.clone();
    match mode {
        Mode::Normal => None,
        Mode::Status(s) => Some(StatusCode::from_u16(s).unwrap().into_response()),
        Mode::Garbage => Some(([("content-type", "application/json")], "{oops").into_response()),
        Mode::Slow(d) => {
            tokio::time::sleep(d).await;
            None
        }
    }
}

pub fn conversation(id: &str, replies: Value) -> Value {
    json!({"idConversation": id, "idOperator": BOT, "replies": replies,
           "createdAt": "2026-12-01T10:00:00.000Z", "updatedAt": "2026-12-01T10:00:00.000Z"})
}

pub fn text_reply(text: &str) -> Value {
    json!({"type": "message", "payload": {"contentType": "text", "value": text}})
}

impl BotApp {
    pub async fn start() -> BotApp {
        let inner = Arc::new(Inner::default());
        let app = Router::new().fallback(any).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        BotApp { base, inner }
    }

    pub fn script(&self, f: impl FnOnce(&mut Script)) {
        f(&mut self.inner.script.lock().unwrap());
    }

    pub fn on(&self, visitor_text: &str, replies: Value) {
        self.script(|s| {
            s.replies.insert(visitor_text.to_string(), replies);
        });
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().unwrap().clone()
    }

    pub fn assert_clean(&self) {
        let v = self.violations();
        assert!(v.is_empty(), "the bot app saw contract violations: {v:#?}");
    }

    pub fn paths(&self) -> Vec<String> {
        self.inner.paths.lock().unwrap().clone()
    }

    pub fn heard(&self) -> Vec<Heard> {
        self.inner.heard.lock().unwrap().clone()
    }

    /// Waits until `f` holds for what was heard (bounded).
    pub async fn wait_heard(&self, what: &str, f: impl Fn(&[Heard]) -> bool) -> Vec<Heard> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.inner.arrived.notified();
            let h = self.heard();
            if f(&h) {
                return h;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("bot app: {what} not heard in time; heard {h:#?}");
            }
        }
    }

    /// The TOML of a demo company with this bot app declared and a `bot`
    /// preset served by the bot (`extra` goes into the connector table).
    pub fn config(&self, extra: &str) -> owidget_server::Config {
        let b = &self.base;
        let table = format!(
            r#"
[companies.connector]
id_connector_version = "{VERSION}"
id_website = "{WEBSITE}"
secret = "{SECRET}"
bot_url = "{b}/"
bot_poll_interval_ms = 100
{extra}
[[companies.bots]]
id_operator = "{BOT}"
name = "Shopbot"
language = "en"
id_bot = "{SCENARIO}"
groups = ["bot"]
[[companies.bots.distribution_rules]]
id = "{RULE_SUPPORT}"
label = "Support"
group = "support"
[[companies.bots.distribution_rules]]
id = "{RULE_SALES}"
group = "sales"
[[companies.presets]]
name = "bot"
groups = ["bot"]
"#
        );
        let marker = format!("\n[[companies]]\nid = \"{}\"", crate::common::OTHER);
        let toml = crate::common::test_toml();
        assert!(toml.contains(&marker), "test config layout changed");
        let toml = toml.replacen(&marker, &format!("{table}{marker}"), 1);
        owidget_server::Config::from_toml(&toml).expect("config with a bot is valid")
    }
}
