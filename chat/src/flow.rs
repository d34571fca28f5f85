//! The chat's I/O: visitor actions → client messages, server messages →
//! [`Chat`] state, app events and the session record the core keeps in
//! `localStorage`; resume after reconnects and reloads.

use gloo_timers::callback::Timeout;
use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::{ClientMessage, ErrorCode, ServerMessage};
use owidget_web::{cat, console, decimal};

use crate::encode::{client_message, start_chat, StartChat};
use crate::state::{fill, fit_custom_data, is_email, trim_chars, Change, Chat, Phase};
use crate::store::Record;
use crate::view::Action;
use crate::window::{Effect, State, Window};

/// Longest `scope` the server takes in a chat start.
const SCOPE_MAX_CHARS: usize = 256;

/// `addCustomData` after the chat started.
pub(crate) const ALREADY_STARTED: &str =
    "addCustomData() must be called before the chat starts; the value was ignored";
/// `addCustomData` of a name beyond the published number of names.
pub(crate) const TOO_MANY: &str = "addCustomData: at most 50 entries are kept";

/// Pause after which the operator sees the visitor stop typing.
const TYPING_IDLE_MS: u32 = 3_000;

impl Window {
    /// Sends a message; false when the socket is not connected.
    pub(crate) fn send(&self, m: &ClientMessage) -> bool {
        self.send_text(&client_message(m))
    }

    /// The socket is (re)connected: reattach the session and resend what
    /// the server has not stored (ids make resends idempotent).
    pub(crate) fn on_connected(&self, st: &mut State) {
        if st.chat.phase == Phase::Starting {
            // The start went out on a socket that dropped before its
            // answer: the same frame (same `startKey`) finds the session
            // it created, if it got that far, or creates it now.
            if let Some(frame) = &st.start_frame {
                self.send_text(frame);
            }
        }
        if std::mem::take(&mut st.enqueue_pending) && !st.chat.is_open() {
            self.start_chat(st, None);
        }
        if let Some((session_id, token)) = st.chat.session.clone() {
            if st.chat.phase != Phase::Ended {
                self.send(&ClientMessage::Resume {
                    session_id,
                    token,
                    after_seq: st.chat.last_seq,
                });
            }
        }
    }

    fn resend_unsent(&self, st: &State) {
        for (client_id, text) in st.chat.unsent() {
            self.send(&ClientMessage::Send {
                client_id: client_id.into(),
                text: text.into(),
            });
        }
    }

    /// A server message for the chat.
    pub(crate) fn on_message(&self, st: &mut State, message: ServerMessage) {
        if let ServerMessage::SessionCreated { visitor_id, .. } = &message {
            crate::visitor::save(&st.company, visitor_id);
        }
        // What the visitor typed while the start was on its way: it goes
        // back to the message box if the start is refused.
        let typed_while_starting: Vec<String> = if st.chat.phase == Phase::Starting {
            st.chat
                .items
                .iter()
                .filter(|i| i.seq.is_none())
                .map(|i| i.text.clone())
                .collect()
        } else {
            Vec::new()
        };
        let was_waiting = st.chat.phase == Phase::Waiting;
        let change = st.chat.apply(message);
        if st.chat.phase != Phase::Starting {
            st.start_frame = None;
        }
        match change {
            Change::Created => {
                self.emit(Effect::Event("chatSessionCreated"));
                // Messages typed while starting go out now.
                self.resend_unsent(st);
                self.remember(st);
            }
            Change::Started => self.emit(Effect::Event("chatSessionStarted")),
            Change::Ended => {
                self.emit(Effect::Event("chatSessionEnded"));
                self.forget(st);
            }
            Change::Resumed(SessionState::Ended) => self.forget(st),
            Change::Resumed(state) => {
                if was_waiting && state == SessionState::Active {
                    // Accepted while the socket was down (or while the
                    // start's answer was lost): the page still learns it.
                    self.emit(Effect::Event("chatSessionStarted"));
                }
                self.resend_unsent(st);
                self.remember(st);
            }
            Change::Message => {
                self.remember(st);
                self.report_read(st);
            }
            Change::Stored(kind, phone) => {
                st.notice = Some(match kind {
                    StoredKind::OfflineMessage => {
                        st.offline_sent = true;
                        if st.chat.phase == Phase::Waiting {
                            // Left a message instead of waiting for nobody:
                            // the queue entry goes.
                            self.send(&ClientMessage::EndChat);
                        }
                        if let Some(view) = &st.view {
                            view.forms().clear_offline();
                        }
                        st.texts.offline_sent.clone()
                    }
                    StoredKind::Transcript => st.texts.transcript_sent.clone(),
                    StoredKind::CallbackRequest => {
                        st.callback_sent = true;
                        // As the server stored it: that is what will be dialled.
                        let phone = phone.or_else(|| st.callback_phone.clone());
                        fill(&st.texts.callback_sent, "phone", &phone.unwrap_or_default())
                    }
                });
            }
            Change::Failed(code) => {
                st.callback_pending = false;
                if st.chat.phase == Phase::Idle {
                    if let Some(view) = &st.view {
                        for text in &typed_while_starting {
                            view.restore_draft(text);
                        }
                    }
                }
                if st.chat.session.is_none() {
                    // A refused resume (unknown session): nothing to restore.
                    self.forget(st);
                }
                // A refused callback request: the server's check of the
                // number (a custom normalization may return anything).
                let callback = !st.callback_sent && st.callback_phone.take().is_some();
                st.notice = Some(if callback && code == ErrorCode::Invalid {
                    if let Some(view) = &st.view {
                        view.forms().phone_invalid(true);
                    }
                    st.texts.invalid_phone.clone()
                } else {
                    refusal_text(st, code)
                });
            }
            Change::Refused(code, text) => {
                // Not stored: the text goes back to the message box.
                if let Some(view) = &st.view {
                    view.restore_draft(&text);
                }
                st.notice = Some(refusal_text(st, code));
            }
            Change::Redraw => {}
        }
        self.render(st);
    }

