//! Messages, typing and read marks between a visitor and their operator.

use std::sync::Arc;

use owidget_protocol::desk::DeskEvent;
use owidget_protocol::plugins::{Card, Carousel};
use owidget_protocol::{Author, ServerMessage, WireMessage};
use tokio::time::Instant;

use super::desks::send;
use super::{push, CompanyState, Hub, Live, OpRef};
use crate::storage::{Appended, NewMessage};
use crate::{Error, Result};

/// The visitor's display name from the reserved custom data key.
fn visitor_name(live: &Live) -> Option<String> {
    live.chat
        .custom_data
        .get("oo1_guest_ident")
        .cloned()
        .filter(|n| !n.is_empty())
}

fn live_mut<'a>(c: &'a mut CompanyState, id: &str) -> Result<&'a mut Live> {
    c.sessions
        .get_mut(id)
        .ok_or_else(|| Error::NotFound("no such chat, or it has ended".into()))
}

impl Hub {
    /// Pushes a stored message to both sides, in `seq` order (runs inside
    /// the storage lock, see [`crate::storage::Store::append`]). A message
    /// at or below the last one pushed here is dropped; one beyond the
    /// next (another instance's message still on its way) is left to the
    /// `cluster` task, which reads the missing ones from the database and
    /// pushes them all in order.
    fn deliver(&self, company: usize, id: &str, message: &WireMessage) {
        let mut state = self.lock(company);
        let c = &mut state;
        if !c.sessions.contains_key(id) {
            return;
        }
        let last = c.delivered.last(id);
        if message.seq <= last {
            return;
        }
        if message.seq > last + 1 {
            if let Some(tx) = self.catch_up.get() {
                let _ = tx.send((company, id.to_string()));
                return;
            }
        }
        push_message(c, id, message);
        self.bot_event(super::BotEvent::Message {
            company,
            id: id.to_string(),
            message: message.clone(),
        });
    }

    pub(super) async fn append(
        self: &Arc<Self>,
        company: usize,
        m: NewMessage,
    ) -> Result<Appended> {
        let hub = self.clone();
        let id = m.session.clone();
        let session = id.clone();
        let appended = self
            .store
            .append(m, move |msg| hub.deliver(company, &id, msg))
            .await?;
        if !appended.duplicate {
            self.publish(crate::bus::Event::Message {
                company: self.company_id(company),
                session,
                seq: appended.message.seq,
            });
        }
        Ok(appended)
    }

    /// A visitor message: rate-checked, stored, then pushed. The text was
    /// checked by the caller. A repeated `client_id` returns the stored copy.
    pub async fn visitor_message(
        self: &Arc<Self>,
        company: usize,
        id: &str,
        client_id: String,
        text: String,
    ) -> Result<Appended> {
        let max = self.config.limits.messages_per_10s;
        let name = {
            let mut state = self.lock(company);
            let live = live_mut(&mut state, id)?;
            if !live.visitor_rate.admit(Instant::now(), max) {
                return Err(Error::TooManyRequests(format!(
                    "at most {max} messages per 10 seconds"
                )));
            }
            visitor_name(live)
        };
        let m = NewMessage {
            session: id.to_string(),
            author: Author::Visitor,
            name,
            text,
            client_id: Some(client_id),
            card: None,
            bot: None,
            carousel: None,
        };
        self.append(company, m).await
    }

    /// An operator message in their active chat.
    pub async fn operator_message(
        self: &Arc<Self>,
        op: OpRef,
        id: &str,
        client_id: Option<String>,
        text: String,
    ) -> Result<Appended> {
        self.operator_card(op, id, client_id, text, None).await
    }

    /// An operator message with an optional card (a shared product; `text`
    /// is its plain-text fallback), in their active chat.
    pub async fn operator_card(
        self: &Arc<Self>,
        op: OpRef,
        id: &str,
        client_id: Option<String>,
        text: String,
        card: Option<Box<Card>>,
    ) -> Result<Appended> {
        self.operator_rich(op, id, client_id, text, card, None)
            .await
    }

