//! A page outside the company's `allowed_origins` (issue 14 item 5): the
//! widget says why in the console, once, does not retry and reports no
//! status (it is not "offline", it is not set up for that site).
//!
//! Chromium maps `shop.test` to 127.0.0.1: a page there (origin
//! `http://shop.test:<port>`, not allowed for the demo company) carries the
//! snippet with the loader from `http://127.0.0.1:<port>`.

use std::time::Duration;

use owidget_e2e::{Browser, TestServer, DEMO_COMPANY};
use serde_json::json;

/// Longer than the widget's 3 s grace before status 0 and than its first
/// retries (0.1–0.5 s): an absence cannot be awaited, only observed.
const OBSERVE: Duration = Duration::from_millis(3_500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_site_is_told_why_and_nothing_is_retried() {
    let server = TestServer::start().await;
    let browser = Browser::start_with(&["--host-resolver-rules=MAP shop.test 127.0.0.1"]).await;
    let port = server.url.rsplit(':').next().expect("port");
    let shop = format!("http://shop.test:{port}");
    browser.goto(&format!("{shop}/healthz")).await;
    browser
        .js(
            "const base = arguments[0], company = arguments[1];
             window.__errors = []; window.__statuses = [];
             const error = console.error.bind(console);
             console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); error(...a); };
             const scr = document.createElement('script');
             scr.src = base + '/widget/owidget.js';
             scr.$owidgetOnLoad = function (owidget) {
               owidget.init(company);
               owidget.setStatusUpdateCallback((code) => window.__statuses.push(code));
               owidget.connectToServer();
             };
             document.head.appendChild(scr);",
            vec![json!(server.url), json!(DEMO_COMPANY)],
        )
        .await;
    let expected = format!(
        "[owidget] the server refused the widget configuration (HTTP 403): origin {shop} is not \
         allowed for company {DEMO_COMPANY}: add it to the company's allowed_origins"
    );
    browser
        .wait_js(
            "the console error",
            &format!("window.__errors.includes({})", json!(expected)),
        )
        .await;
    tokio::time::sleep(OBSERVE).await;
    let seen = browser
        .js(
            "return { errors: window.__errors, statuses: window.__statuses, \
             configs: performance.getEntriesByType('resource') \
               .filter((e) => e.name.includes('/api/widget/config')).length, \
             roots: document.querySelectorAll('owidget-root').length }",
            vec![],
        )
        .await;
    assert_eq!(seen["errors"], json!([expected]), "one message: {seen}");
    assert_eq!(seen["statuses"], json!([]), "no status: {seen}");
    assert_eq!(seen["configs"], 1, "no retry: {seen}");
    assert_eq!(seen["roots"], 0, "no button: {seen}");
}
