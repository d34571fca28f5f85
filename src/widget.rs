//! One widget: settings, callbacks, connection state and DOM tied together.
//!
//! Re-entrancy rule: JS callbacks of the page (status, app events,
//! normalization) may call back into the widget, so they are never invoked
//! while the state is borrowed. State changes queue [`Effect`]s; `flush`
//! runs them after the borrow is released.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use owidget_protocol::{ButtonStatus, Features, Texts};

use crate::chat::Chat;
use crate::console;
use crate::error::{Error, Result};
use crate::net::config::ConfigRequest;
use crate::net::socket::Socket;
use crate::settings::{Endpoints, InitArgs, Settings};
use crate::ui::chat_view::{Extra, Panel};
use crate::ui::{Ui, UiAction};
use crate::wire::decode::Preset;

/// Events for the app event callback (`{type: ...}` in JS).
// The names mirror the mluvii event types (`chatWindowOpen`, ...).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppEvent {
    /// The chat window was opened.
    ChatWindowOpen,
    /// The chat window was closed.
    ChatWindowClosed,
    /// The visitor waits for an operator.
    ChatSessionCreated,
    /// An operator accepted the chat.
    ChatSessionStarted,
    /// The chat is over.
    ChatSessionEnded,
}

impl AppEvent {
    /// The `type` string of the mluvii API.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AppEvent::ChatWindowOpen => "chatWindowOpen",
            AppEvent::ChatWindowClosed => "chatWindowClosed",
            AppEvent::ChatSessionCreated => "chatSessionCreated",
            AppEvent::ChatSessionStarted => "chatSessionStarted",
            AppEvent::ChatSessionEnded => "chatSessionEnded",
        }
    }
}

/// The page's status callback.
pub(crate) type StatusCallback = Rc<dyn Fn(u8)>;
/// The page's app event callback.
pub(crate) type AppCallback = Rc<dyn Fn(AppEvent)>;
/// The page's phone normalization: `Err` when it failed (threw or returned
/// something else than a string or null), `Ok(None)` for an invalid number.
pub(crate) type NormalizeCallback = Rc<dyn Fn(&str) -> core::result::Result<Option<String>, ()>>;

/// Something to tell the page once the state is no longer borrowed.
enum Effect {
    Status(u8),
    App(AppEvent),
}

#[derive(Default)]
struct Callbacks {
    status: Option<StatusCallback>,
    app: Option<AppCallback>,
    normalize: Option<NormalizeCallback>,
}

/// Mutable state of a widget.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) settings: Option<Settings>,
    pub(crate) connecting: bool,
    pub(crate) destroyed: bool,
    /// Name of the preset served (known once configured).
    pub(crate) preset: Option<String>,
    pub(crate) features: Features,
    pub(crate) language: Option<String>,
    pub(crate) texts: Rc<Texts>,
    pub(crate) status: Option<ButtonStatus>,
    pub(crate) config_req: Option<ConfigRequest>,
    pub(crate) socket: Option<Socket>,
    pub(crate) socket_open: bool,
    pub(crate) retry: Option<Timeout>,
    pub(crate) grace: Option<Timeout>,
    pub(crate) attempt: u32,
    /// An outage was already reported on the console (report once).
    pub(crate) outage_reported: bool,
    pub(crate) ui: Option<Ui>,
    pub(crate) open: bool,
    /// The conversation.
    pub(crate) chat: Chat,
    /// `addCustomData` values for the next `startChat`, in call order.
    pub(crate) custom_data: Vec<(String, String)>,
    /// Confirmation or error shown in the window.
    pub(crate) notice: Option<String>,
    /// The offline form was stored.
    pub(crate) offline_sent: bool,
    /// `localStorage` key of this company, preset and scope.
    pub(crate) store_key: Option<String>,
    /// Sends `typing: false` after a pause in typing.
    pub(crate) typing_timer: Option<Timeout>,
    /// Highest operator `seq` reported as read.
    pub(crate) read_sent: u64,
    /// Counter of the widget's message ids.
    pub(crate) next_client_id: u32,
    /// `openChat(true)` came before the socket was connected.
    pub(crate) enqueue_pending: bool,
}

