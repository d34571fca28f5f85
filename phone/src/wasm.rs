//! The JavaScript face of the module, built only for `wasm32`.
//!
//! The SDK imports `pkg/owidget_phone.js` lazily, initialises it with
//! `pkg/owidget_phone_bg.wasm` and calls `normalize(raw, country)`.

use wasm_bindgen::prelude::{wasm_bindgen, JsValue};

/// Normalizes `raw` in `default_country` (JS: `normalize`).
///
/// Returns the number as dialled, or `null` for an invalid one: the same contract as a custom
/// function given to `owidget.setCustomNumberNormalization`, so the SDK treats both alike
/// (an `Option<String>` would surface as `undefined`).
#[wasm_bindgen(js_name = normalize, unchecked_return_type = "string | null")]
pub fn normalize_js(raw: &str, default_country: &str) -> JsValue {
    match crate::normalize(raw, default_country) {
        Ok(number) => JsValue::from_str(&number),
        Err(_) => JsValue::NULL,
    }
}
