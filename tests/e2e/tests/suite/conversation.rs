//! Issue 3 end to end with both pages open in real Chromium: a visitor on
//! the demo page (the verbatim snippet, the wasm SDK, the chat window) and
//! the operator in the desk, through the real server. Messages with markup
//! are shown as text on both sides; the five app events arrive in order.

use owidget_e2e::desk::{
    chat_css, choose_availability, click, desk_ready, type_into, ALERT_TRAP, ENTER,
};
use owidget_e2e::{demo, Browser, TestServer};
use serde_json::json;

const EVIL: &str = "<img src=x onerror=alert(1)>";

/// JS expression: the widget's shadow root on the demo page.
const ROOT: &str = "document.querySelector('owidget-root').shadowRoot";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_page_and_desk_hold_a_conversation() {
    let server = TestServer::start().await;
    let (visitor, operator) = tokio::join!(Browser::start(), Browser::start());
    visitor.before_page_scripts(ALERT_TRAP).await;
    operator.before_page_scripts(ALERT_TRAP).await;

    desk_ready(&operator, &server).await;
    choose_availability(&operator, "online").await;

    visitor.goto(&format!("{}/demo/", server.url)).await;
    demo::wait_status(&visitor, 1).await;

    // The visitor opens the window and writes; Enter sends.
    visitor
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    let composer = visitor
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await;
    composer
        .send_keys(&format!("{EVIL} I need help{ENTER}"))
        .await
        .expect("type into the chat window");
    demo::wait_event(&visitor, "chatSessionCreated").await;
    visitor
        .wait_js(
            "the queue position",
            &format!("{ROOT}.querySelector('.info').textContent.includes('1')"),
        )
        .await;

    // The operator sees the visitor in the queue, live, and accepts.
    operator
        .wait_js(
            "the visitor in the desk's queue",
            "document.querySelectorAll('#queue-list li[data-id]').length === 1",
        )
        .await;
    let id = operator
        .js(
            "return document.querySelector('#queue-list li[data-id]').dataset.id",
            vec![],
        )
        .await;
    let id = id.as_str().expect("session id").to_string();
    click(
        &operator,
        &format!("#queue-list li[data-id=\"{id}\"] button.accept"),
    )
    .await;
    demo::wait_event(&visitor, "chatSessionStarted").await;
    visitor
        .wait_js(
            "the operator's name",
            &format!("{ROOT}.querySelector('.info').textContent.includes('Demo Operator')"),
        )
        .await;

    // The visitor's markup is text in the desk.
    let chat = chat_css(&id);
    let shown = operator
        .wait_js(
            "the visitor's message in the desk",
            &format!("document.querySelector('{chat} .msg.visitor .text')?.textContent"),
        )
        .await;
    assert_eq!(shown, json!(format!("{EVIL} I need help")));
    let imgs = operator
        .js(
            &format!("return document.querySelectorAll('{chat} img').length"),
            vec![],
        )
        .await;
    assert_eq!(imgs, 0, "no HTML from the visitor in the desk");

    // The operator answers with markup and a link; the visitor sees text.
    type_into(
        &operator,
        &format!("{chat} textarea"),
        &format!("<b>Hi</b> see https://example.com/help{ENTER}"),
    )
    .await;
    let answer = visitor
        .wait_js(
            "the operator's answer",
            &format!("{ROOT}.querySelector('.m.o .txt')?.textContent"),
        )
        .await;
    assert_eq!(answer, json!("<b>Hi</b> see https://example.com/help"));
    let (bold, href) = (
        visitor
            .js(
                &format!("return {ROOT}.querySelectorAll('.m.o b').length"),
                vec![],
            )
            .await,
        visitor
            .js(
                &format!("return {ROOT}.querySelector('.m.o a').href"),
                vec![],
            )
            .await,
    );
    assert_eq!(bold, 0, "no HTML from the operator in the widget");
    assert_eq!(href, "https://example.com/help");

    // The visitor's next message arrives live in the desk.
    composer
        .send_keys(&format!("Thanks{ENTER}"))
        .await
        .expect("type again");
    operator
        .wait_js(
            "the visitor's second message",
            &format!("document.querySelectorAll('{chat} .msg.visitor').length === 2"),
        )
        .await;

    // The operator ends the chat; the visitor is told and closes the window.
    click(&operator, &format!("{chat} button.end")).await;
    demo::wait_event(&visitor, "chatSessionEnded").await;
    visitor.shadow_find("owidget-root", "[part=ended]").await;
    visitor
        .shadow_find("owidget-root", "[part=close]")
        .await
        .click()
        .await
        .expect("close the window");
    demo::wait_event(&visitor, "chatWindowClosed").await;
    let events = demo::events(&visitor).await;
    assert_eq!(
        events,
        json!([
            "chatWindowOpen",
            "chatSessionCreated",
            "chatSessionStarted",
            "chatSessionEnded",
            "chatWindowClosed"
        ])
    );
    for (who, page) in [("visitor", &visitor), ("operator", &operator)] {
        let alerts = page.js("return window.__alerts", vec![]).await;
        assert_eq!(
            alerts,
            json!([]),
            "no script ran from a message on the {who}'s page"
        );
    }
    visitor.close().await;
    operator.close().await;
}
