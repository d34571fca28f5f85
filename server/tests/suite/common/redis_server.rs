//! A redis-server of the test's own (`OWIDGET_TEST_REDIS_SERVER`, set by the
//! test command) on a free loopback port, no persistence, killed on drop:
//! for the tests that `kill -9` the broker, stop it or start it again on
//! the same port. Shared by the bus, cluster and fault tests (also
//! included on its own by `bus.rs`, which has no `common`).

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// Upper bound of the wait for the server to answer.
const WAIT: Duration = Duration::from_secs(10);

/// A port nobody listens on (just now).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub async fn start() -> RedisServer {
        let mut r = RedisServer::not_started();
        r.restart().await;
        r
    }

    /// A port for it, not started yet.
    pub fn not_started() -> RedisServer {
        RedisServer {
            port: free_port(),
            child: None,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on the same port and waits until it answers PING.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "redis-server is already running");
        let bin = std::env::var("OWIDGET_TEST_REDIS_SERVER").unwrap_or_else(|_| {
            panic!(
                "OWIDGET_TEST_REDIS_SERVER is not set: this test starts its own redis-server. \
                 Run it with `bash scripts/test.sh`, or `eval \"$(bash scripts/services.sh start DIR)\"` first"
            )
        });
        let child = Command::new(&bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
        self.child = Some(child);
        let client = redis::Client::open(self.url()).unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                let pong: Result<String, _> = redis::cmd("PING").query_async(&mut c).await;
                if pong.is_ok() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server on port {} did not answer PING within {WAIT:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends `signal` (`STOP`, `CONT`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().and_then(Child::id).expect("running");
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// `kill -9`; returns once the process is gone.
    pub async fn kill9(&mut self) {
        let mut child = self.child.take().expect("redis-server is running");
        child.start_kill().unwrap();
        child.wait().await.unwrap();
    }
}
