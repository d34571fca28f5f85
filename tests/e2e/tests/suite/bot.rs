//! The demo bot end to end in real Chromium (issue 8): on the demo page's
//! `bot` preset the bot greets with quick replies, a click on one sends it,
//! a carousel shows, a reply carrying the visitor's markup shows it as
//! text, and asking for a person lands the chat in the desk with the bot's
//! history.

use owidget_e2e::desk::{chat_css, choose_availability, click, desk_ready, ALERT_TRAP};
use owidget_e2e::{demo, Browser, TestServer};

const ROOT: &str = "document.querySelector('owidget-root').shadowRoot";

/// Clicks the quick reply labelled `label` (the last one offered).
async fn quick_reply(visitor: &Browser, label: &str) {
    let label = serde_json::to_string(label).unwrap();
    visitor
        .wait_js(
            &format!("a quick reply {label}"),
            &format!(
                "(() => {{ const b = [...{ROOT}.querySelectorAll('.qr button')].filter((b) => b.textContent === {label}).pop(); \
                 if (!b) return null; b.click(); return true; }})()"
            ),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_bot_greets_shows_a_carousel_and_hands_over_to_the_desk() {
    let server = TestServer::start_demo_connector().await;
    let (visitor, operator) = tokio::join!(Browser::start(), Browser::start());
    visitor.before_page_scripts(ALERT_TRAP).await;
    operator.before_page_scripts(ALERT_TRAP).await;
    desk_ready(&operator, &server).await;
    choose_availability(&operator, "online").await;

    visitor
        .goto(&format!("{}/demo/?preset=bot", server.url))
        .await;
    demo::wait_status(&visitor, 1).await;
    visitor
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    let markup = "<img src=x onerror=alert(1)><b>bold?</b>";
    visitor
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
        .send_keys(&format!("{markup}{}", owidget_e2e::desk::ENTER))
        .await
        .expect("type into the chat window");
    demo::wait_event(&visitor, "chatSessionStarted").await;

    // The greeting (Markdown: bold as <strong>) and the answer to the
    // markup, which is text: no <img>, no <b> in the bot's rows.
    visitor
        .wait_js(
            "the greeting with bold text",
            &format!("[...{ROOT}.querySelectorAll('li.m.o .md strong')].some((s) => s.textContent === 'demo shop assistant')"),
        )
        .await;
    let echoed = visitor
        .wait_js(
            "the bot's reply quoting the markup",
            &format!(
                "[...{ROOT}.querySelectorAll('li.m.o .md')].map((m) => m.textContent).find((t) => t.includes('did not understand')) ?? null"
            ),
        )
        .await;
    assert!(echoed.as_str().unwrap().contains(markup), "{echoed}");
    let elements = visitor
        .js(
            &format!(
                "return {ROOT}.querySelectorAll('li.m.o img, li.m.o b, li.m.o script').length"
            ),
            vec![],
        )
        .await;
    assert_eq!(elements, 0, "markup stays text");

    // A quick reply is sent as the visitor's message; the carousel follows.
    quick_reply(&visitor, "Show me shoes").await;
    visitor
        .wait_js(
            "the visitor's quick reply in the conversation",
            &format!("[...{ROOT}.querySelectorAll('li.m.v')].some((m) => m.textContent.includes('Show me shoes'))"),
        )
        .await;
    visitor
        .wait_js(
            "a carousel of three products",
            &format!("{ROOT}.querySelectorAll('ul.cr li.cl').length === 3"),
        )
        .await;

    // A person: the chat waits in the desk's queue; accepted, the desk
    // shows the bot's history.
    quick_reply(&visitor, "Talk to a person").await;
    let id = operator
        .wait_js(
            "the transferred visitor in the desk's queue",
            "document.querySelector('#queue-list li[data-id]')?.dataset.id",
        )
        .await;
    let id = id.as_str().expect("session id").to_string();
    click(
        &operator,
        &format!("#queue-list li[data-id=\"{id}\"] button.accept"),
    )
    .await;
    let chat = chat_css(&id);
    operator
        .wait_js(
            "the bot's history in the desk",
            &format!(
                "(() => {{ const t = document.querySelector('{chat}')?.textContent ?? ''; \
                 return t.includes('demo shop assistant') && t.includes('Show me shoes') && t.includes('Let me find a colleague'); }})()"
            ),
        )
        .await;
    let alerts = visitor.js("return window.__alerts.length", vec![]).await;
    assert_eq!(alerts, 0, "no script ran");
    visitor.close().await;
    operator.close().await;
}
