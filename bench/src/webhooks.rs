//! `webhooks [events]` (default 10,000), on loopback against a receiver in
//! this process:
//!
//! 1. latency: chats accepted and ended one after another through the
//!    operator API (each gives `v2.conversation.pushed` then `…closed`),
//!    timed from the start of the API request that causes the event to
//!    the receiver getting it;
//! 2. throughput: the receiver holds its first request while the same
//!    number of events are written, then lets go: events delivered per
//!    second while the outbox drains (one at a time, in order, each
//!    recorded in the database before the next);
//! 3. a dead receiver (accepts connections, never answers; 2 s timeout)
//!    while chats come and go: chat message ack latency (visitor send →
//!    stored + ack) with it, with a live receiver, and with no webhook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};

use crate::clients::{Setup, Visitor};
use crate::report;

const OPERATORS: usize = 4;

#[derive(Default)]
struct Inbox {
    /// `(eventType, conversationId)` → arrival.
    got: Mutex<HashMap<(String, String), Instant>>,
    arrived: Notify,
}

struct Receiver {
    url: String,
    inbox: Arc<Inbox>,
    gate: watch::Sender<bool>,
}

async fn receive(
    State((inbox, gate)): State<(Arc<Inbox>, watch::Receiver<bool>)>,
    body: Bytes,
) -> StatusCode {
    let mut gate = gate;
    let _ = gate.wait_for(|open| *open).await;
    let at = Instant::now();
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let key = (
        v["eventType"].as_str().unwrap_or("").to_string(),
        v["conversationId"].as_str().unwrap_or("").to_string(),
    );
    inbox.got.lock().unwrap().entry(key).or_insert(at);
    inbox.arrived.notify_waiters();
    StatusCode::NO_CONTENT
}

impl Receiver {
    async fn start() -> Receiver {
        let inbox = Arc::new(Inbox::default());
        let (gate, open) = watch::channel(true);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state((inbox.clone(), open));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inbox, gate }
    }

    fn count(&self) -> usize {
        self.inbox.got.lock().unwrap().len()
    }

    async fn until(&self, n: usize) {
        tokio::time::timeout(Duration::from_secs(600), async {
            loop {
                let arrived = self.inbox.arrived.notified();
                if self.count() >= n {
                    return;
                }
                arrived.await;
            }
        })
        .await
        .expect("all events delivered within 10 minutes");
    }
}

fn connector(url: &str, timeout_ms: u64) -> String {
    format!(
        "[companies.connector]\nid_connector_version = \"c008849d-7cb1-40ca-9503-d6df2c5cddd8\"\n\
         id_website = \"ha-123\"\nsecret = \"bench-secret-0123456789\"\ntimeout_ms = {timeout_ms}\n\
         [[companies.connector.webhooks]]\nurl = \"{url}\"\nevents = [\"v2.conversation.*\"]\n\
         backoff_first_ms = 10\nbackoff_max_ms = 100\n"
    )
}

async fn operators(setup: &Setup) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..OPERATORS {
        let t = setup.login(i).await;
        setup.availability(&t, "online").await;
        tokens.push(t);
    }
    tokens
}

/// One chat accepted and ended: two events. Returns the session and when
/// each causing request started.
async fn churn_one(setup: &Setup, token: &str, i: usize) -> (String, Instant, Instant) {
    let mut v = Visitor::connect(setup).await;
    v.start_chat(i).await;
    let pushed = Instant::now();
    setup.accept(token, &v.session).await;
    let closed = Instant::now();
    setup.end(token, &v.session).await;
    (v.session, pushed, closed)
}

pub async fn run(events: usize) {
    let chats = events.div_ceil(2);
    println!(
        "webhooks: {} events ({chats} chats accepted and ended), receiver on loopback",
        chats * 2
    );
    let r = Receiver::start().await;
    let setup = Setup::start_full(OPERATORS, 4, "", &connector(&r.url, 120_000)).await;
    let tokens = operators(&setup).await;

    // 1. Latency, events produced one after another.
    let mut sent: Vec<((String, String), Instant)> = Vec::with_capacity(chats * 2);
    for i in 0..chats {
        let (id, p, c) = churn_one(&setup, &tokens[i % OPERATORS], i).await;
        sent.push((("v2.conversation.pushed".into(), id.clone()), p));
        sent.push((("v2.conversation.closed".into(), id), c));
    }
    r.until(sent.len()).await;
    let got = r.inbox.got.lock().unwrap().clone();
    let mut lat: Vec<Duration> = sent
        .iter()
        .map(|(k, at)| got[k].saturating_duration_since(*at))
        .collect();
    report("event (operator request start) → receiver", &mut lat);

    // 2. Throughput: a backlog of the same size, then the receiver opens.
    r.gate.send_replace(false);
    let base = r.count();
    let t = Instant::now();
    for i in 0..chats {
        churn_one(&setup, &tokens[i % OPERATORS], chats + i).await;
    }
    let written = t.elapsed();
    let open = Instant::now();
    r.gate.send_replace(true);
    r.until(base + chats * 2).await;
    let drained = open.elapsed();
    println!(
        "backlog of {} events written in {:.1} s; drained in {:.2} s: {:.0} deliveries/s",
        chats * 2,
        written.as_secs_f64(),
        drained.as_secs_f64(),
        (chats * 2) as f64 / drained.as_secs_f64()
    );

    // 3. Chat acks next to a dead receiver, and with no webhook.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead_url = format!("http://{}/hook", dead.local_addr().expect("addr"));
    // Accepts connections (the kernel's backlog), never reads nor answers.
    let _keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = dead.accept().await {
            held.push(s);
        }
    });
    for (what, company) in [
        ("no webhook", String::new()),
        ("live receiver", connector(&r.url, 2000)),
        ("dead receiver (2 s timeout)", connector(&dead_url, 2000)),
    ] {
        let setup = Setup::start_full(OPERATORS, 100, "", &company).await;
        let tokens = operators(&setup).await;
        let mut talkers = Vec::new();
        for i in 0..20 {
            let mut v = Visitor::connect(&setup).await;
            v.start_chat(i).await;
            setup.accept(&tokens[i % OPERATORS], &v.session).await;
            v.await_type("sessionStarted").await;
            talkers.push(v);
        }
        // Chats come and go meanwhile: every one writes two events.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let churn = {
            let (setup, token, stop) = (Arc::new(setup), tokens[0].clone(), stop.clone());
            let s2 = setup.clone();
            let task = tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    churn_one(&s2, &token, 100_000 + n).await;
                    n += 1;
                }
                n
            });
            (setup, task)
        };
        let mut acks = Vec::new();
        for s in 0..2000 {
            let v = &mut talkers[s % 20];
            let client_id = format!("m{s}");
            let t = Instant::now();
            v.send(json!({"type": "send", "clientId": client_id, "text": "ping"}))
                .await;
            acks.push(v.await_ack(&client_id).await.duration_since(t));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let churned = churn.1.await.expect("churn task");
        report(
            &format!(
                "chat ack, {what}, {} chats ({} events) meanwhile",
                churned,
                churned * 2
            ),
            &mut acks,
        );
    }
}
