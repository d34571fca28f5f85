//! The module's JS surface, used only by the SDK core (`src/chat_link.rs`):
//! `create(body, config, init, host)` returns a `ChatWindow` whose methods
//! the core calls as things happen. Only JS values cross: the two modules
//! have separate memories.

use std::rc::Rc;

use owidget_protocol::ButtonStatus;
use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::host::Host;
use crate::window::Window;

/// One widget's chat window.
#[wasm_bindgen(skip_typescript)]
pub struct ChatWindow {
    window: Rc<Window>,
}

/// Builds the chat window into `body` (the core's window frame).
///
/// `config`: the preset's configuration as served. `init`: JSON text of the
/// core's state: `{language, scope?, status?, open, connected, enqueue,
/// customData: {name: value}, session?: {sessionId, token, lastSeq}}`.
/// `host`: the core's callbacks (see [`Host`]).
#[wasm_bindgen(skip_typescript)]
pub fn create(body: Element, config: JsValue, init: &str, host: Host) -> ChatWindow {
    let init = owidget_web::parse_text(init).unwrap_or(JsValue::NULL);
    ChatWindow {
        window: Window::new(&body, &config, &init, host),
    }
}

#[wasm_bindgen]
impl ChatWindow {
    /// A parsed socket frame the core does not handle (not `status`).
    pub fn frame(&self, message: JsValue) {
        self.window.frame(&message);
    }

    /// The socket is up (true) or down.
    pub fn connected(&self, on: bool) {
        self.window.set_connected(on);
    }

    /// The button status (0, 1, 2).
    pub fn status(&self, code: u8) {
        self.window.set_status(ButtonStatus::from_code(code));
    }

    /// The window was opened or closed; true when a field took the focus.
    pub fn open(&self, open: bool) -> bool {
        self.window.set_open(open)
    }

    /// `openChat(true)`: puts the visitor in the queue.
    pub fn enqueue(&self) {
        self.window.enqueue();
    }

    /// An `addCustomData` entry the core accepted.
    #[wasm_bindgen(js_name = customData)]
    pub fn custom_data(&self, name: String, value: String) {
        self.window.add_custom_data(name, value);
    }

    /// True while a chat runs.
    pub fn started(&self) -> bool {
        self.window.started()
    }

    /// Removes the content, listeners and timers.
    pub fn destroy(&self) {
        self.window.destroy();
    }
}
