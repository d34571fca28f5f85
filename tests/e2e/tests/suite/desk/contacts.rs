//! Offline messages and callback requests in the desk.

use owidget_e2e::{Browser, TestServer};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_messages_and_callback_requests_arrive_live() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser.before_page_scripts(ALERT_TRAP).await;
    desk_ready(&browser, &server).await;
    let mut visitor = Visitor::connect(&server).await;
    visitor.status(0).await;

    click(&browser, ".tab[data-view=\"offline\"]").await;
    visitor
        .send(json!({ "type": "offlineMessage", "email": "eva@example.com",
            "text": "Call me <b>tomorrow</b>", "language": "en", "pageUrl": "http://localhost/contact" }))
        .await;
    visitor
        .expect("offline message stored", |v| v["type"] == "stored")
        .await;
    browser
        .wait_js(
            "the offline message listed live",
            "(() => { const li = document.querySelector('#offline-list li'); return !!li \
             && li.querySelector('.email').textContent === 'eva@example.com' \
             && li.querySelector('.text').textContent === 'Call me <b>tomorrow</b>' \
             && li.querySelectorAll('b').length === 0; })()",
        )
        .await;
    // A mailto: link to answer, then Done takes it off the open list
    // (issue 14 item 12), and it stays off after a reload.
    let href = browser
        .js(
            "return document.querySelector('#offline-list li .email a').href",
            vec![],
        )
        .await;
    assert_eq!(href, json!("mailto:eva%40example.com"));
    click(&browser, "#offline-list li button.done").await;
    browser
        .wait_js(
            "the answered message off the list",
            "document.querySelectorAll('#offline-list li').length === 0 \
             && !document.getElementById('offline-empty').hidden",
        )
        .await;

    // A callback request arrives while another view is open: the badge counts it.
    visitor
        .send(
            json!({ "type": "callbackRequest", "name": "Petr <i>", "phone": "+420 777 666 555",
            "language": "cs", "pageUrl": "http://localhost/" }),
        )
        .await;
    let stored = visitor
        .expect("callback stored", |v| v["type"] == "stored")
        .await;
    let phone = stored["phone"].as_str().expect("stored phone").to_string();
    browser
        .wait_js(
            "callback badge",
            "document.getElementById('callback-badge').textContent === '1'",
        )
        .await;
    click(&browser, ".tab[data-view=\"callbacks\"]").await;
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    browser
        .wait_js(
            "the callback request with a tel: link",
            &format!(
                "(() => {{ const li = document.querySelector('#callback-list li'); \
                 const a = li && li.querySelector('.phone a'); return !!a \
                 && a.getAttribute('href') === 'tel:{digits}' && a.textContent === {phone:?} \
                 && li.querySelector('.name').textContent === 'Petr <i>' \
                 && li.querySelectorAll('i').length === 0; }})()"
            ),
        )
        .await;

    click(&browser, "#callback-list li button.done").await;
    browser
        .wait_js(
            "done request leaves the open list",
            "document.querySelectorAll('#callback-list li').length === 0 && \
             document.getElementById('callback-badge').hidden",
        )
        .await;
    let operator = server.demo_operator().await;
    let all = operator
        .call(
            reqwest::Method::GET,
            "/api/operator/callbacks?status=all",
            None,
        )
        .await;
    assert_eq!(all[0]["status"], "done");
    assert_eq!(all[0]["doneBy"], "demo");
    let alerts = browser.js("return window.__alerts.length", vec![]).await;
    assert_eq!(alerts, 0);
    browser.close().await;
}
