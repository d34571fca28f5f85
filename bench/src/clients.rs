//! The benchmark's server (in-process, port 0) and its raw clients: widget
//! sockets as visitors and desk sockets as operators.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use owidget_server::{demo, AppState, Config, Dirs};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The in-process server uses the demo company's GUID too, so the same
/// clients work against an external demo server.
pub(crate) const COMPANY: &str = demo::COMPANY;
/// No single wait of the benchmark may take longer.
const WAIT: Duration = Duration::from_secs(60);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running server and an HTTP client for its operator API.
pub struct Setup {
    base: String,
    ws: String,
    http: reqwest::Client,
    /// Set for the in-process server; `None` for an external demo server.
    _data: Option<tempfile::TempDir>,
    /// The in-process server's state.
    pub state: Option<AppState>,
}

impl Setup {
    /// Starts a server with `operators` operators (`op0`…, password `pw`)
    /// of `capacity` chats each, in one group of one preset.
    pub async fn start(operators: usize, capacity: u32) -> Setup {
        Self::start_with(operators, capacity, "").await
    }

    /// [`Setup::start`] with extra `[abuse]` keys (one `key = value` a line).
    /// Chat starts and queue length are uncapped: all the benchmark's
    /// visitors come from one address.
    pub async fn start_with(operators: usize, capacity: u32, abuse: &str) -> Setup {
        Self::start_full(operators, capacity, abuse, "").await
    }

    /// [`Setup::start_with`] with `company` TOML appended to the company
    /// (a `[companies.connector]` table, say).
    pub async fn start_full(operators: usize, capacity: u32, abuse: &str, company: &str) -> Setup {
        Self::serve(&Self::toml(operators, capacity, abuse, company)).await
    }

    /// Two servers ("instances" A and B, in this process) on one
    /// PostgreSQL database and one broker (`redis://…` or `postgres://…`),
    /// with the operators of [`Setup::start`].
    pub async fn start_pair(
        operators: usize,
        capacity: u32,
        database_url: &str,
        broker: &str,
    ) -> (Setup, Setup) {
        let mut toml = Self::toml(operators, capacity, "", "");
        toml.push_str(&format!(
            "\n[storage]\ndatabase_url = \"{database_url}\"\n\n[broker]\nurl = \"{broker}\"\n"
        ));
        let a = Self::serve(&toml).await;
        let b = Self::serve(&toml).await;
        (a, b)
    }

    fn toml(operators: usize, capacity: u32, abuse: &str, company: &str) -> String {
        let hash = demo::hash_password("pw");
        let mut toml = format!(
            "[limits]\nmessages_per_10s = 1000\n\n[abuse]\nchat_starts_per_ip_per_minute = 1000000\n\
             chat_starts_per_preset_per_minute = 1000000\nqueue_max = 1000000\n{abuse}\n\n[[companies]]\nid = \"{COMPANY}\"\n\
             allowed_origins = [\"http://localhost:*\"]\n[[companies.presets]]\nname = \"default\"\ngroups = [\"support\"]\n"
        );
        for i in 0..operators {
            toml.push_str(&format!(
                "[[companies.operators]]\nusername = \"op{i}\"\npassword_hash = \"{hash}\"\ncapacity = {capacity}\ngroups = [\"support\"]\n"
            ));
        }
        toml.push_str(company);
        toml
    }

    /// A server of `toml` in this process, on port 0.
    async fn serve(toml: &str) -> Setup {
        let config = Config::from_toml(toml).expect("benchmark config");
        let data = tempfile::tempdir().expect("temp dir");
        let dirs = Dirs::default();
        let state = AppState::open(config, dirs, data.path())
            .await
            .expect("server state");
        let kept = state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(owidget_server::run(listener, state, std::future::pending()));
        Setup {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}"),
            http: reqwest::Client::new(),
            _data: Some(data),
            state: Some(kept),
        }
    }

    /// Uses an `owidget-server` already running in demo mode at `base`
    /// (`http://host:port`): its operator `demo` is operator 0.
    pub fn external(base: &str) -> Setup {
        let base = base.trim_end_matches('/').to_string();
        Setup {
            ws: base.replacen("http", "ws", 1),
            base,
            http: reqwest::Client::new(),
            _data: None,
            state: None,
        }
    }

    /// Logs operator `op{i}` in (`demo` on an external demo server);
    /// returns the token.
    pub async fn login(&self, i: usize) -> String {
        let (user, password) = match self._data {
            Some(_) => (format!("op{i}"), "pw"),
            None => ("demo".to_string(), "demo"),
        };
        let v = self
            .call(
                reqwest::Method::POST,
                "/api/operator/login",
                None,
                json!({"company": COMPANY, "username": user, "password": password}),
            )
            .await;
        v["token"].as_str().expect("token").to_string()
    }

    /// Sets an operator's availability.
    pub async fn availability(&self, token: &str, a: &str) {
        self.call(
            reqwest::Method::PUT,
            "/api/operator/availability",
            Some(token),
            json!({"availability": a}),
        )
        .await;
    }

    /// Accepts a waiting chat.
    pub async fn accept(&self, token: &str, session: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{session}/accept"),
            Some(token),
            json!({}),
        )
        .await;
    }

    /// An operator message through the API (201 asserted).
    pub async fn say(&self, token: &str, session: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{session}/messages"),
            Some(token),
            json!({ "text": text }),
        )
        .await;
    }

    /// Accepts a waiting chat that another instance created: retried while
    /// this one has not heard of it yet (404), for at most [`WAIT`].
    pub async fn accept_when_known(&self, token: &str, session: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let res = self
                .http
                .post(format!("{}/api/operator/chats/{session}/accept", self.base))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .expect("request");
            let status = res.status();
            if status.is_success() {
                return;
            }
            assert!(
                status == 404 && Instant::now() < deadline,
                "accept of {session}: {status} {}",
                res.text().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Ends a chat as the operator.
    pub async fn end(&self, token: &str, session: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{session}/end"),
            Some(token),
            json!({}),
        )
        .await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// Base URL `http://host:port`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A widget socket whose client reads into a tiny receive buffer and is
    /// never read: a slow reader (its frames pile up on the server side).
    pub async fn slow_widget(&self) -> Ws {
        let url = format!("{}/ws/widget?company={COMPANY}&preset=default&v=1", self.ws);
        let addr = self.base.trim_start_matches("http://");
        let sock = tokio::net::TcpSocket::new_v4().expect("socket");
        sock.set_recv_buffer_size(2048).expect("SO_RCVBUF");
        let tcp = sock
            .connect(addr.parse().expect("addr"))
            .await
            .expect("connect");
        let mut req = url.into_client_request().expect("ws request");
        req.headers_mut()
            .insert("origin", "http://localhost".parse().expect("header"));
        let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(tcp))
            .await
            .expect("ws handshake");
        ws
    }

    async fn socket(&self, path: &str) -> Ws {
        let mut req = format!("{}{path}", self.ws)
            .into_client_request()
            .expect("ws request");
        req.headers_mut()
            .insert("origin", "http://localhost".parse().expect("header"));
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("ws connect");
        ws
    }
}

