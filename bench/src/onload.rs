//! `onload [runs]`: where the time from the snippet to `$owidgetOnLoad`
//! (and on to the first status) goes, on the demo page in headless
//! Chromium against the demo server in this process (loopback), for
//! `runs` fresh browser profiles (cold) and a second view of each (warm:
//! loader, glue and wasm from the HTTP cache, see issue 11).
//!
//! From resource timing: the loader's fetch (the snippet inserted it at
//! its `startTime`, taken as 0), the glue's and the core wasm's fetches,
//! then `$owidgetOnLoad` (compile + instantiate end there), the
//! configuration request and the first status on the page.

use owidget_e2e::{Browser, TestServer};
use serde_json::Value;

/// Records, before the page runs, when the demo page shows
/// `$owidgetOnLoad`'s `isSupported` and the first status.
const PROBE: &str = "window.__t = {}; new MutationObserver(function () { \
  var s = document.getElementById('supported'), c = document.getElementById('status'); \
  if (!__t.onload && s && s.textContent === 'true') __t.onload = performance.now(); \
  if (!__t.status && c && c.dataset.code) __t.status = performance.now(); \
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });";

/// Milliseconds from the loader's fetch start, per step.
const ACCOUNT: &str = "var r = performance.getEntriesByType('resource'); \
  function f(s) { return r.find(function (e) { return e.name.indexOf(s) >= 0; }); } \
  var l = f('/widget/owidget.js'), g = f('/pkg/owidget.'), w = f('/pkg/owidget_bg.'), \
      c = f('/api/widget/config'), t0 = l.startTime; \
  return [l.responseEnd - t0, g.startTime - t0, g.responseEnd - t0, w.startTime - t0, \
          w.responseEnd - t0, __t.onload - t0, c.startTime - t0, c.responseEnd - t0, \
          __t.status - t0, g.transferSize + w.transferSize + l.transferSize];";

const STEPS: &[&str] = &[
    "loader fetched",
    "glue fetch start",
    "glue fetched",
    "wasm fetch start",
    "wasm fetched",
    "$owidgetOnLoad",
    "config fetch start",
    "config fetched",
    "first status shown",
    "bytes (loader+glue+wasm)",
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

/// Runs `runs` cold + warm views and prints the median of each step.
pub async fn run(runs: usize) {
    let server = TestServer::start().await;
    let url = format!("{}/demo/", server.url);
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let browser = Browser::start().await;
        browser.before_page_scripts(PROBE).await;
        cold.push(view(&browser, &url).await);
        warm.push(view(&browser, &url).await);
        browser.close().await;
    }
    println!("snippet → $owidgetOnLoad, demo page, headless Chromium, loopback, median of {runs} (ms from the loader's fetch start):");
    println!("  {:<26} {:>9} {:>9}", "step", "cold", "warm");
    for (i, step) in STEPS.iter().enumerate() {
        let c = median(cold.iter().map(|v| v[i]).collect());
        let w = median(warm.iter().map(|v| v[i]).collect());
        println!("  {step:<26} {c:>9.1} {w:>9.1}");
    }
}
