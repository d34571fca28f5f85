// owidget as a package for bundler apps: `load({ server })` resolves to the
// same object a snippet's `$owidgetOnLoad` receives. The core wasm comes from
// the server (default: glue and wasm exactly as the server serves them, so
// they always match its chat module) or from this package (a bundler
// asset). The chat window module always comes from the server, as with the
// snippet; phone numbers are normalized by the server.

const PREFIX = '[owidget] ';
let local = null; // Promise of this package's glue, initialised (once per page)

function noop() {}

/** What the snippet's loader gives a browser without WebAssembly. */
function unsupported() {
  return {
    isSupported: false, init: noop, connectToServer: noop, setAppEventCallback: noop,
    setStatusUpdateCallback: noop, setCustomNumberNormalization: noop, openChat: noop,
    closeChat: noop, addCustomData: noop, destroy: noop,
    normalizeNumber() { return Promise.resolve(null); },
  };
}

function supported() {
  return typeof WebAssembly === 'object' && typeof fetch === 'function'
    && typeof WebSocket === 'function' && typeof URL === 'function';
}

/** `https://chat.example[/prefix]` → `https://chat.example[/prefix]/widget/`. */
function widgetBase(server) {
  let url;
  try {
    url = new URL(String(server));
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new TypeError(`${PREFIX}load: server must be the absolute http(s) URL of the owidget server, like 'https://chat.example' (got ${JSON.stringify(server)})`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/widget/`;
}

/** The server's glue and wasm, shared with snippets of the same server. */
function fromServer(base) {
  const reg = window.$owidgetLoader || (window.$owidgetLoader = {});
  if (!reg[base]) {
    reg[base] = import(/* @vite-ignore */ /* webpackIgnore: true */ `${base}pkg/owidget.js`)
      .then((m) => m.default({ module_or_path: `${base}pkg/owidget_bg.wasm` }).then(() => m));
    // A failed load may be retried.
    reg[base].catch(() => { delete reg[base]; });
  }
  return reg[base];
}

/** This package's glue with its wasm from `wasm` (the first call's `wasm` wins:
 * the glue holds one instance). */
function fromPackage(wasm) {
  if (!local) {
    local = import('./owidget.js').then((m) => m.default({ module_or_path: wasm }).then(() => m));
    local.catch(() => { local = null; });
  }
  return local;
}

/**
 * Loads the widget SDK for the owidget server `options.server` and resolves
 * to a new `owidget` object (call `init`, then `connectToServer`; `destroy()`
 * when done). Each call gives an independent widget; the wasm is compiled
 * once. Rejects with an `[owidget]` error when the server or the wasm cannot
 * be loaded.
 */
export function load(options) {
  return new Promise((resolve, reject) => {
    const { server, wasm = 'server' } = options || {};
    const base = widgetBase(server);
    if (!supported()) {
      resolve(unsupported());
      return;
    }
    let module;
    if (wasm === 'server') module = fromServer(base);
    else if (wasm === 'package') module = fromPackage(new URL('./owidget_bg.wasm', import.meta.url));
    else module = fromPackage(wasm);
    module.then((m) => resolve(new m.Owidget(base)), (e) => {
      const where = wasm === 'server' ? base : 'the package';
      reject(new Error(`${PREFIX}cannot load the SDK from ${where}: ${e && e.message ? e.message : e}`, { cause: e }));
    });
  });
}
