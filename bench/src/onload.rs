//! `onload [runs]`: where the time from the snippet to `$owidgetOnLoad`
//! (and on to the first status) goes, on the demo page in headless
//! Chromium against the demo server in this process (loopback), for
//! `runs` fresh browser profiles (cold) and a second view of each (warm:
//! loader, glue and wasm from the HTTP cache, see issue 11).
//!
//! From resource timing and a probe run before the page's scripts: the
//! loader's fetch (the snippet inserted it at its `startTime`, taken as
//! 0), the glue's import and the core wasm's fetch (at once, issue 11),
//! the wasm's compilation and instantiation (the probe splits
//! `WebAssembly.instantiateStreaming` into `compileStreaming` +
//! `instantiate` and stamps both), `$owidgetOnLoad`, the configuration
//! request, the socket and its first frame, and the first status on the
//! page.

use owidget_e2e::{Browser, TestServer, DEMO_COMPANY};
use serde_json::Value;

/// Stamps, before the page runs: the wasm's compile and instantiate
/// (`instantiateStreaming` split in two, same result), the widget socket's
/// creation, opening and first frame, and when the demo page shows
/// `$owidgetOnLoad`'s `isSupported` and the first status.
const PROBE: &str = "window.__t = {}; (function () { \
  var W = WebAssembly, now = function () { return performance.now(); }; \
  W.instantiateStreaming = function (source, imports) { \
    if (!__t.init) __t.init = now(); \
    return W.compileStreaming(source).then(function (module) { \
      if (!__t.compiled) __t.compiled = now(); \
      return W.instantiate(module, imports).then(function (instance) { \
        if (!__t.instantiated) __t.instantiated = now(); \
        return { module: module, instance: instance }; \
      }); \
    }); \
  }; \
  var WS = window.WebSocket; \
  window.WebSocket = function (url, p) { \
    var ws = p === undefined ? new WS(url) : new WS(url, p); \
    if (!__t.ws) { __t.ws = now(); \
      ws.addEventListener('open', function () { __t.wsOpen = __t.wsOpen || now(); }); \
      ws.addEventListener('message', function () { __t.wsFrame = __t.wsFrame || now(); }); } \
    return ws; \
  }; \
  window.WebSocket.prototype = WS.prototype; \
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { window.WebSocket[k] = WS[k]; }); \
})(); \
new MutationObserver(function () { \
  var s = document.getElementById('supported'), c = document.getElementById('status'); \
  if (!__t.onload && s && s.textContent === 'true') __t.onload = performance.now(); \
  if (!__t.status && c && c.dataset.code) __t.status = performance.now(); \
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });";

/// Milliseconds from the loader's fetch start, per stamp (see [`STAMPS`]),
/// then the first paint's bytes on the wire.
const ACCOUNT: &str = "var r = performance.getEntriesByType('resource'); \
  function f(s) { return r.find(function (e) { return e.name.indexOf(s) >= 0; }); } \
  var l = f('/widget/owidget.js'), g = f('/pkg/owidget.'), w = f('/pkg/owidget_bg.'), \
      c = f('/api/widget/config'), t0 = l.startTime; \
  return [l.responseEnd - t0, g.startTime - t0, g.responseEnd - t0, w.startTime - t0, \
          w.responseEnd - t0, __t.init - t0, __t.compiled - t0, __t.instantiated - t0, \
          __t.onload - t0, c.startTime - t0, c.responseEnd - t0, __t.ws - t0, \
          __t.wsOpen - t0, __t.wsFrame - t0, __t.status - t0, \
          l.transferSize + g.transferSize + w.transferSize + c.transferSize];";

/// What each value of [`ACCOUNT`] stamps.
const STAMPS: &[&str] = &[
    "loader fetched",
    "glue fetch start",
    "glue fetched",
    "wasm fetch start",
    "wasm fetched",
    "glue imported (init)",
    "wasm compiled",
    "wasm instantiated",
    "$owidgetOnLoad",
    "config fetch start",
    "config fetched",
    "socket created",
    "socket open",
    "first frame",
    "first status shown",
    "bytes (with headers)",
];

