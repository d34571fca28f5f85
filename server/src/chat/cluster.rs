//! Chat across instances (README, "The bus between instances"): what other
//! instances committed reaches this instance's sockets. The database is the
//! truth, the bus a hint (scale-out reference §1.6):
//!
//! - **Message** `(session, seq)`: the messages after the last `seq`
//!   delivered here are read from the database and pushed in order, once
//!   each, exactly as a local message is pushed (`SeqTracker` in
//!   `CompanyState::delivered`). A lost event is found at the next one (a
//!   gap) or at a resync; a repeated one is a duplicate and dropped.
//! - **Session** (queued, accepted, transferred, ended): the session row is
//!   read again and applied to the local queue, the operators' chat lists
//!   and the sockets, with the same desk events and visitor frames as the
//!   local path, under the company's routing lock (so that a local accept
//!   and an applied one never interleave).
//! - **Typing / Read**: pushed to the local sockets of that session.
//! - The bot engine (`crate::bot`) hears applied events as local ones: a
//!   chat queued, assigned or ended, and `BotEvent::Stored` for a message
//!   of a chat a bot holds; the instance driving that bot acts on them.
//! - **Resync** (the broker connection came back, or this subscriber fell
//!   behind), and every 30 s: the open sessions of the database are compared
//!   with the live ones here; those that differ are re-read and applied, and
//!   messages stored after the last one pushed here are delivered.
//!
//! Accept and transfer are decided by the database (`Store::assign_checked`),
//! never by two instances that both think a chat is waiting.

use std::collections::BTreeSet;
use std::sync::Arc;

use owidget_protocol::desk::DeskEvent;
use owidget_protocol::{ServerMessage, SessionState};
use tokio::sync::mpsc;

use super::desks::send;
use super::relay::push_message;
use super::routing::live_of;
use super::{push, CompanyState, Hub, OpRef};
use crate::bus::{Envelope, Event, Notice, Side};
use crate::storage::OpenSession;
use crate::Result;

/// Starts the task that applies other instances' events to this hub.
pub(crate) fn spawn(hub: Arc<Hub>, mut closing: tokio::sync::watch::Receiver<bool>) {
    let Some(bus) = hub.bus().cloned() else {
        return;
    };
    let (tx, mut gaps) = mpsc::unbounded_channel();
    let _ = hub.catch_up.set(tx);
    let mut sub = bus.subscribe();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RECONCILE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            let next = tokio::select! {
                _ = every.tick() => Next::Notice(Notice::Resync),
                n = sub.recv() => match n {
                    Some(n) => Next::Notice(n),
                    None => return,
                },
                Some((company, id)) = gaps.recv() => Next::Gap(company, id),
                _ = closing.wait_for(|c| *c) => return,
            };
            match next {
                Next::Notice(Notice::Event(e)) => hub.on_event(e).await,
                Next::Notice(Notice::Resync) => hub.resync().await,
                Next::Gap(company, id) => {
                    if let Err(e) = hub.catch_up(company, &id).await {
                        tracing::warn!(session = %id, error = %e, "cluster: messages not re-read");
                    }
                }
            }
        }
    });
}

impl Hub {
    fn company_index(&self, guid: &str) -> Option<usize> {
        self.config.companies.iter().position(|c| c.id == guid)
    }

