//! Operator presence and status across instances (issue 13; the scale-out
//! reference, §1.6, lessons 5 and 6).
//!
//! - **Availability** is committed to the database before anything is
//!   published ([`Hub::commit_availability`], and the sweep for presence
//!   decay and bots); then `Status { company, version }` goes on the bus.
//!   Another instance re-reads that company's availability (and, on
//!   PostgreSQL, its active assignments) from the database, updates its
//!   operators, recomputes the preset statuses and tells the desks, as a
//!   local change does ([`Hub::reconcile`]). Versions are `(epoch, counter)`
//!   per publishing instance: stale and repeated events are dropped. A
//!   periodic re-read (`[presence] reconcile_secs`) heals a lost event; a
//!   [`Notice::Resync`] re-reads at once.
//! - **Presence** is a heartbeat with a TTL in `operator_presence`: each
//!   instance writes the operators whose desk sockets it holds (or whose
//!   lease it renewed), valid for `[presence] ttl_secs`, every third of
//!   it and whenever a desk opens or closes. An operator whose heartbeat
//!   is on another instance never decays here; once it expires (that
//!   instance died), the usual grace (`away_after_secs`) starts, and then
//!   the operator becomes away everywhere.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use owidget_protocol::desk::{Availability, DeskEvent, OperatorInfo};
use tokio::time::Instant;

use super::{desks, Hub, OpRef};
use crate::bus::{Event, Notice, Version, VersionTracker};
use crate::Result;

/// State shared between the hub and the task.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Epoch of this instance's status versions: its start time.
    epoch: u64,
    counter: AtomicU64,
    /// Wakes the heartbeat when a desk opens or closes here.
    presence: tokio::sync::Notify,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            epoch: crate::ids::now_ms().max(0) as u64,
            counter: AtomicU64::new(0),
            presence: tokio::sync::Notify::new(),
        }
    }

    /// A desk socket opened or closed: heartbeat now.
    pub(crate) fn presence_changed(&self) {
        self.presence.notify_one();
    }

    /// The next version this instance publishes (status, and visitors in
    /// `cluster_desk`).
    pub(super) fn next(&self) -> Version {
        Version {
            epoch: self.epoch,
            counter: self.counter.fetch_add(1, Ordering::SeqCst) + 1,
        }
    }
}

impl Hub {
    /// Sets an operator's availability from the desk or the API: committed
    /// to the database first (with its `user.availability.updated` event),
    /// then applied here, then published to the other instances. A failed
    /// write changes nothing and is the caller's error.
    pub async fn commit_availability(&self, op: OpRef, a: Availability) -> Result<OperatorInfo> {
        let company = &self.config.companies[op.company];
        let username = company.operators[op.operator].username.clone();
        let routing = self.routing[op.company].lock().await;
        // Events planned earlier for this operator (decay) go first, in
        // order; the operator's own change supersedes the one pending.
        let pending: Vec<_> = {
            let mut c = self.lock(op.company);
            let (mine, others) = std::mem::take(&mut c.availability_events)
                .into_iter()
                .partition(|(i, _)| *i == op.operator);
            c.availability_events = others;
            mine
        };
        let mut events: Vec<_> = pending.iter().map(|(_, p)| p.clone()).collect();
        if self.lock(op.company).operators[op.operator].availability != a {
            events.extend(crate::webhooks::availability(
                &self.config,
                op.company,
                &username,
                a,
                "operator",
            ));
        }
        let written = self
            .store
            .commit_availability(company.id.clone(), username, a, events.clone())
            .await;
        if let Err(e) = written {
            let mut c = self.lock(op.company);
            let mut kept = pending;
            kept.append(&mut c.availability_events);
            c.availability_events = kept;
            return Err(e);
        }
        self.webhooks.wake(&events);
        let info = {
            let mut c = self.lock(op.company);
            let s = &mut c.operators[op.operator];
            s.availability = a;
            s.stored = a;
            s.seen = Instant::now();
            self.recompute(op.company, &c);
            let info = self.info_locked(op, &c);
            desks::send(
                &mut c,
                op.operator,
                DeskEvent::Operator {
                    operator: info.clone(),
                },
            );
            info
        };
        drop(routing);
        tracing::info!(operator = %info.username, availability = ?a, "availability changed");
        self.publish_status(op.company);
        Ok(info)
    }

    /// Tells the other instances that the company's availability in the
    /// database changed, in the background (a broker that is down or slow
    /// never holds up the desk's request). A failed publish is logged: the
    /// change is committed, and their periodic re-read finds it. Publishes
    /// may overtake each other; a receiver that drops an older version
    /// after a newer one has re-read the newer state already.
    pub(super) fn publish_status(&self, company: usize) {
        let Some(bus) = self.bus().cloned() else {
            return;
        };
        let event = Event::Status {
            company: self.config.companies[company].id.clone(),
            version: self.cluster.next(),
        };
        tokio::spawn(async move {
            if let Err(e) = bus.publish(event).await {
                tracing::warn!(error = %e, "status not published; other instances re-read it");
            }
        });
    }

