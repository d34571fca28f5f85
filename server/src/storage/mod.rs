//! SQLite storage: sessions, messages, read marks, offline messages,
//! callback and transcript requests, in `<data-dir>/owidget.sqlite3`.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite takes
//! one writer at a time anyway, and a single connection makes "assign the
//! next `seq` and insert" atomic without retry loops. WAL mode keeps readers
//! of other processes (backups, `sqlite3` shell) from blocking us. Every
//! message is committed before it is acknowledged; how durable a commit is
//! depends on [`crate::config::StorageOptions`]: by default (`FULL`) it
//! survives power loss too (one fsync per message: on this project's test
//! VM p50 0.26 ms, p99 12 ms per append); `synchronous = "normal"` (WAL)
//! survives any crash of the server process only (0.05 ms / 0.4 ms).

mod contacts;
mod messages;
mod operators;
mod read_marks;
mod schema;
mod sessions;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use contacts::{NewCallback, NewOffline, PendingTranscript};
pub use messages::{Appended, NewMessage};
pub use operators::OperatorSession;
pub use sessions::{NewSession, OpenSession};

use crate::config::StorageOptions;
use crate::{Error, Result};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "owidget.sqlite3";

/// Handle to the database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub fn open(data_dir: &Path, options: StorageOptions) -> Result<Store> {
        std::fs::create_dir_all(data_dir)?;
        let conn = Connection::open(data_dir.join(DB_FILE))?;
        Self::setup(conn, options)
    }

    /// A private in-memory database (unit tests).
    pub fn in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?, StorageOptions::default())
    }

    fn setup(conn: Connection, options: StorageOptions) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = if options.full_sync { "FULL" } else { "NORMAL" };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(format!("storage task: {e}")))?
    }
}
