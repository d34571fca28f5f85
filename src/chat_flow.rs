//! The chat's I/O: visitor actions → client messages, server messages →
//! [`Chat`] state, app events and `localStorage`, resume after reconnects
//! and reloads.

use gloo_timers::callback::Timeout;
use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::{ClientMessage, ServerMessage};

use crate::chat::store::{self, Record};
use crate::chat::{is_email, Change, Chat, Phase};
use crate::error::{cat, decimal, Error, Result};
use crate::ui::UiAction;
use crate::widget::{AppEvent, State, Widget};
use crate::wire::encode::{start_chat, StartChat};

/// Pause after which the operator sees the visitor stop typing.
const TYPING_IDLE_MS: u32 = 3_000;
/// Most `addCustomData` entries (the server refuses more).
const MAX_CUSTOM_DATA: usize = 50;

impl Widget {
    /// Picks up a conversation stored for this company, preset and scope.
    pub(crate) fn restore(&self, st: &mut State, preset: &str) {
        let Some(settings) = &st.settings else {
            return;
        };
        let key = store::key(&settings.company, preset, settings.scope.as_deref());
        if let Some(record) = store::load(&key) {
            st.chat = Chat {
                phase: Phase::Resuming,
                session: Some((record.session_id, record.token)),
                ..Chat::default()
            };
            st.open = record.open;
            if st.open {
                self.emit_app(AppEvent::ChatWindowOpen);
            }
        }
        st.store_key = Some(key);
    }

    /// The socket is (re)connected: reattach the session and resend what
    /// the server has not stored (ids make resends idempotent).
    pub(crate) fn on_connected(&self, st: &mut State) {
        if std::mem::take(&mut st.enqueue_pending) && !st.chat.is_open() {
            self.start_chat(st, None);
        }
        if let Some((session_id, token)) = st.chat.session.clone() {
            if st.chat.phase != Phase::Ended {
                let resume = ClientMessage::Resume {
                    session_id,
                    token,
                    after_seq: st.chat.last_seq,
                };
                self.send(st, &resume);
            }
        }
        self.render(st);
    }

    fn resend_unsent(&self, st: &State) {
        for (client_id, text) in st.chat.unsent() {
            let m = ClientMessage::Send {
                client_id: client_id.into(),
                text: text.into(),
            };
            self.send(st, &m);
        }
    }

    /// A chat message of the socket.
    pub(crate) fn on_chat_message(&self, st: &mut State, message: ServerMessage) {
        match st.chat.apply(message) {
            Change::Created => {
                self.emit_app(AppEvent::ChatSessionCreated);
                self.remember(st);
            }
            Change::Started => self.emit_app(AppEvent::ChatSessionStarted),
            Change::Ended => {
                self.emit_app(AppEvent::ChatSessionEnded);
                self.forget(st);
            }
            Change::Resumed(SessionState::Ended) => self.forget(st),
            Change::Resumed(_) => {
                self.resend_unsent(st);
                self.remember(st);
            }
            Change::Message => {
                self.remember(st);
                self.report_read(st);
            }
            Change::Stored(kind) => {
                st.notice = Some(match kind {
                    StoredKind::OfflineMessage => {
                        st.offline_sent = true;
                        if let Some(ui) = &st.ui {
                            ui.view().clear_offline();
                        }
                        st.texts.offline_sent.clone()
                    }
                    StoredKind::Transcript => st.texts.transcript_sent.clone(),
                    StoredKind::CallbackRequest => st.texts.callback_sent.clone(),
                });
            }
            Change::Failed(reason) => {
                if st.chat.session.is_none() {
                    // A refused resume (unknown session): nothing to restore.
                    self.forget(st);
                }
                st.notice = Some(if reason.is_empty() {
                    st.texts.send_failed.clone()
                } else {
                    reason
                });
            }
            Change::Redraw => {}
        }
        self.render(st);
    }

    /// A visitor action in the chat window.
    pub(crate) fn on_chat_action(&self, st: &mut State, action: UiAction) {
        st.notice = None;
        match action {
            UiAction::Send(text) => self.visitor_text(st, text),
            UiAction::Typing => self.visitor_typing(st),
            UiAction::EndChat => {
                if !self.send(st, &ClientMessage::EndChat) {
                    st.notice = Some(st.texts.send_failed.clone());
                }
            }
            UiAction::NewChat => {
                st.chat = Chat::default();
                st.read_sent = 0;
            }
            UiAction::Transcript(email) => {
                let email = email.trim().to_string();
                if !is_email(&email) {
                    st.notice = Some(st.texts.invalid_email.clone());
                } else if !self.send(st, &ClientMessage::Transcript { email }) {
                    st.notice = Some(st.texts.send_failed.clone());
                }
            }
            UiAction::Offline(email, text) => {
                let email = email.trim().to_string();
                if !is_email(&email) {
                    st.notice = Some(st.texts.invalid_email.clone());
                } else if !text.trim().is_empty() {
                    let m = ClientMessage::OfflineMessage {
                        email,
                        text,
                        language: st.language.clone().unwrap_or_default(),
                        page_url: page_url(),
                    };
                    if !self.send(st, &m) {
                        st.notice = Some(st.texts.send_failed.clone());
                    }
                }
            }
            UiAction::Toggle | UiAction::Close => {}
        }
        self.render(st);
    }

