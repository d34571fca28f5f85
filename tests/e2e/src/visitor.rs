//! A visitor's raw widget socket, for tests that check what a visitor
//! really receives without a widget page.

use std::collections::VecDeque;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{TestServer, DEMO_COMPANY, WAIT};

/// A visitor's widget socket. Frames that a test did not ask for yet are
/// kept, so the order of unrelated pushes (typing vs. message) never makes a
/// test flaky.
pub struct Visitor {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    backlog: VecDeque<Value>,
}

impl Visitor {
    /// Opens `/ws/widget` for the demo company's default preset.
    pub async fn connect(server: &TestServer) -> Visitor {
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

    /// Sends one widget frame.
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send to widget socket");
    }

    /// The first frame (kept or new) matching `pred`, within [`WAIT`].
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
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

    /// Waits for the button status `status`.
    pub async fn status(&mut self, status: u64) {
        self.expect(&format!("status {status}"), |v| {
            v["type"] == "status" && v["status"] == status
        })
        .await;
    }

    /// Starts a chat as `name` with a first message; returns the session id.
    pub async fn start_chat(&mut self, name: &str, text: &str, extra: Value) -> String {
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