/// Where the time goes: (step, from stamp, to stamp), indices of [`STAMPS`]
/// (`usize::MAX`: the loader's fetch start, 0 ms).
const STEPS: &[(&str, usize, usize)] = &[
    ("fetch loader", usize::MAX, 0),
    ("run loader → import()", 0, 1),
    ("import glue (fetch+eval)", 1, 5),
    ("compile wasm (streaming)", 5, 6),
    ("instantiate wasm", 6, 7),
    ("→ $owidgetOnLoad", 7, 8),
    ("init + connect → config", 8, 9),
    ("config request", 9, 10),
    ("config → socket", 10, 11),
    ("socket handshake", 11, 12),
    ("open → first frame", 12, 13),
    ("frame → status shown", 13, 14),
];

async fn view(browser: &Browser, url: &str) -> Vec<f64> {
    browser.goto(url).await;
    browser
        .wait_js("the first status", "window.__t && window.__t.status")
        .await;
    let v: Value = browser.js(ACCOUNT, vec![]).await;
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Prints the first paint's bytes as the server gzips them (the figures
/// `tests/e2e/tests/suite/first_paint.rs` holds to its budget): loader, the
/// core's glue and wasm by the loader's hashed names, the configuration
/// answer the core asks for.
async fn first_paint_bytes(base: &str) {
    let http = reqwest::Client::new();
    let loader = http
        .get(format!("{base}/widget/owidget.js"))
        .send()
        .await
        .expect("loader")
        .text()
        .await
        .expect("loader text");
    let names = loader
        .find("{\"owidget")
        .and_then(|start| {
            let end = start + loader[start..].find('}')? + 1;
            serde_json::from_str::<Value>(&loader[start..end]).ok()
        })
        .expect("hashed names in the loader");
    let name = |n: &str| names[n].as_str().unwrap_or(n).to_owned();
    let parts = [
        ("loader", format!("{base}/widget/owidget.js")),
        ("glue", format!("{base}/widget/pkg/{}", name("owidget.js"))),
        (
            "core wasm",
            format!("{base}/widget/pkg/{}", name("owidget_bg.wasm")),
        ),
        (
            "config answer",
            format!("{base}/api/widget/config?company={DEMO_COMPANY}&part=frame&lang=en,en-US"),
        ),
    ];
    println!("bytes until the first status (bodies as the server gzips them):");
    let mut total = 0;
    for (what, url) in parts {
        let body = http
            .get(&url)
            .header("accept-encoding", "gzip")
            .header("origin", base)
            .send()
            .await
            .expect("answer")
            .bytes()
            .await
            .expect("body");
        println!("  {what:<26} {:>9} B gzip", body.len());
        total += body.len();
    }
    println!(
        "  {:<26} {total:>9} B gzip (goal <= 32768 B: {})",
        "total",
        if total <= 32_768 { "met" } else { "not met" }
    );
}

/// Runs `runs` cold + warm views and prints the median of each stamp and
/// of each step between them.
pub async fn run(runs: usize) {
    let server = TestServer::start().await;
    first_paint_bytes(&server.url).await;
    let url = format!("{}/demo/", server.url);
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let browser = Browser::start().await;
        browser.before_page_scripts(PROBE).await;
        cold.push(view(&browser, &url).await);
        warm.push(view(&browser, &url).await);
        browser.close().await;
    }
    let at = |views: &[Vec<f64>], i: usize| {
        if i == usize::MAX {
            0.0
        } else {
            median(views.iter().map(|v| v[i]).collect())
        }
    };
    println!("snippet → $owidgetOnLoad → first status, demo page, headless Chromium, loopback, median of {runs} (ms from the loader's fetch start):");
    println!("  {:<26} {:>9} {:>9}", "stamp", "cold", "warm");
    for (i, stamp) in STAMPS.iter().enumerate() {
        println!("  {stamp:<26} {:>9.1} {:>9.1}", at(&cold, i), at(&warm, i));
    }
    println!("  where the time goes (ms, medians of the stamps; steps may overlap: the wasm streams in while the glue is imported):");
    for (step, from, to) in STEPS {
        let c = at(&cold, *to) - at(&cold, *from);
        let w = at(&warm, *to) - at(&warm, *from);
        println!("  {step:<26} {c:>9.1} {w:>9.1}");
    }
    println!(
        "  (goal: $owidgetOnLoad <= 50 ms; cold {:.1} ms, warm {:.1} ms)",
        at(&cold, 8),
        at(&warm, 8)
    );
}
