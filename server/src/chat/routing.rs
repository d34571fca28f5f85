//! Queue and assignment: accept, transfer, end, detach (starting a chat:
//! `start.rs`).

use owidget_protocol::desk::{Availability, ChatSummary, DeskEvent};
use owidget_protocol::{Author, ServerMessage, SessionState};

use super::desks::send;
use super::{push, summary, CompanyState, Hub, Live, OpRef};
use crate::bus::SessionChange;
use crate::ids::now_ms;
use crate::storage::Expect;
use crate::{Error, Result};

pub(super) fn live_of(chat: ChatSummary, groups: Vec<String>, token_hash: String) -> Live {
    Live {
        chat,
        groups,
        operator: None,
        token_hash,
        visitors: Vec::new(),
        visitor_rate: Default::default(),
        operator_rate: Default::default(),
        gone_since: None,
        visitor_elsewhere: false,
    }
}

impl Hub {
    /// Waiting sessions the operator could accept, oldest first.
    pub fn queue(&self, op: OpRef) -> Vec<ChatSummary> {
        let state = self.lock(op.company);
        self.queue_locked(op, &state)
    }

    /// The operator's active sessions.
    pub fn my_chats(&self, op: OpRef) -> Vec<ChatSummary> {
        let state = self.lock(op.company);
        let c = &state;
        c.operators[op.operator]
            .chats
            .iter()
            .filter_map(|id| c.sessions.get(id))
            .map(summary)
            .collect()
    }

    /// A live (waiting or active) session of the company, if `op` may see
    /// it: theirs, or waiting for one of their groups.
    pub fn live_chat(&self, op: OpRef, id: &str) -> Option<ChatSummary> {
        let me = &self.config.companies[op.company].operators[op.operator];
        let state = self.lock(op.company);
        let live = state.sessions.get(id)?;
        let bots = &self.config.companies[op.company].operators;
        let visible = match live.operator {
            Some(o) if bots[o].bot => self.may_watch(op, o, &live.groups),
            Some(o) => o == op.operator,
            None => me.serves(&live.groups),
        };
        visible.then(|| summary(live))
    }

    /// The operator takes a waiting session. Checked, stored, then
    /// published (issue 10, item 8): a failed write changes nothing.
    pub async fn accept(&self, op: OpRef, id: &str) -> Result<ChatSummary> {
        let _serial = self.routing[op.company].lock().await;
        let me = &self.config.companies[op.company].operators[op.operator];
        // A chat another instance started moments ago may not have reached
        // this one's queue yet: read it from the database before saying 404.
        let unknown = !self.lock(op.company).sessions.contains_key(id);
        if unknown && self.bus().is_some_and(|b| b.kind() != "memory") {
            self.reconcile_locked(op.company, id).await?;
        }
        let planned = {
            let state = self.lock(op.company);
            let c = &state;
            self.check_assign(op, c, id, true)?;
            let mut chat = summary(&c.sessions[id]);
            chat.state = SessionState::Active;
            chat.accepted_at = Some(now_ms());
            chat.operator = Some(me.username.clone());
            chat.operator_name = Some(me.name.clone());
            chat
        };
        let event = crate::webhooks::pushed(&self.config, op.company, &planned);
        let decided = self
            .store
            .assign_checked(
                &self.company_id(op.company),
                &planned,
                Expect::Waiting,
                Some(me.capacity),
                event.clone(),
            )
            .await;
        self.decided(op.company, id, decided).await?;
        self.webhooks.wake(event.as_slice());
        let chat = {
            let mut state = self.lock(op.company);
            self.apply_assign(op, &mut state, id, planned.accepted_at)
        };
        self.publish_session(
            op.company,
            id,
            SessionChange::Accepted,
            chat.operator.clone(),
        );
        Ok(chat)
    }

    /// The database's answer to an assignment: on a `Conflict` (another
    /// instance decided first) this instance's view of the chat is
    /// corrected from the database before the error goes back.
    pub(super) async fn decided(&self, company: usize, id: &str, r: Result<usize>) -> Result<()> {
        match r {
            Err(Error::Conflict(why)) => {
                if let Err(e) = self.reconcile_locked(company, id).await {
                    tracing::warn!(session = %id, error = %e, "could not re-read the chat");
                }
                Err(Error::Conflict(why))
            }
            r => r.map(|_| ()),
        }
    }

