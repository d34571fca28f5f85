//! A webhook receiver written from iAdvize's contract (reference §2.4, §6),
//! not from our sender: a real HTTP server on port 0 that records every
//! POST as received and answers from a script (a status or no answer per
//! request, in arrival order; 200 once the script is used up).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::Notify;

use crate::common::{Server, WAIT};
use crate::connector::Seen;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Never answers.
    Hang,
}

/// One request as received, with what it was answered.
#[derive(Debug, Clone)]
pub struct Got {
    pub seen: Seen,
    pub at: Instant,
    /// `None`: not answered (hung).
    pub answered: Option<u16>,
}

impl Got {
    pub fn json(&self) -> Value {
        self.seen.json()
    }
    pub fn header(&self, name: &str) -> String {
        self.seen.header(name).to_string()
    }
    /// The answered event id, if the answer was a 2xx.
    pub fn acked(&self) -> Option<String> {
        self.answered
            .filter(|s| (200..300).contains(s))
            .map(|_| self.json()["eventId"].as_str().unwrap().to_string())
    }
}

#[derive(Default)]
struct Inner {
    script: Mutex<Vec<Answer>>,
    got: Mutex<Vec<Got>>,
    arrived: Notify,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

async fn hook(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut script = inner.script.lock().unwrap();
        if script.is_empty() {
            Answer::Status(200)
        } else {
            script.remove(0)
        }
    };
    let seen = Seen {
        method: "POST".into(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers,
        body: body.to_vec(),
    };
    inner.got.lock().unwrap().push(Got {
        seen,
        at: Instant::now(),
        answered: match answer {
            Answer::Status(s) => Some(s),
            Answer::Hang => None,
        },
    });
    inner.arrived.notify_waiters();
    match answer {
        Answer::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
        Answer::Hang => std::future::pending().await,
    }
}

impl Receiver {
    pub async fn start(script: Vec<Answer>) -> Receiver {
        let inner = Arc::new(Inner::default());
        *inner.script.lock().unwrap() = script;
        let app = Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, inner }
    }

    pub fn got(&self) -> Vec<Got> {
        self.inner.got.lock().unwrap().clone()
    }

    /// Waits (up to `crate::common::WAIT`) until `done` holds for what arrived.
    pub async fn until(&self, what: &str, done: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let deadline = tokio::time::Instant::now() + crate::common::WAIT;
        loop {
            let arrived = self.inner.arrived.notified();
            let got = self.got();
            if done(&got) {
                return got;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "receiver: {what} not within the wait; got {} requests",
                    got.len()
                );
            }
        }
    }
}

/// Both signatures of a delivery, recomputed from the contract.
pub fn assert_delivery_signed(g: &Got) {
    crate::connector::assert_signed(&g.seen);
}

/// The server's delivery log (`GET /api/operator/webhooks/deliveries{q}`).
pub async fn deliveries(s: &Server, token: &str, q: &str) -> Vec<Value> {
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/webhooks/deliveries{q}"),
            token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["deliveries"].as_array().unwrap().clone()
}

/// Polls the delivery log until `done` holds (the server records a
/// delivery just after the receiver answers it).
pub async fn log_until(
    s: &Server,
    token: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let log = deliveries(s, token, "?limit=1000").await;
        if done(&log) {
            return log;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} not within the wait: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn all_delivered(n: usize) -> impl Fn(&[Value]) -> bool {
    move |log| log.len() == n && log.iter().all(|d| d["state"] == "delivered")
}
