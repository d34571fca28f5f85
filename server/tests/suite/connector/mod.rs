//! A test connector: a real HTTP server on port 0, written from iAdvize's
//! contract (reference §1–3), not from our client. It records every request
//! as received (method, path, raw query, headers, raw body), verifies
//! nothing itself (the tests do, independently), and answers what the test
//! scripted for each path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;

pub const VERSION: &str = "c008849d-7cb1-40ca-9503-d6df2c5cddd8";
pub const WEBSITE: &str = "ha-123";
pub const SECRET: &str = "first-secret-0123456789";
pub const SECOND: &str = "second-secret-9876543210";

/// What the connector answers on a path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with this JSON.
    Json(Value),
    /// This status with an empty body.
    Status(u16),
    /// 200 with this text (`text/html`).
    Text(String),
    /// Never answers (until the test ends).
    Hang,
    /// 200 with a JSON string of about this many bytes, streamed without a
    /// Content-Length.
    Big(usize),
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Raw query string, exactly as received (without `?`).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    /// The query parameters, decoded, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        reqwest::Url::parse(&format!("http://x/?{}", self.query))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("header {name} missing"))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
}

#[derive(Default)]
struct Inner {
    replies: Mutex<HashMap<String, Reply>>,
    seen: Mutex<Vec<Seen>>,
    arrived: Notify,
}

/// The running connector.
#[derive(Clone)]
pub struct TestConnector {
    pub base: String,
    inner: Arc<Inner>,
}

async fn any(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    inner.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().unwrap_or("").to_string(),
        headers,
        body: body.to_vec(),
    });
    inner.arrived.notify_waiters();
    let reply = inner.replies.lock().unwrap().get(&path).cloned();
    match reply {
        Some(Reply::Json(v)) => axum::Json(v).into_response(),
        Some(Reply::Status(s)) => StatusCode::from_u16(s).unwrap().into_response(),
        Some(Reply::Text(t)) => ([("content-type", "text/html")], t).into_response(),
        Some(Reply::Hang) => std::future::pending().await,
        Some(Reply::Big(n)) => {
            let chunk = Bytes::from(vec![b'a'; 1024]);
            let chunks = n / 1024 + 1;
            let stream = futures::stream::iter(
                std::iter::once(Ok::<_, std::io::Error>(Bytes::from_static(b"\"")))
                    .chain(std::iter::repeat_n(chunk, chunks).map(Ok))
                    .chain(std::iter::once(Ok(Bytes::from_static(b"\"")))),
            );
            axum::body::Body::from_stream(stream).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl TestConnector {
    pub async fn start() -> TestConnector {
        let inner = Arc::new(Inner::default());
        let app = Router::new().fallback(any).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestConnector { base, inner }
    }

    pub fn reply(&self, path: &str, r: Reply) {
        self.inner
            .replies
            .lock()
            .unwrap()
            .insert(path.to_string(), r);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }

    /// The last request to `path`.
    pub fn last(&self, path: &str) -> Seen {
        self.seen()
            .into_iter()
            .rev()
            .find(|s| s.path == path)
            .unwrap_or_else(|| panic!("no request to {path}"))
    }

    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    /// The `[companies.connector]` table for this connector, with both
    /// secrets active and `extra` lines appended.
    pub fn toml(&self, extra: &str) -> String {
        let b = &self.base;
        format!(
            r#"
[companies.connector]
id_connector_version = "{VERSION}"
id_website = "{WEBSITE}"
secret = "{SECRET}"
second_secret = "{SECOND}"
categories_url = "{b}/cat"
products_url = "{b}/products?shop=main"
customer_information_url = "{b}/customer"
customer_action_url = "{b}/customer/action"
closing_form_url = "{b}/form"
{extra}
"#
        )
    }
}

/// HMAC-SHA256, hex: computed here from the contract, not by the server.
pub fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message);
    hex::encode(m.finalize().into_bytes())
}

/// Checks both signatures of a request as a connector must: iAdvize's over
/// the raw query (GET) or raw body (POST) with the primary secret, and one
/// v2 signature per active secret over method, path, query, timestamp, body.
pub fn assert_signed(s: &Seen) {
    let message: &[u8] = if s.method == "GET" {
        s.query.as_bytes()
    } else {
        &s.body
    };
    assert_eq!(
        s.header("x-iadvize-signature"),
        format!("sha256={}", hmac_hex(SECRET, message)),
        "x-iadvize-signature of {} {}?{}",
        s.method,
        s.path,
        s.query
    );
    let ts = s.header("x-owidget-timestamp");
    let t: u64 = ts.parse().expect("timestamp is Unix seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(t.abs_diff(now) < 60, "timestamp {t} close to now {now}");
    let mut signed = format!("{}\n{}\n{}\n{}\n", s.method, s.path, s.query, ts).into_bytes();
    signed.extend_from_slice(&s.body);
    assert_eq!(
        s.header("x-owidget-signature"),
        format!(
            "v2={},v2={}",
            hmac_hex(SECRET, &signed),
            hmac_hex(SECOND, &signed)
        ),
        "one v2 signature per active secret"
    );
}

/// The test config with this connector declared for the demo company.
pub fn config_with(c: &TestConnector, extra: &str) -> owidget_server::Config {
    let marker = format!("\n[[companies]]\nid = \"{}\"", crate::common::OTHER);
    let toml = crate::common::test_toml();
    assert!(toml.contains(&marker), "test config layout changed");
    let toml = toml.replacen(&marker, &format!("{}{marker}", c.toml(extra)), 1);
    owidget_server::Config::from_toml(&toml).expect("config with connector is valid")
}

/// A server whose demo company has a test connector (timeout 500 ms, cap
/// 8 KiB unless `extra` says otherwise), and a token of operator `demo`.
pub async fn setup(extra: &str) -> (crate::common::Server, TestConnector, String) {
    let c = TestConnector::start().await;
    let extra = if extra.is_empty() {
        "timeout_ms = 500\nmax_answer_bytes = 8192"
    } else {
        extra
    };
    let s = crate::common::Server::start_with(config_with(&c, extra), None).await;
    let token = s.login(crate::common::DEMO, "demo").await;
    (s, c, token)
}
