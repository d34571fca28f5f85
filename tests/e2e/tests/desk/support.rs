//! Helpers of the desk tests: the visitor's widget socket and desk steps
//! through real WebDriver input.

use std::collections::VecDeque;

use fantoccini::elements::Element;
use fantoccini::Locator;
use futures_util::{SinkExt, StreamExt};
use owidget_e2e::{Browser, TestServer, DEMO_COMPANY, WAIT};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The WebDriver code of the Enter key.
pub(crate) const ENTER: &str = "\u{E007}";

/// Makes `alert` observable: the page records calls instead of blocking.
pub(crate) const ALERT_TRAP: &str =
    "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));";

/// A visitor's widget socket. Frames that a test did not ask for yet are
/// kept, so the order of unrelated pushes (typing vs. message) never makes a
/// test flaky.
pub(crate) struct Visitor {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    backlog: VecDeque<Value>,
}

impl Visitor {
    /// Opens `/ws/widget` for the demo company's default preset.
    pub(crate) async fn connect(server: &TestServer) -> Visitor {
        let url = format!(
            "{}/ws/widget?company={DEMO_COMPANY}&preset=default&v=1",
            server.url.replacen("http://", "ws://", 1)
        );
        let mut request = url.into_client_request().expect("widget socket URL");
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_static("http://localhost"));
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("widget socket connects");
        Visitor {
            ws,
            backlog: VecDeque::new(),
        }
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send to widget socket");
    }

    /// The first frame (kept or new) matching `pred`, within [`WAIT`].
    pub(crate) async fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i).expect("index from position");
        }
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(&t).expect("widget frame is JSON");
                        if v["type"] == "error" {
                            panic!("server refused a visitor frame: {v}");
                        }
                        if pred(&v) {
                            return v;
                        }
                        self.backlog.push_back(v);
                    }
                    Some(Ok(_)) => {}
                    other => panic!("widget socket ended while waiting for {what}: {other:?}"),
                }
            }
        };
        match tokio::time::timeout(WAIT, read).await {
            Ok(v) => v,
            Err(_) => panic!(
                "timed out after {WAIT:?} waiting for {what}; frames seen: {:?}",
                self.backlog
            ),
        }
    }

    pub(crate) async fn status(&mut self, status: u64) {
        self.expect(&format!("status {status}"), |v| {
            v["type"] == "status" && v["status"] == status
        })
        .await;
    }

    /// Starts a chat as `name` with a first message; returns the session id.
    pub(crate) async fn start_chat(&mut self, name: &str, text: &str, extra: Value) -> String {
        let mut data = json!({ "oo1_guest_ident": name });
        if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        self.send(json!({
            "type": "startChat",
            "language": "cs",
            "pageUrl": "http://localhost/shop/cart?step=2",
            "customData": data,
            "text": text,
        }))
        .await;
        let created = self
            .expect("sessionCreated", |v| v["type"] == "sessionCreated")
            .await;
        created["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string()
    }
}

pub(crate) async fn find(browser: &Browser, css: &str) -> Element {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
}

/// A real click on `css` once it is visible and enabled.
pub(crate) async fn click(browser: &Browser, css: &str) {
    let js_css = serde_json::to_string(css).expect("css as JSON");
    browser
        .wait_js(
            &format!("`{css}` visible and enabled"),
            &format!(
                "(() => {{ const e = document.querySelector({js_css}); \
                 return !!e && !e.disabled && e.offsetParent !== null; }})()"
            ),
        )
        .await;
    find(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

pub(crate) async fn type_into(browser: &Browser, css: &str, text: &str) {
    let e = find(browser, css).await;
    e.clear()
        .await
        .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
}

/// Opens the desk and logs in through the form.
pub(crate) async fn desk_login(browser: &Browser, server: &TestServer, password: &str) {
    browser.goto(&format!("{}/desk/", server.url)).await;
    browser
        .wait_js("login form", "!document.getElementById('login').hidden")
        .await;
    type_into(browser, "#login-company", DEMO_COMPANY).await;
    type_into(browser, "#login-username", "demo").await;
    type_into(browser, "#login-password", password).await;
    click(browser, "#login-submit").await;
}

/// Logs in and waits for the live feed.
pub(crate) async fn desk_ready(browser: &Browser, server: &TestServer) {
    desk_login(browser, server, "demo").await;
    browser
        .wait_js(
            "desk connected",
            "document.getElementById('conn').dataset.state === 'open'",
        )
        .await;
}

/// Sets the availability through the desk's own selector.
pub(crate) async fn choose_availability(browser: &Browser, value: &str) {
    find(browser, "#availability")
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value}: {e}"));
    browser
        .wait_js(
            &format!("availability {value} confirmed"),
            &format!("document.getElementById('availability').dataset.value === '{value}'"),
        )
        .await;
}

/// CSS of a chat's section.
pub(crate) fn chat_css(id: &str) -> String {
    format!("section.chat[data-id=\"{id}\"]")
}
