//! The bus between server instances: who tells whom that something changed
//! in the shared database. Three brokers behind one [`Bus`]:
//!
//! - **memory** (the default): in-process, for one instance (and for tests
//!   of several buses in one process, through one [`MemoryHub`]);
//! - **Redis** pub/sub (`redis://…`, [`redis`]);
//! - **PostgreSQL** `LISTEN`/`NOTIFY` (`postgres://…`, [`postgres`]): no
//!   service besides the database.
//!
//! The two networked brokers share the reconnecting connection of
//! `link.rs`: each says only how it connects, pings and publishes.
//!
//! The broker is a hint, the database is the truth. Delivery is
//! at-most-once: an event published while a broker connection is down is
//! gone. So every subscriber gets [`Notice::Resync`] whenever its
//! connection was lost and came back (or it fell behind): it must then
//! re-read what it holds from the database. Sequence gaps are found with
//! [`SeqTracker`], stale latest values dropped with [`VersionTracker`].
//! [`Bus::publish`] is bounded by a timeout and fails with an error while
//! the broker is unreachable; it never waits for the reconnection.

mod broker;
mod event;
mod link;
mod memory;
pub mod postgres;
pub mod redis;
mod track;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

pub use broker::Broker;
pub use event::{ContactKind, Envelope, Event, PresentOperator, SessionChange, Side, Version};
pub use memory::MemoryHub;
pub use track::{SeqCheck, SeqTracker, VersionTracker};

/// Largest encoded event, in bytes. PostgreSQL refuses a `NOTIFY` payload
/// of 8000 bytes or more; every broker applies the same limit so that a
/// deployment behaves the same on all three.
pub const MAX_PAYLOAD_BYTES: usize = 7999;

/// Everything a bus needs besides the broker.
#[derive(Debug, Clone)]
pub struct BusOptions {
    /// This instance's id, carried by every event it publishes.
    pub instance: String,
    /// Channel name (`[a-z0-9_]`, 1–50 characters): instances on one
    /// channel hear each other. Redis channel `owidget:<name>`, PostgreSQL
    /// channel `<name>`.
    pub channel: String,
    /// Longest time one publish may take.
    pub publish_timeout: Duration,
    /// Longest time one connection attempt may take.
    pub connect_timeout: Duration,
    /// Events a slow subscriber may fall behind before it gets a resync.
    pub capacity: usize,
}

impl BusOptions {
    /// Defaults with a fresh random instance id on channel `owidget`.
    pub fn new() -> Self {
        BusOptions {
            instance: crate::ids::random_hex(8),
            channel: "owidget".into(),
            publish_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(3),
            capacity: 4096,
        }
    }
}

impl Default for BusOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a publish (or starting a bus) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// The encoded event is over [`MAX_PAYLOAD_BYTES`]; nothing was sent.
    #[error("event of {size} bytes is over the broker limit of {max} bytes")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not connected to the broker (it is down or being reconnected to).
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// The broker did not answer within the publish timeout.
    #[error("broker did not answer within {0:?}")]
    Timeout(Duration),
    /// Bad options (channel name).
    #[error("bus options: {0}")]
    Options(String),
}

/// Into the crate's error: a broker that is down or slow is `503`, an
/// oversized event or bad options are bugs. (A failed publish after a
/// committed change usually should not fail the request: the change is in
/// the database and the receivers' resync finds it; log it instead.)
impl From<BusError> for crate::Error {
    fn from(e: BusError) -> Self {
        match e {
            BusError::Unavailable(_) | BusError::Timeout(_) => {
                crate::Error::Unavailable(e.to_string())
            }
            BusError::TooLarge { .. } | BusError::Options(_) => {
                crate::Error::Internal(e.to_string())
            }
        }
    }
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An event from another instance.
    Event(Envelope),
    /// Events may have been lost (the broker connection dropped and came
    /// back, the first connection came only after failed attempts, or this
    /// subscriber fell behind): re-read from the database. Sent once the
    /// new subscription is active, so a re-read started on it misses
    /// nothing published after.
    Resync,
}

/// The backend behind a [`Bus`].
enum Backend {
    Memory(MemoryHub),
    Redis(redis::RedisBus),
    Postgres(postgres::PgBus),
}

struct Inner {
    opts: BusOptions,
    kind: &'static str,
    backend: Backend,
    /// Where received envelopes (and resyncs) fan out to subscribers.
    local: broadcast::Sender<Notice>,
    /// True while the broker connection is up.
    connected: watch::Receiver<bool>,
}

/// A handle on the bus (cheap to clone). The broker connection lives as
/// long as any handle.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

impl fmt::Debug for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bus")
            .field("kind", &self.0.kind)
            .field("instance", &self.0.opts.instance)
            .finish()
    }
}

fn check_channel(name: &str) -> Result<(), BusError> {
    let ok = (1..=50).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(BusError::Options(format!(
            "channel {name:?}: 1 to 50 characters of a-z, 0-9 and _"
        )))
    }
}

