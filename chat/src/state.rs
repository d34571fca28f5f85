//! The chat session as seen by the visitor: a pure state machine fed with
//! server messages and the visitor's actions, unit-tested natively. The
//! window (`flow.rs`) does the I/O; the view (`view.rs`) draws this state.

use std::sync::atomic::{AtomicU32, Ordering};

use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::{Author, ErrorCode, ServerMessage};

/// Source of [`Item::key`]s: unique on the page, across chats and windows.
static NEXT_KEY: AtomicU32 = AtomicU32::new(1);

fn next_key() -> u32 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

use crate::card::Attachment;

/// Where the conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Phase {
    /// No chat yet (or a new one may start).
    #[default]
    Idle,
    /// `startChat` sent, no answer yet.
    Starting,
    /// Resuming a stored session after a reload.
    Resuming,
    /// In the queue.
    Waiting,
    /// An operator is in the chat.
    Active,
    /// Over.
    Ended,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// Identity of the message in the window: given when it enters the
    /// conversation (a visitor message when typed, kept when the server
    /// stores it), never reused. The view draws rows by this key.
    pub key: u32,
    /// Server sequence number; `None` while a visitor message is unsent.
    pub seq: Option<u64>,
    /// Who wrote it.
    pub author: Author,
    /// Author's display name, if known.
    pub name: Option<String>,
    /// Plain text.
    pub text: String,
    /// Server time, Unix ms.
    pub at: Option<i64>,
    /// The widget's idempotency key of a visitor message.
    pub client_id: Option<String>,
    /// A card or carousel (a shared product, a Custom App's card), shown
    /// instead of `text`.
    pub card: Option<Attachment>,
    /// A bot message's Markdown flag, file and quick replies.
    pub bot: Option<Box<owidget_protocol::BotContent>>,
}

/// State of a visitor message, shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Not stored yet.
    Sending,
    /// Stored by the server.
    Delivered,
    /// Read by the operator.
    Read,
}

/// What a server message changed, for events and storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// The session exists (waiting).
    Created,
    /// An operator accepted.
    Started,
    /// The session is over.
    Ended,
    /// A stored session was reattached (or found over/unknown).
    Resumed(SessionState),
    /// A new message (stored `seq` advanced).
    Message,
    /// An offline message, callback or transcript request was stored (with
    /// the phone number as the server stored it, for a callback).
    Stored(StoredKind, Option<String>),
    /// A request failed (the widget shows its own text for the code).
    Failed(ErrorCode),
    /// The server refused the visitor's message: it is not stored and
    /// left the conversation; its text goes back to the visitor.
    Refused(ErrorCode, String),
    /// Nothing the widget must act on beyond redrawing.
    Redraw,
}

/// The visitor's side of one conversation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chat {
    /// Where it stands.
    pub phase: Phase,
    /// Session id and resume token.
    pub session: Option<(String, String)>,
    /// 1-based place in the queue while waiting.
    pub queue: Option<u32>,
    /// Name of the operator in the chat.
    pub operator: Option<String>,
    /// The conversation: stored messages by `seq`, then the visitor's
    /// unsent ones in the order typed (kept so by [`Chat::settle`]).
    pub items: Vec<Item>,
    /// Every stored message up to this `seq` is in `items` (stored
    /// messages may arrive out of order: a resume asks for those after it).
    pub last_seq: u64,
    /// Highest visitor `seq` the operator has read.
    pub read_seq: u64,
    /// The operator is typing.
    pub typing: bool,
}

