//! Shared harness of the integration tests: a real server on port 0.

pub mod backend;
pub mod cluster;
pub mod in_process;
pub mod instances;
pub mod pg;
pub mod redis_server;

use std::path::PathBuf;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use owidget_server::{demo, AppState, Config, Dirs};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A session id (32 hex) as connectors get it: the UUID `8-4-4-4-12` of
/// the same hex (the bot's `idConversation`, webhooks' `conversationId`, the
/// customer action's `idConversation`), computed here, not by the server.
pub fn as_uuid(id: &str) -> String {
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "session id {id:?} is 32 hex"
    );
    format!(
        "{}-{}-{}-{}-{}",
        &id[..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..]
    )
}

/// Upper bound of every wait in the tests.
pub const WAIT: Duration = Duration::from_secs(10);

pub const DEMO: &str = demo::COMPANY;
pub const OTHER: &str = "0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11";
pub const ORIGIN: &str = "http://localhost:5173";

/// A running server.
pub struct Server {
    pub base: String,
    pub ws: String,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    pub data: Option<tempfile::TempDir>,
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Two companies: the demo one with operators `demo` (capacity 2) and
/// `solo` (capacity 1), and `OTHER` with operator `eva`. Passwords equal
/// usernames.
pub fn test_config() -> Config {
    Config::from_toml(&test_toml()).expect("test config is valid")
}

/// [`test_config`] with `edit` applied to the checked values.
pub fn test_config_with(edit: impl FnOnce(&mut Config)) -> Config {
    let mut c = test_config();
    edit(&mut c);
    c
}

/// The TOML of [`test_config`] (tests derive variants from it).
pub fn test_toml() -> String {
    let hash = |p: &str| demo::hash_password(p);
    format!(
        r#"
[limits]
message_max_chars = 200
messages_per_10s = 8

[[companies]]
id = "{DEMO}"
name = "Demo"
allowed_origins = ["http://localhost:*", "http://127.0.0.1:*"]
[[companies.presets]]
name = "default"
groups = ["support"]
[companies.presets.texts.en]
[companies.presets.texts.cs]
button_online = "Napište nám"
[[companies.presets]]
name = "sales"
groups = ["sales"]
[[companies.operators]]
username = "demo"
name = "Demo Operator"
password_hash = "{}"
capacity = 2
groups = ["support"]
[[companies.operators]]
username = "solo"
name = "Solo"
password_hash = "{}"
capacity = 1
groups = ["support", "sales"]

[[companies]]
id = "{OTHER}"
name = "Other"
allowed_origins = ["https://other.example"]
[[companies.presets]]
name = "main"
groups = ["support"]
[[companies.operators]]
username = "eva"
password_hash = "{}"
groups = ["support"]
"#,
        hash("demo"),
        hash("solo"),
        hash("eva")
    )
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with(test_config(), None).await
    }

    pub async fn start_with(config: Config, data: Option<tempfile::TempDir>) -> Server {
        let www = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/www");
        let pkg = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pkg");
        let data = data.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
        let state = AppState::open(
            config,
            Dirs {
                www: Some(www),
                pkg: Some(pkg),
            },
            data.path(),
        )
        .await
        .expect("state opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            owidget_server::run(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .expect("server runs");
        });
        Server {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}"),
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
            data: Some(data),
        }
    }

    /// A server started elsewhere (the real binary), at `base`.
    pub fn remote(base: &str) -> Server {
        Server {
            base: base.to_string(),
            ws: base.replace("http://", "ws://"),
            http: reqwest::Client::new(),
            stop: None,
            task: None,
            data: None,
        }
    }

    /// Graceful stop; returns the data dir for a restart.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(WAIT, task)
                .await
                .expect("server stops within the wait")
                .expect("server task ends cleanly");
        }
        self.data.take()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs in and returns the token.
    pub async fn login(&self, company: &str, user: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/operator/login"))
            .json(&json!({"company": company, "username": user, "password": user}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login of {user}");
        let v: Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// Authorized JSON request; returns (status, body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn set_availability(&self, token: &str, a: &str) {
        let (s, body) = self
            .call(
                reqwest::Method::PUT,
                "/api/operator/availability",
                token,
                Some(json!({ "availability": a })),
            )
            .await;
        assert_eq!(s, 200, "availability {a}: {body}");
    }

    pub async fn accept(&self, token: &str, id: &str) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{id}/accept"),
            token,
            None,
        )
        .await
    }

    pub async fn end(&self, token: &str, id: &str) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{id}/end"),
            token,
            None,
        )
        .await
    }

    /// Opens a widget socket of the demo company from an allowed origin.
    pub async fn widget(&self, preset: &str) -> Ws {
        self.widget_at(DEMO, preset, ORIGIN)
            .await
            .expect("widget socket opens")
    }

    pub async fn widget_at(
        &self,
        company: &str,
        preset: &str,
        origin: &str,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let url = format!(
            "{}/ws/widget?company={company}&preset={preset}&v=1",
            self.ws
        );
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("connect within the wait")?;
        Ok(ws)
    }
}

