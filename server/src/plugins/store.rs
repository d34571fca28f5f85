//! What the plugins keep in the database: the connector call log, closing
//! form answers, visitor ids of sessions and cards of messages.
//!
//! The migration is idempotent and keyed on what exists (not on
//! `user_version`), so it composes with the storage layer's own numbered
//! migrations.

use std::collections::BTreeMap;

use owidget_protocol::plugins::{ConnectorCall, PluginKind};
use rusqlite::Connection;

use crate::args;

use crate::storage::Store;
use crate::Result;

/// Calls kept per company; older ones are dropped.
pub const LOG_KEEP: i64 = 2000;

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.iter().any(|n| n == column))
}

/// Adds the plugin columns and tables when missing (SQLite; the PostgreSQL
/// schema has them from its first version).
pub fn migrate(conn: &Connection) -> Result<()> {
    // IMMEDIATE: another process migrating the same file waits, then sees
    // the columns.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    for (table, column) in [
        ("sessions", "visitor_id"),
        ("sessions", "closing_form"),
        ("messages", "card_json"),
    ] {
        if !has_column(&tx, table, column)? {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} TEXT"))?;
        }
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS connector_calls (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            company    TEXT NOT NULL,
            at         INTEGER NOT NULL,
            plugin     TEXT NOT NULL,
            method     TEXT NOT NULL,
            url        TEXT NOT NULL,
            status     INTEGER,
            latency_ms INTEGER NOT NULL,
            ok         INTEGER NOT NULL,
            error      TEXT
        );
        CREATE INDEX IF NOT EXISTS connector_calls_by_company ON connector_calls (company, id);",
    )?;
    tx.commit()?;
    Ok(())
}

fn plugin_str(p: PluginKind) -> &'static str {
    match p {
        PluginKind::ProductList => "productList",
        PluginKind::Customer => "customer",
        PluginKind::ClosingForm => "closingForm",
        PluginKind::Health => "health",
        PluginKind::Webhook => "webhook",
        PluginKind::Bot => "bot",
    }
}

fn parse_plugin(s: &str) -> PluginKind {
    match s {
        "productList" => PluginKind::ProductList,
        "customer" => PluginKind::Customer,
        "closingForm" => PluginKind::ClosingForm,
        "webhook" => PluginKind::Webhook,
        "bot" => PluginKind::Bot,
        _ => PluginKind::Health,
    }
}

impl Store {
    /// Appends calls to their companies' logs in one transaction, keeping
    /// each company's newest [`LOG_KEEP`]. URLs are kept as called: they
    /// hold no secret (signatures travel in headers), but may hold the
    /// visitor's e-mail, like the chat does.
    pub async fn record_calls(&self, calls: Vec<(String, ConnectorCall)>) -> Result<()> {
        self.call(move |conn| {
            conn.transaction(|tx| {
                let mut companies: Vec<String> = Vec::new();
                for (company, c) in &calls {
                    tx.execute(
                        "INSERT INTO connector_calls (company, at, plugin, method, url, status, latency_ms, ok, error) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        args![
                            company,
                            c.at,
                            plugin_str(c.plugin),
                            &c.method,
                            &c.url,
                            c.status,
                            c.latency_ms as i64,
                            c.ok,
                            &c.error
                        ],
                    )?;
                    if !companies.contains(company) {
                        companies.push(company.clone());
                    }
                }
                for company in companies {
                    // An index range scan over the company's newest calls.
                    tx.execute(
                        "DELETE FROM connector_calls WHERE company = ?1 AND id <= \
                         (SELECT id FROM connector_calls WHERE company = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                        args![company, LOG_KEEP],
                    )?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The company's last `limit` calls, newest first.
    pub async fn connector_log(&self, company: &str, limit: u32) -> Result<Vec<ConnectorCall>> {
        let company = company.to_string();
        self.call(move |conn| {
            conn.query(
                "SELECT at, plugin, method, url, status, latency_ms, ok, error FROM connector_calls \
                 WHERE company = ?1 ORDER BY id DESC LIMIT ?2",
                args![company, limit],
            )?
            .iter()
            .map(|r| {
                Ok(ConnectorCall {
                    at: r.get(0)?,
                    plugin: parse_plugin(&r.get::<String>(1)?),
                    method: r.get(2)?,
                    url: r.get(3)?,
                    status: r.get(4)?,
                    latency_ms: r.get::<i64>(5)? as u64,
                    ok: r.get(6)?,
                    error: r.get(7)?,
                })
            })
            .collect()
        })
        .await
    }

    /// Stores the closing form answers of a session of `company`, with its
    /// webhook `events` in the same transaction (outbox rows written are
    /// returned).
    pub async fn set_closing_form(
        &self,
        company: &str,
        id: &str,
        answers: &BTreeMap<String, String>,
        events: Option<crate::webhooks::Planned>,
    ) -> Result<usize> {
        let (company, id) = (company.to_string(), id.to_string());
        let json = serde_json::to_string(answers).expect("a map of strings serializes");
        self.call(move |conn| {
            conn.transaction(|tx| {
                let changed = tx.execute(
                    "UPDATE sessions SET closing_form = ?3 WHERE id = ?1 AND company = ?2",
                    args![id, company, json],
                )?;
                match &events {
                    Some(e) if changed > 0 => crate::webhooks::outbox::write(tx, e),
                    _ => Ok(0),
                }
            })
        })
        .await
    }

    /// The stored closing form answers and visitor id of a session.
    pub async fn plugin_fields(
        &self,
        company: &str,
        id: &str,
    ) -> Result<Option<(Option<BTreeMap<String, String>>, Option<String>)>> {
        let (company, id) = (company.to_string(), id.to_string());
        self.call(move |conn| {
            let row = conn
                .query_opt(
                    "SELECT closing_form, visitor_id FROM sessions WHERE id = ?1 AND company = ?2",
                    args![id, company],
                )?
                .map(|r| {
                    Ok::<_, crate::Error>((
                        r.get::<Option<String>>(0)?,
                        r.get::<Option<String>>(1)?,
                    ))
                })
                .transpose()?;
            Ok(row
                .map(|(form, visitor)| (form.and_then(|f| serde_json::from_str(&f).ok()), visitor)))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(i: i64) -> ConnectorCall {
        ConnectorCall {
            at: i,
            plugin: PluginKind::Health,
            method: "GET".into(),
            url: format!("http://c/{i}"),
            status: Some(200),
            latency_ms: 1,
            ok: true,
            error: None,
        }
    }

    #[tokio::test]
    async fn the_log_keeps_the_newest_calls_per_company() {
        let store = Store::in_memory().unwrap();
        store
            .record_calls(vec![("other".into(), call(-1))])
            .await
            .unwrap();
        // In several batches, so that pruning runs between them too.
        let calls: Vec<_> = (0..LOG_KEEP + 5)
            .map(|i| ("c".to_string(), call(i)))
            .collect();
        for chunk in calls.chunks(700) {
            store.record_calls(chunk.to_vec()).await.unwrap();
        }
        let all = store.connector_log("c", 5000).await.unwrap();
        assert_eq!(all.len() as i64, LOG_KEEP);
        assert_eq!(all[0].at, LOG_KEEP + 4, "newest first");
        assert_eq!(all.last().unwrap().at, 5, "the oldest five dropped");
        assert_eq!(store.connector_log("other", 10).await.unwrap().len(), 1);
    }
}
