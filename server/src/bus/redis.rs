//! Redis pub/sub (redis-rs 1.x on Tokio). One background task holds two
//! connections: a subscribed one that receives (channel `owidget:<name>`)
//! and a multiplexed one that publishes. When either drops (Redis killed,
//! restarted, a failed ping), both are remade with backoff and subscribers
//! get a resync: Redis keeps nothing for a subscriber that was away.
//!
//! `rediss://` is TLS ([`crate::tls::redis_client`]); a TLS failure is kept
//! in `failure` for [`super::Bus::wait_started`].

use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubSink};
use tokio::sync::{broadcast, watch};

use super::link::{self, Connect, Connection, Link};
use super::{deliver, BusError, BusOptions, Notice};

/// The Redis side of a [`super::Bus`].
pub(super) struct RedisBus {
    channel: String,
    /// The publishing connection while connected.
    link: Link<MultiplexedConnection>,
    /// The last connection attempt's TLS failure, if it had one.
    pub(super) failure: watch::Receiver<Option<String>>,
}

type Started = (broadcast::Sender<Notice>, watch::Receiver<bool>, RedisBus);

impl RedisBus {
    pub(super) fn start(url: &str, opts: &BusOptions) -> Result<Started, BusError> {
        let client = crate::tls::redis_client(url)
            .map_err(|e| BusError::Options(format!("Redis URL: {e}")))?;
        let channel = format!("owidget:{}", opts.channel);
        let (failure_tx, failure) = watch::channel(None);
        let connect = RedisConnect {
            client,
            failure: failure_tx,
            channel: channel.clone(),
            timeout: opts.connect_timeout,
        };
        let (local, up, link) = link::start(connect, channel.clone(), opts);
        Ok((
            local,
            up,
            RedisBus {
                channel,
                link,
                failure,
            },
        ))
    }

    pub(super) async fn publish(&self, payload: String, timeout: Duration) -> Result<(), BusError> {
        let Some((n, mut conn)) = self.link.slot.current() else {
            return Err(BusError::Unavailable("not connected to Redis".into()));
        };
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(&self.channel).arg(payload);
        let publish = cmd.query_async::<i64>(&mut conn);
        match tokio::time::timeout(timeout, publish).await {
            Ok(Ok(_receivers)) => Ok(()),
            Ok(Err(e)) => {
                if e.is_unrecoverable_error() || e.is_connection_dropped() || e.is_io_error() {
                    self.link.slot.broken(n);
                }
                Err(BusError::Unavailable(format!("Redis: {e}")))
            }
            Err(_) => Err(BusError::Timeout(timeout)),
        }
    }
}

/// How the bus connects to Redis: a subscribed connection that receives
/// (and is pinged) and a multiplexed one that publishes.
struct RedisConnect {
    client: redis::Client,
    failure: watch::Sender<Option<String>>,
    channel: String,
    timeout: Duration,
}

impl Connect for RedisConnect {
    type Publisher = MultiplexedConnection;
    type Pinger = PubSubSink;
    const BROKER: &'static str = "Redis";
    const UP: &'static str = "subscribed";

    async fn connect(&self, local: &broadcast::Sender<Notice>) -> Result<Connection<Self>, String> {
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
            Ok(Ok((publisher, sink, mut stream))) => {
                self.failure.send_replace(None);
                let local = local.clone();
                Ok(Connection {
                    publisher,
                    pinger: sink,
                    received: Box::pin(async move {
                        while let Some(msg) = stream.next().await {
                            match std::str::from_utf8(msg.get_payload_bytes()) {
                                Ok(text) => deliver(&local, text),
                                Err(_) => tracing::warn!("bus: non-UTF-8 Redis payload skipped"),
                            }
                        }
                    }),
                })
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

    async fn ping(sink: &mut PubSubSink) -> bool {
        sink.ping::<redis::Value>().await.is_ok()
    }
}
