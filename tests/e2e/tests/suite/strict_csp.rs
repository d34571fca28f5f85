//! A customer page on another origin with a strict Content-Security-Policy
//! (no `'unsafe-inline'` anywhere, the snippet carrying a nonce) gets the
//! widget fully styled and working, with no policy violation (issue 12,
//! part 1): button, window frame and the lazily loaded chat module.

use std::time::{Duration, Instant};

use owidget_e2e::desk::ENTER;
use owidget_e2e::site::Site;
use owidget_e2e::{Browser, Operator, TestServer, DEMO_COMPANY, WAIT};
use reqwest::Method;
use serde_json::{json, Value};

const NONCE: &str = "c3RyaWN0LWNzcC10ZXN0";
const ROOT: &str = "document.querySelector('owidget-root').shadowRoot";

/// The policy of the README's "Strict Content-Security-Policy" section
/// for a widget server at `server` (`http://host:port`).
fn policy(server: &str) -> String {
    let ws = server.replacen("http://", "ws://", 1);
    format!(
        "default-src 'self'; script-src 'nonce-{NONCE}' {server} 'wasm-unsafe-eval'; \
         connect-src {server} {ws}; style-src 'self'; img-src 'self' {server}"
    )
}

/// The documented snippet with a nonce, after a script that records every
/// `securitypolicyviolation`, status and app event.
fn page(server: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A shop with a strict CSP</title>
<link rel="stylesheet" href="shop.css">
<script nonce="{NONCE}">
  window.violations = [];
  window.statuses = [];
  window.events = [];
  document.addEventListener('securitypolicyviolation', function (e) {{
    violations.push(e.violatedDirective + ' ' + e.blockedURI);
  }});
</script>
<script type="text/javascript" nonce="{NONCE}">
  (function () {{
    var scr = document.createElement('script');
    scr.type = 'text/javascript';
    scr.async = true;
    scr.charset = 'UTF-8';
    scr.src = '{server}/widget/owidget.js';
    scr.$owidgetOnLoad = function (owidget) {{
      if (!owidget.isSupported) {{
        return;
      }}
      // Kept, so that this test does not depend on the GC-registry fix
      // of the loader (a widget nobody references may be collected).
      window.widget = owidget;
      owidget.init('{DEMO_COMPANY}');
      owidget.setStatusUpdateCallback(function (code) {{ statuses.push(code); }});
      owidget.setAppEventCallback(function (e) {{ events.push(e.type); }});
      owidget.connectToServer();
    }};
    var ffs = document.getElementsByTagName('script')[0];
    ffs.parentNode.insertBefore(scr, ffs);
  }})();
</script>
</head><body><h1>Shop</h1></body></html>
"#
    )
}

async fn wait_queue(operator: &Operator) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let queue = operator
            .call(Method::GET, "/api/operator/queue", None)
            .await;
        if let Some(id) = queue[0]["id"].as_str() {
            return id.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no chat in the queue within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_csp_page_on_another_origin_gets_a_styled_working_widget_without_violations() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), page(&server.url)).unwrap();
    std::fs::write(dir.path().join("shop.css"), "h1 { color: #333 }").unwrap();
    let site = Site::start(dir.path(), Some(&policy(&server.url))).await;
    assert_ne!(site.url, server.url, "another origin");

    let operator = server.demo_operator().await;
    operator.set_availability("online").await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/index.html", site.url)).await;
    browser
        .wait_js(
            "status 1",
            "window.statuses[window.statuses.length - 1] === 1",
        )
        .await;

    // Styled and positioned by the widget's own sheet.
    let button = browser
        .js(
            &format!(
                "const b = {ROOT}.querySelector('.btn'); const s = getComputedStyle(b); \
                 const r = b.getBoundingClientRect(); \
                 return [s.position, s.backgroundColor, s.borderRadius, \
                   Math.round(innerWidth - r.right), Math.round(innerHeight - r.bottom), \
                   {ROOT}.querySelectorAll('style').length, b.hasAttribute('style')]"
            ),
            vec![],
        )
        .await;
    assert_eq!(
        button,
        json!(["fixed", "rgb(31, 111, 235)", "24px", 16, 16, 0, false]),
        "position, colour, shape, 16 px from the corner, no <style>, no style attribute"
    );

    // The chat works, and its module's rules apply too.
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
        .send_keys(&format!("hello from a strict page{ENTER}"))
        .await
        .expect("type");
    let id = wait_queue(&operator).await;
    operator
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/accept"),
            None,
        )
        .await;
    operator
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/messages"),
            Some(json!({ "text": "Hello, shopper" })),
        )
        .await;
    let answer = browser
        .wait_js(
            "the operator's answer",
            &format!("{ROOT}.querySelector('.m.o .txt')?.textContent"),
        )
        .await;
    assert_eq!(answer, json!("Hello, shopper"));
    let chat_styles = browser
        .js(
            &format!(
                "const w = getComputedStyle({ROOT}.querySelector('.win')); \
                 const log = getComputedStyle({ROOT}.querySelector('.log')); \
                 const mine = getComputedStyle({ROOT}.querySelector('.m.v')); \
                 return [w.position, w.backgroundColor, log.display, log.listStyleType, \
                   mine.backgroundColor, {ROOT}.adoptedStyleSheets.length, \
                   {ROOT}.querySelectorAll('style, [style]').length]"
            ),
            vec![],
        )
        .await;
    assert_eq!(
        chat_styles,
        json!([
            "fixed",
            "rgb(255, 255, 255)",
            "flex",
            "none",
            "rgb(31, 111, 235)",
            2,
            0
        ]),
        "window frame, chat module rules, visitor bubble in the preset colour"
    );
    let events = browser.js("return window.events", vec![]).await;
    assert!(
        events
            .as_array()
            .is_some_and(|e| e.contains(&json!("chatSessionStarted"))),
        "{events}"
    );
    let violations = browser.js("return window.violations", vec![]).await;
    assert_eq!(violations, json!([]), "no CSP violation");

    // The counter does see a violation inside the shadow root: an inline
    // <style> there is reported.
    browser
        .js(
            &format!(
                "const s = document.createElement('style'); s.textContent = '.x{{}}'; \
                 {ROOT}.appendChild(s);"
            ),
            vec![],
        )
        .await;
    let seen: Value = browser
        .wait_js(
            "the planted violation",
            "window.violations.length > 0 && window.violations",
        )
        .await;
    assert!(
        seen[0].as_str().is_some_and(|v| v.starts_with("style-src")),
        "{seen}"
    );
    browser.close().await;
}
