//! Two snippets with different presets on one page get two independent
//! widgets (issue 2): one `owidget` object, button and status each.

use owidget_e2e::{Browser, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_snippets_with_different_presets_get_two_widgets() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/demo/two-widgets.html", server.url))
        .await;
    browser
        .wait_js(
            "both $owidgetOnLoad calls and both first statuses",
            "document.getElementById('loaded').textContent === '2' \
             && document.getElementById('status-a').textContent === '0' \
             && document.getElementById('status-b').textContent === '0'",
        )
        .await;
    let presets = browser
        .js(
            "return Array.from(document.querySelectorAll('owidget-root')).map(e => e.dataset.preset).sort()",
            vec![],
        )
        .await;
    assert_eq!(presets, json!(["default", "sales"]));
    let distinct = browser
        .js(
            "return window.demoWidgets[0] !== window.demoWidgets[1]",
            vec![],
        )
        .await;
    assert_eq!(distinct, true, "two owidget objects");

    // The demo operator serves both groups: both buttons follow.
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;
    browser
        .wait_js(
            "both widgets online",
            "document.getElementById('status-a').textContent === '1' \
             && document.getElementById('status-b').textContent === '1'",
        )
        .await;
    // Each speaks its own language: the sales widget was asked for Czech.
    let labels = browser
        .js(
            "return Array.from(document.querySelectorAll('owidget-root')).map(e => \
             [e.dataset.preset, e.shadowRoot.querySelector('.btn').textContent])",
            vec![],
        )
        .await;
    let labels = labels.as_array().expect("labels").clone();
    assert!(
        labels.contains(&json!(["default", "Chat with us"])),
        "{labels:?}"
    );
    assert!(
        labels.contains(&json!(["sales", "Napište nám"])),
        "{labels:?}"
    );

    // Opening one window leaves the other closed.
    browser
        .js("document.querySelector('owidget-root[data-preset=sales]').shadowRoot.querySelector('.btn').click()", vec![])
        .await;
    browser
        .wait_js(
            "the sales window open",
            "!document.querySelector('owidget-root[data-preset=sales]').shadowRoot.querySelector('[part=window]').hidden",
        )
        .await;
    let other = browser
        .js(
            "return document.querySelector('owidget-root[data-preset=default]').shadowRoot.querySelector('[part=window]').hidden",
            vec![],
        )
        .await;
    assert_eq!(other, true, "the default widget's window stays closed");
    browser.close().await;
}
