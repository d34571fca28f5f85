//! The two storage backends for conformance tests: the same test body runs
//! on a SQLite file in a temp dir and on a fresh PostgreSQL database.

use std::collections::BTreeMap;

use owidget_protocol::Author;
use owidget_server::config::StorageOptions;
use owidget_server::storage::{NewMessage, NewSession, Store};

/// Where a test's database lives; `open` gives another handle on it (as a
/// second server instance would have).
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().expect("temp dir"))
    }

    pub async fn postgres() -> Backend {
        Backend::Postgres(super::pg::fresh_database().await)
    }

    /// A new handle (runs the migrations, as a start does).
    pub async fn open(&self) -> Store {
        match self {
            Backend::Sqlite(dir) => {
                Store::open(dir.path(), &StorageOptions::default()).expect("SQLite store opens")
            }
            Backend::Postgres(url) => Store::open_postgres(url)
                .await
                .expect("PostgreSQL store opens"),
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// Generates `NAME::sqlite` and `NAME::postgres`, each running
/// `NAME(backend)`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::backend::Backend::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::backend::Backend::postgres().await).await;
            }
        }
    )+};
}

/// A waiting session `id` of company `c`.
pub fn session(id: &str) -> NewSession {
    NewSession {
        id: id.into(),
        company: "c".into(),
        preset: "p".into(),
        scope: Some("scope".into()),
        language: "en".into(),
        page_url: "https://shop.example/".into(),
        custom_data: BTreeMap::from([("k".to_string(), "v".to_string())]),
        token_hash: "h".into(),
        created_at: 1,
        visitor_id: "visitor".into(),
        start_key: None,
    }
}

/// A plain visitor message.
pub fn message(session: &str, client_id: Option<&str>, text: &str) -> NewMessage {
    NewMessage {
        session: session.into(),
        author: Author::Visitor,
        name: None,
        text: text.into(),
        client_id: client_id.map(str::to_string),
        card: None,
        carousel: None,
        bot: None,
    }
}
