//! One widget: settings, callbacks, connection state and DOM tied together.
//!
//! Re-entrancy rule: JS callbacks of the page (status, app events,
//! normalization) and calls into the chat module (which calls back) may
//! call back into the widget, so they never run while the state is
//! borrowed. State changes queue [`Effect`]s; `flush` runs them after the
//! borrow is released.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use owidget_protocol::ButtonStatus;
use owidget_web::console;

use crate::chat_link::{Chat, ChatCall};
use crate::error::{Error, Result};
use crate::net::config::ConfigRequest;
use crate::net::socket::Socket;
use crate::settings::{Endpoints, InitArgs, Settings};
use crate::texts::FrameTexts;
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

    /// The event of a `type` string the chat module reports.
    pub(crate) fn from_name(name: &str) -> Option<AppEvent> {
        Some(match name {
            "chatSessionCreated" => AppEvent::ChatSessionCreated,
            "chatSessionStarted" => AppEvent::ChatSessionStarted,
            "chatSessionEnded" => AppEvent::ChatSessionEnded,
            _ => return None,
        })
    }
}

/// The page's status callback.
pub(crate) type StatusCallback = Rc<dyn Fn(u8)>;
/// The page's app event callback.
pub(crate) type AppCallback = Rc<dyn Fn(AppEvent)>;

/// Something to do once the state is no longer borrowed.
enum Effect {
    Status(u8),
    App(AppEvent),
    Chat(ChatCall),
}

#[derive(Default)]
struct Callbacks {
    status: Option<StatusCallback>,
    app: Option<AppCallback>,
}

/// Mutable state of a widget.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) settings: Option<Settings>,
    pub(crate) connecting: bool,
    /// The server refused the configuration (4xx): it will not come.
    pub(crate) config_refused: bool,
    pub(crate) destroyed: bool,
    /// Name of the preset served (known once configured).
    pub(crate) preset: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) texts: FrameTexts,
    pub(crate) status: Option<ButtonStatus>,
    pub(crate) config_req: Option<ConfigRequest>,
    pub(crate) socket: Option<Socket>,
    pub(crate) socket_open: bool,
    pub(crate) retry: Option<Timeout>,
    /// The heartbeat of the open socket (see `connection`).
    pub(crate) heartbeat: Option<Timeout>,
    /// A frame arrived since the last heartbeat tick.
    pub(crate) heard: bool,
    /// The preset's heartbeat period (`heartbeatSecs`), 0 before the
    /// configuration is known.
    pub(crate) heartbeat_ms: u32,
    pub(crate) grace: Option<Timeout>,
    pub(crate) attempt: u32,
    /// An outage was already reported on the console (report once).
    pub(crate) outage_reported: bool,
    pub(crate) ui: Option<Ui>,
    pub(crate) open: bool,
    /// The chat module and this widget's chat window in it.
    pub(crate) chat: Chat,
    /// A conversation runs (the chat module keeps its record in
    /// `localStorage`), or was stored by an earlier page.
    pub(crate) session: bool,
    /// The stored conversation's record (JSON text) for the chat window
    /// to resume, until it is created.
    pub(crate) stored: Option<String>,
    /// `localStorage` key of this company, preset and scope.
    pub(crate) store_key: Option<String>,
    /// `openChat(true)` came before the chat module was there.
    pub(crate) enqueue_pending: bool,
    /// The window opened before the chat module was there: its first
    /// field takes the focus once it is.
    pub(crate) focus_pending: bool,
    /// The page's calls for the chat window made before it was there
    /// (`addCustomData`, `normalizeNumber`, `setCustomNumberNormalization`),
    /// in call order.
    pub(crate) chat_pending: Vec<ChatCall>,
}

/// One `owidget` object's implementation.
pub(crate) struct Widget {
    pub(crate) endpoints: Result<Endpoints>,
    pub(crate) me: Weak<Widget>,
    callbacks: RefCell<Callbacks>,
    state: RefCell<State>,
    effects: RefCell<Effects>,
}

