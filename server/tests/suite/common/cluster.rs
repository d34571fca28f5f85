//! Two instances of the server in one test process (issue 13): one fresh
//! PostgreSQL database, one broker, and a frame log per socket.

use super::{next_json, start_chat, Server, Ws, DEMO, WAIT};
use serde_json::Value;

pub use super::pg;

/// Frames of one socket, all kept (to check "exactly once" at the end).
pub struct Log {
    pub ws: Ws,
    pub seen: Vec<Value>,
}

impl Log {
    pub fn new(ws: Ws) -> Log {
        Log {
            ws,
            seen: Vec::new(),
        }
    }

    /// Reads frames until one matches `want`; returns it. Panics after the
    /// wait with what was seen.
    pub async fn until(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let v = tokio::time::timeout_at(deadline, next_json(&mut self.ws))
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "{what}: not seen within {WAIT:?}; seen: {:?}",
                        self.seen
                            .iter()
                            .map(|v| v["type"].clone())
                            .collect::<Vec<_>>()
                    )
                });
            self.seen.push(v.clone());
            if want(&v) {
                return v;
            }
        }
    }

    pub async fn of(&mut self, ty: &str) -> Value {
        self.until(ty, |v| v["type"] == ty).await
    }

    /// Waits until a `message` frame with `seq` was seen.
    pub async fn saw_seq(&mut self, seq: u64) {
        if !self.message_seqs().contains(&seq) {
            self.until(&format!("message {seq}"), |v| {
                v["type"] == "message" && v["message"]["seq"] == seq
            })
            .await;
        }
    }

    /// `seq`s of the `message` frames seen (widget: `message.seq`; desk the same).
    pub fn message_seqs(&self) -> Vec<u64> {
        self.seen
            .iter()
            .filter(|v| v["type"] == "message")
            .map(|v| v["message"]["seq"].as_u64().expect("a message has a seq"))
            .collect()
    }
}

pub fn redis_url() -> String {
    std::env::var("OWIDGET_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "OWIDGET_TEST_REDIS_URL is not set: these tests need a real redis-server. \
             Run them with `bash scripts/test.sh`, or start one with \
             `eval \"$(bash scripts/services.sh start DIR)\"` first"
        )
    })
}

/// Two instances on `db` and `broker`.
pub async fn two(db: &str, broker: &str) -> (Server, Server) {
    let toml = format!(
        "{}\n[storage]\ndatabase_url = \"{db}\"\n[broker]\nurl = \"{broker}\"\n\
         [abuse]\nchat_starts_per_ip_per_minute = 100\n",
        super::test_toml()
    );
    let config = || owidget_server::Config::from_toml(&toml).expect("config is valid");
    let a = Server::start_with(config(), None).await;
    let b = Server::start_with(config(), None).await;
    (a, b)
}

/// Logs `user` in on `s` and sets them online; returns the token.
pub async fn online(s: &Server, user: &str) -> String {
    let t = s.login(DEMO, user).await;
    s.set_availability(&t, "online").await;
    t
}

pub async fn post(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    s.call(reqwest::Method::POST, path, token, Some(body)).await
}

/// Starts a chat on A and waits until B's desk `d` has it queued.
pub async fn queued_on_both(a: &Server, d: &mut Log) -> (Ws, String) {
    let mut w = a.widget("default").await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    d.until("queueJoined on B", |v| {
        v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
    })
    .await;
    (w, id)
}

pub fn outcome(results: &[(u16, Value)]) -> (usize, usize) {
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let lost = results.iter().filter(|(s, _)| *s == 409).count();
    for (s, v) in results {
        if *s == 409 {
            assert!(
                v["message"].as_str().is_some_and(|m| !m.is_empty()),
                "409 says why: {v}"
            );
        }
    }
    (ok, lost)
}
