//! The outbox tables (`webhook_outbox`, `webhook_attempts`; schema in
//! `storage::schema`): events written with the change that causes them,
//! each attempt, and the delivery log.

use crate::args;
use crate::storage::Db;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{uuid_v4, EventType, Planned};
use crate::ids::now_ms;
use crate::storage::Store;
use crate::Result;

/// Finished events kept per company in the delivery log.
pub const LOG_KEEP: i64 = 10_000;

/// Writes `planned` in `tx` (the transaction of the change): one row per
/// receiver, completed from the session's stored row. Returns the rows
/// written.
pub fn write(tx: &mut Db<'_>, planned: &Planned) -> Result<usize> {
    let mut extra = Map::new();
    if let Some(id) = &planned.session {
        let row = tx
            .query_opt(
                "SELECT visitor_id, custom_data, operator_ids, operator FROM sessions WHERE id = ?1",
                args![id],
            )?
            .map(|r| {
                Ok::<_, crate::Error>((
                    r.get::<Option<String>>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Option<String>>(2)?,
                    r.get::<Option<String>>(3)?,
                ))
            })
            .transpose()?;
        let Some((visitor, custom, ops, operator)) = row else {
            return Ok(0);
        };
        let custom: Map<String, Value> = serde_json::from_str(&custom).unwrap_or_default();
        extra.insert("visitorId".into(), json!(visitor));
        extra.insert(
            "visitorExternalId".into(),
            custom
                .get("oo1_guest_external_id")
                .cloned()
                .unwrap_or(Value::Null),
        );
        if planned.event_type == EventType::ConversationClosed {
            let mut ids: Vec<String> = ops
                .and_then(|o| serde_json::from_str(&o).ok())
                .unwrap_or_default();
            if ids.is_empty() {
                ids.extend(operator);
            }
            let mut seen = Vec::new();
            ids.retain(|i| {
                let new = !seen.contains(i);
                seen.push(i.clone());
                new
            });
            if ids.is_empty() {
                // Never pushed to an operator: no conversation to close.
                return Ok(0);
            }
            extra.insert("operatorIds".into(), json!(ids));
        }
    }
    let at = now_ms();
    for (url, payload) in &planned.receivers {
        let mut p = payload.clone();
        p.extend(extra.clone());
        let event_id = p["eventId"].as_str().unwrap_or_default().to_string();
        tx.execute(
            "INSERT INTO webhook_outbox (company, receiver, event_id, correlation_id, event_type, payload, created_at, next_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            args![
                &planned.company,
                url,
                event_id,
                uuid_v4(),
                planned.event_type.name(),
                Value::Object(p).to_string(),
                at
            ],
        )?;
    }
    Ok(planned.receivers.len())
}

/// Writes every planned event in `tx`.
pub fn write_all(tx: &mut Db<'_>, planned: &[Planned]) -> Result<usize> {
    let mut n = 0;
    for p in planned {
        n += write(tx, p)?;
    }
    Ok(n)
}

/// A pending event of one receiver.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Outbox row id (the order of delivery).
    pub row: i64,
    /// `eventId`.
    pub event_id: String,
    /// `x-iadvize-correlationid`.
    pub correlation_id: String,
    /// The payload without `sentAt`.
    pub payload: Map<String, Value>,
    /// Unix ms when written.
    pub created_at: i64,
    /// Attempts so far.
    pub attempts: u32,
    /// Unix ms of the next attempt.
    pub next_at: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Delivered,
    /// Failed; tried again at this Unix ms.
    Retry(i64),
    /// Failed and the retry period is over.
    GaveUp,
}

/// One attempt, as recorded.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Outbox row.
    pub row: i64,
    /// `x-iadvize-delivery` of the attempt.
    pub delivery_id: String,
    /// Unix ms at the start.
    pub at: i64,
    /// Status, when an answer came.
    pub status: Option<u16>,
    /// Duration.
    pub latency_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
    /// What follows.
    pub outcome: Outcome,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Try {
    /// `x-iadvize-delivery`.
    pub delivery_id: String,
    /// Unix ms.
    pub at: i64,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Duration in ms.
    pub latency_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
}

/// One event of the delivery log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `eventId`.
    pub event_id: String,
    /// `x-iadvize-correlationid`.
    pub correlation_id: String,
    /// `eventType`.
    pub event_type: String,
    /// Receiver URL.
    pub url: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    /// Unix ms when written.
    pub created_at: i64,
    /// Unix ms of the next attempt (pending only).
    pub next_attempt_at: Option<i64>,
    /// Unix ms when delivered or given up.
    pub done_at: Option<i64>,
    /// The payload (without `sentAt`, which each attempt sets).
    pub payload: Value,
    /// Attempts, oldest first.
    pub attempts: Vec<Try>,
}

/// How long a receiver's lease lasts unless renewed (each read of the
/// outbox renews it).
const LEASE_MS: i64 = 30_000;