    fn visitor_text(&self, st: &mut State, text: String) {
        if st.chat.is_open() && st.chat.session.is_some() {
            st.typing_timer = None;
            st.next_client_id += 1;
            let client_id = client_id(st.next_client_id);
            st.chat.send(client_id.clone(), text.clone());
            // Unsent messages stay marked "…" and go out on reconnect.
            self.send(st, &ClientMessage::Send { client_id, text });
        } else if st.chat.phase != Phase::Starting && st.chat.phase != Phase::Resuming {
            self.start_chat(st, Some(text));
        }
    }

    fn start_chat(&self, st: &mut State, text: Option<String>) {
        let url = page_url();
        let m = start_chat(&StartChat {
            language: st.language.as_deref().unwrap_or_default(),
            page_url: &url,
            scope: st.settings.as_ref().and_then(|s| s.scope.as_deref()),
            custom_data: st.custom_data.iter().map(|(k, v)| (k, v)),
            text: text.as_deref(),
        });
        if self.send_text(st, &m) {
            st.chat.start(text);
            st.read_sent = 0;
        } else {
            st.notice = Some(st.texts.send_failed.clone());
        }
    }

    fn visitor_typing(&self, st: &mut State) {
        if st.chat.phase != Phase::Active && st.chat.phase != Phase::Waiting {
            return;
        }
        if st.typing_timer.is_none() {
            self.send(st, &ClientMessage::Typing { typing: true });
        }
        let me = self.me.clone();
        st.typing_timer = Some(Timeout::new(TYPING_IDLE_MS, move || {
            if let Some(w) = me.upgrade() {
                let _ = w.update(|w, st| {
                    st.typing_timer = None;
                    w.send(st, &ClientMessage::Typing { typing: false });
                    Ok(())
                });
            }
        }));
    }

    /// Tells the server what the visitor has seen (window open).
    pub(crate) fn report_read(&self, st: &mut State) {
        let seen = st.chat.last_incoming();
        if st.open && seen > st.read_sent && self.send(st, &ClientMessage::Read { seq: seen }) {
            st.read_sent = seen;
        }
    }

    /// Stores the open conversation for a later page.
    pub(crate) fn remember(&self, st: &State) {
        let (Some(key), Some((session_id, token))) = (&st.store_key, &st.chat.session) else {
            return;
        };
        if st.chat.is_open() {
            let record = Record {
                session_id: session_id.clone(),
                token: token.clone(),
                last_seq: st.chat.last_seq,
                open: st.open,
            };
            store::save(key, &record);
        }
    }

    fn forget(&self, st: &State) {
        if let Some(key) = &st.store_key {
            store::clear(key);
        }
    }

    /// `openChat([enqueue])`.
    pub(crate) fn open_chat(&self, enqueue: bool) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("openChat"));
            }
            if st.settings.is_none() {
                return Err(Error::NotInitialized("openChat"));
            }
            w.set_open(st, true);
            if enqueue && !st.chat.is_open() {
                if st.socket_open {
                    w.start_chat(st, None);
                    w.render(st);
                } else {
                    // Started as soon as the socket is up.
                    st.enqueue_pending = true;
                }
            }
            Ok(())
        })
    }

    /// `closeChat()`: closes the window; the conversation goes on.
    pub(crate) fn close_chat(&self) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("closeChat"));
            }
            w.set_open(st, false);
            Ok(())
        })
    }

    /// `addCustomData(name, value)`.
    pub(crate) fn add_custom_data(&self, name: String, value: String) -> Result<()> {
        self.update(|_, st| {
            if st.destroyed {
                return Err(Error::Destroyed("addCustomData"));
            }
            if st.chat.is_open() {
                return Err(Error::ChatAlreadyStarted);
            }
            if name.is_empty() || name.chars().count() > 100 || value.chars().count() > 1000 {
                return Err(Error::BadArgument(
                    "addCustomData",
                    "name must be 1-100 characters and value at most 1000",
                ));
            }
            if name == "oo1_guest_email" {
                if let Some(ui) = &st.ui {
                    ui.view().prefill_email(&value);
                }
            }
            let full = st.custom_data.len() >= MAX_CUSTOM_DATA;
            match st.custom_data.iter_mut().find(|(k, _)| *k == name) {
                Some(entry) => entry.1 = value,
                None if full => {
                    return Err(Error::BadArgument(
                        "addCustomData",
                        "at most 50 entries are kept",
                    ));
                }
                None => st.custom_data.push((name, value)),
            }
            Ok(())
        })
    }
}

/// A message id unique across reloads of the page (a counter alone would
/// repeat after a reload and the server would drop the "duplicate").
fn client_id(n: u32) -> String {
    let random = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    cat(&["w", &decimal(random), "-", &decimal(u64::from(n))])
}

fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}