    /// A visitor action in the chat window.
    pub(crate) fn on_action(&self, st: &mut State, action: Action) {
        st.notice = None;
        match action {
            Action::Send(text) => {
                if text.chars().count() > st.max_chars as usize {
                    st.notice = Some(refusal_text(st, ErrorCode::TooLong));
                } else if self.visitor_text(st, text) {
                    if let Some(view) = &st.view {
                        view.clear_draft();
                    }
                }
            }
            Action::Typing => self.visitor_typing(st),
            Action::EndChat => {
                if !self.send(&ClientMessage::EndChat) {
                    st.notice = Some(st.texts.send_failed.clone());
                }
            }
            Action::NewChat => {
                st.chat = Chat::default();
                st.read_sent = 0;
            }
            Action::Transcript(email) => {
                let email = email.trim().to_string();
                if !is_email(&email) {
                    st.notice = Some(st.texts.invalid_email.clone());
                } else if !self.send(&ClientMessage::Transcript { email }) {
                    st.notice = Some(st.texts.send_failed.clone());
                }
            }
            Action::Tab(panel) => st.choice = Some(panel),
            Action::Callback(name, raw) => self.submit_callback(st, name, raw),
            Action::Offline(email, text) => {
                let email = email.trim().to_string();
                if !is_email(&email) {
                    st.notice = Some(st.texts.invalid_email.clone());
                } else if text.chars().count() > st.max_chars as usize {
                    st.notice = Some(refusal_text(st, ErrorCode::TooLong));
                } else if !text.trim().is_empty() {
                    let m = ClientMessage::OfflineMessage {
                        email,
                        text,
                        language: st.language.clone(),
                        page_url: page_url(st.limits.page_url_max_chars),
                    };
                    if !self.send(&m) {
                        st.notice = Some(st.texts.send_failed.clone());
                    }
                }
            }
        }
        self.render(st);
    }

    /// The visitor's message; false when it was not taken (it stays in
    /// the message box).
    fn visitor_text(&self, st: &mut State, text: String) -> bool {
        if st.chat.is_open() && st.chat.session.is_some() {
            st.typing_timer = None;
            st.next_client_id += 1;
            let client_id = client_id(st.next_client_id);
            st.chat.send(client_id.clone(), text.clone());
            // Unsent messages stay marked "…" and go out on reconnect.
            self.send(&ClientMessage::Send { client_id, text });
            true
        } else if st.chat.phase == Phase::Starting || st.chat.phase == Phase::Resuming {
            // No session yet: kept marked "…" and sent once the session
            // is known (`sessionCreated` or `resumed`), never dropped.
            st.next_client_id += 1;
            st.chat.send(client_id(st.next_client_id), text);
            true
        } else {
            self.start_chat(st, Some(text))
        }
    }

    /// Starts a chat (puts the visitor in the queue), with a first message;
    /// false when the socket is down (nothing changed).
    pub(crate) fn start_chat(&self, st: &mut State, text: Option<String>) -> bool {
        let url = page_url(st.limits.page_url_max_chars);
        // Read at each start: another tab may have got one meanwhile.
        let visitor_id = crate::visitor::load(&st.company);
        // The core accepted them by the same limits; a configuration with
        // lower ones than it knew then still never gets the start refused.
        let (data, dropped) = fit_custom_data(&st.custom_data, &st.limits);
        if dropped > 0 {
            owidget_web::console::warn(
                "custom data over the server's published limits was not sent",
            );
        }
        // The server keeps at most 256 characters of the scope (the
        // restore itself matches the full scope, in the page).
        let scope = st.scope.clone().map(|s| trim_chars(s, SCOPE_MAX_CHARS));
        let m = start_chat(&StartChat {
            language: &st.language,
            page_url: &url,
            scope: scope.as_deref(),
            custom_data: data.iter().map(|(k, v)| (*k, *v)),
            text: text.as_deref(),
            visitor_id: visitor_id.as_deref(),
            start_key: Some(&start_key()),
        });
        if self.send_text(&m) {
            st.chat.start(text);
            st.start_frame = Some(m);
            st.read_sent = 0;
            true
        } else {
            st.notice = Some(st.texts.send_failed.clone());
            false
        }
    }

