//! The chat window lives in a second wasm module (`owidget-chat`, built to
//! `pkg/owidget_chat.js` + `pkg/owidget_chat_bg.wasm`) so that the first
//! paint does not pay for it. The core fetches it on the first open of the
//! window, at once when a conversation must be restored after a reload,
//! and otherwise when the page is idle after the first status, so that
//! opening usually finds it ready.
//!
//! Only JS values cross between the modules (each has its own memory):
//! the core creates one chat window per widget with the window's body
//! element, the whole configuration as served (fetched with the module:
//! the core's first-paint request has only the frame part), its state as JSON text and an
//! object of callbacks (`send`, `event`, `session`); it forwards the socket
//! frames it does not handle and tells the window about status, open state
//! and connection. Every call into the module is caught: a failing chat
//! window is reported, never thrown into the page.

use js_sys::Object;
use owidget_web::{console, window_call, Obj};
use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::error::Error;
use crate::modules::{load_module, make_host};
use crate::widget::{report, AppEvent, State, Widget};

#[wasm_bindgen]
extern "C" {
    /// The namespace of `pkg/owidget_chat.js`.
    type ChatModule;
    #[wasm_bindgen(method, catch)]
    fn create(
        this: &ChatModule,
        body: &Element,
        config: &JsValue,
        init: &str,
        host: &Object,
    ) -> Result<ChatWindow, JsValue>;

    /// One widget's chat window in the chat module.
    #[derive(Clone)]
    pub(crate) type ChatWindow;
    /// Every call into the window (see `owidget_web::window_call`).
    #[wasm_bindgen(method, catch)]
    fn call(this: &ChatWindow, which: u32, arg: &JsValue, text: &str) -> Result<bool, JsValue>;
}

/// The chat module as far as one widget is concerned.
#[derive(Default)]
pub(crate) enum Chat {
    /// Not asked for yet (or the last load failed).
    #[default]
    Absent,
    /// On its way; `idle`: waiting for an idle moment first.
    Loading { idle: bool },
    /// This widget's chat window.
    Ready(ChatLink),
}

impl Chat {
    /// The chat window, once it is there.
    pub(crate) fn ready(&self) -> Option<&ChatWindow> {
        match self {
            Chat::Ready(link) => Some(&link.window),
            _ => None,
        }
    }
}

/// A chat window and the callbacks it holds; dropping it tears the window
/// down (the callbacks go after it).
pub(crate) struct ChatLink {
    window: ChatWindow,
    _callbacks: JsValue,
}

impl Drop for ChatLink {
    fn drop(&mut self) {
        let _ = self
            .window
            .call(window_call::DESTROY, &JsValue::UNDEFINED, "");
    }
}

/// A call into the chat window, run by `Widget::flush`.
pub(crate) enum ChatCall {
    Frame(JsValue),
    Connected(bool),
    Status(u8),
    Open(bool),
    Enqueue,
    CustomData(String, String),
    /// `normalizeNumber`: the Promise's `resolve` and the number.
    Normalize(js_sys::Function, String),
    /// `setCustomNumberNormalization`.
    Normalizer(js_sys::Function),
}

impl Widget {
    /// Fetches the chat module unless it is here or on its way; `idle`
    /// waits for an idle moment of the page first. Before the configuration
    /// is known there is no window to fill: `configured` asks again.
    pub(crate) fn load_chat(&self, st: &mut State, idle: bool) {
        if st.ui.is_none() {
            return;
        }
        match st.chat {
            Chat::Ready(_) | Chat::Loading { idle: false } => return,
            Chat::Loading { idle: true } if idle => return,
            _ => {}
        }
        let (Ok(endpoints), Some(settings), Some(preset)) =
            (&self.endpoints, &st.settings, &st.preset)
        else {
            return;
        };
        let config = endpoints.config_url(&settings.company, Some(preset), None);
        st.chat = Chat::Loading { idle };
        let me = self.me.clone();
        let done =
            Closure::once_into_js(move |module: JsValue, config: JsValue, error: JsValue| {
                if let Some(w) = me.upgrade() {
                    w.on_chat_module(module, config, error);
                }
            });
        let js = endpoints.module("owidget_chat.js");
        let wasm = endpoints.module("owidget_chat_bg.wasm");
        load_module(&js, &wasm, idle, &config, done);
    }

