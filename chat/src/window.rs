//! One chat window: its state, the view and the link to the core.
//!
//! Re-entrancy rule (as in the core): calls to the core that may reach the
//! page's callbacks (app events, the stored session) are queued as
//! [`Effect`]s while the state is borrowed and run by `flush` after the
//! borrow is released, so a page callback may call back into the widget.
//! Sending a frame only touches the socket and is done at once.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use owidget_protocol::{ButtonStatus, Features, Texts};
use owidget_web::{console, Json};
use wasm_bindgen::JsValue;
use web_sys::Element;

use crate::decode;
use crate::forms::{panels, FormsState};
use crate::host::Host;
use crate::state::{Chat, Phase};
use crate::store::Record;
use crate::view::{Extra, Panel, View};

/// Something to tell the core once the state is no longer borrowed.
pub(crate) enum Effect {
    /// An app event.
    Event(&'static str),
    /// The session record to remember (`None`: forget it).
    Session(Option<String>),
    /// Normalize the callback form's number (name, number as typed).
    Normalize(String, String),
}

/// Mutable state of a chat window.
pub(crate) struct State {
    pub(crate) destroyed: bool,
    pub(crate) texts: Texts,
    pub(crate) features: Features,
    pub(crate) language: String,
    /// Longest message the server stores, in characters.
    pub(crate) max_chars: u32,
    /// Everything the server published about what it takes.
    pub(crate) limits: owidget_protocol::WidgetLimits,
    /// Company GUID (the visitor id is kept per company).
    pub(crate) company: String,
    pub(crate) scope: Option<String>,
    /// `localStorage` key of the open conversation (the core's).
    pub(crate) store_key: Option<String>,
    pub(crate) status: Option<ButtonStatus>,
    pub(crate) open: bool,
    pub(crate) connected: bool,
    /// The conversation.
    pub(crate) chat: Chat,
    /// `addCustomData` values for the next `startChat`, in call order.
    pub(crate) custom_data: Vec<(String, String)>,
    /// Confirmation or error shown in the window.
    pub(crate) notice: Option<String>,
    /// The offline form was stored.
    pub(crate) offline_sent: bool,
    /// The panel the visitor chose with the tabs.
    pub(crate) choice: Option<Panel>,
    /// The callback request was stored.
    pub(crate) callback_sent: bool,
    /// The callback form's number is being normalized.
    pub(crate) callback_pending: bool,
    /// The number sent with the callback request, as it will be dialled.
    pub(crate) callback_phone: Option<String>,
    /// The page's phone normalization (`setCustomNumberNormalization`).
    pub(crate) normalizer: Option<js_sys::Function>,
    /// The server's normalization URL but the number (`phoneUrl` of the
    /// core's state).
    pub(crate) phone_url: String,
    /// Sends `typing: false` after a pause in typing.
    pub(crate) typing_timer: Option<Timeout>,
    /// The offline form was pre-filled for the current wait without
    /// operators (see [`Window::stranded`]).
    pub(crate) stranded_filled: bool,
    /// Highest operator `seq` reported as read.
    pub(crate) read_sent: u64,
    /// Counter of the widget's message ids.
    pub(crate) next_client_id: u32,
    /// `openChat(true)` came before the socket was connected.
    pub(crate) enqueue_pending: bool,
    /// The `startChat` frame sent and not answered yet (with its
    /// `startKey`): re-sent as is after a reconnect, so that a start lost
    /// with its socket creates one session (issue 10, item 7).
    pub(crate) start_frame: Option<String>,
    pub(crate) view: Option<View>,
}

/// The chat window's implementation.
pub(crate) struct Window {
    pub(crate) me: Weak<Window>,
    pub(crate) host: Host,
    state: RefCell<State>,
    effects: RefCell<VecDeque<Effect>>,
}

impl Window {
    /// Builds the window into `body` (an element of the core's shadow
    /// root). `config` is the preset's configuration as the server sent it;
    /// `init` the core's state (see `api::create`).
    pub(crate) fn new(body: &Element, config: &JsValue, init: &JsValue, host: Host) -> Rc<Window> {
        let language = init.get("language").and_then(|l| l.string());
        let language = language.unwrap_or_default();
        let mut chat = Chat::default();
        // A conversation the core restores after a reload (the record's
        // text as stored).
        let stored = init.get("stored").and_then(|s| s.string());
        let restored = stored
            .and_then(|s| owidget_web::parse_text(&s))
            .and_then(|v| Record::decode(&v));
        if let Some(record) = &restored {
            chat.phase = Phase::Resuming;
            chat.session = Some((record.session_id.clone(), record.token.clone()));
        }
        // `addCustomData` calls the core took before this module came,
        // checked as `Window::add_custom_data` checks later ones.
        let mut custom_data: Vec<(String, String)> = Vec::new();
        for (k, v) in init
            .get("customData")
            .map(|d| d.entries())
            .unwrap_or_default()
        {
            if let Some(v) = v.string() {
                custom_data.push((k, v));
            }
        }
        let limits = decode::limits(config);
        if !custom_data.is_empty() && chat.session.is_some() {
            console::error(crate::flow::ALREADY_STARTED);
            custom_data.clear();
        }
        if custom_data.len() > limits.custom_data_max_keys {
            console::error(crate::flow::TOO_MANY);
            custom_data.truncate(limits.custom_data_max_keys);
        }
        let state = State {
            destroyed: false,
            texts: decode::texts_of(config, &language),
            features: decode::features(config),
            language,
            max_chars: decode::message_max_chars(config),
            limits,
            // The configuration names the company (canonical GUID).
            company: config
                .get("company")
                .and_then(|c| c.string())
                .unwrap_or_default(),
            scope: init.get("scope").and_then(|s| s.string()),
            store_key: init.get("storeKey").and_then(|s| s.string()),
            status: init
                .get("status")
                .and_then(|s| s.number())
                .and_then(|n| ButtonStatus::from_code(n as u8)),
            open: init.get("open").and_then(|o| o.boolean()) == Some(true),
            connected: false,
            chat,
            custom_data,
            notice: None,
            offline_sent: false,
            choice: None,
            callback_sent: false,
            callback_pending: false,
            callback_phone: None,
            normalizer: None,
            phone_url: init
                .get("phoneUrl")
                .and_then(|u| u.string())
                .unwrap_or_default(),
            typing_timer: None,
            stranded_filled: false,
            read_sent: 0,
            next_client_id: 0,
            enqueue_pending: init.get("enqueue").and_then(|e| e.boolean()) == Some(true),
            start_frame: None,
            view: None,
        };
        let w = Rc::new_cyclic(|me: &Weak<Window>| Window {
            me: me.clone(),
            host,
            state: RefCell::new(state),
            effects: RefCell::default(),
        });
        let me = w.me.clone();
        let max_chars = w.read(|st| st.max_chars).unwrap_or(2000);
        let view = View::new(
            body,
            max_chars,
            Rc::new(move |action| {
                if let Some(w) = me.upgrade() {
                    w.update(|w, st| w.on_action(st, action));
                }
            }),
        );
        w.update(|w, st| {
            for (name, value) in &st.custom_data {
                view.prefill(name, value);
            }
            st.view = Some(view);
            w.render(st);
            // A restored record keeps the window's state as it is now
            // (the visitor may have closed it before this module came).
            if let (Some(record), Some(key)) = (restored, &st.store_key) {
                if record.open != st.open {
                    crate::store::save(
                        key,
                        &Record {
                            open: st.open,
                            ..record
                        },
                    );
                }
            }
        });
        if init.get("connected").and_then(|c| c.boolean()) == Some(true) {
            w.set_connected(true);
        }
        w
    }

