//! The core's side of the module boundary: the object of callbacks the
//! core passes to `create`. Only JS values cross between the two wasm
//! modules (each has its own memory); every call here is guarded so that a
//! failing callback cannot throw through the chat window's handlers.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `{send, event, session}` of the core.
    pub type Host;

    /// Sends a text frame on the widget socket; false when it is down.
    #[wasm_bindgen(method, structural, catch, js_name = send)]
    fn send_js(this: &Host, text: &str) -> Result<JsValue, JsValue>;

    /// An app event (`chatSessionCreated`, ...) for the page's callback.
    #[wasm_bindgen(method, structural, catch, js_name = event)]
    fn event_js(this: &Host, name: &str) -> Result<(), JsValue>;

    /// The open session as JSON text to remember, or `null` to forget it.
    #[wasm_bindgen(method, structural, catch, js_name = session)]
    fn session_js(this: &Host, record: Option<String>) -> Result<(), JsValue>;
}

impl Host {
    /// See [`Host::send_js`].
    pub(crate) fn send(&self, text: &str) -> bool {
        self.send_js(text).is_ok_and(|v| v.is_truthy())
    }

    /// See [`Host::event_js`].
    pub(crate) fn event(&self, name: &str) {
        let _ = self.event_js(name);
    }

    /// See [`Host::session_js`].
    pub(crate) fn session(&self, record: Option<String>) {
        let _ = self.session_js(record);
    }
}
