//! Desk sockets: registration and the events they receive.

use owidget_protocol::desk::DeskEvent;
use tokio::sync::mpsc;

use super::{summary, CompanyState, Hub, OpRef};

/// Events buffered per desk before it is dropped (it reconnects and
/// refetches).
const DESK_QUEUE: usize = 256;

/// Sends to every desk of one operator; drops desks that cannot keep up.
pub(super) fn send(c: &mut CompanyState, operator: usize, event: DeskEvent) {
    c.operators[operator]
        .desks
        .retain(|(_, tx)| tx.try_send(event.clone()).is_ok());
}

impl Hub {
    /// Registers a desk socket of `op`: returns its id and event stream,
    /// which starts with the operator's state and queue.
    pub fn attach_desk(&self, op: OpRef, id: u64) -> mpsc::Receiver<DeskEvent> {
        let (tx, rx) = mpsc::channel(DESK_QUEUE);
        let mut state = self.lock(op.company);
        let c = &mut state;
        let info = self.info_locked(op, c);
        let queue = self.queue_locked(op, c);
        // Fresh channel with room for all three: these cannot fail.
        let _ = tx.try_send(DeskEvent::Operator { operator: info });
        let _ = tx.try_send(DeskEvent::Queue { queue });
        let _ = tx.try_send(DeskEvent::Heartbeat {
            interval_ms: self.config.network.desk_heartbeat.as_millis() as u64,
        });
        c.operators[op.operator].desks.push((id, tx));
        self.cluster.presence_changed();
        rx
    }

    /// Unregisters a desk socket.
    pub fn detach_desk(&self, op: OpRef, id: u64) {
        let mut state = self.lock(op.company);
        let s = &mut state.operators[op.operator];
        s.desks.retain(|(d, _)| *d != id);
        if s.desks.is_empty() {
            // The presence lease runs from the last desk closing.
            s.seen = tokio::time::Instant::now();
        }
        self.cluster.presence_changed();
    }

    /// Tells the desks of operators serving the chat's groups that it
    /// joined the queue (a delta, not the whole queue: issue 10, item 1).
    pub(super) fn queue_joined(&self, company: usize, c: &mut CompanyState, id: &str) {
        self.queue_joined_quiet(company, c, id);
        self.bot_event(super::bots::BotEvent::Waiting {
            company,
            id: id.to_string(),
        });
    }

    /// [`Hub::queue_joined`] without telling the bots (a bot handing a
    /// chat on must not be offered it again).
    pub(super) fn queue_joined_quiet(&self, company: usize, c: &mut CompanyState, id: &str) {
        let Some(live) = c.sessions.get(id) else {
            return;
        };
        let event = DeskEvent::QueueJoined {
            chat: summary(live),
        };
        let groups = live.groups.clone();
        self.tell_servers(company, c, &groups, event);
    }

    /// Tells the desks of operators serving `groups` that a chat left the
    /// queue.
    pub(super) fn queue_left(
        &self,
        company: usize,
        c: &mut CompanyState,
        id: &str,
        groups: &[String],
    ) {
        let event = DeskEvent::QueueLeft {
            session_id: id.to_string(),
        };
        self.tell_servers(company, c, groups, event);
    }

    fn tell_servers(&self, company: usize, c: &mut CompanyState, groups: &[String], e: DeskEvent) {
        let ops = &self.config.companies[company].operators;
        for (i, o) in ops.iter().enumerate() {
            if !c.operators[i].desks.is_empty() && o.serves(groups) {
                send(c, i, e.clone());
            }
        }
    }

    /// Waiting chats `op` could take, oldest first, with queue positions.
    pub(super) fn queue_locked(
        &self,
        op: OpRef,
        c: &CompanyState,
    ) -> Vec<owidget_protocol::desk::ChatSummary> {
        let me = &self.config.companies[op.company].operators[op.operator];
        c.queue
            .iter()
            .filter_map(|id| c.sessions.get(id))
            .filter(|l| me.serves(&l.groups))
            .map(summary)
            .collect()
    }

    /// Tells operators serving a preset's groups about something new
    /// (offline message, callback request).
    pub fn notify_groups(&self, company: usize, groups: &[String], event: DeskEvent) {
        let mut state = self.lock(company);
        self.tell_servers(company, &mut state, groups, event);
    }

    /// Sends the operator's own state to their desks (after their chat
    /// count changed).
    pub(super) fn operator_changed(&self, op: OpRef, c: &mut CompanyState) {
        let operator = self.info_locked(op, c);
        send(c, op.operator, DeskEvent::Operator { operator });
    }
}
