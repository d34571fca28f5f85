//! `[owidget]`-prefixed console output: the only way the widget reports
//! misuse and trouble to the page author (it never throws into the page).

use wasm_bindgen::JsValue;

use crate::cat;

/// `console.error("[owidget] " + message)`.
pub fn error(message: &str) {
    web_sys::console::error_1(&prefixed(message));
}

/// `console.warn("[owidget] " + message)`.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&prefixed(message));
}

/// `console.error("[owidget] " + message, value)`: keeps a thrown value's
/// stack visible in the console.
pub fn error_with(message: &str, value: &JsValue) {
    web_sys::console::error_2(&prefixed(message), value);
}

fn prefixed(message: &str) -> JsValue {
    JsValue::from_str(&cat(&["[owidget] ", message]))
}