    /// Tells the other instances that a session changed.
    pub(super) fn publish_session(
        &self,
        company: usize,
        id: &str,
        change: SessionChange,
        operator: Option<String>,
    ) {
        self.publish(crate::bus::Event::Session {
            company: self.company_id(company),
            session: id.to_string(),
            change,
            operator,
            version: now_ms() as u64,
        });
    }

    /// Moves `op`'s active chat to another operator of the company (who must
    /// be online with free capacity and serve the chat's groups), or back to
    /// the front of the queue with `to == None`. Stored before published.
    pub async fn transfer(&self, op: OpRef, id: &str, to: Option<&str>) -> Result<ChatSummary> {
        let c_cfg = &self.config.companies[op.company];
        let target = match to {
            Some(u) => Some(
                c_cfg
                    .operators
                    .iter()
                    .position(|o| o.username == u)
                    .ok_or_else(|| Error::NotFound(format!("no operator {u:?}")))?,
            ),
            None => None,
        };
        if target == Some(op.operator) {
            return Err(Error::BadRequest("the chat is already yours".into()));
        }
        let _serial = self.routing[op.company].lock().await;
        let to_op = |t| OpRef {
            company: op.company,
            operator: t,
        };
        let planned = {
            let state = self.lock(op.company);
            let c = &state;
            let live = c
                .sessions
                .get(id)
                .ok_or_else(|| Error::NotFound("no such chat".into()))?;
            if live.operator != Some(op.operator) {
                return Err(Error::Forbidden("the chat is not yours".into()));
            }
            let mut chat = summary(live);
            match target {
                Some(t) => {
                    self.check_can_take(to_op(t), c, id)?;
                    chat.accepted_at = Some(now_ms());
                    chat.operator = Some(c_cfg.operators[t].username.clone());
                    chat.operator_name = Some(c_cfg.operators[t].name.clone());
                }
                None => {
                    chat.state = SessionState::Waiting;
                    chat.accepted_at = None;
                    chat.operator = None;
                    chat.operator_name = None;
                }
            }
            chat
        };
        let event =
            target.and_then(|_| crate::webhooks::pushed(&self.config, op.company, &planned));
        let capacity = target.map(|t| c_cfg.operators[t].capacity);
        let from = c_cfg.operators[op.operator].username.clone();
        let decided = self
            .store
            .assign_checked(
                &self.company_id(op.company),
                &planned,
                Expect::HeldBy(from),
                capacity,
                event.clone(),
            )
            .await;
        self.decided(op.company, id, decided).await?;
        self.webhooks.wake(event.as_slice());
        let chat = {
            let mut state = self.lock(op.company);
            let c = &mut state;
            c.operators[op.operator].chats.retain(|q| q != id);
            send(
                c,
                op.operator,
                DeskEvent::ChatUnassigned {
                    session_id: id.to_string(),
                },
            );
            self.operator_changed(op, c);
            match target {
                Some(t) => self.apply_assign(to_op(t), c, id, planned.accepted_at),
                None => self.requeue_first(op.company, c, id, true),
            }
        };
        tracing::info!(session = %id, to = ?to, "chat transferred");
        let change = match target {
            Some(_) => SessionChange::Transferred,
            None => SessionChange::Queued,
        };
        self.publish_session(op.company, id, change, chat.operator.clone());
        Ok(chat)
    }

    /// Chat `id` (here) waits again, held by nobody, first in the queue
    /// (once: another instance's change may be applied twice); the desks
    /// are told, the bots only when `offer_bots` (a bot handing a chat on
    /// must not be offered it again). Its summary now.
    pub(super) fn requeue_first(
        &self,
        company: usize,
        c: &mut CompanyState,
        id: &str,
        offer_bots: bool,
    ) -> ChatSummary {
        let live = c.sessions.get_mut(id).expect("the chat is here");
        live.operator = None;
        live.chat.state = SessionState::Waiting;
        live.chat.operator = None;
        live.chat.operator_name = None;
        live.chat.accepted_at = None;
        c.queue.retain(|q| q != id);
        c.queue.insert(0, id.to_string());
        self.queue_moved(c);
        if offer_bots {
            self.queue_joined(company, c, id);
        } else {
            self.queue_joined_quiet(company, c, id);
        }
        self.recompute(company, c);
        summary(c.sessions.get(id).expect("still there"))
    }

