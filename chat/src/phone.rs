//! Phone number normalization, for `owidget.normalizeNumber` (asked by
//! the core, which queues the calls made before this module is there)
//! and for the callback form: the page's custom function
//! (`setCustomNumberNormalization`, handed over by the core) when set,
//! else the server's (`GET /api/widget/phone`: the `owidget-phone` crate
//! with the preset's phone country, the same check a callback request
//! gets there). Here rather than in the core: the first paint does not
//! pay for it (issue 11).
//!
//! Results are Promises that never reject: a number as dialled, `null`
//! for an invalid one, and, for the callback form only, `undefined` when
//! the request failed (reported on the console).

use js_sys::{Function, Promise};
use owidget_web::console;
use wasm_bindgen::prelude::*;

use crate::window::Window;

#[wasm_bindgen(inline_js = "
export function normalizeRemote(url) {
  return fetch(url, { credentials: 'omit' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))))
    .then((j) => (typeof j.number == 'string' ? j.number : null))
    .catch((e) => { console.error('[owidget] the phone number normalization failed (' + url + '):', e); });
}
export function orNull(p) {
  return p.then((v) => (v === undefined ? null : v));
}
")]
extern "C" {
    /// The server's normalization (`GET /api/widget/phone`): a Promise of
    /// the number as dialled, `null` (invalid) or `undefined` (the request
    /// failed, reported on the console). Never rejects.
    #[wasm_bindgen(js_name = normalizeRemote)]
    fn normalize_remote(url: &str) -> Promise;

    /// `p` with `undefined` turned into `null`.
    #[wasm_bindgen(js_name = orNull)]
    fn or_null(p: &Promise) -> Promise;
}

impl Window {
    /// Normalizes `raw` (see the module doc).
    pub(crate) fn normalize_number(&self, raw: &str) -> Promise {
        let Some((custom_fn, url)) = self.read(|st| (st.normalizer.clone(), st.phone_url.clone()))
        else {
            return Promise::resolve(&JsValue::UNDEFINED);
        };
        match custom_fn {
            Some(f) => Promise::resolve(&custom(&f, raw)),
            None => normalize_remote(&owidget_web::cat(&[&url, &owidget_web::url_encode(raw)])),
        }
    }

    /// `normalizeNumber(raw)` of the page, queued by the core: `resolve`
    /// gets the number or `null`.
    pub(crate) fn answer_number(&self, resolve: &JsValue, raw: &str) {
        let answer = or_null(&self.normalize_number(raw));
        if let Some(resolve) = resolve.dyn_ref::<Function>() {
            let _ = resolve.call1(&JsValue::UNDEFINED, &answer);
        }
    }

    /// `setCustomNumberNormalization(f)` of the page.
    pub(crate) fn set_normalizer(&self, f: JsValue) {
        self.update(|_, st| st.normalizer = f.dyn_into::<Function>().ok());
    }
}

/// Runs the page's function on `raw`: its string (trimmed; empty counts
/// as invalid) or `null`. Throwing or returning anything else counts as
/// invalid for this number, with a console error.
fn custom(f: &Function, raw: &str) -> JsValue {
    match f.call1(&JsValue::UNDEFINED, &JsValue::from_str(raw)) {
        Ok(v) if v.is_null() => JsValue::NULL,
        Ok(v) => match v.as_string() {
            Some(s) if !s.trim().is_empty() => JsValue::from_str(s.trim()),
            Some(_) => JsValue::NULL,
            None => {
                console::error_with(
                    "the custom number normalization must return a string or null; the number counts as invalid. It returned:",
                    &v,
                );
                JsValue::NULL
            }
        },
        Err(thrown) => {
            console::error_with(
                "the custom number normalization threw; the number counts as invalid:",
                &thrown,
            );
            JsValue::NULL
        }
    }
}
