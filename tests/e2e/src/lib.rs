//! End-to-end test harness: the real `owidget-server` (in-process, on port 0,
//! with a fresh data directory and the `www/` and `pkg/` built into it), a real headless
//! Chromium driven through ChromeDriver, and an operator client speaking the
//! operator HTTP API like the desk does.
//!
//! # Layout
//! - [`browser`]: ChromeDriver process + WebDriver session, bounded waits.
//! - [`visitor`]: a visitor's raw widget socket.
//! - [`proxy`]: a slow network on the widget socket, frames held and
//!   released by the test.
//! - [`demo`]: what the demo page shows (status code, app events).
//! - [`desk`]: steps in the operator desk page.
//! - [`site`]: a customer's site on another origin (static files, headers).
//! - [`connector`]: a hostile App Plugins connector on port 0.
//! - [`TestServer`]: the server with the built-in demo company.
//! - [`Operator`]: a logged-in operator (HTTP API).
#![deny(missing_docs)]

pub mod browser;
pub mod connector;
pub mod demo;
pub mod desk;
pub mod proxy;
pub mod site;
pub mod visitor;

use std::path::PathBuf;

use serde_json::{json, Value};
use tokio::sync::oneshot;

pub use browser::{Browser, WAIT};

/// GUID of the built-in demo company.
pub const DEMO_COMPANY: &str = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";

/// The server under test; stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    _data: tempfile::TempDir,
}

impl TestServer {
    /// Starts the demo server on port 0 (the demo company without its
    /// connector), serving the files built into it (the build of
    /// `owidget-server` fails with a hint when `pkg/` is missing:
    /// `bash scripts/build-wasm.sh`).
    pub async fn start() -> TestServer {
        TestServer::start_with(owidget_server::demo::config()).await
    }

    /// The demo server as `owidget-server` runs it without `--config`: the
    /// demo company with the built-in demo connector, a separate HTTP
    /// service on its own port 0 that the server calls over HTTP.
    pub async fn start_demo_connector() -> TestServer {
        let (config, running) =
            owidget_server::demo::start_connector(owidget_server::demo::config())
                .await
                .expect("the demo connector starts");
        let server = TestServer::start_with(config).await;
        // The demo Custom App loads idzcpa.js from the desk and allows
        // framing by it only.
        running.set_desk(&server.url);
        server
    }

    /// The demo company with `connector` as its App Plugins connector
    /// (all three plugins and the health check), declared as a company
    /// would in `[companies.connector]`.
    pub async fn start_with_connector(connector: &connector::TestConnector) -> TestServer {
        let base = &connector.base;
        let raw = owidget_server::plugins::config::RawConnector {
            id_connector_version: "0b6f5c1e-9a2d-4e3f-8c7b-6d5e4f3a2b1c".into(),
            id_website: "ha-123".into(),
            secret: "e2e-connector-secret-0123456789".into(),
            categories_url: Some(format!("{base}/categories")),
            products_url: Some(format!("{base}/products")),
            customer_information_url: Some(format!("{base}/customer")),
            customer_action_url: Some(format!("{base}/customer/action")),
            closing_form_url: Some(format!("{base}/form")),
            health_check_url: Some(format!("{base}/health")),
            ..Default::default()
        };
        let mut config = owidget_server::demo::config();
        let checked = owidget_server::plugins::config::check("e2e connector", raw)
            .expect("the test connector configuration is valid");
        config.companies[0].connector = Some(checked);
        TestServer::start_with(config).await
    }

    /// Starts a server with `config` on port 0 over a fresh data directory.
    pub async fn start_with(config: owidget_server::Config) -> TestServer {
        let data = tempfile::tempdir().expect("temp data dir");
        // The files built into the server, as the binary serves them.
        let dirs = owidget_server::Dirs::default();
        let mut state = owidget_server::AppState::open(config, dirs, data.path())
            .await
            .expect("server state over a fresh data dir");
        state.demo = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = owidget_server::run(listener, state, shutdown).await {
                eprintln!("test server failed: {e}");
            }
        });
        TestServer {
            url,
            stop: Some(stop),
            _data: data,
        }
    }

    /// Logs in the demo operator.
    pub async fn demo_operator(&self) -> Operator {
        Operator::login(&self.url, DEMO_COMPANY, "demo", "demo").await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// An operator logged in through `POST /api/operator/login`.
pub struct Operator {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Operator {
    /// Logs in; panics with the server's message on failure.
    pub async fn login(base: &str, company: &str, username: &str, password: &str) -> Operator {
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/operator/login"))
            .json(&json!({ "company": company, "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        let status = res.status();
        let body: Value = res.json().await.expect("login answer is JSON");
        assert!(status.is_success(), "login failed: {status} {body}");
        let token = body["token"]
            .as_str()
            .expect("token in login answer")
            .to_string();
        Operator {
            base: base.to_string(),
            token,
            http,
        }
    }

    /// Calls the operator API; panics unless it succeeds. Returns the JSON body.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {path} → {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Sets availability: `online`, `away` or `offline`.
    pub async fn set_availability(&self, availability: &str) {
        self.call(
            reqwest::Method::PUT,
            "/api/operator/availability",
            Some(json!({ "availability": availability })),
        )
        .await;
    }
}

/// The workspace root (this crate lives in `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
