//! What the Redis and PostgreSQL buses share: the [`Slot`] that holds the
//! publishing connection, numbered, and the background task that makes the
//! connection, pings it while idle, remakes it with [`Backoff`] when it
//! drops and sends the subscribers [`Notice::Resync`] after a loss. A broker
//! says only how to connect and how to ping ([`Connect`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::{BusOptions, Notice};

/// How one broker connects and checks its connection.
pub(super) trait Connect: Send + Sync + 'static {
    /// What publishes; cloned out of the slot for each publish.
    type Publisher: Clone + Send + 'static;
    /// What the idle check pings.
    type Pinger: Send;
    /// `PostgreSQL` or `Redis`, for the logs.
    const BROKER: &'static str;
    /// What the log says the connection does once up: `listening`,
    /// `subscribed`.
    const UP: &'static str;

    /// One connection attempt (bounded by the connect timeout); what it
    /// receives goes to `local` through [`super::deliver`].
    fn connect(
        &self,
        local: &broadcast::Sender<Notice>,
    ) -> impl Future<Output = Result<Connection<Self>, String>> + Send;

    /// One ping (bounded in time by the caller); true when it was answered.
    fn ping(pinger: &mut Self::Pinger) -> impl Future<Output = bool> + Send + '_;
}

/// A connection made by [`Connect::connect`].
pub(super) struct Connection<C: Connect + ?Sized> {
    /// Goes into the slot while the connection is up.
    pub(super) publisher: C::Publisher,
    /// Pinged every [`PING_EVERY`].
    pub(super) pinger: C::Pinger,
    /// Receives (and delivers); ends when the connection is lost. Dropped
    /// when the connection is given up.
    pub(super) received: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// A running link to a broker: the slot of its publishing connection and
/// the task that keeps it connected, which ends with the link.
pub(super) struct Link<P> {
    pub(super) slot: Arc<Slot<P>>,
    _task: AbortOnDrop,
}

/// The subscribers' channel, whether the broker connection is up, and the
/// link.
pub(super) type Started<P> = (broadcast::Sender<Notice>, watch::Receiver<bool>, Link<P>);

/// Starts the task that connects with `connect` and stays connected;
/// `channel` is only for the logs.
pub(super) fn start<C: Connect>(
    connect: C,
    channel: String,
    opts: &BusOptions,
) -> Started<C::Publisher> {
    let local = broadcast::channel(opts.capacity.max(1)).0;
    let (up_tx, up_rx) = watch::channel(false);
    let slot = Arc::new(Slot {
        current: Mutex::new(None),
        kick: Kick::default(),
    });
    let task = Task {
        connect,
        channel,
        local: local.clone(),
        up: up_tx,
        slot: slot.clone(),
        timeout: opts.connect_timeout,
    };
    let task = AbortOnDrop(tokio::spawn(task.run()));
    (local, up_rx, Link { slot, _task: task })
}

/// The publishing connection while one is up, with its number `n`: a
/// report that connection `n` broke never drops a newer one.
pub(super) struct Slot<P> {
    current: Mutex<Option<(u64, P)>>,
    kick: Kick,
}

impl<P: Clone> Slot<P> {
    /// The connection and its number, if one is up.
    pub(super) fn current(&self) -> Option<(u64, P)> {
        self.lock().clone()
    }

    /// Connection `n` failed a publish: stop using it, have it remade.
    pub(super) fn broken(&self, n: u64) {
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|(m, _)| *m == n) {
            slot.take();
        }
        self.kick.report(n);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u64, P)>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The background task's state.
struct Task<C: Connect> {
    connect: C,
    channel: String,
    local: broadcast::Sender<Notice>,
    up: watch::Sender<bool>,
    slot: Arc<Slot<C::Publisher>>,
    timeout: Duration,
}

impl<C: Connect> Task<C> {
    async fn run(self) {
        let mut backoff = Backoff::new();
        // Nothing can have been missed before the first attempt succeeds.
        let mut missed = false;
        let mut n = 0;
        loop {
            n += 1;
            match self.connect.connect(&self.local).await {
                Ok(Connection {
                    publisher,
                    mut pinger,
                    mut received,
                }) => {
                    *self.slot.lock() = Some((n, publisher));
                    self.up.send_replace(true);
                    if missed {
                        let _ = self.local.send(Notice::Resync);
                    }
                    tracing::info!(channel = %self.channel, "bus: {} on {}", C::UP, C::BROKER);
                    backoff.reset();
                    let mut ping = tokio::time::interval(PING_EVERY);
                    ping.tick().await;
                    loop {
                        tokio::select! {
                            () = &mut received => break,
                            () = self.slot.kick.wait(n) => break,
                            _ = ping.tick() => {
                                let pong = tokio::time::timeout(self.timeout, C::ping(&mut pinger)).await;
                                if !matches!(pong, Ok(true)) {
                                    break;
                                }
                            }
                        }
                    }
                    self.slot.lock().take();
                    self.up.send_replace(false);
                    tracing::warn!("bus: {} connection lost; reconnecting", C::BROKER);
                }
                Err(e) => tracing::warn!(error = %e, "bus: cannot reach {}; retrying", C::BROKER),
            }
            missed = true;
            backoff.wait().await;
        }
    }
}

/// Reconnection delays: 50 ms doubling to 5 s, with ±25 % jitter so that
/// instances do not reconnect in step; [`Backoff::reset`] after a success.
struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(5);

    fn new() -> Self {
        Backoff { next: Self::FIRST }
    }

    fn reset(&mut self) {
        self.next = Self::FIRST;
    }

    async fn wait(&mut self) {
        use rand::Rng;
        let ms = self.next.as_millis() as u64;
        let jitter = rand::thread_rng().gen_range(0..=ms / 2);
        tokio::time::sleep(Duration::from_millis(ms - ms / 4 + jitter)).await;
        self.next = (self.next * 2).min(Self::MAX);
    }
}

/// A background task that ends with its owner.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A publisher's report that connection number `n` is broken, to the task
/// that owns it. A report about an older connection (already replaced) is
/// ignored, so a late one never drops a fresh connection.
#[derive(Default)]
struct Kick {
    broken: AtomicU64,
    notify: tokio::sync::Notify,
}

impl Kick {
    fn report(&self, n: u64) {
        self.broken.store(n, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Returns once connection `n` is reported broken.
    async fn wait(&self, n: u64) {
        loop {
            self.notify.notified().await;
            if self.broken.load(Ordering::SeqCst) == n {
                return;
            }
        }
    }
}

/// How often an idle broker connection is checked (a peer that vanished
/// without closing the socket is found within this plus the timeout).
const PING_EVERY: Duration = Duration::from_secs(15);
