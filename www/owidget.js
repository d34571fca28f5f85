/* owidget loader. Finds its own <script>, loads the wasm SDK from its own
 * directory (pkg/owidget.js + pkg/owidget_bg.wasm, streaming compilation) and
 * calls that element's $owidgetOnLoad(owidget) exactly once.
 * Defines one global, window.$owidgetLoader: {[baseUrl]: Promise<module>},
 * so that several snippets on a page initialise the wasm only once.
 * The page gets a plain object, not the wasm-bindgen class: its methods
 * are closures (a detached `var f = owidget.openChat; f()` works), each
 * call is caught (nothing throws into the page) and it has no `free`. The
 * widget itself lives until destroy(), whatever the page keeps: the SDK
 * holds it in its own registry (src/api.rs), so a garbage collection of
 * this object never removes the button.
 * The server serves this file minified (scripts/build-wasm.sh writes
 * pkg/owidget-loader.js with esbuild): comments cost first-paint bytes. */
(function (w, d) {
  'use strict';
  var DONE = '$owidgetHandled';
  // The server writes the content-hashed names ({"owidget.js": ...}) in
  // place of this string (a string survives minification).
  var ASSETS = "@owidget-assets";
  if (typeof ASSETS != 'object') ASSETS = null;
  function report(msg, e) {
    if (w.console) w.console.error('[owidget] ' + msg, e);
  }
  function isLoader(s) {
    return /owidget\.js([?#]|$)/i.test(s.getAttribute('src') || '');
  }
  // document.currentScript, else (old browsers) every loader script whose
  // $owidgetOnLoad was not handled yet.
  function mine() {
    var own = d.currentScript, all = d.getElementsByTagName('script'), out = [], i;
    if (own && (isLoader(own) || '$owidgetOnLoad' in own)) return own[DONE] ? [] : [own];
    for (i = 0; i < all.length; i++) {
      if (isLoader(all[i]) && !all[i][DONE] && typeof all[i].$owidgetOnLoad === 'function') out.push(all[i]);
    }
    return out;
  }
  function call(el, owidget) {
    var cb = el.$owidgetOnLoad;
    if (typeof cb !== 'function') return;
    try { cb.call(el, owidget); } catch (e) { report('$owidgetOnLoad threw:', e); }
  }
  var METHODS = ['init', 'connectToServer', 'setAppEventCallback', 'setStatusUpdateCallback',
    'setCustomNumberNormalization', 'openChat', 'closeChat', 'addCustomData', 'destroy'];
  // The object handed to $owidgetOnLoad; `o` is the SDK's Owidget, or
  // null in an unsupported browser (harmless methods).
  function facade(o) {
    var api = { isSupported: !!o };
    METHODS.forEach(function (name) {
      api[name] = function () {
        try { if (o) o[name].apply(o, arguments); } catch (e) { report(name + ' failed:', e); }
      };
    });
    api.normalizeNumber = function (raw) {
      try { if (o) return o.normalizeNumber(raw); } catch (e) { report('normalizeNumber failed:', e); }
      return w.Promise ? w.Promise.resolve(null) : null;
    };
    ['status', 'language'].forEach(function (name) {
      Object.defineProperty(api, name, {
        enumerable: true,
        get: function () { try { return o ? o[name] : undefined; } catch (e) { return undefined; } }
      });
    });
    return api;
  }
  function glue(base, names) {
    function url(n) { return base + 'pkg/' + (names && names[n] || n); }
    // The wasm is fetched while the glue is imported, not after it (one
    // round trip less); the glue compiles the response as it streams in.
    var wasm = fetch(url('owidget_bg.wasm'));
    wasm['catch'](function () {});
    return import(url('owidget.js')).then(function (m) {
      return m.default({ module_or_path: wasm }).then(function () { return m; });
    });
  }
  function load(base) {
    var reg = w.$owidgetLoader || (w.$owidgetLoader = {});
    if (!reg[base]) {
      // After a deploy a cached loader's names 404: use the stable names.
      reg[base] = glue(base, ASSETS)['catch'](function (e) {
        if (!ASSETS) throw e;
        ASSETS = null;
        return glue(base, null);
      });
      // A failed load may be retried by a later snippet.
      reg[base]['catch'](function () { delete reg[base]; });
    }
    return reg[base];
  }
  var els = mine(), ok = typeof w.WebAssembly === 'object' && typeof w.fetch === 'function' &&
    typeof w.WebSocket === 'function' && typeof w.Promise === 'function' && typeof w.URL === 'function';
  els.forEach(function (el) {
    el[DONE] = true;
    if (!ok) return call(el, facade(null));
    var base = new URL('.', el.src).href;
    load(base).then(function (m) {
      var o;
      try { o = new m.Owidget(base, ASSETS); } catch (e) { return report('cannot create the widget:', e); }
      call(el, facade(o));
    }, function (e) { report('cannot load the SDK from ' + base + ':', e); });
  });
})(window, document);