/// Queued effects, first in first out: a `Vec` and the index of the next
/// one, emptied when all ran. Not a `VecDeque` (its ring buffer code costs
/// wasm size in the first paint), nor `Vec::remove(0)` (its panic message
/// formats integers: `core::fmt` in the wasm).
#[derive(Default)]
struct Effects {
    list: Vec<Option<Effect>>,
    next: usize,
}

impl Effects {
    fn pop(&mut self) -> Option<Effect> {
        let effect = self.list.get_mut(self.next).and_then(Option::take);
        self.next += 1;
        if self.next >= self.list.len() {
            self.clear();
        }
        effect
    }

    fn clear(&mut self) {
        self.list.clear();
        self.next = 0;
    }
}

impl Widget {
    /// A widget whose loader lives at `base` (the loader's directory URL),
    /// loading the package files by the `names` the loader gave.
    pub(crate) fn new(base: &str, names: Vec<(&'static str, String)>) -> Rc<Widget> {
        Rc::new_cyclic(|me| Widget {
            endpoints: Endpoints::from_base(base).map(|e| Endpoints { names, ..e }),
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
            q.list.push(Some(effect));
        }
    }

    /// Queues an app event.
    pub(crate) fn emit_app(&self, event: AppEvent) {
        self.emit(Effect::App(event));
    }

    /// Queues a call into the chat window, when it is there.
    pub(crate) fn tell_chat(&self, st: &State, call: ChatCall) {
        if st.chat.ready().is_some() {
            self.emit(Effect::Chat(call));
        }
    }

    /// A page's call for the chat window: now when it is there, else once
    /// it is (in call order, never lost).
    pub(crate) fn chat_call(&self, st: &mut State, call: ChatCall) {
        if st.chat.ready().is_some() {
            self.emit(Effect::Chat(call));
        } else {
            st.chat_pending.push(call);
        }
    }

    /// Runs queued effects one by one with no borrow held, so callbacks may
    /// call any method of the widget.
    // Not inlined into every caller of `update` (wasm size).
    #[inline(never)]
    pub(crate) fn flush(&self) {
        loop {
            let next = self.effects.try_borrow_mut().ok().and_then(|mut q| q.pop());
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
                Effect::Chat(call) => {
                    drop(cbs);
                    self.call_chat(call);
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

    /// Reads the state of a widget that is not destroyed.
    pub(crate) fn live<R>(&self, method: &'static str, f: impl FnOnce(&State) -> R) -> Result<R> {
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
        let first = st.status.is_none();
        st.status = Some(status);
        self.emit(Effect::Status(status.code()));
        self.redraw_button(st);
        self.tell_chat(st, ChatCall::Status(status.code()));
        if first {
            // Opening should feel instant, but the first paint must not
            // pay for the chat window: fetch it once the page is idle.
            self.load_chat(st, true);
        }
    }

    /// Redraws the button (status, or the visitor's chat).
    pub(crate) fn redraw_button(&self, st: &State) {
        if let Some(ui) = &st.ui {
            ui.render(st.status, st.session, &st.texts);
        }
    }

    /// Handles a click or key in the widget's frame.
    pub(crate) fn on_ui(&self, action: UiAction) {
        let result = self.update(|w, st| {
            if !st.destroyed {
                let open = action == UiAction::Toggle && !st.open;
                w.set_open(st, open);
            }
            Ok(())
        });
        report(result);
    }

    /// Opens or closes the window, with its app event. The chat window's
    /// first field takes the focus when opened (the close button while the
    /// chat module is still on its way); the button takes it back.
    pub(crate) fn set_open(&self, st: &mut State, open: bool) {
        if st.open == open {
            return;
        }
        st.open = open;
        if let Some(ui) = &st.ui {
            ui.set_open(open);
            if !open || st.chat.ready().is_none() {
                ui.focus(open);
            }
        }
        st.focus_pending = open && st.chat.ready().is_none();
        self.tell_chat(st, ChatCall::Open(open));
        if open {
            self.load_chat(st, false);
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
        ui.render(st.status, st.session, &st.texts);
        ui.set_open(st.open);
        st.ui = Some(ui);
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
            crate::phone::drop_waiting(st, true);
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
        if let Ok(mut q) = self.effects.try_borrow_mut() {
            q.clear();
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