/// Takes or renews the receiver's lease for `owner` (PostgreSQL): true when
/// `owner` holds it now. Atomic: of two instances racing, one gets it.
fn take_lease(c: &mut Db<'_>, company: &str, url: &str, owner: &str) -> Result<bool> {
    let now = now_ms();
    let held = c.query_opt(
        "INSERT INTO webhook_leases (company, receiver, owner, until) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (company, receiver) DO UPDATE SET owner = excluded.owner, until = excluded.until \
         WHERE webhook_leases.owner = excluded.owner OR webhook_leases.until < ?5 RETURNING owner",
        args![company, url, owner, now + LEASE_MS, now],
    )?;
    Ok(held.is_some())
}

impl Store {
    /// The receiver's oldest pending events, in delivery order; `None` on
    /// PostgreSQL while another instance holds the receiver's lease (it
    /// delivers them; this one asks again later).
    pub async fn webhook_pending(
        &self,
        company: &str,
        url: &str,
        limit: u32,
    ) -> Result<Option<Vec<Pending>>> {
        let (company, url) = (company.to_string(), url.to_string());
        let owner = self.instance_id().to_string();
        self.call(move |c| {
            if c.is_pg() && !take_lease(c, &company, &url, &owner)? {
                return Ok(None);
            }
            c.query(
                "SELECT id, event_id, correlation_id, payload, created_at, attempts, next_at FROM webhook_outbox \
                 WHERE company = ?1 AND receiver = ?2 AND state = 'pending' ORDER BY id LIMIT ?3",
                args![company, url, limit],
            )?
            .iter()
            .map(|r| {
                Ok(Pending {
                    row: r.get(0)?,
                    event_id: r.get(1)?,
                    correlation_id: r.get(2)?,
                    payload: serde_json::from_str(&r.get::<String>(3)?).unwrap_or_default(),
                    created_at: r.get(4)?,
                    attempts: r.get(5)?,
                    next_at: r.get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
        })
        .await
    }

    /// Records an attempt and its outcome in one transaction.
    pub async fn webhook_attempted(&self, a: Attempt) -> Result<()> {
        self.call(move |c| {
            c.transaction(|tx| {
                tx.execute(
                    "INSERT INTO webhook_attempts (outbox, delivery_id, at, status, latency_ms, error) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    args![a.row, &a.delivery_id, a.at, a.status, a.latency_ms as i64, &a.error],
                )?;
                let done = now_ms();
                let (state, next_at, done_at) = match a.outcome {
                    Outcome::Delivered => ("delivered", None, Some(done)),
                    Outcome::Retry(at) => ("pending", Some(at), None),
                    Outcome::GaveUp => ("failed", None, Some(done)),
                };
                tx.execute(
                    "UPDATE webhook_outbox SET state = ?2, attempts = attempts + 1, \
                     next_at = coalesce(?3, next_at), done_at = ?4 WHERE id = ?1",
                    args![a.row, state, next_at, done_at],
                )?;
                Ok(())
            })
        })
        .await
    }

    /// Drops the company's finished events beyond the newest [`LOG_KEEP`].
    pub async fn prune_webhooks(&self, company: &str) -> Result<()> {
        let company = company.to_string();
        self.call(move |c| {
            c.execute(
                "DELETE FROM webhook_outbox WHERE company = ?1 AND state != 'pending' AND id <= \
                 (SELECT id FROM webhook_outbox WHERE company = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                args![company, LOG_KEEP],
            )?;
            Ok(())
        })
        .await
    }

    /// The company's delivery log, newest first; `state` narrows it.
    pub async fn webhook_log(
        &self,
        company: &str,
        state: Option<String>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let company = company.to_string();
        self.call(move |c| {
            let rows = c
                .query(
                    "SELECT id, event_id, correlation_id, event_type, receiver, state, created_at, next_at, done_at, payload \
                     FROM webhook_outbox WHERE company = ?1 AND (CAST(?2 AS TEXT) IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3",
                    args![company, state, limit],
                )?
                .iter()
                .map(|r| {
                    let state: String = r.get(5)?;
                    let next: i64 = r.get(7)?;
                    Ok((
                        r.get::<i64>(0)?,
                        Delivery {
                            event_id: r.get(1)?,
                            correlation_id: r.get(2)?,
                            event_type: r.get(3)?,
                            url: r.get(4)?,
                            next_attempt_at: (state == "pending").then_some(next),
                            state,
                            created_at: r.get(6)?,
                            done_at: r.get(8)?,
                            payload: serde_json::from_str(&r.get::<String>(9)?)
                                .unwrap_or(Value::Null),
                            attempts: Vec::new(),
                        },
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, mut d) in rows {
                d.attempts = c
                    .query(
                        "SELECT delivery_id, at, status, latency_ms, error FROM webhook_attempts \
                         WHERE outbox = ?1 ORDER BY rowid",
                        args![id],
                    )?
                    .iter()
                    .map(|r| {
                        Ok(Try {
                            delivery_id: r.get(0)?,
                            at: r.get(1)?,
                            status: r.get(2)?,
                            latency_ms: r.get::<i64>(3)? as u64,
                            error: r.get(4)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                out.push(d);
            }
            Ok(out)
        })
        .await
    }
}
