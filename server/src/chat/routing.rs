//! Queue and assignment: start, accept, end, detach.

use std::collections::BTreeMap;

use owidget_protocol::desk::{Availability, ChatSummary};
use owidget_protocol::{Author, ButtonStatus, ServerMessage, SessionState};

use super::{push, CompanyState, Hub, Live, OpRef, VisitorLink};
use crate::ids::{new_token, now_ms, random_hex, token_hash};
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
}

impl Hub {
    /// Enqueues a new waiting session for a visitor. Refused (`Conflict`)
    /// when no operator of the preset's groups is available.
    pub fn start_chat(
        &self,
        company: usize,
        preset: usize,
        start: StartChat,
        visitor: VisitorLink,
    ) -> Result<Created> {
        if self.status(company, preset) == ButtonStatus::Offline {
            return Err(Error::Conflict("no operator is available".into()));
        }
        let preset_cfg = &self.config.companies[company].presets[preset];
        let id = random_hex(16);
        let token = new_token();
        let live = Live {
            chat: ChatSummary {
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
            },
            preset,
            groups: preset_cfg.widget.groups.clone(),
            operator: None,
            token_hash: token_hash(&token),
            visitor: Some(visitor),
        };
        let mut state = self.lock();
        let c = &mut state[company];
        c.queue.push(id.clone());
        c.sessions.insert(id.clone(), live);
        let position = c.queue.len() as u32;
        if let Some(l) = c.sessions.get_mut(&id) {
            l.chat.queue_position = Some(position);
        }
        tracing::info!(session = %id, position, "chat waiting");
        Ok(Created {
            id,
            token,
            position,
        })
    }

    /// Waiting sessions the operator could accept, oldest first.
    pub fn queue(&self, op: OpRef) -> Vec<ChatSummary> {
        let state = self.lock();
        let c = &state[op.company];
        let me = &self.config.companies[op.company].operators[op.operator];
        c.queue
            .iter()
            .filter_map(|id| c.sessions.get(id))
            .filter(|l| me.serves(&l.groups))
            .map(summary)
            .collect()
    }

    /// The operator's active sessions.
    pub fn my_chats(&self, op: OpRef) -> Vec<ChatSummary> {
        let state = self.lock();
        let c = &state[op.company];
        c.operators[op.operator]
            .chats
            .iter()
            .filter_map(|id| c.sessions.get(id))
            .map(summary)
            .collect()
    }

    /// The operator takes a waiting session.
    pub fn accept(&self, op: OpRef, id: &str) -> Result<ChatSummary> {
        let me = &self.config.companies[op.company].operators[op.operator];
        let mut state = self.lock();
        let c = &mut state[op.company];
        let live = c
            .sessions
            .get(id)
            .ok_or_else(|| Error::NotFound("no such chat".into()))?;
        if live.chat.state != SessionState::Waiting {
            return Err(Error::Conflict("the chat is not waiting".into()));
        }
        if !me.serves(&live.groups) {
            return Err(Error::Forbidden("the chat is for another group".into()));
        }
        let mine = &c.operators[op.operator];
        if mine.availability != Availability::Online {
            return Err(Error::Conflict(
                "set your availability to online first".into(),
            ));
        }
        if mine.chats.len() as u32 >= me.capacity {
            return Err(Error::Conflict("you are at your chat capacity".into()));
        }
        c.queue.retain(|q| q != id);
        c.operators[op.operator].chats.push(id.to_string());
        let live = c.sessions.get_mut(id).expect("checked above");
        live.chat.state = SessionState::Active;
        live.chat.accepted_at = Some(crate::ids::now_ms());
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
        let out = summary(live);
        self.queue_moved(c);
        self.recompute(op.company, c);
        tracing::info!(session = %id, operator = %me.username, "chat accepted");
        Ok(out)
    }

    /// Ends a session. An operator may end their own active chats and
    /// waiting chats of their groups; `op == None` is the visitor.
    pub fn end(&self, company: usize, id: &str, op: Option<OpRef>) -> Result<ChatSummary> {
        let mut state = self.lock();
        let c = &mut state[company];
        let live = c
            .sessions
            .get(id)
            .ok_or_else(|| Error::NotFound("no such chat".into()))?;
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
        let mut live = c.sessions.remove(id).expect("checked above");
        c.queue.retain(|q| q != id);
        if let Some(o) = live.operator {
            c.operators[o].chats.retain(|q| q != id);
        }
        let by = if op.is_some() {
            Author::Operator
        } else {
            Author::Visitor
        };
        live.chat.state = SessionState::Ended;
        live.chat.ended_at = Some(now_ms());
        live.chat.ended_by = Some(by);
        live.chat.queue_position = None;
        push(&mut live, ServerMessage::SessionEnded { by });
        self.queue_moved(c);
        self.recompute(company, c);
        tracing::info!(session = %id, ?by, "chat ended");
        Ok(summary(&live))
    }

    /// A widget socket closed: unlink it if it is still the session's.
    pub fn detach(&self, company: usize, id: &str, conn: u64) {
        let mut state = self.lock();
        if let Some(live) = state[company].sessions.get_mut(id) {
            if live.visitor.as_ref().is_some_and(|v| v.conn == conn) {
                live.visitor = None;
                live.chat.visitor_online = false;
            }
        }
    }

    /// Renumbers the queue and tells waiting visitors whose place changed.
    fn queue_moved(&self, c: &mut CompanyState) {
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

fn summary(live: &Live) -> ChatSummary {
    let mut chat = live.chat.clone();
    chat.visitor_online = live.visitor.is_some();
    chat
}