impl Bus {
    /// Starts a bus on `broker` (memory: a hub of its own). For Redis and
    /// PostgreSQL the connection is made in the background, retried with
    /// backoff, and remade whenever it drops; see [`Bus::wait_connected`].
    /// Must be called within a Tokio runtime.
    pub fn start(broker: &Broker, opts: BusOptions) -> Result<Bus, BusError> {
        match broker {
            Broker::Memory => Bus::memory(&MemoryHub::new(opts.capacity), opts),
            Broker::Redis(url) => {
                check_channel(&opts.channel)?;
                let (local, connected, backend) = redis::RedisBus::start(url, &opts)?;
                Ok(Bus::assemble(
                    opts,
                    "redis",
                    Backend::Redis(backend),
                    local,
                    connected,
                ))
            }
            Broker::Postgres(url) => {
                check_channel(&opts.channel)?;
                let (local, connected, backend) = postgres::PgBus::start(url, &opts)?;
                Ok(Bus::assemble(
                    opts,
                    "postgres",
                    Backend::Postgres(backend),
                    local,
                    connected,
                ))
            }
        }
    }

    /// A bus on an in-process hub: every bus of one hub hears the others
    /// (several "instances" in one process).
    pub fn memory(hub: &MemoryHub, opts: BusOptions) -> Result<Bus, BusError> {
        check_channel(&opts.channel)?;
        let local = hub.sender();
        let (_, connected) = watch::channel(true);
        Ok(Bus::assemble(
            opts,
            "memory",
            Backend::Memory(hub.clone()),
            local,
            connected,
        ))
    }

    fn assemble(
        opts: BusOptions,
        kind: &'static str,
        backend: Backend,
        local: broadcast::Sender<Notice>,
        connected: watch::Receiver<bool>,
    ) -> Bus {
        Bus(Arc::new(Inner {
            opts,
            kind,
            backend,
            local,
            connected,
        }))
    }

    /// This instance's id.
    pub fn instance(&self) -> &str {
        &self.0.opts.instance
    }

    /// `memory`, `redis` or `postgres`.
    pub fn kind(&self) -> &'static str {
        self.0.kind
    }

    /// True while the broker connection is up (memory: always).
    pub fn is_connected(&self) -> bool {
        *self.0.connected.borrow()
    }

    /// Waits until the broker connection is up (subscribed), at most
    /// `within`; true when it is.
    pub async fn wait_connected(&self, within: Duration) -> bool {
        let mut rx = self.0.connected.clone();
        tokio::time::timeout(within, rx.wait_for(|up| *up))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits (at most `within`) for the first connection: `Ok(true)` when
    /// it is up, `Ok(false)` when the broker did not answer yet (retried in
    /// the background), `Err` with the cause when TLS to it failed (no TLS
    /// on the server, a refused certificate): a start should stop then.
    pub async fn wait_started(&self, within: Duration) -> Result<bool, String> {
        let mut failure = match &self.0.backend {
            Backend::Memory(_) => return Ok(true),
            Backend::Redis(r) => r.failure.clone(),
            Backend::Postgres(p) => p.failure.clone(),
        };
        let mut up = self.0.connected.clone();
        // The watch guards are dropped at once (the future stays `Send`); a
        // closed channel (the task is gone) waits for the timeout.
        let connected = async {
            if up.wait_for(|up| *up).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let failed = async {
            let why = failure.wait_for(Option::is_some).await.map(|w| w.clone());
            match why {
                Ok(Some(why)) => why,
                _ => std::future::pending().await,
            }
        };
        let wait = async {
            tokio::select! {
                () = connected => Ok(true),
                why = failed => Err(why),
            }
        };
        tokio::time::timeout(within, wait)
            .await
            .unwrap_or(Ok(false))
    }

    /// Sends `event` to the other instances. Fails without waiting when the
    /// broker is down, with [`BusError::Timeout`] when it does not answer
    /// in time, and with [`BusError::TooLarge`] for an oversized event.
    pub async fn publish(&self, event: Event) -> Result<(), BusError> {
        let envelope = Envelope {
            from: self.0.opts.instance.clone(),
            event,
        };
        let payload = encode(&envelope)?;
        let timeout = self.0.opts.publish_timeout;
        match &self.0.backend {
            Backend::Memory(hub) => hub.publish(envelope),
            Backend::Redis(r) => r.publish(payload, timeout).await,
            Backend::Postgres(p) => p.publish(payload, timeout).await,
        }
    }

    /// A new subscriber: events of other instances published from now on,
    /// and [`Notice::Resync`] after every loss.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.0.local.subscribe(),
            instance: self.0.opts.instance.clone(),
        }
    }
}

/// Receives the events of the other instances (never this one's echo).
pub struct Subscription {
    rx: broadcast::Receiver<Notice>,
    instance: String,
}

impl Subscription {
    /// The next notice; `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<Notice> {
        loop {
            match self.rx.recv().await {
                Ok(Notice::Event(e)) if e.from == self.instance => continue,
                Ok(n) => return Some(n),
                // Fell behind: what was skipped is lost to this subscriber.
                Err(broadcast::error::RecvError::Lagged(_)) => return Some(Notice::Resync),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// JSON of an envelope, refused over [`MAX_PAYLOAD_BYTES`].
pub fn encode(envelope: &Envelope) -> Result<String, BusError> {
    let text = serde_json::to_string(envelope)
        .map_err(|e| BusError::Options(format!("encoding an event: {e}")))?;
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(BusError::TooLarge {
            size: text.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(text)
}

/// Hands a payload received from a broker to the subscribers; one that
/// does not decode (an instance of another version) is logged and skipped.
fn deliver(local: &broadcast::Sender<Notice>, payload: &str) {
    match serde_json::from_str::<Envelope>(payload) {
        Ok(e) => {
            let _ = local.send(Notice::Event(e));
        }
        Err(e) => tracing::warn!(error = %e, "bus: undecodable event skipped"),
    }
}

#[cfg(test)]
mod tests;
