//! Server instances in the test process, each on a Tokio runtime of its
//! own, so that "the instance dies" is every task of it stopping at once
//! (no clean shutdown: sockets drop, heartbeat rows stay behind); and the
//! services such instances share: one fresh PostgreSQL database and one
//! broker (a redis-server of the test's own, or NOTIFY on that database).

use std::path::PathBuf;

use owidget_server::bus::Broker;
use owidget_server::{AppState, Config, Dirs};

use super::redis_server::RedisServer;
use super::{pg, test_config, Server, WAIT};

/// Which broker the instances share.
#[derive(Clone, Copy)]
pub enum Via {
    Redis,
    Postgres,
}

/// A fresh database and a private broker.
pub struct Services {
    pub database: String,
    pub broker: Broker,
    /// The redis-server of [`Via::Redis`].
    pub redis: Option<RedisServer>,
}

impl Services {
    pub async fn start(via: Via) -> Services {
        let database = pg::fresh_database().await;
        let (broker, redis) = match via {
            Via::Redis => {
                let r = RedisServer::start().await;
                (Broker::Redis(r.url()), Some(r))
            }
            Via::Postgres => (Broker::Postgres(database.clone()), None),
        };
        Services {
            database,
            broker,
            redis,
        }
    }

    /// The test config on these services.
    pub fn config(&self) -> Config {
        let mut c = test_config();
        c.storage.database_url = Some(self.database.clone());
        c.broker = self.broker.clone();
        c
    }
}

/// An instance on a runtime of its own with `worker_threads` threads;
/// [`Instance::kill`] (or dropping it) stops every task of it at once, like
/// a process killed.
pub struct Instance {
    pub server: Server,
    rt: Option<tokio::runtime::Runtime>,
}

impl Instance {
    pub async fn start(config: Config, worker_threads: usize) -> Instance {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        rt.spawn(async move {
            let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
            let data = tempfile::tempdir().unwrap();
            let dirs = Dirs {
                www: Some(fixtures.join("www")),
                pkg: Some(fixtures.join("pkg")),
            };
            let state = AppState::open(config, dirs, data.path())
                .await
                .expect("instance opens");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let _ = tx.send(listener.local_addr().unwrap());
            let _data = data;
            owidget_server::run(listener, state, std::future::pending())
                .await
                .unwrap();
        });
        let addr = tokio::time::timeout(WAIT, rx)
            .await
            .expect("instance starts within the wait")
            .expect("instance starts");
        Instance {
            server: Server::remote(&format!("http://{addr}")),
            rt: Some(rt),
        }
    }

    /// Every task of the instance stops where it is (sockets drop, nothing
    /// is cleaned up).
    pub fn kill(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

impl std::ops::Deref for Instance {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}