/// Reads JSON frames until `pick` returns something.
async fn read_until<T>(ws: &mut Ws, what: &str, mut pick: impl FnMut(&Value) -> Option<T>) -> T {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(frame) = ws.next().await {
            if let Message::Text(t) = frame.expect("socket frame") {
                let v: Value = serde_json::from_str(&t).expect("JSON frame");
                if let Some(x) = pick(&v) {
                    return x;
                }
            }
        }
        panic!("socket closed while waiting for {what}");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// A visitor's widget socket.
pub struct Visitor {
    ws: Ws,
    /// Session id once a chat was started.
    pub session: String,
}

impl Visitor {
    /// Opens a widget socket on the preset.
    pub async fn connect(setup: &Setup) -> Visitor {
        let ws = setup
            .socket(&format!("/ws/widget?company={COMPANY}&preset=default&v=1"))
            .await;
        Visitor {
            ws,
            session: String::new(),
        }
    }

    /// Sends one message.
    pub async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
    }

    /// Starts a chat and waits until it is created.
    pub async fn start_chat(&mut self, i: usize) {
        self.send(json!({"type": "startChat", "language": "en", "pageUrl": format!("http://localhost/bench/{i}")}))
            .await;
        self.session = read_until(&mut self.ws, "sessionCreated", |v| {
            (v["type"] == "sessionCreated")
                .then(|| v["sessionId"].as_str().unwrap_or_default().to_string())
        })
        .await;
    }

    /// Waits for a frame of type `t`.
    pub async fn await_type(&mut self, t: &str) {
        read_until(&mut self.ws, t, |v| (v["type"] == t).then_some(())).await
    }

    /// Waits for the status `code`; returns when it arrived.
    pub async fn await_status(&mut self, code: u64) -> Instant {
        read_until(&mut self.ws, "status", |v| {
            (v["type"] == "status" && v["status"] == code).then(Instant::now)
        })
        .await
    }

    /// Forwards every status code this socket receives, with its arrival
    /// time and its lag behind the server's stamp (`at`, Unix ms: the same
    /// machine's clock), until the socket closes.
    pub async fn forward_statuses(
        mut self,
        tx: tokio::sync::mpsc::UnboundedSender<(u64, Instant, Option<Duration>)>,
    ) {
        while let Some(Ok(frame)) = self.ws.next().await {
            if let Message::Text(t) = frame {
                let at = Instant::now();
                let wall = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if let (Some("status"), Some(code)) = (v["type"].as_str(), v["status"].as_u64()) {
                    let lag = v["at"]
                        .as_u64()
                        .map(|ms| wall.saturating_sub(Duration::from_millis(ms)));
                    if tx.send((code, at, lag)).is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Waits for a message frame with `text`; returns when it arrived.
    pub async fn await_text(&mut self, text: &str) -> Instant {
        read_until(&mut self.ws, "message", |v| {
            (v["type"] == "message" && v["message"]["text"] == text).then(Instant::now)
        })
        .await
    }

    /// Waits for the ack of `client_id`; returns when it arrived.
    pub async fn await_ack(&mut self, client_id: &str) -> Instant {
        read_until(&mut self.ws, "ack", |v| {
            (v["type"] == "ack" && v["clientId"] == client_id).then(Instant::now)
        })
        .await
    }
}

/// An operator's desk socket.
pub struct Desk {
    ws: Ws,
}

impl Desk {
    /// Opens the desk socket of a logged-in operator.
    pub async fn connect(setup: &Setup, token: &str) -> Desk {
        let ws = setup.socket(&format!("/ws/desk?token={token}")).await;
        Desk { ws }
    }

    /// Waits for the desk event carrying the visitor message `client_id`.
    pub async fn await_message(&mut self, client_id: &str) -> Instant {
        read_until(&mut self.ws, "desk message", |v| {
            (v["type"] == "message" && v["message"]["clientId"] == client_id).then(Instant::now)
        })
        .await
    }
}