    /// Runs `f` on the state (unless destroyed), then runs queued effects.
    pub(crate) fn update(&self, f: impl FnOnce(&Window, &mut State)) {
        if let Ok(mut st) = self.state.try_borrow_mut() {
            if !st.destroyed {
                f(self, &mut st);
            }
        }
        self.flush();
    }

    /// Reads the state (`None` while it is being updated).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> Option<R> {
        self.state.try_borrow().ok().map(|st| f(&st))
    }

    /// Queues an effect.
    pub(crate) fn emit(&self, effect: Effect) {
        if let Ok(mut q) = self.effects.try_borrow_mut() {
            q.push_back(effect);
        }
    }

    fn flush(&self) {
        loop {
            let next = self
                .effects
                .try_borrow_mut()
                .ok()
                .and_then(|mut q| q.pop_front());
            match next {
                None => break,
                Some(Effect::Event(name)) => self.host.event(name),
                Some(Effect::Session(record)) => self.host.session(record),
                Some(Effect::Normalize(name, raw)) => self.normalize(name, &raw),
            }
        }
    }

    /// Sends a frame; false when the socket is down.
    pub(crate) fn send_text(&self, text: &str) -> bool {
        self.host.send(text)
    }

    /// A server message the core does not handle itself.
    pub(crate) fn frame(&self, message: &JsValue) {
        let Some(message) = decode::server_message(message) else {
            return;
        };
        self.update(|w, st| w.on_message(st, message));
    }