    /// The chat module and the whole configuration arrived (or failed):
    /// creates this widget's window.
    fn on_chat_module(&self, module: JsValue, config: JsValue, error: JsValue) {
        let prepared = self.update(|w, st| {
            // Destroyed meanwhile, or a second answer (an idle load and an
            // open both asked): nothing to do.
            if st.destroyed || !matches!(st.chat, Chat::Loading { .. }) {
                return Ok(None);
            }
            if module.is_null() || module.is_undefined() {
                st.chat = Chat::Absent;
                crate::phone::drop_waiting(st, false);
                return Err(Error::ChatModule);
            }
            let Some(ui) = &st.ui else {
                return Ok(None);
            };
            let phone = match (&w.endpoints, &st.settings, &st.preset) {
                (Ok(e), Some(s), Some(preset)) => e.phone_url(&s.company, preset),
                _ => String::new(),
            };
            Ok(Some((ui.body().clone(), init_json(st, &phone))))
        });
        let (body, init) = match prepared {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(e) => {
                console::error_with(&e.message(), &error);
                return;
            }
        };
        let (host, callbacks) = self.host();
        // Outside any borrow: the window may send its resume at once.
        let created = module
            .unchecked_into::<ChatModule>()
            .create(&body, &config, &init, &host);
        let window = match created {
            Ok(window) => window,
            Err(e) => {
                let _ = self.update(|_, st| {
                    st.chat = Chat::Absent;
                    crate::phone::drop_waiting(st, false);
                    Ok(())
                });
                return console::error_with("cannot create the chat window:", &e);
            }
        };
        let link = ChatLink {
            window,
            _callbacks: callbacks,
        };
        let result = self.update(|w, st| {
            if st.destroyed || !matches!(st.chat, Chat::Loading { .. }) {
                return Ok(()); // `link` is dropped: the window goes.
            }
            st.chat = Chat::Ready(link);
            st.enqueue_pending = false;
            st.stored = None;
            if st.open && std::mem::take(&mut st.focus_pending) {
                w.tell_chat(st, ChatCall::Open(true));
            }
            // The calls the page made before the window was there, in
            // their order (custom data went with the initial state).
            for call in std::mem::take(&mut st.chat_pending) {
                if !matches!(call, ChatCall::CustomData(..)) {
                    w.tell_chat(st, call);
                }
            }
            Ok(())
        });
        report(result);
    }

    /// The callbacks object for the chat window (see `modules::make_host`),
    /// and the closure to keep alive as long as the window.
    fn host(&self) -> (Object, JsValue) {
        let me = self.me.clone();
        let f = Closure::<dyn Fn(u32, JsValue) -> JsValue>::new(move |which: u32, arg: JsValue| {
            let Some(w) = me.upgrade() else {
                return JsValue::UNDEFINED;
            };
            match which {
                // send(text): false when the socket is down.
                0 => JsValue::from_bool(arg.as_string().is_some_and(|t| w.send_text(&t))),
                // event(name): an app event for the page.
                1 => {
                    if let Some(event) = arg.as_string().and_then(|n| AppEvent::from_name(&n)) {
                        w.emit_app(event);
                        w.flush();
                    }
                    JsValue::UNDEFINED
                }
                // session(record | null): a conversation runs (the chat
                // module stores it) or is over.
                _ => {
                    report(w.update(|w, st| {
                        st.session = arg.is_string();
                        w.redraw_button(st);
                        Ok(())
                    }));
                    JsValue::UNDEFINED
                }
            }
        })
        .into_js_value();
        (make_host(&f), f)
    }

    /// Runs a queued call into the chat window (no borrow held: the window
    /// may call back).
    pub(crate) fn call_chat(&self, call: ChatCall) {
        let Some(window) = self.read(|st| st.chat.ready().cloned()).flatten() else {
            return;
        };
        let no = &JsValue::UNDEFINED;
        let result = match call {
            ChatCall::Frame(message) => window.call(window_call::FRAME, &message, ""),
            ChatCall::Connected(on) => window.call(window_call::CONNECTED, &on.into(), ""),
            ChatCall::Status(code) => window.call(window_call::STATUS, &code.into(), ""),
            ChatCall::Open(open) => {
                window
                    .call(window_call::OPEN, &open.into(), "")
                    .inspect(|&focused| {
                        if open && !focused {
                            self.read(|st| st.ui.as_ref().map(|ui| ui.focus(true)));
                        }
                    })
            }
            ChatCall::Enqueue => window.call(window_call::ENQUEUE, no, ""),
            ChatCall::CustomData(name, value) => {
                window.call(window_call::CUSTOM_DATA, &JsValue::from_str(&name), &value)
            }
            ChatCall::Normalize(resolve, raw) => {
                window.call(window_call::NORMALIZE, &resolve, &raw)
            }
            ChatCall::Normalizer(f) => window.call(window_call::NORMALIZER, &f, ""),
        };
        if let Err(e) = result {
            console::error_with("the chat window failed:", &e);
        }
    }
}

/// The core's state the chat window starts from.
fn init_json(st: &State, phone_url: &str) -> String {
    let mut o = Obj::new("");
    o.str("language", st.language.as_deref().unwrap_or_default())
        .str("phoneUrl", phone_url)
        .opt(
            "scope",
            st.settings.as_ref().and_then(|s| s.scope.as_deref()),
        )
        .bool("open", st.open)
        .bool("connected", st.socket_open)
        .bool("enqueue", st.enqueue_pending)
        .map("customData", st.chat_pending.iter().filter_map(custom_data));
    if let Some(status) = st.status {
        o.num("status", u64::from(status.code()));
    }
    o.opt("storeKey", st.store_key.as_deref())
        .opt("stored", st.stored.as_deref());
    o.end()
}

/// A queued `addCustomData` entry.
fn custom_data(call: &ChatCall) -> Option<(&String, &String)> {
    match call {
        ChatCall::CustomData(name, value) => Some((name, value)),
        _ => None,
    }
}