/// One `owidget` object's implementation.
pub(crate) struct Widget {
    pub(crate) endpoints: Result<Endpoints>,
    pub(crate) me: Weak<Widget>,
    callbacks: RefCell<Callbacks>,
    state: RefCell<State>,
    effects: RefCell<VecDeque<Effect>>,
}

impl Widget {
    /// A widget whose loader lives at `base` (the loader's directory URL).
    pub(crate) fn new(base: &str) -> Rc<Widget> {
        Rc::new_cyclic(|me| Widget {
            endpoints: Endpoints::from_base(base),
            me: me.clone(),
            callbacks: RefCell::default(),
            state: RefCell::default(),
            effects: RefCell::default(),
        })
    }

    /// Runs `f` on the state, then tells the page what changed.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&Widget, &mut State) -> Result<R>) -> Result<R> {
        let result = match self.state.try_borrow_mut() {
            Ok(mut st) => f(self, &mut st),
            // Only reachable through a page callback re-entering in the
            // middle of an update, which `flush` is designed to prevent.
            Err(_) => Err(Error::Browser("re-entrant call")),
        };
        self.flush();
        result
    }

    /// Reads the state (`None` while it is being updated).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> Option<R> {
        self.state.try_borrow().ok().map(|st| f(&st))
    }

    fn emit(&self, effect: Effect) {
        if let Ok(mut q) = self.effects.try_borrow_mut() {
            q.push_back(effect);
        }
    }

    /// Queues an app event.
    pub(crate) fn emit_app(&self, event: AppEvent) {
        self.emit(Effect::App(event));
    }

    /// Runs queued effects one by one with no borrow held, so callbacks may
    /// call any method of the widget.
    fn flush(&self) {
        loop {
            let next = self
                .effects
                .try_borrow_mut()
                .ok()
                .and_then(|mut q| q.pop_front());
            let Some(effect) = next else { break };
            let Ok(cbs) = self.callbacks.try_borrow() else {
                continue;
            };
            match effect {
                Effect::Status(code) => {
                    let cb = cbs.status.clone();
                    drop(cbs);
                    if let Some(cb) = cb {
                        cb(code);
                    }
                }
                Effect::App(event) => {
                    let cb = cbs.app.clone();
                    drop(cbs);
                    if let Some(cb) = cb {
                        cb(event);
                    }
                }
            }
        }
    }

    /// `init(companyId, [widgetPreset], [language], [scope])`.
    pub(crate) fn init(
        &self,
        args: InitArgs,
        html_lang: Option<String>,
        browser: Vec<String>,
    ) -> Result<()> {
        self.update(|_, st| {
            if st.destroyed {
                return Err(Error::Destroyed("init"));
            }
            if st.settings.is_some() {
                return Err(Error::AlreadyInitialized);
            }
            st.settings = Some(Settings::new(args, html_lang, browser)?);
            Ok(())
        })
    }

    /// `setStatusUpdateCallback`: stores it and, when the status is already
    /// known, calls it once with it.
    pub(crate) fn set_status_callback(&self, cb: StatusCallback) -> Result<()> {
        let status = self.live("setStatusUpdateCallback", |st| st.status)?;
        if let Ok(mut cbs) = self.callbacks.try_borrow_mut() {
            cbs.status = Some(cb);
        }
        if let Some(status) = status {
            self.emit(Effect::Status(status.code()));
            self.flush();
        }
        Ok(())
    }

    /// `setAppEventCallback`.
    pub(crate) fn set_app_callback(&self, cb: AppCallback) -> Result<()> {
        self.live("setAppEventCallback", |_| ())?;
        if let Ok(mut cbs) = self.callbacks.try_borrow_mut() {
            cbs.app = Some(cb);
        }
        Ok(())
    }

    /// `setCustomNumberNormalization`.
    pub(crate) fn set_normalizer(&self, cb: NormalizeCallback) -> Result<()> {
        self.live("setCustomNumberNormalization", |_| ())?;
        if let Ok(mut cbs) = self.callbacks.try_borrow_mut() {
            cbs.normalize = Some(cb);
        }
        Ok(())
    }

    /// The page's normalization function, if set.
    // Read by the phone number form, which lands after the chat window.
    #[allow(dead_code)]
    pub(crate) fn normalizer(&self) -> Option<NormalizeCallback> {
        self.callbacks.try_borrow().ok()?.normalize.clone()
    }

    /// Reads the state of a widget that is not destroyed.
    fn live<R>(&self, method: &'static str, f: impl FnOnce(&State) -> R) -> Result<R> {
        match self.read(|st| (!st.destroyed).then(|| f(st))) {
            Some(Some(r)) => Ok(r),
            Some(None) => Err(Error::Destroyed(method)),
            None => Err(Error::Browser("re-entrant call")),
        }
    }

    /// Sets the status; queues the callback and redraws on a change.
    pub(crate) fn set_status(&self, st: &mut State, status: ButtonStatus) {
        if st.status == Some(status) {
            return;
        }
        st.status = Some(status);
        self.emit(Effect::Status(status.code()));
        if let Some(ui) = &st.ui {
            ui.render(st.status, &st.texts);
        }
        self.render(st);
    }

    /// The panel the window shows in the current state.
    pub(crate) fn panel(st: &State) -> Panel {
        let idle = !st.chat.is_open() && st.chat.items.is_empty();
        if idle && st.status == Some(ButtonStatus::Offline) && st.features.offline_message {
            Panel::Offline
        } else {
            Panel::Chat
        }
    }

    /// Redraws the window's content.
    pub(crate) fn render(&self, st: &mut State) {
        let panel = Widget::panel(st);
        let extra = Extra {
            panel,
            disconnected: !st.socket_open,
            notice: st.notice.as_deref(),
            offline_sent: st.offline_sent,
        };
        if let Some(ui) = &mut st.ui {
            ui.render_chat(&st.chat, &st.texts, &extra);
        }
    }

    /// Handles a click or key in the widget's DOM.
    pub(crate) fn on_ui(&self, action: UiAction) {
        let result = self.update(|w, st| {
            if st.destroyed {
                return Ok(());
            }
            match action {
                UiAction::Toggle => w.set_open(st, !st.open),
                UiAction::Close => w.set_open(st, false),
                action => w.on_chat_action(st, action),
            }
            Ok(())
        });
        report(result);
    }

    /// Opens or closes the window, with its app event.
    pub(crate) fn set_open(&self, st: &mut State, open: bool) {
        if st.open == open {
            return;
        }
        st.open = open;
        self.render(st);
        if let Some(ui) = &st.ui {
            ui.set_open(open, Widget::panel(st));
        }
        self.remember(st);
        if open {
            self.report_read(st);
        }
        self.emit_app(if open {
            AppEvent::ChatWindowOpen
        } else {
            AppEvent::ChatWindowClosed
        });
    }

    /// Builds the DOM once the configuration is known.
    pub(crate) fn build_ui<J>(&self, st: &mut State, config: &Preset<J>) -> Result<()> {
        let me = self.me.clone();
        let ui = Ui::new(
            config,
            Rc::new(move |action| {
                if let Some(w) = me.upgrade() {
                    w.on_ui(action);
                }
            }),
        )?;
        ui.render(st.status, &st.texts);
        if let Some((_, email)) = st.custom_data.iter().find(|(k, _)| k == "oo1_guest_email") {
            ui.view().prefill_email(email);
        }
        st.ui = Some(ui);
        self.render(st);
        if st.open {
            if let Some(ui) = &st.ui {
                ui.set_open(true, Widget::panel(st));
            }
        }
        Ok(())
    }

    /// `destroy()`: removes the DOM, closes the socket, cancels timers and
    /// forgets the page's callbacks.
    pub(crate) fn destroy(&self) -> Result<()> {
        self.update(|_, st| {
            if st.destroyed {
                return Err(Error::Destroyed("destroy"));
            }
            let settings = st.settings.take();
            *st = State {
                destroyed: true,
                settings,
                ..State::default()
            };
            Ok(())
        })?;
        if let Ok(mut cbs) = self.callbacks.try_borrow_mut() {
            *cbs = Callbacks::default();
        }
        Ok(())
    }
}

/// Logs an error of an internal (not page-called) path.
pub(crate) fn report(result: Result<()>) {
    if let Err(e) = result {
        console::error(&e.message());
    }
}
