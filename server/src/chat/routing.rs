//! Queue and assignment: start, accept, transfer, end, detach.

use std::collections::BTreeMap;

use owidget_protocol::desk::{Availability, ChatSummary, DeskEvent};
use owidget_protocol::{Author, ButtonStatus, ServerMessage, SessionState};

use super::desks::send;
use super::{push, summary, CompanyState, Hub, Live, OpRef, VisitorLink};
use crate::ids::{new_token, now_ms, random_hex, token_hash};
use crate::storage::NewSession;
use crate::{Error, Result};

/// What a visitor's `startChat` carries.
#[derive(Debug, Clone)]
pub struct StartChat {
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
    /// `init` scope.
    pub scope: Option<String>,
    /// `addCustomData` values.
    pub custom_data: BTreeMap<String, String>,
    /// The visitor's IP address, for the per-IP cap on chat starts.
    pub ip: Option<std::net::IpAddr>,
    /// The visitor id the widget kept from an earlier chat, if any.
    pub visitor_id: Option<String>,
    /// The widget's idempotency key of this start (checked by the socket).
    pub start_key: Option<String>,
}

/// A created session, as the visitor learns it.
#[derive(Debug, Clone)]
pub struct Created {
    /// Session id.
    pub id: String,
    /// Secret for resuming (only its hash is kept).
    pub token: String,
    /// 1-based place in the queue.
    pub position: u32,
    /// The visitor's stable id (kept from `StartChat` or new).
    pub visitor_id: String,
    /// True when the `startKey` named a session it had already created:
    /// nothing new was created and no socket was attached (the caller
    /// resumes the session with `token`).
    pub repeated: bool,
}

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
    }
}

impl Hub {
    /// Stores and enqueues a new waiting session for a visitor. Refused
    /// (`Unavailable`) when no operator of the preset's groups is available.
    pub async fn start_chat(
        &self,
        company: usize,
        preset: usize,
        start: StartChat,
        visitor: VisitorLink,
    ) -> Result<Created> {
        // A start with a key is checked and created under the company's
        // routing lock, so that two sockets re-sending the same key (an
        // old one still closing) create one session.
        let _serial = match &start.start_key {
            Some(_) => Some(self.routing[company].lock().await),
            None => None,
        };
        if let Some(key) = &start.start_key {
            if let Some(created) = self.started_with(company, key).await? {
                return Ok(created);
            }
        }
        if self.status(company, preset) == ButtonStatus::Offline {
            return Err(Error::Unavailable("no operator is available".into()));
        }
        self.admit_start(company, preset, start.ip)?;
        let preset_cfg = &self.config.companies[company].presets[preset];
        let id = random_hex(16);
        let token = new_token();
        let chat = ChatSummary {
            id: id.clone(),
            preset: preset_cfg.name.clone(),
            state: SessionState::Waiting,
            language: start.language,
            page_url: start.page_url,
            scope: start.scope,
            custom_data: start.custom_data,
            created_at: now_ms(),
            accepted_at: None,
            ended_at: None,
            ended_by: None,
            operator: None,
            operator_name: None,
            queue_position: None,
            visitor_online: true,
            closing_form: None,
        };
        let visitor_id = crate::plugins::visitor_id(start.visitor_id);
        let hash = token_hash(&token);
        self.store
            .insert_session(NewSession {
                id: id.clone(),
                company: self.config.companies[company].id.clone(),
                preset: chat.preset.clone(),
                scope: chat.scope.clone(),
                language: chat.language.clone(),
                page_url: chat.page_url.clone(),
                custom_data: chat.custom_data.clone(),
                token_hash: hash.clone(),
                created_at: chat.created_at,
                visitor_id: visitor_id.clone(),
                start_key: start
                    .start_key
                    .as_deref()
                    .map(|key| crate::ids::start_key_record(key, &token)),
            })
            .await?;
        let mut live = live_of(chat, preset_cfg.widget.groups.clone(), hash);
        live.visitors.push(visitor);
        let mut state = self.lock(company);
        let c = &mut state;
        c.queue.push(id.clone());
        let position = c.queue.len() as u32;
        live.chat.queue_position = Some(position);
        c.sessions.insert(id.clone(), live);
        self.queue_joined(company, c, &id);
        tracing::info!(session = %id, position, "chat waiting");
        Ok(Created {
            id,
            token,
            position,
            visitor_id,
            repeated: false,
        })
    }

    /// The caps on chat starts (issue 10, item 1): queue length per
    /// company, starts per IP and per preset per minute.
    fn admit_start(
        &self,
        company: usize,
        preset: usize,
        ip: Option<std::net::IpAddr>,
    ) -> Result<()> {
        let max = self.config.abuse.queue_max;
        if self.lock(company).queue.len() >= max {
            return Err(Error::Unavailable(
                "the queue is full; please try again later".into(),
            ));
        }
        let now = tokio::time::Instant::now();
        let over = |wait| {
            let secs = crate::throttle::retry_secs(wait);
            Error::RetryAfter(
                format!("too many chats started; try again in {secs} s"),
                secs,
            )
        };
        if let Some(ip) = ip {
            self.starts_by_ip.check(&ip, now).map_err(over)?;
        }
        self.starts_by_preset
            .hit((company, preset), now)
            .map_err(over)?;
        if let Some(ip) = ip {
            self.starts_by_ip.record(ip, now);
        }
        Ok(())
    }

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
        self.store.set_assignment(&planned, event.clone()).await?;
        self.webhooks.wake(event.as_slice());
        let mut state = self.lock(op.company);
        Ok(self.apply_assign(op, &mut state, id, planned.accepted_at))
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
        self.store.set_assignment(&planned, event.clone()).await?;
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
                None => {
                    let live = c.sessions.get_mut(id).expect("routing is serialized");
                    live.operator = None;
                    live.chat.state = SessionState::Waiting;
                    live.chat.operator = None;
                    live.chat.operator_name = None;
                    live.chat.accepted_at = None;
                    c.queue.insert(0, id.to_string());
                    self.queue_moved(c);
                    self.queue_joined(op.company, c, id);
                    self.recompute(op.company, c);
                    summary(c.sessions.get(id).expect("still there"))
                }
            }
        };
        tracing::info!(session = %id, to = ?to, "chat transferred");
        Ok(chat)
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

    /// Gives a checked (and stored) chat to `op` and tells everyone.
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
        self.store.end_session(id, at, by, event.clone()).await?;
        self.webhooks.wake(event.as_slice());
        let mut state = self.lock(company);
        let c = &mut state;
        let mut live = c.sessions.remove(id).expect("routing is serialized");
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
        Ok(summary(&live))
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
            if let Some(o) = live.operator {
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
