//! Two real server processes (the `owidget-server` binary) sharing one
//! fresh PostgreSQL database and one broker: a private redis-server this
//! test starts (so that it can `kill -9` it and start it again on the same
//! port) or PostgreSQL `LISTEN`/`NOTIFY` on the same database.

use std::path::PathBuf;
use std::time::Duration;

use tokio::process::Child;

use super::{Server, DEMO, WAIT};

/// Which broker the instances share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerKind {
    /// A private redis-server of the test.
    Redis,
    /// `LISTEN`/`NOTIFY` on the test's database.
    Postgres,
}

pub use super::redis_server::RedisServer;

/// One running server process and a client of it ([`Server::remote`]).
pub struct Instance {
    pub name: &'static str,
    pub server: Server,
    child: Option<Child>,
}

impl Instance {
    /// `kill -9` the process; returns once it is gone.
    pub async fn kill9(&mut self) {
        let mut child = self.child.take().expect("instance is running");
        child.start_kill().unwrap();
        child.wait().await.unwrap();
    }
}

impl std::ops::Deref for Instance {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

/// Two instances A and B of the real binary on one database and broker.
pub struct Cluster {
    /// The test's own database (fresh).
    pub database_url: String,
    /// The `--broker` value.
    pub broker: String,
    /// The private redis-server, when the broker is Redis.
    pub redis: Option<RedisServer>,
    pub a: Instance,
    pub b: Instance,
    config: PathBuf,
    dir: tempfile::TempDir,
}

/// A company ([`DEMO`], preset `default` on group `support`, origins
/// `http://localhost:*`) with the given operators `(username, capacity)`;
/// passwords equal usernames. Limits are high: the tests send fast.
pub fn cluster_toml(operators: &[(&str, u32)]) -> String {
    let mut toml = format!(
        r#"
[limits]
messages_per_10s = 100000
[abuse]
chat_starts_per_ip_per_minute = 100000
chat_starts_per_preset_per_minute = 100000
queue_max = 1000

[[companies]]
id = "{DEMO}"
name = "Demo"
allowed_origins = ["http://localhost:*"]
[[companies.presets]]
name = "default"
groups = ["support"]
"#
    );
    for (user, capacity) in operators {
        let hash = owidget_server::demo::hash_password(user);
        toml.push_str(&format!(
            "[[companies.operators]]\nusername = \"{user}\"\nname = \"Operator {user}\"\n\
             password_hash = \"{hash}\"\ncapacity = {capacity}\ngroups = [\"support\"]\n"
        ));
    }
    toml
}

impl Cluster {
    /// A fresh database, the broker, and instances A and B started one after
    /// the other (so that the migrations run once, then are seen as done).
    pub async fn start(toml: &str, kind: BrokerKind) -> Cluster {
        let database_url = super::pg::fresh_database().await;
        let (broker, redis) = match kind {
            BrokerKind::Redis => {
                let r = RedisServer::start().await;
                (r.url(), Some(r))
            }
            BrokerKind::Postgres => (database_url.clone(), None),
        };
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, toml).unwrap();
        let a = spawn(&config, &dir, "a", &database_url, &broker).await;
        let b = spawn(&config, &dir, "b", &database_url, &broker).await;
        Cluster {
            database_url,
            broker,
            redis,
            a,
            b,
            config,
            dir,
        }
    }

    /// Another instance on the same database and broker.
    pub async fn spawn(&self, name: &'static str) -> Instance {
        spawn(
            &self.config,
            &self.dir,
            name,
            &self.database_url,
            &self.broker,
        )
        .await
    }

    /// The private redis-server (panics on a PostgreSQL broker).
    pub fn redis(&mut self) -> &mut RedisServer {
        self.redis.as_mut().expect("this cluster runs on Redis")
    }
}

async fn spawn(
    config: &std::path::Path,
    dir: &tempfile::TempDir,
    name: &'static str,
    database_url: &str,
    broker: &str,
) -> Instance {
    let data = dir.path().join(format!("data-{name}"));
    let (child, base) = super::spawn_binary_with(
        config,
        &data,
        &["--database-url", database_url, "--broker", broker],
    )
    .await;
    Instance {
        name,
        server: Server::remote(&base),
        child: Some(child),
    }
}

/// One client socket (widget or desk) read by a task of its own: every
/// JSON frame it receives lands in [`Peer::log`], in order, so that a test
/// can both wait for a frame and count, at the end, how often each message
/// arrived.
pub struct Peer {
    sink: futures::stream::SplitSink<super::Ws, tokio_tungstenite::tungstenite::Message>,
    rx: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    /// Every frame received so far.
    pub log: Vec<serde_json::Value>,
    open: bool,
}

