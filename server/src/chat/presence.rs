//! Presence decay: an operator who is online but has no desk socket open
//! and makes no API call for `[presence] away_after_secs` becomes away, so
//! that visitors never queue for somebody who closed the desk, lost the
//! network or let the token expire. Like Chatwoot's online-status tracker
//! (presence is a lease renewed by the live connection), the lease here is
//! renewed by any open desk socket and by every authenticated request.

use owidget_protocol::desk::{Availability, DeskEvent};
use tokio::time::Instant;

use super::desks::send;
use super::{Hub, OpRef};
use crate::storage::AvailabilityChange;

impl Hub {
    /// Renews the operator's presence lease (an authenticated request).
    pub fn touch(&self, op: OpRef) {
        let mut state = self.lock(op.company);
        state.operators[op.operator].seen = Instant::now();
    }

    /// Sets away every online operator whose lease ran out at `now`: no desk
    /// socket open and nothing heard since `now - away_after`. Returns how
    /// many changed. Called periodically by [`Hub::sweep`]; tests pass their
    /// own `now`.
    pub fn decay(&self, now: Instant) -> usize {
        let grace = self.config.presence.away_after;
        let mut changed = 0;
        for company in 0..self.state.len() {
            let mut c = self.lock(company);
            let c = &mut *c;
            let mut any = false;
            for operator in 0..c.operators.len() {
                if self.config.companies[company].operators[operator].bot {
                    continue; // a bot's availability comes from its app
                }
                let s = &mut c.operators[operator];
                let vouched = s.remote_seen.map_or(s.seen, |r| r.max(s.seen));
                if s.availability != Availability::Online
                    || !s.desks.is_empty()
                    || s.elsewhere
                    || now.saturating_duration_since(vouched) < grace
                {
                    continue;
                }
                let op = OpRef { company, operator };
                self.availability_event(op, c, Availability::Away, "system");
                let s = &mut c.operators[operator];
                s.availability = Availability::Away;
                any = true;
                changed += 1;
                tracing::info!(
                    operator = %self.config.companies[company].operators[operator].username,
                    "no desk for the grace period; operator is away"
                );
                let info = self.info_locked(op, c);
                send(c, operator, DeskEvent::Operator { operator: info });
            }
            if any {
                self.recompute(company, c);
            }
        }
        changed
    }

    /// Ends waiting chats whose visitor has had no socket for
    /// `[presence] waiting_expiry_secs` (issue 10, item 1): a visitor who
    /// left leaves no ghost in the queue. Returns how many ended.
    pub async fn expire_waiting(&self, now: Instant) -> usize {
        let expiry = self.config.presence.waiting_expiry;
        let due: Vec<(usize, String)> = {
            let mut due = Vec::new();
            for company in 0..self.state.len() {
                let c = self.lock(company);
                due.extend(c.queue.iter().filter_map(|id| {
                    let live = c.sessions.get(id)?;
                    let gone = live.gone_since?;
                    (live.visitors.is_empty() && now.saturating_duration_since(gone) >= expiry)
                        .then(|| (company, id.clone()))
                }));
            }
            due
        };
        let mut ended = 0;
        for (company, id) in due {
            match self
                .end_as(company, &id, None, owidget_protocol::Author::System)
                .await
            {
                Ok(_) => {
                    tracing::info!(session = %id, "waiting chat expired: the visitor left");
                    ended += 1;
                }
                Err(e) => tracing::debug!(session = %id, error = %e, "not expired"),
            }
        }
        ended
    }

    /// Brings back the availability stored by the previous run (issue 14,
    /// item 6). The presence lease starts now: an operator whose desk does
    /// not reconnect within the grace becomes away.
    pub async fn restore_availability(&self) -> crate::Result<()> {
        let rows = self.store.availability().await?;
        let now = Instant::now();
        for (guid, username, a) in rows {
            let Some(company) = self.config.companies.iter().position(|c| c.id == guid) else {
                continue;
            };
            let ops = &self.config.companies[company].operators;
            // A bot starts offline: its app's answer makes it available.
            let Some(operator) = ops.iter().position(|o| o.username == username && !o.bot) else {
                continue;
            };
            let mut c = self.lock(company);
            let s = &mut c.operators[operator];
            s.availability = a;
            s.stored = a;
            s.seen = now;
        }
        for i in 0..self.state.len() {
            let c = self.lock(i);
            self.recompute(i, &c);
        }
        Ok(())
    }