    /// The socket went up or down.
    pub(crate) fn set_connected(&self, on: bool) {
        self.update(|w, st| {
            st.connected = on;
            if on {
                w.on_connected(st);
            } else {
                st.typing_timer = None;
            }
            w.render(st);
        });
    }

    /// The button status changed.
    pub(crate) fn set_status(&self, status: Option<ButtonStatus>) {
        self.update(|w, st| {
            st.status = status;
            w.render(st);
        });
    }

    /// The window was opened or closed; when opened, focuses the first
    /// field and returns true (false: nothing to focus).
    pub(crate) fn set_open(&self, open: bool) -> bool {
        let mut focused = false;
        self.update(|w, st| {
            st.open = open;
            w.remember(st);
            w.render(st);
            if open {
                w.report_read(st);
                let panel = w.panel(st);
                if let Some(view) = &st.view {
                    focused = view.focus(panel);
                }
            }
        });
        focused
    }

    /// Whether a chat runs (custom data can no longer change it).
    pub(crate) fn started(&self) -> bool {
        self.read(|st| st.chat.is_open()).unwrap_or(true)
    }

    /// Tears the window down: DOM, listeners and timers go now; later
    /// calls do nothing.
    pub(crate) fn destroy(&self) {
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.destroyed = true;
            st.view = None;
            st.typing_timer = None;
        }
        if let Ok(mut q) = self.effects.try_borrow_mut() {
            q.clear();
        }
    }

    /// The panel the window shows in the current state: the chat while
    /// one runs or has just ended, else what the status offers (the
    /// visitor's tab choice when it is offered).
    pub(crate) fn panel(&self, st: &State) -> Panel {
        if self.stranded(st) == Some(false) {
            // Waiting for nobody: the offline message first, the chat a
            // tab away.
            return match st.choice {
                Some(Panel::Chat) => Panel::Chat,
                _ => Panel::Offline,
            };
        }
        let idle = !st.chat.is_open() && st.chat.items.is_empty();
        if !idle {
            return Panel::Chat;
        }
        let offered = panels(st.status, &st.features);
        match st.choice {
            Some(choice) if offered.contains(&choice) => choice,
            _ => offered[0],
        }
    }

    /// The visitor waits in the queue while nobody is online: `Some(keep)`,
    /// `keep` when they keep waiting (the preset says so, or it offers no
    /// offline message), else they are offered the offline message;
    /// `None` otherwise.
    pub(crate) fn stranded(&self, st: &State) -> Option<bool> {
        (st.chat.phase == Phase::Waiting && st.status == Some(ButtonStatus::Offline))
            .then_some(st.features.keep_waiting_when_offline || !st.features.offline_message)
    }

    /// Redraws the window's content.
    pub(crate) fn render(&self, st: &mut State) {
        let idle = !st.chat.is_open() && st.chat.items.is_empty();
        let stranded = self.stranded(st);
        let offer = stranded == Some(false);
        let offered = if idle {
            panels(st.status, &st.features)
        } else if offer {
            vec![Panel::Chat, Panel::Offline]
        } else {
            vec![Panel::Chat]
        };
        if offer && !st.stranded_filled {
            // Their text kept: what they wrote goes into the offline form.
            st.stranded_filled = true;
            let text: Vec<&str> = st
                .chat
                .items
                .iter()
                .filter(|i| i.author == owidget_protocol::Author::Visitor)
                .map(|i| i.text.as_str())
                .collect();
            if let Some(view) = &st.view {
                view.forms().prefill_offline_text(&text.join("\n"));
            }
        }
        st.stranded_filled &= offer;
        let panel = self.panel(st);
        let extra = Extra {
            stranded,
            transcript: st.features.transcript,
            disconnected: !st.connected,
            notice: st.notice.as_deref(),
            forms: FormsState {
                panels: &offered,
                panel,
                offline_sent: st.offline_sent,
                callback_sent: st.callback_sent,
            },
        };
        if let Some(view) = &mut st.view {
            view.render(&st.chat, &st.texts, &extra);
        }
    }
}
