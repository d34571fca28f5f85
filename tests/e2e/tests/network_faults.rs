//! A bad network between a visitor in real Chromium and the real server
//! (issue 10): one browser, one server, one proxy for the whole binary, the
//! cases run one after the other on fresh pages.
//!
//! 1. A chat start lost in a dropped socket (item 7): the socket drops
//!    after the server created the session and before its
//!    `sessionCreated` reached the widget. The widget re-sends the same
//!    `startChat` (same `startKey`) on reconnect: one session, the first
//!    message once, and what the visitor typed meanwhile is delivered.

use owidget_e2e::proxy::{Dir, Proxy};
use owidget_e2e::{Browser, Operator, TestServer, WAIT};
use reqwest::Method;
use serde_json::Value;

/// JS: the conversation in the window, `[author class, text, mark]` per row.
const WINDOW: &str = "return Array.from(document.querySelector('owidget-root').shadowRoot \
     .querySelectorAll('.log .m')).map((li) => [li.className, \
     li.querySelector('.txt').textContent, li.querySelector('.mark').textContent]);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_rides_out_a_bad_network() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(&server.url).await;
    let browser = Browser::start().await;
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;

    lost_start(&browser, &proxy, &operator).await;
}

/// Opens the demo snippet page through the proxy with no stored chat, and
/// the chat window; returns its message box.
async fn fresh_page(browser: &Browser, proxy: &Proxy) -> fantoccini::elements::Element {
    let page = format!("{}/demo/snippet.html", proxy.url);
    browser.goto(&page).await;
    browser.js("localStorage.clear();", vec![]).await;
    browser.goto(&page).await;
    browser
        .wait_js(
            "status 1",
            "document.getElementById('status') && document.getElementById('status').dataset.code === '1'",
        )
        .await;
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
}

async fn lost_start(browser: &Browser, proxy: &Proxy, operator: &Operator) {
    let composer = fresh_page(browser, proxy).await;
    proxy.hold(Dir::Down);
    composer
        .send_keys("Hello\u{E007}")
        .await
        .expect("first message");
    proxy
        .wait_held(Dir::Down, "sessionCreated", |held| {
            held.iter().any(|f| f.contains("\"sessionCreated\""))
        })
        .await;
    // The answer is lost with its socket.
    proxy.cut();
    proxy.release(Dir::Down);
    // The visitor goes on typing while the widget reconnects.
    composer
        .send_keys("Second\u{E007}")
        .await
        .expect("second message");

    let queue = wait_queue(operator).await;
    let id = queue[0]["id"].as_str().expect("chat id").to_string();
    let written = ["Hello".to_string(), "Second".to_string()];
    window_shows_stored(browser, operator, &id, "after the lost start", &written).await;
    let queue = operator
        .call(Method::GET, "/api/operator/queue", None)
        .await;
    assert_eq!(
        queue.as_array().map(Vec::len),
        Some(1),
        "one session for one start: {queue}"
    );
    operator
        .call(Method::POST, &format!("/api/operator/chats/{id}/end"), None)
        .await;
}

async fn wait_queue(operator: &Operator) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queue = operator
            .call(Method::GET, "/api/operator/queue", None)
            .await;
        if queue.as_array().is_some_and(|q| !q.is_empty()) {
            return queue;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no chat in the queue"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// The stored conversation: `(author class, text)` in `seq` order.
async fn stored(operator: &Operator, id: &str) -> Vec<(String, String)> {
    let detail = operator
        .call(Method::GET, &format!("/api/operator/chats/{id}"), None)
        .await;
    detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let class = match m["author"].as_str() {
                Some("visitor") => "m v",
                Some("operator") => "m o",
                _ => "m s",
            };
            (
                class.to_string(),
                m["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Waits until exactly `written` is stored (in order) and the window shows
/// the stored conversation, every visitor message delivered.
async fn window_shows_stored(
    browser: &Browser,
    operator: &Operator,
    id: &str,
    what: &str,
    written: &[String],
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stored = stored(operator, id).await;
        let rows = browser.js(WINDOW, vec![]).await;
        let rows = rows.as_array().expect("rows");
        let shown: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap_or("").into(),
                    r[1].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        let sending = rows.iter().any(|r| r[2] == "…");
        let texts: Vec<&str> = stored.iter().map(|(_, t)| t.as_str()).collect();
        if texts == written && shown == stored && !sending {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "{what}: after {WAIT:?} the window shows\n{rows:?}\nbut the server stored\n{stored:?}\n(written: {written:?})"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
