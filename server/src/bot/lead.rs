//! Which instance drives a bot (issue 13, "Scale out").
//!
//! With SQLite there is one instance: it drives every bot. With PostgreSQL,
//! one instance at a time drives each bot: it holds the bot's row of
//! `bot_leases` (owner, valid until), taken atomically by the first
//! instance that finds it free or expired and renewed every third of
//! `[presence] ttl_secs` (15 s by default). The driver alone runs the
//! configuration flow (once per term), the availability poll, and every
//! conversation of the bot; it stores the bot's availability (the other
//! instances re-read it, `chat::cluster_presence`) and shares the desk's
//! [`BotStatus`] in the row at each renewal.
//!
//! A driver that cannot renew stops before the lease it last wrote
//! expires (a tenth of the TTL early): its poll and its conversation tasks
//! are aborted. Another instance takes the row once it expired and resumes
//! the bot's chats from `bot_conversations` (what a restart resumes), so a
//! driver killed with `kill -9` is replaced within about the TTL and a
//! third. A driver that shuts down stops, then frees the row at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{conv, setup, BotStatus, Bots};
use crate::args;
use crate::ids::now_ms;
use crate::storage::Store;
use crate::Result;

/// Why a term ends when the lease could not be renewed in time (the
/// database is slow or unreachable): another instance may take it.
const EXPIRED: &str = "the bot lease was not renewed in time";

/// What a claim found.
enum Claim {
    /// This instance holds the lease (taken or renewed).
    Ours,
    /// Another instance does; the status it last shared.
    Theirs(Option<BotStatus>),
}

/// Takes or renews the lease of `(company, operator)` for `owner` until
/// `until`, writing `status`, when it is free, expired or already `owner`'s.
/// Atomic: of two instances racing, one gets it.
async fn claim(
    store: &Store,
    company: String,
    operator: String,
    owner: String,
    until: i64,
    status: String,
) -> Result<Claim> {
    store
        .call(move |c| {
            let now = now_ms();
            let held = c.query_opt(
                "INSERT INTO bot_leases (company, operator, owner, until, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (company, operator) DO UPDATE SET owner = excluded.owner, \
                 until = excluded.until, status = excluded.status \
                 WHERE bot_leases.owner = excluded.owner OR bot_leases.until < ?6 RETURNING owner",
                args![company, operator, owner, until, status, now],
            )?;
            if held.is_some() {
                return Ok(Claim::Ours);
            }
            let row = c.query_opt(
                "SELECT status FROM bot_leases WHERE company = ?1 AND operator = ?2",
                args![company, operator],
            )?;
            let status = match row {
                Some(r) => serde_json::from_str(&r.get::<String>(0)?).ok(),
                None => None,
            };
            Ok(Claim::Theirs(status))
        })
        .await
}

/// Frees the lease if `owner` still holds it.
async fn release(store: &Store, company: String, operator: String, owner: String) -> Result<()> {
    store
        .call(move |c| {
            c.execute(
                "DELETE FROM bot_leases WHERE company = ?1 AND operator = ?2 AND owner = ?3",
                args![company, operator, owner],
            )?;
            Ok(())
        })
        .await
}

