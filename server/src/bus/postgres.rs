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
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, watch};
use tokio_postgres::{AsyncMessage, Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::link::{self, AbortOnDrop, Connect, Connection, Link};
use super::{deliver, BusError, BusOptions, Notice};

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
    link: Link<Publisher>,
    /// The last connection attempt's TLS failure, if it had one.
    pub(super) failure: watch::Receiver<Option<String>>,
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
        let (failure_tx, failure) = watch::channel(None);
        let connect = PgConnect {
            config,
            tls: tls.connector,
            mode: tls.mode.name(),
            failure: failure_tx,
            channel: opts.channel.clone(),
            timeout: opts.connect_timeout,
        };
        let (local, up, link) = link::start(connect, opts.channel.clone(), opts);
        let channel = opts.channel.clone();
        Ok((
            local,
            up,
            PgBus {
                channel,
                link,
                failure,
            },
        ))
    }

    pub(super) async fn publish(&self, payload: String, timeout: Duration) -> Result<(), BusError> {
        let Some((n, (client, notify))) = self.link.slot.current() else {
            return Err(BusError::Unavailable("not connected to PostgreSQL".into()));
        };
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&self.channel, &payload];
        let publish = client.execute(&notify, &params);
        match tokio::time::timeout(timeout, publish).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                if e.is_closed() {
                    self.link.slot.broken(n);
                }
                Err(BusError::Unavailable(format!("PostgreSQL: {e}")))
            }
            Err(_) => Err(BusError::Timeout(timeout)),
        }
    }
}

/// How the bus connects to PostgreSQL.
struct PgConnect {
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    mode: &'static str,
    failure: watch::Sender<Option<String>>,
    channel: String,
    timeout: Duration,
}

impl Connect for PgConnect {
    type Publisher = Publisher;
    type Pinger = Arc<Client>;
    const BROKER: &'static str = "PostgreSQL";
    const UP: &'static str = "listening";

    /// Connects, starts the task that drives the connection (and hands
    /// notifications to the subscribers), listens, prepares the publish.
    async fn connect(&self, local: &broadcast::Sender<Notice>) -> Result<Connection<Self>, String> {
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
        let local = local.clone();
        let mut driver = AbortOnDrop(tokio::spawn(async move {
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
        let client = Arc::new(client);
        Ok(Connection {
            publisher: (client.clone(), notify),
            pinger: client,
            // The driver task ends when the connection does; dropping the
            // future aborts it.
            received: Box::pin(async move {
                let _ = (&mut driver.0).await;
            }),
        })
    }

    async fn ping(client: &mut Arc<Client>) -> bool {
        client.simple_query("SELECT 1").await.is_ok()
    }
}