    /// Stores the availabilities that differ from what the database holds
    /// (`stored`), with the `user.availability.updated` events planned
    /// since the last call, one transaction per company, under the
    /// company's routing lock (so a re-read from another instance's change
    /// never interleaves); then tells the other instances. A change is
    /// stored only where the database still holds `stored`: when another
    /// instance changed the operator meanwhile (say two survivors of a dead
    /// instance both let its operator decay), theirs stands, this one is
    /// dropped with its event, and the operator takes the stored value.
    async fn persist_availability(&self) {
        for company in 0..self.state.len() {
            let routing = self.routing[company].lock().await;
            let cfg = &self.config.companies[company];
            let (changes, events) = {
                let mut c = self.lock(company);
                let changes: Vec<AvailabilityChange> = c
                    .operators
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.availability != s.stored)
                    .map(|(i, s)| AvailabilityChange {
                        operator: i,
                        username: cfg.operators[i].username.clone(),
                        from: s.stored,
                        to: s.availability,
                    })
                    .collect();
                (changes, std::mem::take(&mut c.availability_events))
            };
            if changes.is_empty() && events.is_empty() {
                continue;
            }
            match self
                .store
                .store_availability_changes(cfg.id.clone(), changes.clone(), events.clone())
                .await
            {
                Ok((now, written)) => {
                    {
                        let mut c = self.lock(company);
                        let c = &mut *c;
                        let mut lost = false;
                        for (ch, db) in changes.iter().zip(&now) {
                            let s = &mut c.operators[ch.operator];
                            s.stored = *db;
                            if *db != ch.to && s.availability == ch.to {
                                tracing::info!(operator = %ch.username, availability = ?db, "another instance changed the operator first");
                                s.availability = *db;
                                lost = true;
                                let info = self.info_locked(
                                    OpRef {
                                        company,
                                        operator: ch.operator,
                                    },
                                    c,
                                );
                                send(c, ch.operator, DeskEvent::Operator { operator: info });
                            }
                        }
                        if lost {
                            self.recompute(company, c);
                        }
                    }
                    self.webhooks.wake(&written);
                    drop(routing);
                    if !changes.is_empty() {
                        self.publish_status(company);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "storing operator availability failed");
                    // Kept, in order, for the next tick.
                    let mut c = self.lock(company);
                    let mut ev = events;
                    ev.append(&mut c.availability_events);
                    c.availability_events = ev;
                }
            }
        }
    }

    /// Periodic housekeeping until `closing` flips: presence decay, and
    /// storing availability changes (one writer, so they land in order; at
    /// most one tick, ≤ 1 s, is lost by a crash, and none by a shutdown).
    pub async fn sweep(
        self: std::sync::Arc<Self>,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) {
        let every = (self.config.presence.away_after / 4)
            .min(self.config.presence.waiting_expiry / 4)
            .clamp(
                std::time::Duration::from_millis(20),
                std::time::Duration::from_secs(1),
            );
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.decay(Instant::now());
                    self.expire_waiting(Instant::now()).await;
                    self.persist_availability().await;
                }
                _ = closing.changed() => break,
            }
        }
        self.persist_availability().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::storage::Store;

    const OP: OpRef = OpRef {
        company: 0,
        operator: 0,
    };

    /// Issue 10, item 6: online without a desk → away after the grace;
    /// an open desk keeps the operator online however long.
    #[tokio::test(start_paused = true)]
    async fn online_without_desk_decays_to_away() {
        let config = Arc::new(crate::demo::config());
        let grace = config.presence.away_after;
        let hub = Hub::new(config, Store::in_memory().unwrap());
        hub.set_availability(OP, Availability::Online);
        let t0 = Instant::now();
        assert_eq!(hub.decay(t0 + grace / 2), 0);
        assert_eq!(hub.operator_info(OP).availability, Availability::Online);
        assert_eq!(hub.decay(t0 + grace), 1);
        assert_eq!(hub.operator_info(OP).availability, Availability::Away);
        assert_eq!(hub.status(0, 0), owidget_protocol::ButtonStatus::Offline);

        hub.set_availability(OP, Availability::Online);
        let _desk = hub.attach_desk(OP, 7);
        assert_eq!(hub.decay(t0 + grace * 100), 0, "a desk is open");
        hub.detach_desk(OP, 7);
        let gone = Instant::now();
        assert_eq!(hub.decay(gone + grace / 2), 0, "grace starts at the detach");
        assert_eq!(hub.decay(gone + grace), 1);
    }
}