impl Chat {
    /// True while a session is open (waiting or active).
    pub(crate) fn is_open(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting | Phase::Resuming | Phase::Waiting | Phase::Active
        )
    }

    /// The visitor starts a chat, optionally with a first message.
    pub(crate) fn start(&mut self, text: Option<String>) {
        *self = Chat {
            phase: Phase::Starting,
            ..Chat::default()
        };
        if let Some(text) = text {
            self.push_pending(text, None);
        }
    }

    /// The visitor sends `text` with idempotency key `client_id`.
    pub(crate) fn send(&mut self, client_id: String, text: String) {
        self.push_pending(text, Some(client_id));
    }

    fn push_pending(&mut self, text: String, client_id: Option<String>) {
        self.items.push(Item {
            key: next_key(),
            seq: None,
            author: Author::Visitor,
            name: None,
            text,
            at: None,
            client_id,
            card: None,
            bot: None,
        });
    }

    /// Visitor messages still waiting for the server, `(client_id, text)`.
    pub(crate) fn unsent(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items
            .iter()
            .filter(|i| i.seq.is_none())
            .filter_map(|i| Some((i.client_id.as_deref()?, i.text.as_str())))
    }

    /// Highest `seq` of an operator or system message.
    pub(crate) fn last_incoming(&self) -> u64 {
        self.items
            .iter()
            .filter(|i| i.author != Author::Visitor)
            .filter_map(|i| i.seq)
            .max()
            .unwrap_or(0)
    }

    /// The mark of a visitor message.
    pub(crate) fn mark(&self, item: &Item) -> Mark {
        match item.seq {
            None => Mark::Sending,
            Some(seq) if seq <= self.read_seq => Mark::Read,
            Some(_) => Mark::Delivered,
        }
    }

    /// Applies a server message (not `status`).
    pub(crate) fn apply(&mut self, message: ServerMessage) -> Change {
        match message {
            ServerMessage::SessionCreated {
                session_id,
                token,
                queue_position,
                ..
            } => {
                self.session = Some((session_id, token));
                self.phase = Phase::Waiting;
                self.queue = Some(queue_position);
                Change::Created
            }
            ServerMessage::Queue { position } => {
                self.queue = Some(position);
                Change::Redraw
            }
            ServerMessage::SessionStarted { operator_name } => {
                self.phase = Phase::Active;
                self.operator = Some(operator_name);
                self.queue = None;
                Change::Started
            }
            ServerMessage::Resumed {
                state,
                operator_name,
                queue_position,
                read_seq,
                ..
            } => {
                // The operator's stored read mark ("Read" after a reload).
                self.read_seq = self.read_seq.max(read_seq.unwrap_or(0));
                self.phase = match state {
                    SessionState::Waiting => Phase::Waiting,
                    SessionState::Active => Phase::Active,
                    SessionState::Ended => Phase::Ended,
                };
                self.operator = operator_name.or(self.operator.take());
                self.queue = queue_position;
                Change::Resumed(state)
            }
            ServerMessage::Message { message } => {
                if self.items.iter().any(|i| i.seq == Some(message.seq)) {
                    return Change::Redraw;
                }
                if message.author == Author::Operator {
                    // A message means the typing is over.
                    self.typing = false;
                }
                let pending = self.items.iter_mut().find(|i| {
                    i.seq.is_none()
                        && message.author == Author::Visitor
                        && match (&i.client_id, &message.client_id) {
                            (Some(a), Some(b)) => a == b,
                            // The first message travels inside `startChat`
                            // and comes back with a server-chosen id.
                            (None, _) => i.text == message.text,
                            _ => false,
                        }
                });
                match pending {
                    Some(item) => {
                        item.seq = Some(message.seq);
                        item.at = Some(message.at);
                        item.name = message.name;
                    }
                    None => self.items.push(Item {
                        key: next_key(),
                        seq: Some(message.seq),
                        author: message.author,
                        name: message.name,
                        at: Some(message.at),
                        card: crate::card::attachment(
                            message.card.as_deref(),
                            message.carousel.as_deref(),
                            &message.text,
                        ),
                        client_id: message.client_id,
                        text: message.text,
                        bot: message.bot,
                    }),
                }
                self.settle();
                Change::Message
            }
            ServerMessage::Ack { client_id, seq, at } => {
                if let Some(item) = self
                    .items
                    .iter_mut()
                    .find(|i| i.client_id.as_deref() == Some(&client_id))
                {
                    item.seq = Some(seq);
                    item.at = Some(at);
                }
                self.settle();
                Change::Message
            }
            ServerMessage::Typing { typing } => {
                self.typing = typing;
                Change::Redraw
            }
            ServerMessage::Read { seq } => {
                self.read_seq = self.read_seq.max(seq);
                Change::Redraw
            }
            ServerMessage::SessionEnded { .. } => {
                self.phase = Phase::Ended;
                self.typing = false;
                self.queue = None;
                Change::Ended
            }
            ServerMessage::Stored { kind, phone } => Change::Stored(kind, phone),
            ServerMessage::Error {
                code,
                client_id: Some(client_id),
                ..
            } => {
                let refused = self
                    .items
                    .iter()
                    .position(|i| i.seq.is_none() && i.client_id.as_ref() == Some(&client_id));
                match refused {
                    Some(at) => Change::Refused(code, self.items.remove(at).text),
                    None => Change::Failed(code),
                }
            }
            ServerMessage::Error { code, .. } => {
                match code {
                    // The stored session is gone or not ours: start afresh.
                    ErrorCode::BadSession => *self = Chat::default(),
                    // A refused start (e.g. nobody available): back to
                    // idle, so the offline form can take over.
                    _ if self.phase == Phase::Starting && self.session.is_none() => {
                        *self = Chat::default();
                    }
                    _ => {}
                }
                Change::Failed(code)
            }
            ServerMessage::Status { .. } | ServerMessage::Pong => Change::Redraw,
        }
    }

    /// Restores the order after a change: stored messages by `seq`, then
    /// unsent ones in the order typed (a stable sort keeps that order), and
    /// advances `last_seq` over the stored messages without a gap. Messages
    /// may come in any order: a push of the operator's answer before the
    /// `ack` of what the visitor sent earlier, older ones after a resume.
    fn settle(&mut self) {
        // Insertion sort: stable, tiny in wasm, linear on a list that is
        // sorted but for the one message that changed.
        let rank = |i: &Item| (i.seq.is_none(), i.seq.unwrap_or(0));
        for i in 1..self.items.len() {
            let mut j = i;
            while j > 0 && rank(&self.items[j - 1]) > rank(&self.items[j]) {
                self.items.swap(j - 1, j);
                j -= 1;
            }
        }
        for seq in self.items.iter().filter_map(|i| i.seq) {
            if seq == self.last_seq + 1 {
                self.last_seq = seq;
            }
        }
    }
}

