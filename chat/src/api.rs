//! The module's JS surface, used only by the SDK core (`src/chat_link.rs`):
//! `create(body, config, init, host)` returns a `ChatWindow` whose one
//! method `call` the core calls as things happen. Only JS values cross: the two modules
//! have separate memories.

use std::rc::Rc;

use owidget_protocol::ButtonStatus;
use owidget_web::window_call;
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
/// core's state: `{language, phoneUrl, scope?, storeKey?, stored?, status?,
/// open, connected, enqueue, customData: {name: value}}` (`stored`: the
/// text of the conversation record to resume, see `store`).
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
    /// Every call of the core, by `which` (see `owidget_web::window_call`);
    /// `text` is the value of `CUSTOM_DATA` or the number of `NORMALIZE`,
    /// else empty. The answer is
    /// `OPEN`'s (a field took the focus) or `STARTED`'s, else false.
    pub fn call(&self, which: u32, arg: JsValue, text: String) -> bool {
        let w = &self.window;
        match which {
            window_call::FRAME => w.frame(&arg),
            window_call::CONNECTED => w.set_connected(arg.is_truthy()),
            window_call::STATUS => {
                let code = arg.as_f64().filter(|n| (0.0..=2.0).contains(n));
                w.set_status(code.and_then(|n| ButtonStatus::from_code(n as u8)));
            }
            window_call::OPEN => return w.set_open(arg.is_truthy()),
            window_call::ENQUEUE => w.enqueue(),
            window_call::CUSTOM_DATA => {
                w.add_custom_data(arg.as_string().unwrap_or_default(), text)
            }
            window_call::STARTED => return w.started(),
            window_call::DESTROY => w.destroy(),
            window_call::NORMALIZE => w.answer_number(&arg, &text),
            window_call::NORMALIZER => w.set_normalizer(arg),
            _ => {}
        }
        false
    }
}
