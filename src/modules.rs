//! Loading the lazily fetched chat window module with `import()`, the way
//! the loader loads the core (with the whole widget configuration it
//! needs: the core's own request asks for the frame part only), and the
//! server's phone number normalization.
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
export function loadModule(js, wasm, idle, config, done) {
  const go = () => {
    const c = fetch(config).then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status + ' for ' + config))));
    Promise.all([load(js, wasm), c]).then(([m, c]) => done(m, c, null), (e) => done(null, null, e));
  };
  if (!idle) go();
  else if (typeof requestIdleCallback == 'function') requestIdleCallback(go, { timeout: 5000 });
  else setTimeout(go, 2000);
}
export function normalizeRemote(url) {
  return fetch(url, { credentials: 'omit' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))))
    .then((j) => (typeof j.number == 'string' ? j.number : null))
    .catch((e) => { console.error('[owidget] the phone number normalization failed (' + url + '):', e); });
}
export function makeHost(f) {
  return {
    send: (text) => f(0, text),
    event: (name) => f(1, name),
    session: (record) => f(2, record),
    normalize: (raw) => f(3, raw),
    warmPhone: () => {},
  };
}
export function orNull(p) {
  return p.then((v) => (v === undefined ? null : v));
}
")]
extern "C" {
    /// Imports the wasm-bindgen module `js`, initialises it with `wasm`
    /// and fetches the whole widget configuration from `config`, both at
    /// once (now, or when the page is idle), then calls `done(module,
    /// config, null)` or `done(null, null, error)`.
    #[wasm_bindgen(js_name = loadModule)]
    pub(crate) fn load_module(js: &str, wasm: &str, idle: bool, config: &str, done: JsValue);

    /// The server's normalization (`GET /api/widget/phone`): a Promise of
    /// the number as dialled, `null` (invalid) or `undefined` (the request
    /// failed, reported on the console). Never rejects.
    #[wasm_bindgen(js_name = normalizeRemote)]
    pub(crate) fn normalize_remote(url: &str) -> Promise;

    /// The callbacks object the chat window gets (`send`, `event`,
    /// `session`, `normalize`, `warmPhone`), each calling `f(which, arg)`:
    /// one Rust closure instead of five (each closure type costs wasm).
    #[wasm_bindgen(js_name = makeHost)]
    pub(crate) fn make_host(f: &JsValue) -> js_sys::Object;

    /// `p` with `undefined` turned into `null`.
    #[wasm_bindgen(js_name = orNull)]
    pub(crate) fn or_null(p: &Promise) -> Promise;
}