    /// An operator message with an optional card or carousel (pushed by a
    /// Custom App; `text` is the plain-text fallback), in their active chat.
    pub async fn operator_rich(
        self: &Arc<Self>,
        op: OpRef,
        id: &str,
        client_id: Option<String>,
        text: String,
        card: Option<Box<Card>>,
        carousel: Option<Box<Carousel>>,
    ) -> Result<Appended> {
        let max = self.config.limits.messages_per_10s;
        let me = &self.config.companies[op.company].operators[op.operator];
        {
            let mut state = self.lock(op.company);
            let live = live_mut(&mut state, id)?;
            if live.operator != Some(op.operator) {
                return Err(Error::Forbidden("the chat is not yours".into()));
            }
            if !live.operator_rate.admit(Instant::now(), max) {
                return Err(Error::TooManyRequests(format!(
                    "at most {max} messages per 10 seconds"
                )));
            }
        }
        let m = NewMessage {
            session: id.to_string(),
            author: Author::Operator,
            name: Some(me.name.clone()),
            text,
            client_id,
            card,
            bot: None,
            carousel,
        };
        self.append(op.company, m).await
    }

    /// The visitor is typing: tell the operator.
    pub fn visitor_typing(&self, company: usize, id: &str, typing: bool) -> Result<()> {
        self.visitor_event(company, id, |session_id| DeskEvent::Typing {
            session_id,
            typing,
        })?;
        self.publish(crate::bus::Event::Typing {
            company: self.company_id(company),
            session: id.to_string(),
            side: crate::bus::Side::Visitor,
            typing,
        });
        Ok(())
    }

    /// The visitor has read up to `seq`: stored (a desk loading the chat
    /// later shows it), then told to the operator.
    pub async fn visitor_read(&self, company: usize, id: &str, seq: u64) -> Result<()> {
        // Only a chat that is live here (and the visitor's own) is marked.
        {
            let mut state = self.lock(company);
            live_mut(&mut state, id)?;
        }
        self.store.mark_read(id, Author::Visitor, seq).await?;
        self.visitor_event(company, id, |session_id| DeskEvent::Read {
            session_id,
            seq,
        })?;
        self.publish(crate::bus::Event::Read {
            company: self.company_id(company),
            session: id.to_string(),
            side: crate::bus::Side::Visitor,
            seq,
        });
        Ok(())
    }

    fn visitor_event(
        &self,
        company: usize,
        id: &str,
        event: impl FnOnce(String) -> DeskEvent,
    ) -> Result<()> {
        let mut state = self.lock(company);
        let c = &mut state;
        let live = live_mut(c, id)?;
        if let Some(o) = live.operator {
            send(c, o, event(id.to_string()));
        }
        Ok(())
    }

    /// The operator has read up to `seq`: stored, then told to the visitor
    /// (and published).
    pub async fn operator_read(&self, op: OpRef, id: &str, seq: u64) -> Result<()> {
        {
            let mut state = self.lock(op.company);
            let live = live_mut(&mut state, id)?;
            if live.operator != Some(op.operator) {
                return Err(Error::Forbidden("the chat is not yours".into()));
            }
        }
        self.store.mark_read(id, Author::Operator, seq).await?;
        self.operator_event(op, id, ServerMessage::Read { seq })
    }

    /// The operator is typing or has read up to a `seq`: tell the visitor.
    pub fn operator_event(&self, op: OpRef, id: &str, msg: ServerMessage) -> Result<()> {
        let mut state = self.lock(op.company);
        let live = live_mut(&mut state, id)?;
        if live.operator != Some(op.operator) {
            return Err(Error::Forbidden("the chat is not yours".into()));
        }
        let event = match &msg {
            ServerMessage::Typing { typing } => Some(crate::bus::Event::Typing {
                company: self.company_id(op.company),
                session: id.to_string(),
                side: crate::bus::Side::Operator,
                typing: *typing,
            }),
            ServerMessage::Read { seq } => Some(crate::bus::Event::Read {
                company: self.company_id(op.company),
                session: id.to_string(),
                side: crate::bus::Side::Operator,
                seq: *seq,
            }),
            _ => None,
        };
        push(live, msg);
        if let Some(e) = event {
            self.publish(e);
        }
        Ok(())
    }
}

/// Pushes a message to the session's visitor sockets and its operator's
/// desks here, and records it as delivered.
pub(super) fn push_message(c: &mut CompanyState, id: &str, message: &WireMessage) {
    c.delivered.seed(id, message.seq);
    let Some(live) = c.sessions.get_mut(id) else {
        return;
    };
    push(
        live,
        ServerMessage::Message {
            message: message.clone(),
        },
    );
    if let Some(o) = live.operator {
        let event = DeskEvent::Message {
            session_id: id.to_string(),
            message: message.clone(),
        };
        send(c, o, event);
    }
}
