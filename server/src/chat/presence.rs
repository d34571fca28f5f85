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

impl Hub {
    /// Renews the operator's presence lease (an authenticated request).
    pub fn touch(&self, op: OpRef) {
        let mut state = self.lock();
        state[op.company].operators[op.operator].seen = Instant::now();
    }

    /// Sets away every online operator whose lease ran out at `now`: no desk
    /// socket open and nothing heard since `now - away_after`. Returns how
    /// many changed. Called periodically by [`Hub::sweep`]; tests pass their
    /// own `now`.
    pub fn decay(&self, now: Instant) -> usize {
        let grace = self.config.presence.away_after;
        let mut changed = 0;
        let mut state = self.lock();
        for (company, c) in state.iter_mut().enumerate() {
            let mut any = false;
            for operator in 0..c.operators.len() {
                let s = &mut c.operators[operator];
                if s.availability != Availability::Online
                    || !s.desks.is_empty()
                    || now.saturating_duration_since(s.seen) < grace
                {
                    continue;
                }
                s.availability = Availability::Away;
                any = true;
                changed += 1;
                let op = OpRef { company, operator };
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

    /// Periodic housekeeping until `closing` flips: presence decay.
    pub async fn sweep(
        self: std::sync::Arc<Self>,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) {
        let every = (self.config.presence.away_after / 4).clamp(
            std::time::Duration::from_millis(20),
            std::time::Duration::from_secs(1),
        );
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.decay(Instant::now());
                }
                _ = closing.changed() => break,
            }
        }
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