    /// `openChat(true)`: starts a chat now, or once the socket is up.
    pub(crate) fn enqueue(&self) {
        self.update(|w, st| {
            if st.chat.is_open() {
                return;
            }
            if st.connected {
                w.start_chat(st, None);
                w.render(st);
            } else {
                st.enqueue_pending = true;
            }
        });
    }

    /// `addCustomData` the core accepted (it checks the types and
    /// lengths at once): refused on the console once the chat started, or
    /// for a name beyond the published number of names.
    pub(crate) fn add_custom_data(&self, name: String, value: String) {
        self.update(|_, st| {
            if st.chat.is_open() {
                return console::error(ALREADY_STARTED);
            }
            let full = st.custom_data.len() >= st.limits.custom_data_max_keys;
            match st.custom_data.iter_mut().find(|(k, _)| *k == name) {
                Some(entry) => entry.1 = value.clone(),
                None if full => return console::error(TOO_MANY),
                None => st.custom_data.push((name.clone(), value.clone())),
            }
            if let Some(view) = &st.view {
                view.prefill(&name, &value);
            }
        });
    }

    fn visitor_typing(&self, st: &mut State) {
        if st.chat.phase != Phase::Active && st.chat.phase != Phase::Waiting {
            return;
        }
        if st.typing_timer.is_none() {
            self.send(&ClientMessage::Typing { typing: true });
        }
        let me = self.me.clone();
        st.typing_timer = Some(Timeout::new(TYPING_IDLE_MS, move || {
            if let Some(w) = me.upgrade() {
                w.update(|w, st| {
                    st.typing_timer = None;
                    w.send(&ClientMessage::Typing { typing: false });
                });
            }
        }));
    }

    /// Tells the server what the visitor has seen (window open).
    pub(crate) fn report_read(&self, st: &mut State) {
        let seen = st.chat.last_incoming();
        if st.open && seen > st.read_sent && self.send(&ClientMessage::Read { seq: seen }) {
            st.read_sent = seen;
        }
    }

    /// Keeps the open session for a later page (see `store`) and tells
    /// the core (its button shows the running chat).
    pub(crate) fn remember(&self, st: &State) {
        let Some((session_id, token)) = &st.chat.session else {
            return;
        };
        if st.chat.is_open() {
            let record = Record {
                session_id: session_id.clone(),
                token: token.clone(),
                last_seq: st.chat.last_seq,
                open: st.open,
            };
            if let Some(key) = &st.store_key {
                crate::store::save(key, &record);
            }
            self.emit(Effect::Session(Some(record.encode())));
        }
    }

    /// Forgets the stored session and tells the core.
    fn forget(&self, st: &State) {
        if let Some(key) = &st.store_key {
            crate::store::clear(key);
        }
        self.emit(Effect::Session(None));
    }
}

/// A message id unique across reloads of the page (a counter alone would
/// repeat after a reload and the server would drop the "duplicate").
fn client_id(n: u32) -> String {
    let random = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    cat(&["w", &decimal(random), "-", &decimal(u64::from(n))])
}

/// A fresh `startKey`: 128 bits from `crypto.getRandomValues` as 32 hex
/// digits (`Math.random` only where no `crypto` exists). It finds the
/// session it created and opens its token, so it must not be guessable.
fn start_key() -> String {
    use js_sys::{Function, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    let bytes = Uint8Array::new_with_length(16);
    let filled = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(|c| c.is_object())
        .and_then(|crypto| {
            let f = Reflect::get(&crypto, &JsValue::from_str("getRandomValues")).ok()?;
            f.dyn_into::<Function>().ok()?.call1(&crypto, &bytes).ok()
        })
        .is_some();
    let mut out = String::with_capacity(32);
    for i in 0..16 {
        let b = if filled {
            bytes.get_index(i)
        } else {
            (js_sys::Math::random() * 256.0) as u8
        };
        for d in [b >> 4, b & 15] {
            out.push(char::from_digit(u32::from(d), 16).unwrap_or('0'));
        }
    }
    out
}

/// The preset's text for a refusal with `code`, in the visitor's language
/// (the server's own reason is English and for developers).
fn refusal_text(st: &State, code: ErrorCode) -> String {
    match code {
        ErrorCode::TooLong => fill(&st.texts.too_long, "max", &decimal(u64::from(st.max_chars))),
        _ => st.texts.send_failed.clone(),
    }
}

/// The page's URL, sent with chats and forms, trimmed to the server's
/// published `pageUrlMaxChars` (a long query string must not make the
/// server refuse the chat).
pub(crate) fn page_url(max_chars: usize) -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    trim_chars(href, max_chars)
}
