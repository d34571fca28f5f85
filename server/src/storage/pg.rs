//! PostgreSQL: a small pool of blocking `postgres` clients, used from
//! `spawn_blocking` like the SQLite connection, so that every storage
//! closure runs unchanged on either backend.
//!
//! The pool connects lazily and reconnects: a connection that failed at the
//! connection level is dropped, and so is every idle one (after a server
//! restart they are all dead), so the next call connects afresh. A pooled
//! connection found dead by the first statement of a call (the server
//! restarted while it sat idle) is replaced and that statement run again:
//! nothing of the call had run yet. While the
//! server is unreachable a call fails within the connect timeout with
//! [`Error::Unavailable`], which reaches clients as a 503 / `unavailable`
//! frame with a message, never as an acknowledgement.
//!
//! TLS follows the URL's `sslmode` ([`crate::tls::PgTls`]); a TLS failure
//! of the first connection (no TLS on the server, a refused certificate)
//! stops the start with its cause, see [`Pool::check_first_connect`].

use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio_postgres_rustls::MakeRustlsConnect;

use super::db::PgConn;
use crate::tls::{self, PgTls, SslMode};
use crate::{Error, Result};

/// Most connections one instance opens.
const MAX_CONNECTIONS: usize = 16;
/// How long a call waits for a free connection.
const CHECKOUT_WAIT: Duration = Duration::from_secs(5);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Server-side limit of one statement (and of waiting for a row lock).
const STATEMENT_TIMEOUT_MS: u32 = 15_000;

/// The message clients get while the database cannot be reached.
pub const DOWN: &str = "storage unavailable: the database cannot be reached, try again shortly";

struct Idle {
    conn: PgConn,
}

struct State {
    idle: Vec<Idle>,
    /// Connections open (idle or checked out).
    open: usize,
}

/// The pool.
pub struct Pool {
    config: postgres::Config,
    /// The connector for the URL's `sslmode`, and that mode.
    tls: MakeRustlsConnect,
    mode: SslMode,
    state: Mutex<State>,
    freed: Condvar,
    /// Per-session ordering of "commit, then deliver" within this instance
    /// (SQLite has it from its single connection): sessions hash onto these.
    pub(super) stripes: Vec<Mutex<()>>,
}

/// Whether `e` means the connection (or the server) is gone.
pub(super) fn is_connection_error(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let c = code.code();
        // 08: connection exception; 57P01-03: shutdown, crash, starting up.
        return c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03");
    }
    // No SQLSTATE: an I/O or protocol failure on the socket.
    e.as_db_error().is_none()
}

/// Maps a driver error: connection-level failures become
/// [`Error::Unavailable`] (logged here with their cause).
pub(super) fn error(e: postgres::Error) -> Error {
    if is_connection_error(&e) {
        tracing::warn!(error = %chain(&e), "PostgreSQL unreachable");
        Error::Unavailable(DOWN.into())
    } else {
        Error::Postgres(e)
    }
}