    /// Why `op` cannot take a chat now, if they cannot.
    fn check_can_take(&self, op: OpRef, c: &CompanyState, id: &str) -> Result<()> {
        let me = &self.config.companies[op.company].operators[op.operator];
        let live = c
            .sessions
            .get(id)
            .ok_or_else(|| Error::NotFound("no such chat".into()))?;
        if !me.serves(&live.groups) {
            return Err(Error::Forbidden("the chat is for another group".into()));
        }
        self.check_has_room(op, c)
    }

    /// Why `op` cannot take one more chat now (not online, at capacity),
    /// if they cannot.
    pub(super) fn check_has_room(&self, op: OpRef, c: &CompanyState) -> Result<()> {
        let me = &self.config.companies[op.company].operators[op.operator];
        let s = &c.operators[op.operator];
        if s.availability != Availability::Online {
            return Err(Error::Conflict(format!("{} is not online", me.username)));
        }
        if s.chats.len() as u32 >= me.capacity {
            return Err(Error::Conflict(format!(
                "{} is at their chat capacity",
                me.username
            )));
        }
        Ok(())
    }

    /// Whether `op` may take the chat; `from_queue` requires it to be
    /// waiting.
    fn check_assign(&self, op: OpRef, c: &CompanyState, id: &str, from_queue: bool) -> Result<()> {
        let live = c
            .sessions
            .get(id)
            .ok_or_else(|| Error::NotFound("no such chat".into()))?;
        if from_queue && live.chat.state != SessionState::Waiting {
            return Err(Error::Conflict("the chat is not waiting".into()));
        }
        self.check_can_take(op, c, id)
    }

    /// Gives a checked (and stored) chat to `op` and tells everyone, the
    /// bot engine too (also for another instance's assignment: the engine
    /// driving the chat may be this instance's).
    pub(super) fn apply_assign(
        &self,
        op: OpRef,
        c: &mut CompanyState,
        id: &str,
        accepted_at: Option<i64>,
    ) -> ChatSummary {
        let me = &self.config.companies[op.company].operators[op.operator];
        let was_queued = c.queue.iter().any(|q| q == id);
        c.queue.retain(|q| q != id);
        c.operators[op.operator].chats.push(id.to_string());
        let live = c.sessions.get_mut(id).expect("routing is serialized");
        live.chat.state = SessionState::Active;
        live.chat.accepted_at = accepted_at;
        live.chat.operator = Some(me.username.clone());
        live.chat.operator_name = Some(me.name.clone());
        live.chat.queue_position = None;
        live.operator = Some(op.operator);
        push(
            live,
            ServerMessage::SessionStarted {
                operator_name: me.name.clone(),
            },
        );
        let chat = summary(live);
        send(
            c,
            op.operator,
            DeskEvent::ChatAssigned { chat: chat.clone() },
        );
        self.operator_changed(op, c);
        if was_queued {
            let groups = c.sessions[id].groups.clone();
            self.queue_moved(c);
            self.queue_left(op.company, c, id, &groups);
        }
        self.recompute(op.company, c);
        tracing::info!(session = %id, operator = %me.username, "chat assigned");
        self.bot_event(super::BotEvent::Assigned {
            company: op.company,
            id: id.to_string(),
            operator: op.operator,
        });
        chat
    }

    /// Ends a session. An operator may end their own active chats and
    /// waiting chats of their groups; `op == None` is the visitor. Stored
    /// before published.
    pub async fn end(&self, company: usize, id: &str, op: Option<OpRef>) -> Result<ChatSummary> {
        let by = if op.is_some() {
            Author::Operator
        } else {
            Author::Visitor
        };
        self.end_as(company, id, op, by).await
    }

