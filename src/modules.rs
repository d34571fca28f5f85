//! Loading the lazily fetched chat window module with `import()`, the way
//! the loader loads the core (with the whole widget configuration it
//! needs: the core's own request asks for the frame part only).
//!
//! `import()` is syntax, not a function a binding could call: this snippet
//! is the one piece of hand-written JS in the core (the build bundles it
//! into the glue, so it costs no extra request). One module instance per
//! URL however many widgets use it; a failed load is forgotten so that a
//! later attempt fetches again.

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
export function deferred() {
  let r;
  const p = new Promise((x) => { r = x; });
  return [p, r];
}
export function makeHost(f) {
  return {
    send: (text) => f(0, text),
    event: (name) => f(1, name),
    session: (record) => f(2, record),
  };
}
")]
extern "C" {
    /// Imports the wasm-bindgen module `js`, initialises it with `wasm`
    /// and fetches the whole widget configuration from `config`, both at
    /// once (now, or when the page is idle), then calls `done(module,
    /// config, null)` or `done(null, null, error)`.
    #[wasm_bindgen(js_name = loadModule)]
    pub(crate) fn load_module(js: &str, wasm: &str, idle: bool, config: &str, done: JsValue);

    /// The callbacks object the chat window gets (`send`, `event`,
    /// `session`), each calling `f(which, arg)`: one Rust closure instead
    /// of three (each closure type costs wasm).
    #[wasm_bindgen(js_name = makeHost)]
    pub(crate) fn make_host(f: &JsValue) -> js_sys::Object;

    /// `[promise, resolve]` of a new Promise (no Rust closure for the
    /// executor: each closure type costs wasm and glue).
    pub(crate) fn deferred() -> js_sys::Array;
}
