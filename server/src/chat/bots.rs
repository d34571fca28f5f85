//! What the hub does for External Bots (`crate::bot`): it tells the bot
//! engine what happens in chats (a chat waits, a message is stored, a chat
//! is assigned or ends, here or on another instance: `cluster`) through an
//! unbounded channel that never blocks the hub, and offers the routing moves of a bot: take a waiting chat, hand a
//! chat to the queue of human groups (transfer, failure), take it back when
//! nobody accepted in time, and a human taking a chat over from a bot.

use owidget_protocol::desk::{Availability, ChatSummary, DeskEvent};
use owidget_protocol::{SessionState, WireMessage};
use tokio::sync::mpsc;

use super::desks::send;
use super::{summary, CompanyState, Hub, OpRef};
use crate::ids::now_ms;
use crate::{Error, Result};

/// What the bot engine hears from the hub.
#[derive(Debug, Clone)]
pub enum BotEvent {
    /// A chat joined the queue (new, or handed back).
    Waiting {
        /// Company index.
        company: usize,
        /// Session id.
        id: String,
    },
    /// A message was stored in a live chat.
    Message {
        /// Company index.
        company: usize,
        /// Session id.
        id: String,
        /// The stored message.
        message: WireMessage,
    },
    /// A chat was given to an operator (bot or human).
    Assigned {
        /// Company index.
        company: usize,
        /// Session id.
        id: String,
        /// Operator index.
        operator: usize,
    },
    /// A chat ended.
    Ended {
        /// Company index.
        company: usize,
        /// Session id.
        id: String,
    },
    /// Another instance stored message `seq` of a live chat (the engine
    /// reads what it has not posted yet from the database).
    Stored {
        /// Company index.
        company: usize,
        /// Session id.
        id: String,
        /// The message's `seq`.
        seq: u64,
    },
}

impl Hub {
    /// Connects the bot engine; events before this are not kept.
    pub fn set_bot_events(&self, tx: mpsc::UnboundedSender<BotEvent>) {
        let _ = self.bot_events.set(tx);
    }

    pub(super) fn bot_event(&self, event: BotEvent) {
        if let Some(tx) = self.bot_events.get() {
            let _ = tx.send(event);
        }
    }

    /// Marks a bot as driven by this instance's engine (its availability
    /// is then this instance's poll, never another instance's value).
    pub fn set_bot_driver(&self, op: OpRef, here: bool) {
        self.lock(op.company).operators[op.operator].driven_here = here;
    }

    /// The operator holding a live chat, if any.
    pub fn holder(&self, company: usize, id: &str) -> Option<usize> {
        self.lock(company).sessions.get(id)?.operator
    }

    /// The groups a live chat is routed to.
    pub fn chat_groups(&self, company: usize, id: &str) -> Option<Vec<String>> {
        Some(self.lock(company).sessions.get(id)?.groups.clone())
    }

    /// True when a human operator of `group` is online with room for a chat.
    pub fn group_has_room(&self, company: usize, group: &str) -> bool {
        let ops = &self.config.companies[company].operators;
        let state = self.lock(company);
        let c = &*state;
        ops.iter().zip(&c.operators).any(|(o, s)| {
            !o.bot
                && o.groups.iter().any(|g| g == group)
                && s.availability == Availability::Online
                && (s.chats.len() as u32) < o.capacity
        })
    }

    /// Ids of the live chats an operator holds.
    pub fn chat_ids(&self, op: OpRef) -> Vec<String> {
        self.lock(op.company).operators[op.operator].chats.clone()
    }

