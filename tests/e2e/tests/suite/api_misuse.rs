//! The page's side of the `owidget` API under abuse (issue 10), in real
//! Chromium against the real server: one browser and one server for the
//! binary, the cases one after the other.
//!
//! 1. Limits (item 9): a page whose `location.href` is longer than the
//!    published `pageUrlMaxChars`, with more custom data than the published
//!    total, still starts its chat: the widget trims the URL and leaves
//!    out (with a console warning) the custom data over the total.
//! 2. Misuse fuzz: 1,000 seeded random calls of every method with random
//!    arguments (wrong types, huge strings, Symbols, throwing getters and
//!    proxies, detached `this`, re-entrant calls from callbacks), then
//!    calls after `destroy`: no exception reaches the page (`error` and
//!    `unhandledrejection` are counted, and every call's own throw), and
//!    the widget still works after the fuzz.

use owidget_e2e::{Browser, Operator, TestServer, WAIT};
use reqwest::Method;
use serde_json::{json, Value};

/// Before any page script: keeps the object the snippet's
/// `$owidgetOnLoad` gets as `window.F`, counts what reaches the page.
const HOOK: &str = r#"
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) {
  var r; try { r = String(e.reason); } catch (x) { r = '(unprintable)'; }
  window.__errors.push('unhandledrejection: ' + r);
});
window.__console = [];
['error', 'warn'].forEach(function (k) {
  var orig = console[k].bind(console);
  console[k] = function () {
    try { window.__console.push(String(arguments[0])); } catch (x) {}
    return orig.apply(null, arguments);
  };
});
Object.defineProperty(HTMLScriptElement.prototype, '$owidgetOnLoad', {
  configurable: true,
  set: function (cb) {
    Object.defineProperty(this, '$owidgetOnLoad', {
      configurable: true, writable: true,
      value: function (o) { window.F = o; return cb.call(this, o); }
    });
  }
});
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_survives_misuse() {
    let mut config = owidget_server::demo::config();
    config.limits.messages_per_10s = 1_000;
    let server = TestServer::start_with(config).await;
    let browser = Browser::start().await;
    browser.before_page_scripts(HOOK).await;
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;

    limits(&browser, &server, &operator).await;
    fuzz(&browser, &server, &operator).await;
}

async fn open_page(browser: &Browser, url: &str) {
    browser.goto(url).await;
    browser.js("localStorage.clear();", vec![]).await;
    browser.goto(url).await;
    browser
        .wait_js(
            "status 1",
            "window.F && document.getElementById('status').dataset.code === '1'",
        )
        .await;
}

async fn limits(browser: &Browser, server: &TestServer, operator: &Operator) {
    let long = "q".repeat(3_000);
    open_page(
        browser,
        &format!("{}/demo/snippet.html?long={long}", server.url),
    )
    .await;
    // Five entries of 1,001 characters: each within the published limits,
    // together over the published total of 4,000: the start carries the
    // first three, and the console says so.
    browser
        .js(
            "for (var i = 0; i < 5; i++) F.addCustomData('k' + i, 'v'.repeat(999));",
            vec![],
        )
        .await;
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open");
    browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
        .send_keys("Within the limits\u{E007}")
        .await
        .expect("type");
    let chat = wait_chat(operator, "Within the limits").await;
    let url = chat["chat"]["pageUrl"].as_str().unwrap_or_default();
    assert_eq!(
        url.chars().count(),
        2048,
        "pageUrl trimmed to the published limit"
    );
    assert!(url.contains("/demo/snippet.html?long=qqq"), "{url}");
    let keys: Vec<&String> = chat["chat"]["customData"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["k0", "k1", "k2"], "the custom data within the total");
    let warned = browser
        .js(
            "return window.__console.filter(function (m) { return m.indexOf('custom data over the server') >= 0; }).length;",
            vec![],
        )
        .await;
    assert_eq!(warned, json!(1), "the dropped custom data is reported");
    end_all(operator).await;
}

