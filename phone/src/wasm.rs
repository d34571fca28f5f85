//! The JavaScript face of the module, built only for `wasm32`.
//!
//! The SDK imports `pkg/owidget_phone.js` lazily, initialises it with
//! `pkg/owidget_phone_bg.wasm` and calls `normalize(raw, country)`.

use wasm_bindgen::prelude::wasm_bindgen;

/// Normalizes `raw` in `default_country`; `null` for an invalid number (JS: `normalize`).
#[wasm_bindgen(js_name = normalize)]
pub fn normalize_js(raw: &str, default_country: &str) -> Option<String> {
    crate::normalize(raw, default_country).ok()
}