    /// Waiting chat ids `op` serves, oldest first.
    pub fn waiting_ids(&self, op: OpRef) -> Vec<String> {
        let state = self.lock(op.company);
        self.queue_locked(op, &state)
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    /// Sets a bot's availability when it changed (no desk event flood at
    /// one poll a second). Returns true on a change.
    pub fn set_bot_availability(&self, op: OpRef, available: bool) -> bool {
        let a = if available {
            Availability::Online
        } else {
            Availability::Offline
        };
        {
            let state = self.lock(op.company);
            if state.operators[op.operator].availability == a {
                return false;
            }
        }
        self.set_availability(op, a);
        true
    }

    /// Live chats held by bots that `op` (a human) may watch and take over:
    /// those routed to one of their groups or to a group the bot transfers to.
    pub fn bot_chats(&self, op: OpRef) -> Vec<ChatSummary> {
        let company = &self.config.companies[op.company];
        let state = self.lock(op.company);
        state
            .sessions
            .values()
            .filter(|l| match l.operator {
                Some(o) => company.operators[o].bot && self.may_watch(op, o, &l.groups),
                None => false,
            })
            .map(summary)
            .collect()
    }

    /// A human may watch a bot's chat of their groups or of the bot's
    /// transfer groups.
    pub(super) fn may_watch(&self, op: OpRef, bot: usize, groups: &[String]) -> bool {
        let company = &self.config.companies[op.company];
        let me = &company.operators[op.operator];
        if me.bot {
            return false;
        }
        let bot_name = &company.operators[bot].username;
        me.serves(groups)
            || company
                .bots
                .iter()
                .filter(|b| &b.id_operator == bot_name)
                .any(|b| me.serves(&b.fallback_groups()))
    }

    /// Hands a chat held by `op` (a bot) to the front of the queue of
    /// `groups` (transfer to a distribution rule, or the bot failed).
    /// Stored before published, only while the database still gives the
    /// chat to the bot (a human on another instance may have taken it over).
    pub async fn hand_to_groups(
        &self,
        op: OpRef,
        id: &str,
        groups: Vec<String>,
    ) -> Result<ChatSummary> {
        let _serial = self.routing[op.company].lock().await;
        let planned = {
            let state = self.lock(op.company);
            let live = state
                .sessions
                .get(id)
                .ok_or_else(|| Error::NotFound("no such chat".into()))?;
            if live.operator != Some(op.operator) {
                return Err(Error::Forbidden("the chat is not yours".into()));
            }
            let mut chat = summary(live);
            chat.state = SessionState::Waiting;
            chat.accepted_at = None;
            chat.operator = None;
            chat.operator_name = None;
            chat
        };
        let me = self.config.companies[op.company].operators[op.operator]
            .username
            .clone();
        // The groups first: an instance reading the chat waiting reads them.
        self.store.set_route_groups(id, &groups).await?;
        let decided = self
            .store
            .assign_checked(
                &self.company_id(op.company),
                &planned,
                crate::storage::Expect::HeldBy(me),
                None,
                None,
            )
            .await;
        self.decided(op.company, id, decided).await?;
        let mut state = self.lock(op.company);
        let c = &mut *state;
        c.operators[op.operator].chats.retain(|q| q != id);
        self.operator_changed(op, c);
        let live = c.sessions.get_mut(id).expect("routing is serialized");
        live.groups = groups;
        let chat = self.requeue_first(op.company, c, id, false);
        tracing::info!(session = %id, "bot handed the chat to the queue");
        drop(state);
        self.publish_session(op.company, id, crate::bus::SessionChange::Queued, None);
        Ok(chat)
    }

    /// A bot takes a waiting chat back (a transfer nobody accepted in
    /// time), whatever its availability now. Its groups become the preset's
    /// again. `Conflict` when the chat is no longer waiting (decided by the
    /// database: a human on another instance may have accepted it).
    pub async fn reclaim(&self, op: OpRef, id: &str, groups: Vec<String>) -> Result<ChatSummary> {
        let _serial = self.routing[op.company].lock().await;
        let me = &self.config.companies[op.company].operators[op.operator];
        let planned = {
            let state = self.lock(op.company);
            let live = state
                .sessions
                .get(id)
                .ok_or_else(|| Error::NotFound("no such chat".into()))?;
            if live.chat.state != SessionState::Waiting {
                return Err(Error::Conflict("the chat is not waiting".into()));
            }
            let mut chat = summary(live);
            chat.state = SessionState::Active;
            chat.accepted_at = Some(now_ms());
            chat.operator = Some(me.username.clone());
            chat.operator_name = Some(me.name.clone());
            chat
        };
        let event = crate::webhooks::pushed(&self.config, op.company, &planned);
        self.store.set_route_groups(id, &groups).await?;
        let decided = self
            .store
            .assign_checked(
                &self.company_id(op.company),
                &planned,
                crate::storage::Expect::Waiting,
                None,
                event.clone(),
            )
            .await;
        self.decided(op.company, id, decided).await?;
        self.webhooks.wake(event.as_slice());
        let mut state = self.lock(op.company);
        let c = &mut *state;
        let old = c
            .sessions
            .get(id)
            .map(|l| l.groups.clone())
            .unwrap_or_default();
        if let Some(live) = c.sessions.get_mut(id) {
            live.groups = groups;
        }
        c.queue.retain(|q| q != id);
        self.queue_moved(c);
        self.queue_left(op.company, c, id, &old);
        let chat = self.apply_assign(op, c, id, planned.accepted_at);
        drop(state);
        let change = crate::bus::SessionChange::Accepted;
        self.publish_session(op.company, id, change, chat.operator.clone());
        Ok(chat)
    }

    /// A human takes a chat over from the bot holding it. They must be
    /// online with room and allowed to watch it. Stored before published,
    /// only while the database still gives the chat to the bot.
    pub async fn take_over(&self, op: OpRef, id: &str) -> Result<ChatSummary> {
        let _serial = self.routing[op.company].lock().await;
        let company = &self.config.companies[op.company];
        let me = &company.operators[op.operator];
        let (bot, planned) = {
            let state = self.lock(op.company);
            let c = &*state;
            let live = c
                .sessions
                .get(id)
                .ok_or_else(|| Error::NotFound("no such chat".into()))?;
            let bot = match live.operator {
                Some(o) if company.operators[o].bot => o,
                _ => return Err(Error::Conflict("no bot holds the chat".into())),
            };
            if !self.may_watch(op, bot, &live.groups) {
                return Err(Error::Forbidden("the chat is for another group".into()));
            }
            self.check_has_room(op, c)?;
            let mut chat = summary(live);
            chat.accepted_at = Some(now_ms());
            chat.operator = Some(me.username.clone());
            chat.operator_name = Some(me.name.clone());
            (bot, chat)
        };
        let event = crate::webhooks::pushed(&self.config, op.company, &planned);
        let decided = self
            .store
            .assign_checked(
                &self.company_id(op.company),
                &planned,
                crate::storage::Expect::HeldBy(company.operators[bot].username.clone()),
                Some(me.capacity),
                event.clone(),
            )
            .await;
        self.decided(op.company, id, decided).await?;
        self.webhooks.wake(event.as_slice());
        let mut state = self.lock(op.company);
        let c: &mut CompanyState = &mut state;
        c.operators[bot].chats.retain(|q| q != id);
        send(
            c,
            bot,
            DeskEvent::ChatUnassigned {
                session_id: id.to_string(),
            },
        );
        let bot_op = OpRef {
            company: op.company,
            operator: bot,
        };
        self.operator_changed(bot_op, c);
        if let Some(live) = c.sessions.get_mut(id) {
            if !me.serves(&live.groups) {
                // So that a later hand-back finds the taker's group.
                live.groups = me.groups.clone();
            }
        }
        tracing::info!(session = %id, operator = %me.username, "chat taken over from the bot");
        let chat = self.apply_assign(op, c, id, planned.accepted_at);
        drop(state);
        let change = crate::bus::SessionChange::Transferred;
        self.publish_session(op.company, id, change, chat.operator.clone());
        Ok(chat)
    }
}

/// A bot's message as the bot engine publishes it.
#[derive(Debug, Clone, Default)]
pub struct BotSays {
    /// Plain text (Markdown for a text reply; the fallback for a card).
    pub text: String,
    /// A card (card/content, product-offer).
    pub card: Option<Box<owidget_protocol::plugins::Card>>,
    /// A carousel (bundle/card, bundle/product-offer).
    pub carousel: Option<Box<owidget_protocol::plugins::Carousel>>,
    /// Markdown flag, quick replies, file.
    pub bot: Option<Box<owidget_protocol::BotContent>>,
}

impl Hub {
    /// Stores then pushes a message of the bot holding the chat; a repeated
    /// `client_id` stores and pushes nothing (a reply published before a
    /// restart is not published again). `System` messages (`op == None`)
    /// are the platform's notices in a bot chat.
    pub async fn bot_says(
        self: &std::sync::Arc<Self>,
        company: usize,
        op: Option<OpRef>,
        id: &str,
        client_id: String,
        says: BotSays,
    ) -> Result<crate::storage::Appended> {
        let name = match op {
            Some(op) => {
                let state = self.lock(company);
                let live = state
                    .sessions
                    .get(id)
                    .ok_or_else(|| Error::NotFound("no such chat, or it has ended".into()))?;
                if live.operator != Some(op.operator) {
                    return Err(Error::Forbidden("the chat is not the bot's".into()));
                }
                Some(
                    self.config.companies[company].operators[op.operator]
                        .name
                        .clone(),
                )
            }
            None => None,
        };
        let m = crate::storage::NewMessage {
            session: id.to_string(),
            author: if op.is_some() {
                owidget_protocol::Author::Operator
            } else {
                owidget_protocol::Author::System
            },
            name,
            text: says.text,
            client_id: Some(client_id),
            card: says.card,
            carousel: says.carousel,
            bot: says.bot,
        };
        self.append(company, m).await
    }
}