    /// Ends a session as `by`; `Author::System` ends only a waiting chat
    /// that still has no visitor socket (expiry).
    pub(super) async fn end_as(
        &self,
        company: usize,
        id: &str,
        op: Option<OpRef>,
        by: Author,
    ) -> Result<ChatSummary> {
        let _serial = self.routing[company].lock().await;
        {
            let state = self.lock(company);
            let live = state
                .sessions
                .get(id)
                .ok_or_else(|| Error::NotFound("no such chat".into()))?;
            if by == Author::System
                && (live.chat.state != SessionState::Waiting || !live.visitors.is_empty())
            {
                return Err(Error::Conflict("the visitor came back".into()));
            }
            if let Some(op) = op {
                let me = &self.config.companies[company].operators[op.operator];
                let allowed = match live.operator {
                    Some(o) => o == op.operator,
                    None => me.serves(&live.groups),
                };
                if !allowed {
                    return Err(Error::Forbidden("the chat is not yours".into()));
                }
            }
        }
        let at = now_ms();
        let event = crate::webhooks::closed(&self.config, company, id, by);
        let stored = self.store.end_session(id, at, by, event.clone()).await;
        self.decided(company, id, stored).await?;
        self.webhooks.wake(event.as_slice());
        let chat = {
            let mut state = self.lock(company);
            self.end_here(company, &mut state, id, at, by)
                .expect("routing is serialized")
        };
        self.publish_session(company, id, SessionChange::Ended, None);
        Ok(chat)
    }

    /// Removes an ended session from this instance and tells its sockets
    /// and the bot engine (also for another instance's end: the engine
    /// driving the chat may be this instance's). `None` when it was not
    /// live here.
    pub(super) fn end_here(
        &self,
        company: usize,
        c: &mut CompanyState,
        id: &str,
        at: i64,
        by: Author,
    ) -> Option<ChatSummary> {
        let mut live = c.sessions.remove(id)?;
        c.delivered.forget(id);
        live.chat.state = SessionState::Ended;
        live.chat.ended_at = Some(at);
        live.chat.ended_by = Some(by);
        live.chat.queue_position = None;
        push(&mut live, ServerMessage::SessionEnded { by });
        let was_waiting = c.queue.iter().any(|q| q == id);
        c.queue.retain(|q| q != id);
        if let Some(o) = live.operator {
            c.operators[o].chats.retain(|q| q != id);
            send(
                c,
                o,
                DeskEvent::ChatEnded {
                    session_id: id.to_string(),
                    by,
                },
            );
            self.operator_changed(
                OpRef {
                    company,
                    operator: o,
                },
                c,
            );
        }
        if was_waiting {
            self.queue_moved(c);
            self.queue_left(company, c, id, &live.groups);
        }
        self.recompute(company, c);
        self.bot_event(super::BotEvent::Ended {
            company,
            id: id.to_string(),
        });
        tracing::info!(session = %id, ?by, "chat ended");
        Some(summary(&live))
    }

    /// A widget socket closed: unlink it if it is still the session's.
    pub fn detach(&self, company: usize, id: &str, conn: u64) {
        let mut state = self.lock(company);
        let c = &mut state;
        let Some(live) = c.sessions.get_mut(id) else {
            return;
        };
        let before = live.visitors.len();
        live.visitors.retain(|v| v.conn != conn);
        if live.visitors.is_empty() && live.gone_since.is_none() {
            live.gone_since = Some(tokio::time::Instant::now());
        }
        if before > 0 && live.visitors.is_empty() {
            self.visitor_here(company, id, false);
            if let (Some(o), false) = (live.operator, live.visitor_elsewhere) {
                let event = DeskEvent::Presence {
                    session_id: id.to_string(),
                    online: false,
                };
                send(c, o, event);
            }
        }
    }

    /// Renumbers the queue and tells waiting visitors whose place changed.
    pub(super) fn queue_moved(&self, c: &mut CompanyState) {
        for (i, id) in c.queue.iter().enumerate() {
            let position = i as u32 + 1;
            if let Some(live) = c.sessions.get_mut(id) {
                if live.chat.queue_position != Some(position) {
                    live.chat.queue_position = Some(position);
                    push(live, ServerMessage::Queue { position });
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