/// A plausible e-mail address (the server validates it again).
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
}

/// `s` cut to its first `max` characters (Unicode scalar values, as the
/// server counts).
pub(crate) fn trim_chars(mut s: String, max: usize) -> String {
    if let Some((at, _)) = s.char_indices().nth(max) {
        s.truncate(at);
    }
    s
}

/// The custom data entries, in call order, that fit the published limits
/// (keys, key and value length, total characters), and how many did not.
pub(crate) fn fit_custom_data<'a>(
    data: &'a [(String, String)],
    lim: &owidget_protocol::WidgetLimits,
) -> (Vec<(&'a String, &'a String)>, usize) {
    let mut kept = Vec::new();
    let mut total = 0;
    for (k, v) in data {
        let (kn, vn) = (k.chars().count(), v.chars().count());
        if kept.len() < lim.custom_data_max_keys
            && kn <= lim.custom_data_key_max_chars
            && vn <= lim.custom_data_value_max_chars
            && total + kn + vn <= lim.custom_data_total_max_chars
        {
            total += kn + vn;
            kept.push((k, v));
        }
    }
    let dropped = data.len() - kept.len();
    (kept, dropped)
}

/// Replaces `{key}` in `template` by `value`. Hand-rolled: `str::replace`
/// with a string pattern brings a substring searcher of several KB.
pub(crate) fn fill(template: &str, key: &str, value: &str) -> String {
    let mut out = String::with_capacity(template.len() + value.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        match after.strip_prefix(key).and_then(|a| a.strip_prefix('}')) {
            Some(a) => {
                out.push_str(value);
                rest = a;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