/// Drives bot `bot` of `company` whenever this instance holds its lease,
/// until shutdown.
pub(super) async fn run(bots: Arc<Bots>, company: usize, bot: usize) {
    let store = bots.hub.store().clone();
    if !store.is_pg() {
        begin(&bots, company, bot);
        return;
    }
    let ttl = bots.config.presence.ttl;
    let every = ttl / 3;
    let guid = bots.config.companies[company].id.clone();
    let operator = bots.config.companies[company].bots[bot].id_operator.clone();
    let owner = store.instance_id().to_string();
    let mut closing = bots.closing.clone();
    // While driving: the setup task and when the lease last written ends
    // (minus a margin).
    let mut term: Option<(JoinHandle<()>, Instant)> = None;
    loop {
        let sent = Instant::now();
        let mut status = bots.statuses(company)[bot].clone();
        status.driven_here = false;
        let attempt = claim(
            &store,
            guid.clone(),
            operator.clone(),
            owner.clone(),
            now_ms() + ttl.as_millis() as i64,
            serde_json::to_string(&status).expect("a status serializes"),
        );
        let outcome = match term.as_ref().map(|t| t.1) {
            Some(valid) => tokio::select! {
                r = attempt => Some(r),
                _ = tokio::time::sleep_until(valid) => None,
            },
            None => Some(attempt.await),
        };
        match outcome {
            Some(Ok(Claim::Ours)) => {
                let valid = sent + ttl - ttl / 10;
                match &mut term {
                    Some(t) => t.1 = valid,
                    None => term = Some((begin(&bots, company, bot), valid)),
                }
            }
            Some(Ok(Claim::Theirs(shared))) => {
                if let Some((setup, _)) = term.take() {
                    end(
                        &bots,
                        company,
                        bot,
                        setup,
                        "another instance drives the bot",
                    );
                }
                if let Some(shared) = shared {
                    bots.set_status(company, bot, |s| {
                        s.configured = shared.configured;
                        s.available = shared.available;
                        s.error = shared.error;
                        s.driven_here = false;
                    });
                }
            }
            Some(Err(e)) => {
                tracing::warn!(bot = %operator, error = %e, "bot lease not renewed; retrying");
                // Driving stops once the lease written last ends.
                if term.as_ref().is_some_and(|t| Instant::now() >= t.1) {
                    let (setup, _) = term.take().expect("checked");
                    end(&bots, company, bot, setup, EXPIRED);
                }
            }
            None => {
                tracing::warn!(bot = %operator, "bot lease renewal too slow; stopping");
                let (setup, _) = term.take().expect("only while driving");
                end(&bots, company, bot, setup, EXPIRED);
            }
        }
        let pause = match term.as_ref() {
            // Never sleep past the end of the lease.
            Some((_, valid)) => every.min(valid.saturating_duration_since(Instant::now())),
            None => every,
        };
        let shutdown = tokio::select! {
            _ = tokio::time::sleep(pause.max(Duration::from_millis(10))) => false,
            _ = closing.wait_for(|c| *c) => true,
        };
        if shutdown {
            if let Some((setup, _)) = term.take() {
                end(&bots, company, bot, setup, "shutting down");
                if let Err(e) = release(&store, guid, operator, owner).await {
                    tracing::warn!(error = %e, "freeing the bot lease failed; it expires");
                }
            }
            return;
        }
    }
}

/// This instance drives the bot from now: configuration and poll, and the
/// conversations it holds (resumed from `bot_conversations`).
fn begin(bots: &Arc<Bots>, company: usize, bot: usize) -> JoinHandle<()> {
    let op = bots.op(company, bot);
    bots.convs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .driving
        .insert((company, bot));
    bots.hub.set_bot_driver(op, true);
    bots.set_status(company, bot, |s| {
        *s = BotStatus {
            id_operator: std::mem::take(&mut s.id_operator),
            name: std::mem::take(&mut s.name),
            driven_here: true,
            ..Default::default()
        }
    });
    let name = &bots.config.companies[company].bots[bot].id_operator;
    tracing::info!(bot = %name, "this instance drives the bot");
    let setup = tokio::spawn(setup::run(bots.clone(), company, bot));
    for id in bots.hub.chat_ids(op) {
        conv::spawn(bots.clone(), company, bot, id, true);
    }
    setup
}

/// This instance no longer drives the bot: its poll and its conversation
/// tasks stop where they are (the next driver resumes them).
fn end(bots: &Arc<Bots>, company: usize, bot: usize, setup: JoinHandle<()>, why: &str) {
    setup.abort();
    {
        let mut convs = bots.convs.lock().unwrap_or_else(|e| e.into_inner());
        convs.driving.remove(&(company, bot));
        convs.tasks.retain(|(c, _), t| {
            let mine = *c == company && t.bot == bot;
            if mine {
                t.abort.abort();
            }
            !mine
        });
    }
    bots.hub.set_bot_driver(bots.op(company, bot), false);
    bots.set_status(company, bot, |s| s.driven_here = false);
    let name = &bots.config.companies[company].bots[bot].id_operator;
    tracing::info!(bot = %name, why, "this instance stopped driving the bot");
}