    async fn on_event(&self, e: Envelope) {
        let (company, session) = match &e.event {
            Event::Message {
                company, session, ..
            }
            | Event::Typing {
                company, session, ..
            }
            | Event::Read {
                company, session, ..
            }
            | Event::Session {
                company, session, ..
            } => (company, session),
            // Availability and presence: `cluster_presence`; visitors'
            // presence and contacts: `cluster_desk`.
            Event::Status { .. }
            | Event::Presence { .. }
            | Event::Contact { .. }
            | Event::Visitors { .. } => return,
        };
        let Some(ci) = self.company_index(company) else {
            return;
        };
        let r = match &e.event {
            Event::Message { seq, .. } => self.remote_message(ci, session, *seq).await,
            Event::Session { .. } => self.reconcile_session(ci, session).await,
            Event::Typing { side, typing, .. } => {
                self.remote_signal(ci, session, *side, Signal::Typing(*typing));
                Ok(())
            }
            Event::Read { side, seq, .. } => {
                self.remote_signal(ci, session, *side, Signal::Read(*seq));
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(err) = r {
            tracing::warn!(session = %session, from = %e.from, error = %err,
                "cluster: event not applied; the next event or resync re-reads it");
        }
    }

    /// Another instance stored message `seq`: deliver what is missing here,
    /// and tell the bot engine (it may drive the chat from here).
    async fn remote_message(&self, company: usize, id: &str, seq: u64) -> Result<()> {
        {
            let mut state = self.lock(company);
            let c = &mut *state;
            let Some(live) = c.sessions.get(id) else {
                return Ok(());
            };
            if live
                .operator
                .is_some_and(|o| self.config.companies[company].operators[o].bot)
            {
                self.bot_event(super::BotEvent::Stored {
                    company,
                    id: id.to_string(),
                    seq,
                });
            }
            if seq <= c.delivered.last(id) {
                return Ok(()); // a duplicate
            }
            let desk_here = live
                .operator
                .is_some_and(|o| !c.operators[o].desks.is_empty());
            if live.visitors.is_empty() && !desk_here {
                // Nobody here shows the chat: a socket attaching later reads
                // the history itself (resume, chat load).
                c.delivered.seed(id, seq);
                return Ok(());
            }
        }
        self.catch_up(company, id).await
    }

    /// Reads the session's messages after the last one delivered here and
    /// pushes them in `seq` order.
    pub(super) async fn catch_up(&self, company: usize, id: &str) -> Result<()> {
        let last = {
            let c = self.lock(company);
            if !c.sessions.contains_key(id) {
                return Ok(());
            }
            c.delivered.last(id)
        };
        let missed = self.store.messages_after(id, last).await?;
        let mut state = self.lock(company);
        let c = &mut *state;
        for m in &missed {
            if !c.sessions.contains_key(id) {
                break;
            }
            let now = c.delivered.last(id);
            if m.seq <= now {
                continue; // pushed meanwhile by a local append
            }
            if m.seq != now + 1 {
                break; // cannot happen: seq is gapless in the database
            }
            push_message(c, id, m);
        }
        Ok(())
    }

    fn remote_signal(&self, company: usize, id: &str, side: Side, signal: Signal) {
        let mut state = self.lock(company);
        let c = &mut *state;
        let Some(live) = c.sessions.get_mut(id) else {
            return;
        };
        match side {
            // To the operator's desks here.
            Side::Visitor => {
                if let Some(o) = live.operator {
                    let session_id = id.to_string();
                    let event = match signal {
                        Signal::Typing(typing) => DeskEvent::Typing { session_id, typing },
                        Signal::Read(seq) => DeskEvent::Read { session_id, seq },
                    };
                    send(c, o, event);
                }
            }
            // To the visitor's sockets here.
            Side::Operator => push(
                live,
                match signal {
                    Signal::Typing(typing) => ServerMessage::Typing { typing },
                    Signal::Read(seq) => ServerMessage::Read { seq },
                },
            ),
        }
    }

    /// Re-reads a session and applies it, under the company's routing lock.
    async fn reconcile_session(&self, company: usize, id: &str) -> Result<()> {
        let _serial = self.routing[company].lock().await;
        self.reconcile_locked(company, id).await
    }

    /// [`Hub::reconcile_session`] for a caller holding the routing lock.
    pub(super) async fn reconcile_locked(&self, company: usize, id: &str) -> Result<()> {
        let found = self
            .store
            .session_head(&self.company_id(company), id)
            .await?;
        let mut state = self.lock(company);
        self.apply_stored(company, &mut state, id, found);
        Ok(())
    }

    /// Makes this instance's view of session `id` what the database says.
    fn apply_stored(
        &self,
        company: usize,
        c: &mut CompanyState,
        id: &str,
        found: Option<(OpenSession, u64)>,
    ) {
        let Some((stored, head)) = found else {
            return;
        };
        let chat = &stored.chat;
        let ops = &self.config.companies[company].operators;
        let operator = chat
            .operator
            .as_deref()
            .and_then(|u| ops.iter().position(|o| o.username == u));
        let here = c.sessions.get(id).map(|l| (l.chat.state, l.operator));
        match (chat.state, here) {
            (SessionState::Ended, Some(_)) => {
                let at = chat.ended_at.unwrap_or_else(crate::ids::now_ms);
                let by = chat.ended_by.unwrap_or(owidget_protocol::Author::System);
                self.end_here(company, c, id, at, by);
            }
            (SessionState::Ended, None) => {}
            (_, None) => self.arrive(company, c, stored, operator, head),
            (SessionState::Waiting, Some((SessionState::Waiting, _))) => {}
            (SessionState::Waiting, Some((_, held))) => {
                if let Some(o) = held {
                    self.unassign_here(company, c, id, o);
                }
                // As here: a chat a human put back is offered to the bots;
                // one a bot handed on is not offered to them again.
                let offer = held.is_none_or(|o| !ops[o].bot);
                let live = c.sessions.get_mut(id).expect("checked above");
                if let Some(groups) = &stored.groups {
                    live.groups = groups.clone(); // a bot's transfer or failure
                }
                self.requeue_first(company, c, id, offer);
            }
            (SessionState::Active, Some((_, held))) => {
                let Some(o) = operator else {
                    return; // an operator no longer configured here
                };
                if held == Some(o) {
                    return;
                }
                if let Some(old) = held {
                    self.unassign_here(company, c, id, old);
                }
                if let (Some(groups), Some(live)) = (&stored.groups, c.sessions.get_mut(id)) {
                    live.groups = groups.clone(); // a bot took the chat back
                }
                let op = OpRef {
                    company,
                    operator: o,
                };
                self.apply_assign(op, c, id, chat.accepted_at);
            }
        }
    }

    /// Takes a chat off operator `o` here (it went to the queue or to
    /// another operator elsewhere).
    fn unassign_here(&self, company: usize, c: &mut CompanyState, id: &str, o: usize) {
        c.operators[o].chats.retain(|q| q != id);
        send(
            c,
            o,
            DeskEvent::ChatUnassigned {
                session_id: id.to_string(),
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

    /// A session another instance created (or this one has not seen yet):
    /// into the queue in order of creation, or to its operator.
    fn arrive(
        &self,
        company: usize,
        c: &mut CompanyState,
        stored: OpenSession,
        operator: Option<usize>,
        head: u64,
    ) {
        let OpenSession {
            mut chat,
            token_hash: hash,
            groups: routed,
            ..
        } = stored;
        let c_cfg = &self.config.companies[company];
        let Some(preset) = c_cfg
            .preset(Some(&chat.preset))
            .or_else(|| c_cfg.preset(None))
        else {
            return;
        };
        let id = chat.id.clone();
        chat.visitor_online = false;
        let created = chat.created_at;
        let state = chat.state;
        // Its visitor is on another instance (or was): only the instance
        // where the visitor's socket closes lets a waiting chat expire.
        let groups = routed.unwrap_or_else(|| preset.widget.groups.clone());
        let mut live = live_of(chat, groups, hash);
        live.visitor_elsewhere = self.visitor_elsewhere(c, &id);
        c.delivered.seed(&id, head);
        match (state, operator) {
            (SessionState::Active, Some(o)) => {
                live.operator = Some(o);
                c.sessions.insert(id.clone(), live);
                c.operators[o].chats.push(id.clone());
                let chat = super::summary(&c.sessions[&id]);
                send(c, o, DeskEvent::ChatAssigned { chat });
                self.operator_changed(
                    OpRef {
                        company,
                        operator: o,
                    },
                    c,
                );
            }
            (SessionState::Active, None) => return, // its operator is not configured here
            _ => {
                c.sessions.insert(id.clone(), live);
                let at = c
                    .queue
                    .iter()
                    .position(|q| {
                        c.sessions
                            .get(q)
                            .is_some_and(|l| l.chat.created_at > created)
                    })
                    .unwrap_or(c.queue.len());
                c.queue.insert(at, id.clone());
                self.queue_moved(c);
                // The bot engine driving a bot of its groups may be here.
                self.queue_joined(company, c, &id);
            }
        }
        self.recompute(company, c);
    }

    /// After a broker loss, and every [`RECONCILE_EVERY`] (an event lost
    /// while this instance's own connection stayed up, e.g. because the
    /// publisher's was down, heals by itself): the open sessions and their
    /// last `seq`s are read from the database (two queries); sessions that
    /// differ from this instance's view are re-read and applied, and
    /// messages not yet pushed here are delivered.
    async fn resync(&self) {
        let (open, heads) =
            match tokio::try_join!(self.store.open_sessions(), self.store.open_heads()) {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "cluster: resync failed; the next one retries");
                    return;
                }
            };
        let heads: std::collections::HashMap<String, u64> = heads.into_iter().collect();
        for company in 0..self.state.len() {
            let guid = self.company_id(company);
            let ops = &self.config.companies[company].operators;
            let (differ, behind) = {
                let c = self.lock(company);
                let mut differ: BTreeSet<String> = BTreeSet::new();
                let mut stored = BTreeSet::new();
                for s in open.iter().filter(|s| s.company == guid) {
                    stored.insert(s.chat.id.as_str());
                    let same = c.sessions.get(&s.chat.id).is_some_and(|l| {
                        l.chat.state == s.chat.state
                            && l.operator.map(|o| ops[o].username.as_str())
                                == s.chat.operator.as_deref()
                    });
                    if !same {
                        differ.insert(s.chat.id.clone());
                    }
                }
                differ.extend(
                    c.sessions
                        .keys()
                        .filter(|id| !stored.contains(id.as_str()))
                        .cloned(),
                );
                let behind: Vec<(String, u64)> = c
                    .sessions
                    .keys()
                    .filter_map(|id| {
                        let head = *heads.get(id)?;
                        (head > c.delivered.last(id)).then(|| (id.clone(), head))
                    })
                    .collect();
                (differ, behind)
            };
            if !differ.is_empty() {
                tracing::info!(company = %guid, sessions = differ.len(), "cluster: re-reading changed sessions");
            }
            for id in differ {
                if let Err(e) = self.reconcile_session(company, &id).await {
                    tracing::warn!(session = %id, error = %e, "cluster: not resynced");
                }
            }
            for (id, head) in behind {
                if let Err(e) = self.remote_message(company, &id, head).await {
                    tracing::warn!(session = %id, error = %e, "cluster: messages not re-read");
                }
            }
        }
    }
}

/// How often the open sessions are compared with the database (a lost
/// event heals within this).
pub const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

enum Next {
    Notice(Notice),
    Gap(usize, String),
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Typing(bool),
    Read(u64),
}
