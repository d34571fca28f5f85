//! Redis pub/sub (redis-rs 1.x on Tokio). One background task holds two
//! connections: a subscribed one that receives (channel `owidget:<name>`)
//! and a multiplexed one that publishes. When either drops (Redis killed,
//! restarted, a failed ping), both are remade with backoff and subscribers
//! get a resync: Redis keeps nothing for a subscriber that was away.
//!
//! `rediss://` is TLS ([`crate::tls::redis_client`]); a TLS failure is kept
//! in `failure` for [`super::Bus::wait_started`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use tokio::sync::{broadcast, watch};

use super::{deliver, AbortOnDrop, Backoff, BusError, BusOptions, Kick, Notice, PING_EVERY};

/// The Redis side of a [`super::Bus`].
pub(super) struct RedisBus {
    channel: String,
    /// The publishing connection while connected.
    conn: Arc<Mutex<Option<(u64, MultiplexedConnection)>>>,
    /// Asks the task to drop and remake the connections.
    kick: Arc<Kick>,
    /// The last connection attempt's TLS failure, if it had one.
    pub(super) failure: watch::Receiver<Option<String>>,
    _task: AbortOnDrop,
}

type Started = (broadcast::Sender<Notice>, watch::Receiver<bool>, RedisBus);

impl RedisBus {
    pub(super) fn start(url: &str, opts: &BusOptions) -> Result<Started, BusError> {
        let client = crate::tls::redis_client(url)
            .map_err(|e| BusError::Options(format!("Redis URL: {e}")))?;
        let channel = format!("owidget:{}", opts.channel);
        let local = broadcast::channel(opts.capacity.max(1)).0;
        let (up_tx, up_rx) = watch::channel(false);
        let conn = Arc::new(Mutex::new(None));
        let kick = Arc::new(Kick::default());
        let (failure_tx, failure) = watch::channel(None);
        let link = Link {
            client,
            failure: failure_tx,
            channel: channel.clone(),
            local: local.clone(),
            up: up_tx,
            conn: conn.clone(),
            kick: kick.clone(),
            timeout: opts.connect_timeout,
        };
        let task = AbortOnDrop(tokio::spawn(link.run()));
        Ok((
            local,
            up_rx,
            RedisBus {
                channel,
                conn,
                kick,
                failure,
                _task: task,
            },
        ))
    }

    pub(super) async fn publish(&self, payload: String, timeout: Duration) -> Result<(), BusError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some((n, mut conn)) = conn else {
            return Err(BusError::Unavailable("not connected to Redis".into()));
        };
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(&self.channel).arg(payload);
        let publish = cmd.query_async::<i64>(&mut conn);
        match tokio::time::timeout(timeout, publish).await {
            Ok(Ok(_receivers)) => Ok(()),
            Ok(Err(e)) => {
                if e.is_unrecoverable_error() || e.is_connection_dropped() || e.is_io_error() {
                    self.broken(n);
                }
                Err(BusError::Unavailable(format!("Redis: {e}")))
            }
            Err(_) => Err(BusError::Timeout(timeout)),
        }
    }

    /// Connection `n` failed a publish: stop using it, have it remade.
    fn broken(&self, n: u64) {
        let mut slot = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|(m, _)| *m == n) {
            slot.take();
        }
        self.kick.report(n);
    }
}

/// The background task's state.
struct Link {
    client: redis::Client,
    failure: watch::Sender<Option<String>>,
    channel: String,
    local: broadcast::Sender<Notice>,
    up: watch::Sender<bool>,
    conn: Arc<Mutex<Option<(u64, MultiplexedConnection)>>>,
    kick: Arc<Kick>,
    timeout: Duration,
}

impl Link {
    async fn run(self) {
        let mut backoff = Backoff::new();
        // Nothing can have been missed before the first attempt succeeds.
        let mut missed = false;
        let mut n = 0;
        loop {
            n += 1;
            match self.connect().await {
                Ok((publisher, mut sink, mut stream)) => {
                    *self.conn.lock().unwrap_or_else(|p| p.into_inner()) = Some((n, publisher));
                    self.up.send_replace(true);
                    if missed {
                        let _ = self.local.send(Notice::Resync);
                    }
                    tracing::info!(channel = %self.channel, "bus: subscribed on Redis");
                    backoff.reset();
                    let mut ping = tokio::time::interval(PING_EVERY);
                    ping.tick().await;
                    loop {
                        tokio::select! {
                            msg = stream.next() => match msg {
                                Some(msg) => match std::str::from_utf8(msg.get_payload_bytes()) {
                                    Ok(text) => deliver(&self.local, text),
                                    Err(_) => tracing::warn!("bus: non-UTF-8 Redis payload skipped"),
                                },
                                None => break,
                            },
                            _ = self.kick.wait(n) => break,
                            _ = ping.tick() => {
                                let pong = tokio::time::timeout(self.timeout, sink.ping::<redis::Value>()).await;
                                if !matches!(pong, Ok(Ok(_))) {
                                    break;
                                }
                            }
                        }
                    }
                    self.conn.lock().unwrap_or_else(|p| p.into_inner()).take();
                    self.up.send_replace(false);
                    tracing::warn!("bus: Redis connection lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "bus: cannot reach Redis; retrying"),
            }
            missed = true;
            backoff.wait().await;
        }
    }

    async fn connect(
        &self,
    ) -> Result<
        (
            MultiplexedConnection,
            redis::aio::PubSubSink,
            redis::aio::PubSubStream,
        ),
        String,
    > {
        let t = self.timeout;
        let attempt = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            let config = redis::AsyncConnectionConfig::new()
                .set_connection_timeout(Some(t))
                .set_response_timeout(Some(t));
            let publisher = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            let (sink, stream) = pubsub.split();
            Ok::<_, redis::RedisError>((publisher, sink, stream))
        };
        match tokio::time::timeout(t, attempt).await {
            Ok(Ok(parts)) => {
                self.failure.send_replace(None);
                Ok(parts)
            }
            Ok(Err(e)) if crate::tls::is_redis_tls_error(&e) => {
                let why = format!("TLS to Redis failed: {}", crate::tls::chain(&e));
                self.failure.send_replace(Some(why.clone()));
                Err(why)
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {t:?}")),
        }
    }
}
