//! PostgreSQL `LISTEN`/`NOTIFY` (tokio-postgres): no service besides the
//! database. One dedicated connection per instance listens on the channel
//! and also publishes (`pg_notify`); its `application_name` is
//! [`application_name`] so that an operator (or a test) can find it in
//! `pg_stat_activity`. When it drops (the server restarted, the backend was
//! terminated, a failed ping), it is remade with backoff and subscribers get
//! a resync: notifications sent while nobody listened are gone.
//!
//! PostgreSQL delivers notifications in commit order and refuses payloads
//! of 8000 bytes or more ([`super::MAX_PAYLOAD_BYTES`]).
//!
//! TLS follows the URL's `sslmode` ([`crate::tls::PgTls`]); a TLS failure
//! is kept in `failure` for [`super::Bus::wait_started`].

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, watch};
use tokio_postgres::{AsyncMessage, Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{deliver, AbortOnDrop, Backoff, BusError, BusOptions, Kick, Notice, PING_EVERY};

/// `application_name` of the bus connection of instance `instance`.
pub fn application_name(instance: &str) -> String {
    format!("owidget-bus-{instance}")
}

/// The publishing side while connected: the client and its prepared
/// `SELECT pg_notify($1, $2)`.
type Publisher = (Arc<Client>, Statement);

/// The PostgreSQL side of a [`super::Bus`].
pub(super) struct PgBus {
    channel: String,
    conn: Arc<Mutex<Option<(u64, Publisher)>>>,
    kick: Arc<Kick>,
    /// The last connection attempt's TLS failure, if it had one.
    pub(super) failure: watch::Receiver<Option<String>>,
    _task: AbortOnDrop,
}

type Started = (broadcast::Sender<Notice>, watch::Receiver<bool>, PgBus);

impl PgBus {
    pub(super) fn start(url: &str, opts: &BusOptions) -> Result<Started, BusError> {
        let tls = crate::tls::PgTls::parse(url)
            .map_err(|e| BusError::Options(format!("PostgreSQL URL: {e}")))?;
        let mut config = tokio_postgres::Config::from_str(&tls.url)
            .map_err(|e| BusError::Options(format!("PostgreSQL URL: {e}")))?;
        config
            .application_name(application_name(&opts.instance))
            .connect_timeout(opts.connect_timeout);
        let local = broadcast::channel(opts.capacity.max(1)).0;
        let (up_tx, up_rx) = watch::channel(false);
        let conn = Arc::new(Mutex::new(None));
        let kick = Arc::new(Kick::default());
        let (failure_tx, failure) = watch::channel(None);
        let link = Link {
            config,
            tls: tls.connector,
            mode: tls.mode.name(),
            failure: failure_tx,
            channel: opts.channel.clone(),
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
            PgBus {
                channel: opts.channel.clone(),
                conn,
                kick,
                failure,
                _task: task,
            },
        ))
    }

    pub(super) async fn publish(&self, payload: String, timeout: Duration) -> Result<(), BusError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some((n, (client, notify))) = conn else {
            return Err(BusError::Unavailable("not connected to PostgreSQL".into()));
        };
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&self.channel, &payload];
        let publish = client.execute(&notify, &params);
        match tokio::time::timeout(timeout, publish).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                if e.is_closed() {
                    self.broken(n);
                }
                Err(BusError::Unavailable(format!("PostgreSQL: {e}")))
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
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    mode: &'static str,
    failure: watch::Sender<Option<String>>,
    channel: String,
    local: broadcast::Sender<Notice>,
    up: watch::Sender<bool>,
    conn: Arc<Mutex<Option<(u64, Publisher)>>>,
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
                Ok((client, notify, mut driver)) => {
                    *self.conn.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some((n, (client.clone(), notify)));
                    self.up.send_replace(true);
                    if missed {
                        let _ = self.local.send(Notice::Resync);
                    }
                    tracing::info!(channel = %self.channel, "bus: listening on PostgreSQL");
                    backoff.reset();
                    let mut ping = tokio::time::interval(PING_EVERY);
                    ping.tick().await;
                    loop {
                        tokio::select! {
                            _ = &mut driver.0 => break,
                            _ = self.kick.wait(n) => break,
                            _ = ping.tick() => {
                                let pong = tokio::time::timeout(self.timeout, client.simple_query("SELECT 1")).await;
                                if !matches!(pong, Ok(Ok(_))) {
                                    break;
                                }
                            }
                        }
                    }
                    self.conn.lock().unwrap_or_else(|p| p.into_inner()).take();
                    self.up.send_replace(false);
                    tracing::warn!("bus: PostgreSQL connection lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "bus: cannot reach PostgreSQL; retrying"),
            }
            missed = true;
            backoff.wait().await;
        }
    }

    /// Connects, starts the task that drives the connection (and hands
    /// notifications to the subscribers), listens, prepares the publish.
    async fn connect(&self) -> Result<(Arc<Client>, Statement, AbortOnDrop), String> {
        let t = self.timeout;
        let (client, mut connection) =
            match tokio::time::timeout(t, self.config.connect(self.tls.clone())).await {
                Err(_) => return Err(format!("no answer within {t:?}")),
                Ok(Err(e)) if crate::tls::is_pg_tls_error(&e) => {
                    let why = format!(
                        "TLS to PostgreSQL (sslmode={}) failed: {}",
                        self.mode,
                        crate::tls::chain(&e)
                    );
                    self.failure.send_replace(Some(why.clone()));
                    return Err(why);
                }
                Ok(Err(e)) => return Err(e.to_string()),
                Ok(Ok(parts)) => parts,
            };
        self.failure.send_replace(None);
        let local = self.local.clone();
        let driver = AbortOnDrop(tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(|cx| connection.poll_message(cx));
            while let Some(m) = messages.next().await {
                match m {
                    Ok(AsyncMessage::Notification(n)) => deliver(&local, n.payload()),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "bus: PostgreSQL connection failed");
                        break;
                    }
                }
            }
        }));
        let setup = async {
            client
                .batch_execute(&format!("LISTEN \"{}\"", self.channel))
                .await?;
            client.prepare("SELECT pg_notify($1, $2)").await
        };
        let notify = tokio::time::timeout(t, setup)
            .await
            .map_err(|_| format!("LISTEN: no answer within {t:?}"))?
            .map_err(|e| e.to_string())?;
        Ok((Arc::new(client), notify, driver))
    }
}