    /// Re-reads one company's availability (and, on PostgreSQL, who holds
    /// which active chat) from the database and applies what changed:
    /// operators, preset statuses, desks. A local change not stored yet
    /// (the sweep's next tick) is kept. Returns how many operators changed.
    pub async fn reconcile(&self, company: usize) -> Result<usize> {
        let cfg = &self.config.companies[company];
        let _routing = self.routing[company].lock().await;
        let rows = self.store.company_availability(cfg.id.clone()).await?;
        let assigned = if self.store.is_pg() {
            Some(self.store.active_assignments(cfg.id.clone()).await?)
        } else {
            None
        };
        let now = Instant::now();
        let mut c = self.lock(company);
        let c = &mut *c;
        let mut changed = 0;
        let mut load_changed = false;
        for (i, o) in cfg.operators.iter().enumerate() {
            if let Some(assigned) = &assigned {
                let remote: Vec<String> = assigned
                    .iter()
                    .filter(|(user, id)| user == &o.username && !c.sessions.contains_key(id))
                    .map(|(_, id)| id.clone())
                    .collect();
                let s = &mut c.operators[i];
                if s.remote_chats != remote {
                    s.remote_chats = remote;
                    load_changed = true;
                }
            }
            let s = &mut c.operators[i];
            if s.driven_here || s.availability != s.stored {
                // A bot driven here: its app's answer decides. A local
                // change waits to be stored. (A bot driven elsewhere takes
                // the value its driver stored.)
                continue;
            }
            let Some(a) = rows.iter().find(|(u, _)| u == &o.username).map(|r| r.1) else {
                continue;
            };
            if s.availability == a {
                continue;
            }
            s.availability = a;
            s.stored = a;
            s.remote_seen = Some(now);
            changed += 1;
            tracing::info!(operator = %o.username, availability = ?a, "availability changed on another instance");
            let info = self.info_locked(
                OpRef {
                    company,
                    operator: i,
                },
                c,
            );
            desks::send(c, i, DeskEvent::Operator { operator: info });
        }
        if changed > 0 || load_changed {
            self.recompute(company, c);
        }
        Ok(changed)
    }

    /// Re-reads every company ([`Hub::reconcile`]), logging failures.
    async fn reconcile_all(&self) {
        for company in 0..self.state.len() {
            if let Err(e) = self.reconcile(company).await {
                tracing::warn!(error = %e, "re-reading availability failed");
            }
        }
    }

    /// Writes this instance's heartbeat of the operators it holds (a desk
    /// socket, or a lease within the grace) and learns who is present on
    /// other instances. An operator whose presence elsewhere expired starts
    /// the grace here.
    pub async fn heartbeat(&self, instance: &str) -> Result<()> {
        let grace = self.config.presence.away_after;
        let now = Instant::now();
        let mut held = Vec::new();
        for company in 0..self.state.len() {
            let cfg = &self.config.companies[company];
            let c = self.lock(company);
            for (s, o) in c.operators.iter().zip(&cfg.operators) {
                let leased = s.availability == Availability::Online
                    && now.saturating_duration_since(s.seen) < grace;
                if !o.bot && (!s.desks.is_empty() || leased) {
                    held.push((cfg.id.clone(), o.username.clone()));
                }
            }
        }
        let ttl = self.config.presence.ttl.as_millis() as i64;
        let wall = crate::ids::now_ms();
        let others: HashSet<(String, String)> = self
            .store
            .heartbeat(instance.to_string(), held, wall, wall + ttl)
            .await?
            .into_iter()
            .collect();
        let now = Instant::now();
        for company in 0..self.state.len() {
            let cfg = &self.config.companies[company];
            let mut c = self.lock(company);
            for (s, o) in c.operators.iter_mut().zip(&cfg.operators) {
                let present = others.contains(&(cfg.id.clone(), o.username.clone()));
                if s.elsewhere && !present {
                    tracing::info!(operator = %o.username, "presence on another instance expired");
                    s.remote_seen = Some(now);
                }
                s.elsewhere = present;
            }
        }
        Ok(())
    }
}

/// Starts the task that applies other instances' status events, re-reads
/// availability periodically and writes the presence heartbeat, until
/// `closing` flips (then this instance's heartbeat is removed).
pub(crate) fn spawn(hub: Arc<Hub>, closing: tokio::sync::watch::Receiver<bool>) {
    let Some(bus) = hub.bus().cloned() else {
        return;
    };
    tokio::spawn(run(hub, bus, closing));
}

async fn run(hub: Arc<Hub>, bus: crate::bus::Bus, mut closing: tokio::sync::watch::Receiver<bool>) {
    let mut events = bus.subscribe();
    let instance = bus.instance().to_string();
    let presence = &hub.config.presence;
    let floor = std::time::Duration::from_millis(50);
    let mut reconcile = tokio::time::interval(presence.reconcile.max(floor));
    let mut beat = tokio::time::interval((presence.ttl / 3).max(floor));
    for t in [&mut reconcile, &mut beat] {
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    let mut seen: VersionTracker<(String, String), Version> = VersionTracker::new();
    loop {
        tokio::select! {
            notice = events.recv() => match notice {
                Some(Notice::Event(e)) => {
                    let crate::bus::Envelope { from, event } = e;
                    let Event::Status { company, version } = event else { continue };
                    let Some(i) = hub.config.companies.iter().position(|c| c.id == company) else {
                        continue;
                    };
                    if !seen.accept((from, company), version) {
                        continue; // stale or repeated
                    }
                    if let Err(e) = hub.reconcile(i).await {
                        tracing::warn!(error = %e, "re-reading availability failed");
                    }
                }
                Some(Notice::Resync) => hub.reconcile_all().await,
                None => break,
            },
            _ = reconcile.tick() => hub.reconcile_all().await,
            _ = beat.tick() => beat_once(&hub, &instance).await,
            _ = hub.cluster.presence.notified() => beat_once(&hub, &instance).await,
            _ = closing.changed() => break,
        }
    }
    if let Err(e) = hub.store.clear_presence(instance).await {
        tracing::warn!(error = %e, "removing the presence heartbeat failed");
    }
}

async fn beat_once(hub: &Hub, instance: &str) {
    if let Err(e) = hub.heartbeat(instance).await {
        tracing::warn!(error = %e, "presence heartbeat failed");
    }
}