impl Peer {
    pub fn new(ws: super::Ws) -> Peer {
        use futures::StreamExt;
        let (sink, mut stream) = ws.split();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = frame {
                    if let Ok(v) = serde_json::from_str(&t) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Peer {
            sink,
            rx,
            log: Vec::new(),
            open: true,
        }
    }

    /// Sends a JSON frame; false when the socket is gone.
    pub async fn send(&mut self, v: serde_json::Value) -> bool {
        use futures::SinkExt;
        self.sink
            .send(tokio_tungstenite::tungstenite::Message::Text(
                v.to_string().into(),
            ))
            .await
            .is_ok()
    }

    /// Takes every frame that has arrived by now into the log.
    pub fn drain(&mut self) {
        while let Ok(v) = self.rx.try_recv() {
            self.log.push(v);
        }
    }

    /// Waits (at most `within`) until a frame at index `from` or later of
    /// the log matches `pick`; returns it, or panics naming `what`.
    pub async fn wait_from(
        &mut self,
        from: usize,
        within: Duration,
        what: &str,
        mut pick: impl FnMut(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + within;
        let mut i = from;
        loop {
            while i < self.log.len() {
                if pick(&self.log[i]) {
                    return self.log[i].clone();
                }
                i += 1;
            }
            assert!(self.open, "socket closed while waiting for {what}");
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(v)) => self.log.push(v),
                Ok(None) => self.open = false,
                Err(_) => panic!(
                    "{what}: not seen within {within:?}; the last frames were {:?}",
                    &self.log[self.log.len().saturating_sub(5)..]
                ),
            }
        }
    }

    /// [`Peer::wait_from`] over the whole log, within [`WAIT`].
    pub async fn wait(
        &mut self,
        what: &str,
        pick: impl FnMut(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        self.wait_from(0, WAIT, what, pick).await
    }

    /// Waits (at most `within`) until `done(log)` holds; panics with
    /// `what` and the log's length otherwise.
    pub async fn until(
        &mut self,
        within: Duration,
        what: &str,
        mut done: impl FnMut(&[serde_json::Value]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.drain();
            if done(&self.log) {
                return;
            }
            assert!(self.open, "socket closed while waiting for {what}");
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(v)) => self.log.push(v),
                Ok(None) => self.open = false,
                Err(_) => panic!("{what}: not within {within:?}"),
            }
        }
    }

    /// Waits until the server closes the socket (within [`WAIT`]).
    pub async fn closed(&mut self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.open {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(v)) => self.log.push(v),
                Ok(None) => self.open = false,
                Err(_) => panic!("the socket was not closed within {WAIT:?}"),
            }
        }
    }
}

/// How often each `seq` arrived in `message` frames of the log (a desk's
/// frames are filtered by `sessionId`).
pub fn seq_counts(
    log: &[serde_json::Value],
    session: &str,
) -> std::collections::BTreeMap<u64, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for v in log {
        let ours = v["sessionId"].as_str().is_none_or(|s| s == session);
        if v["type"] == "message" && ours {
            if let Some(seq) = v["message"]["seq"].as_u64() {
                *counts.entry(seq).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// The stored messages of `session`: (seq, author, clientId, text).
pub async fn stored(db: &str, session: &str) -> Vec<(u64, String, Option<String>, String)> {
    super::pg::query(
        db,
        &format!("SELECT seq, author, client_id, text FROM messages WHERE session = '{session}' ORDER BY seq"),
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r[0].as_deref().unwrap().parse().unwrap(),
            r[1].clone().unwrap(),
            r[2].clone(),
            r[3].clone().unwrap(),
        )
    })
    .collect()
}

/// Every acknowledged (seq, text) is stored once with that seq, and the
/// seqs are gapless.
pub async fn all_stored(db: &str, session: &str, acked: &[(u64, String)]) {
    let rows = stored(db, session).await;
    let seqs: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(
        seqs,
        (1..=rows.len() as u64).collect::<Vec<_>>(),
        "gapless seqs"
    );
    for (seq, text) in acked {
        let same: Vec<_> = rows.iter().filter(|r| &r.3 == text).collect();
        assert_eq!(same.len(), 1, "{text:?} stored once");
        assert_eq!(same[0].0, *seq, "{text:?} stored with its acknowledged seq");
    }
}