/// The live chat (`GET /chats/{id}`) whose messages contain `text`.
async fn wait_chat(operator: &Operator, text: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queue = operator
            .call(Method::GET, "/api/operator/queue", None)
            .await;
        for c in queue.as_array().into_iter().flatten() {
            let id = c["id"].as_str().unwrap_or_default();
            let detail = operator
                .call(Method::GET, &format!("/api/operator/chats/{id}"), None)
                .await;
            let has = detail["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["text"] == text));
            if has {
                return detail;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no chat with the message {text:?} within {WAIT:?}; queue: {queue}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn end_all(operator: &Operator) {
    let queue = operator
        .call(Method::GET, "/api/operator/queue", None)
        .await;
    for c in queue.as_array().into_iter().flatten() {
        let id = c["id"].as_str().unwrap_or_default();
        operator
            .call(Method::POST, &format!("/api/operator/chats/{id}/end"), None)
            .await;
    }
}

/// The fuzz, in the page: `arguments[0]` is the seed, `arguments[1]` the
/// number of calls, `arguments[2]` whether `destroy` is among the methods.
/// Returns how many calls threw into the caller.
const FUZZ: &str = r#"
var done = arguments[arguments.length - 1];
var seed = arguments[0] >>> 0, calls = arguments[1], withDestroy = arguments[2];
function rnd() { // mulberry32
  seed = (seed + 0x6D2B79F5) >>> 0;
  var t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function pick(a) { return a[Math.floor(rnd() * a.length)]; }
var METHODS = ['init', 'connectToServer', 'setAppEventCallback', 'setStatusUpdateCallback',
  'setCustomNumberNormalization', 'openChat', 'closeChat', 'addCustomData', 'normalizeNumber',
  'status', 'language', 'isSupported'];
if (withDestroy) METHODS.push('destroy');
var thrown = 0, depth = 0, reentries = 0;
var huge = 'x'.repeat(1 << 20), emoji = '\u{1F600}'.repeat(5000);
var throwing = new Proxy({}, { get: function () { throw new Error('trap get'); },
  has: function () { throw new Error('trap has'); }, ownKeys: function () { throw new Error('trap keys'); },
  getPrototypeOf: function () { throw new Error('trap proto'); } });
var getters = {}; ['toString', 'valueOf', 'then', 'length', 'type', Symbol.toPrimitive].forEach(function (k) {
  Object.defineProperty(getters, k, { get: function () { throw new Error('getter ' + String(k)); } });
});
function reenter() { // a callback that calls the API again (bounded depth)
  if (depth > 2 || reentries > 300) return;
  depth++; reentries++;
  try { call(); } finally { depth--; }
}
function value() {
  switch (Math.floor(rnd() * 30)) {
    case 0: return undefined; case 1: return null; case 2: return true; case 3: return false;
    case 4: return 0; case 5: return -1; case 6: return NaN; case 7: return Infinity;
    case 8: return 1e308; case 9: return ''; case 10: return huge; case 11: return emoji;
    case 12: return '\uD800x\uDFFF'; case 13: return Symbol('s'); case 14: return {};
    case 15: return [1, 'a', null]; case 16: return throwing; case 17: return getters;
    case 18: return function () { throw new Error('callback throws'); };
    case 19: return function () { reenter(); return '+420777666555'; };
    case 20: return function () { return Promise.reject(new Error('rejected')); };
    case 21: return function () { return getters; };
    case 22: return BigInt(7); case 23: return document.body; case 24: return window.F;
    case 25: return '5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51';
    case 26: return '+420 777 666 555'; case 27: return 'cs';
    case 28: return Object.create(null); default: return new Date(NaN);
  }
}
function call() {
  var F = window.F, name = pick(METHODS), n = Math.floor(rnd() * 5), args = [];
  for (var i = 0; i < n; i++) args.push(value());
  try {
    var how = Math.floor(rnd() * 5), f = F[name];
    if (typeof f !== 'function') { void F[name]; return; }
    if (how === 0) f.apply(F, args);
    else if (how === 1) f.apply(undefined, args);          // detached
    else if (how === 2) f.apply(pick([{}, window, throwing, 42]), args); // wrong this
    else if (how === 3) { var g = f; g(args[0], args[1]); } // `var g = owidget.openChat; g()`
    else new f(args[0]);                                     // as a constructor
  } catch (e) { thrown++; }
}
for (var k = 0; k < calls; k++) call();
// Let callbacks, promises and timers run before counting.
setTimeout(function () { done({ thrown: thrown, reentries: reentries }); }, 1500);
"#;

async fn fuzz(browser: &Browser, server: &TestServer, operator: &Operator) {
    open_page(browser, &format!("{}/demo/snippet.html", server.url)).await;
    let out = browser
        .js_async(
            FUZZ,
            vec![json!(0x0_5eed_0010_u32), json!(1000), json!(false)],
        )
        .await;
    let errors = browser.js("return window.__errors;", vec![]).await;
    eprintln!("fuzz: {out}, page errors {errors}");
    assert_eq!(out["thrown"], 0, "calls threw into the page: {out}");
    assert_eq!(errors, json!([]), "exceptions reached the page");
    assert!(
        out["reentries"].as_u64().unwrap_or(0) > 0,
        "callbacks re-entered: {out}"
    );

    // The widget still works: its page callbacks back, the window opens,
    // a message reaches the operator.
    browser
        .js(
            "F.setStatusUpdateCallback(snippetStatus); F.setAppEventCallback(snippetEvent); \
             F.closeChat(); F.openChat();",
            vec![],
        )
        .await;
    browser
        .wait_js(
            "status 1 after the fuzz",
            "document.getElementById('status').dataset.code === '1'",
        )
        .await;
    browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
        .send_keys("After the fuzz\u{E007}")
        .await
        .expect("type");
    wait_chat(operator, "After the fuzz").await;
    end_all(operator).await;

    // A second widget, never initialized: the fuzz on it from scratch
    // (its random `init` may take the demo company and connect).
    let loaded = browser
        .js_async(
            "var done = arguments[arguments.length - 1], s = document.createElement('script');              window.F1 = window.F; s.src = location.origin + '/widget/owidget.js';              s.$owidgetOnLoad = function (o) { window.F = o; done(true); }; document.head.appendChild(s);",
            vec![],
        )
        .await;
    assert_eq!(loaded, json!(true));
    let out = browser
        .js_async(
            FUZZ,
            vec![json!(0x0_5eed_0012_u32), json!(1000), json!(false)],
        )
        .await;
    let errors = browser.js("return window.__errors;", vec![]).await;
    eprintln!("fuzz of an uninitialized widget: {out}, page errors {errors}");
    assert_eq!(out["thrown"], 0, "calls threw into the page: {out}");
    assert_eq!(errors, json!([]), "exceptions reached the page");
    let reported = browser
        .js("return window.__console.filter(function (m) { return m.indexOf('[owidget]') === 0; }).length;", vec![])
        .await;
    eprintln!("[owidget] console reports so far: {reported}");
    browser.js("window.F = window.F1;", vec![]).await;

    // Then `destroy` among the calls: everything after it only warns.
    let out = browser
        .js_async(
            FUZZ,
            vec![json!(0x0_5eed_0011_u32), json!(300), json!(true)],
        )
        .await;
    let errors = browser.js("return window.__errors;", vec![]).await;
    eprintln!("fuzz with destroy: {out}, page errors {errors}");
    assert_eq!(out["thrown"], 0, "calls threw into the page: {out}");
    assert_eq!(errors, json!([]), "exceptions reached the page");
}