/// The next JSON text frame, skipping pings; panics after [`WAIT`].
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within the wait")
            .expect("socket still open")
            .expect("frame reads");
        match frame {
            Message::Text(t) => return serde_json::from_str(&t).expect("server sends JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Frames until one of `type` arrives (others are skipped).
pub async fn next_of(ws: &mut Ws, ty: &str) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["type"] == ty {
            return v;
        }
    }
}

/// Waits for a `status` frame with `code` (earlier statuses are skipped).
pub async fn expect_status(ws: &mut Ws, code: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let v = tokio::time::timeout_at(deadline, next_json(ws))
            .await
            .unwrap_or_else(|_| panic!("status {code} not seen within the wait"));
        if v["type"] == "status" && v["status"] == code {
            return;
        }
    }
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// Starts a chat on a widget socket and returns its `sessionCreated`.
pub async fn start_chat(ws: &mut Ws) -> Value {
    send(
        ws,
        json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/shop"}),
    )
    .await;
    next_of(ws, "sessionCreated").await
}

/// Opens the desk socket of a token.
pub async fn desk(s: &Server, token: &str) -> Ws {
    let url = format!("{}/ws/desk?token={token}", s.ws);
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("desk connects within the wait")
        .expect("desk socket opens");
    ws
}

/// Sends a visitor message and returns its ack.
pub async fn visitor_says(ws: &mut Ws, client_id: &str, text: &str) -> Value {
    send(
        ws,
        json!({"type": "send", "clientId": client_id, "text": text}),
    )
    .await;
    let v = next_of(ws, "ack").await;
    assert_eq!(v["clientId"], client_id);
    v
}

/// An operator message; returns the stored message.
pub async fn operator_says(s: &Server, token: &str, id: &str, text: &str) -> Value {
    let (st, v) = s
        .call(
            reqwest::Method::POST,
            &format!("/api/operator/chats/{id}/messages"),
            token,
            Some(json!({ "text": text })),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    v
}

/// A demo-company visitor with an active chat accepted by `token`'s
/// operator (who is set online). Returns (socket, session id, resume token).
pub async fn active_chat(s: &Server, token: &str) -> (Ws, String, String) {
    s.set_availability(token, "online").await;
    let mut w = s.widget("default").await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    let (st, v) = s.accept(token, &id).await;
    assert_eq!(st, 200, "{v}");
    next_of(&mut w, "sessionStarted").await;
    (w, id, created["token"].as_str().unwrap().to_string())
}

/// The real server binary with `config` and `data` on port 0 (the
/// fixture desk and package); returns the child, killed on drop, and its
/// base URL from the listening line.
pub async fn spawn_binary(
    config: &std::path::Path,
    data: &std::path::Path,
) -> (tokio::process::Child, String) {
    spawn_binary_with(config, data, &[]).await
}

/// [`spawn_binary`] with extra flags (e.g. `--database-url`).
pub async fn spawn_binary_with(
    config: &std::path::Path,
    data: &std::path::Path,
    extra: &[&str],
) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_owidget-server"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--www-dir")
        .arg(fixtures.join("www"))
        .arg("--pkg-dir")
        .arg(fixtures.join("pkg"))
        .args(extra)
        .env("RUST_LOG", "owidget_server=warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("listening line within the wait")
        .unwrap()
        .expect("a line");
    let url = line
        .strip_prefix("owidget-server listening on ")
        .expect("the listening line")
        .to_string();
    (child, url)
}
