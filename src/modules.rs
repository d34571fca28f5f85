//! Loading the lazily fetched wasm modules (the chat window and the phone
//! module) with `import()`, the way the loader loads the core.
//!
//! `import()` is syntax, not a function a binding could call: this snippet
//! is the one piece of hand-written JS in the core (the build bundles it
//! into the glue, so it costs no extra request). One module instance per
//! URL however many widgets use it; a failed load is forgotten so that a
//! later attempt fetches again.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "
const loaded = {};
function load(js, wasm) {
  let p = loaded[js];
  if (!p) {
    p = loaded[js] = import(js).then((m) => m.default({ module_or_path: wasm }).then(() => m));
    p.catch(() => { delete loaded[js]; });
  }
  return p;
}
export function loadModule(js, wasm, idle, done) {
  const go = () => { load(js, wasm).then((m) => done(m, null), (e) => done(null, e)); };
  if (!idle) go();
  else if (typeof requestIdleCallback == 'function') requestIdleCallback(go, { timeout: 5000 });
  else setTimeout(go, 2000);
}
export function preload(js, wasm) {
  load(js, wasm).catch(() => {});
}
export function normalizePhone(js, wasm, raw, country) {
  return load(js, wasm)
    .then((m) => { const n = m.normalize(raw, country); return typeof n == 'string' ? n : null; })
    .catch((e) => { console.error('[owidget] the phone module failed (' + js + '):', e); });
}
export function orNull(p) {
  return p.then((v) => (v === undefined ? null : v));
}
")]
extern "C" {
    /// Imports the wasm-bindgen module `js`, initialises it with `wasm`
    /// (now, or when the page is idle) and calls `done(module, error)`.
    #[wasm_bindgen(js_name = loadModule)]
    pub(crate) fn load_module(js: &str, wasm: &str, idle: bool, done: JsValue);

    /// Starts loading a module whose use will follow.
    pub(crate) fn preload(js: &str, wasm: &str);

    /// `normalize(raw, country)` of the phone module: a Promise of the
    /// number as dialled, `null` (invalid) or `undefined` (the module
    /// failed, reported on the console). Never rejects.
    #[wasm_bindgen(js_name = normalizePhone)]
    pub(crate) fn normalize_phone(js: &str, wasm: &str, raw: &str, country: &str) -> Promise;

    /// `p` with `undefined` turned into `null`.
    #[wasm_bindgen(js_name = orNull)]
    pub(crate) fn or_null(p: &Promise) -> Promise;
}