/// `e` with its causes ("error connecting to server: Connection refused").
fn chain(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A failed connect: [`Error::Unavailable`].
pub(super) fn connect_error(e: postgres::Error) -> Error {
    tracing::warn!(error = %chain(&e), "cannot connect to PostgreSQL");
    Error::Unavailable(DOWN.into())
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pool {
    /// A pool for `url` (nothing is connected yet).
    pub fn new(url: &str) -> Result<Pool> {
        let tls = PgTls::parse(url).map_err(|e| Error::Config(format!("database_url: {e}")))?;
        let mut config = postgres::Config::from_str(&tls.url)
            .map_err(|e| Error::Config(format!("database_url: {e}")))?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_user_timeout(Duration::from_secs(10))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .options(&format!(
                "-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}"
            ));
        if config.get_application_name().is_none() {
            config.application_name("owidget-server");
        }
        Ok(Pool {
            config,
            tls: tls.connector,
            mode: tls.mode,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
            stripes: (0..64).map(|_| Mutex::new(())).collect(),
        })
    }

    fn connect(&self) -> Result<PgConn> {
        let client = self
            .config
            .connect(self.tls.clone())
            .map_err(connect_error)?;
        Ok(PgConn::new(client, self.config.clone(), self.tls.clone()))
    }

    /// Connects once (blocking) so that a TLS failure stops the start with
    /// its cause (`database_url: TLS to PostgreSQL (sslmode=require)
    /// failed: … server does not support TLS`); any other failure is the
    /// usual [`Error::Unavailable`].
    pub fn check_first_connect(&self) -> Result<()> {
        match self.config.connect(self.tls.clone()) {
            Ok(client) => {
                drop(client);
                Ok(())
            }
            Err(e) if tls::is_pg_tls_error(&e) => Err(Error::Config(format!(
                "database_url: TLS to PostgreSQL (sslmode={}) failed: {}",
                self.mode.name(),
                tls::chain(&e)
            ))),
            Err(e) => Err(connect_error(e)),
        }
    }

    /// A connection (blocking: call from `spawn_blocking`).
    pub fn get(&self) -> Result<Lease<'_>> {
        let deadline = Instant::now() + CHECKOUT_WAIT;
        let mut st = lock(&self.state);
        loop {
            if let Some(Idle { mut conn }) = st.idle.pop() {
                if conn.client.is_closed() {
                    st.open -= 1;
                    drop(st);
                    // Dropping a client shuts its runtime down: not under the lock.
                    drop(conn);
                    st = lock(&self.state);
                    continue;
                }
                conn.reused = true;
                return Ok(Lease {
                    pool: self,
                    conn: Some(conn),
                    broken: false,
                });
            }
            if st.open < MAX_CONNECTIONS {
                st.open += 1;
                drop(st);
                return match self.connect() {
                    Ok(conn) => Ok(Lease {
                        pool: self,
                        conn: Some(conn),
                        broken: false,
                    }),
                    Err(e) => {
                        lock(&self.state).open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Unavailable(
                    "storage busy: no database connection free, try again shortly".into(),
                ));
            }
            st = self
                .freed
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Drops every idle connection (the server went away).
    fn flush(&self) {
        let idle = {
            let mut st = lock(&self.state);
            let idle = std::mem::take(&mut st.idle);
            st.open -= idle.len();
            idle
        };
        drop(idle);
        self.freed.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Each client owns a small tokio runtime, which may not be dropped
        // on an async worker thread (where the last Store handle may go).
        let idle = std::mem::take(&mut lock(&self.state).idle);
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("pg-close".into())
                .spawn(move || drop(idle));
        }
    }
}

/// A checked-out connection; back to the pool on drop.
pub struct Lease<'a> {
    pool: &'a Pool,
    conn: Option<PgConn>,
    broken: bool,
}

impl Lease<'_> {
    /// The connection.
    pub fn conn(&mut self) -> &mut PgConn {
        self.conn.as_mut().expect("present until drop")
    }

    /// Records the outcome of a call: a lost connection is not reused,
    /// and the idle ones are dropped with it.
    pub fn check<T>(&mut self, r: &Result<T>) {
        let closed = self.conn.as_ref().is_some_and(|c| c.client.is_closed());
        if closed || matches!(r, Err(Error::Unavailable(m)) if m == DOWN) {
            self.broken = true;
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("present until drop");
        // A panic may have left a transaction open on it.
        if self.broken || conn.client.is_closed() || std::thread::panicking() {
            lock(&self.pool.state).open -= 1;
            drop(conn);
            self.pool.flush();
            return;
        }
        lock(&self.pool.state).idle.push(Idle { conn });
        self.pool.freed.notify_one();
    }
}

/// Key of the advisory lock held while migrating ("owidget" in ASCII).
const MIGRATION_LOCK: i64 = 0x006f_7769_6467_6574;

/// Brings the PostgreSQL schema up to date. Several instances starting at
/// once serialize on an advisory lock; the version table makes it
/// idempotent.
pub fn migrate(pool: &Pool) -> Result<()> {
    let mut lease = pool.get()?;
    let c = &mut lease.conn().client;
    let r = (|| -> std::result::Result<(), postgres::Error> {
        c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let result = (|| {
            c.batch_execute(
                "CREATE TABLE IF NOT EXISTS owidget_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )?;
            let current: i64 = c
                .query_one("SELECT COALESCE(MAX(version), 0) FROM owidget_schema", &[])?
                .get(0);
            for (v, sql) in super::schema_pg::MIGRATIONS {
                if current < *v {
                    let mut tx = c.transaction()?;
                    tx.batch_execute(sql)?;
                    tx.execute(
                        "INSERT INTO owidget_schema (version, applied_at) VALUES ($1, $2)",
                        &[v, &crate::ids::now_ms()],
                    )?;
                    tx.commit()?;
                    tracing::info!(version = v, "PostgreSQL schema migrated");
                }
            }
            Ok(())
        })();
        c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
        result
    })();
    let r = r.map_err(error);
    lease.check(&r);
    r
}
