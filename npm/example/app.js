// The README's bundler example: a single-page app that creates the chat widget
// when its view mounts and destroys it when the view unmounts. Bundled with
//   esbuild app.js --bundle --format=esm --loader:.wasm=file --outdir=dist
// (tests/e2e/tests/suite/npm_package.rs runs exactly that and loads dist/ in Chromium).
import { load } from 'owidget';
// esbuild's `file` loader copies the wasm into dist/ and gives its URL.
import wasm from 'owidget/owidget_bg.wasm';

const SERVER = document.documentElement.dataset.owidgetServer || 'http://127.0.0.1:8080';
const COMPANY = '5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51';

/** Mounts the support view into `el`; returns its unmount function. */
export function mountSupport(el) {
  const status = document.createElement('p');
  status.id = 'status';
  status.textContent = 'connecting…';
  el.append(status);
  let widget = null;
  let unmounted = false;
  load({ server: SERVER, wasm }).then((owidget) => {
    if (unmounted) {
      owidget.destroy();
      return;
    }
    widget = owidget;
    owidget.init(COMPANY);
    owidget.setStatusUpdateCallback((code) => {
      status.textContent = `status ${code}`;
      status.dataset.code = String(code);
    });
    owidget.connectToServer();
  }, (e) => {
    status.textContent = e.message;
  });
  return () => {
    unmounted = true;
    widget?.destroy();
    status.remove();
  };
}

// A two-view "router": #support shows the widget, anything else does not.
let unmount = null;
function route() {
  const onSupport = location.hash === '#support';
  if (onSupport && !unmount) unmount = mountSupport(document.getElementById('view'));
  if (!onSupport && unmount) {
    unmount();
    unmount = null;
  }
}
window.addEventListener('hashchange', route);
route();
