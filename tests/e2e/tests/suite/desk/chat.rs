//! One conversation between a visitor and the operator, end to end.

use owidget_e2e::{Browser, TestServer};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_and_operator_chat_live_through_the_desk() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser.before_page_scripts(ALERT_TRAP).await;
    let mut visitor = Visitor::connect(&server).await;
    visitor.status(0).await;

    desk_ready(&browser, &server).await;
    choose_availability(&browser, "online").await;
    visitor.status(1).await;

    let id = visitor
        .start_chat(
            "Jana Nováková",
            "Hello, I need help with my order",
            json!({ "oo1_guest_email": "jana@example.com", "oo1_guest_phone": "+420 777 666 555", "plan": "gold" }),
        )
        .await;
    let item = format!("#queue-list li[data-id=\"{id}\"]");
    browser
        .wait_js(
            "the visitor in the queue with the first message",
            &format!(
                "(() => {{ const li = document.querySelector('{item}'); return !!li \
                 && li.textContent.includes('Jana Nováková') && li.querySelector('.lang').textContent === 'cs' \
                 && li.querySelector('.page a').href === 'http://localhost/shop/cart?step=2' \
                 && li.querySelector('.first').textContent === 'Hello, I need help with my order'; }})()"
            ),
        )
        .await;

    click(&browser, &format!("{item} button.accept")).await;
    let started = visitor
        .expect("sessionStarted", |v| v["type"] == "sessionStarted")
        .await;
    assert_eq!(started["operatorName"], "Demo Operator");
    let chat = chat_css(&id);
    browser
        .wait_js(
            "the chat open with the visitor's details",
            &format!(
                "(() => {{ const s = document.querySelector('{chat}'); return !!s && !s.hidden \
                 && s.querySelector('h2').textContent === 'Jana Nováková' \
                 && s.textContent.includes('jana@example.com') \
                 && s.querySelector('a[href=\"tel:+420777666555\"]')?.textContent === '+420 777 666 555' \
                 && s.querySelector('.custom').textContent.includes('plan') \
                 && s.querySelector('.custom').textContent.includes('gold') \
                 && s.querySelector('.msg.visitor .text')?.textContent === 'Hello, I need help with my order'; }})()"
            ),
        )
        .await;
    browser
        .wait_js(
            "load 1 / 2",
            "document.getElementById('load').textContent === '1 / 2 chats'",
        )
        .await;

    // Operator → visitor: Enter sends, and typing is announced first.
    type_into(
        &browser,
        &format!("{chat} textarea"),
        &format!("Hello Jana, how can I help?{ENTER}"),
    )
    .await;
    let sent = visitor
        .expect("the operator's message", |v| {
            v["type"] == "message" && v["message"]["author"] == "operator"
        })
        .await;
    assert_eq!(sent["message"]["text"], "Hello Jana, how can I help?");
    assert_eq!(sent["message"]["author"], "operator");
    assert_eq!(sent["message"]["name"], "Demo Operator");
    visitor
        .expect("operator typing", |v| {
            v["type"] == "typing" && v["typing"] == true
        })
        .await;
    browser
        .wait_js(
            "composer cleared, own message shown once",
            &format!(
                "document.querySelector('{chat} textarea').value === '' && \
                 document.querySelectorAll('{chat} .msg.operator').length === 1"
            ),
        )
        .await;

    // Visitor → operator, with markup that must stay text.
    let evil = "<img src=x onerror=alert(1)>";
    visitor
        .send(json!({ "type": "send", "clientId": "v-1", "text": evil }))
        .await;
    let ack = visitor.expect("ack", |v| v["type"] == "ack").await;
    let text = browser
        .wait_js(
            "the visitor's markup shown as text",
            &format!(
                "(() => {{ const t = [...document.querySelectorAll('{chat} .msg.visitor .text')].pop(); \
                 return t && t.childNodes.length === 1 && t.firstChild.nodeType === Node.TEXT_NODE \
                 && t.textContent; }})()"
            ),
        )
        .await;
    assert_eq!(text, evil);
    let imgs = browser
        .js(
            &format!("return document.querySelectorAll('{chat} img').length"),
            vec![],
        )
        .await;
    assert_eq!(imgs, 0, "no element was created from the message");

    // The desk tells the visitor it has read the message (the chat is on screen).
    let seq = ack["seq"].as_u64().expect("ack seq");
    visitor
        .expect("the operator's read mark", |v| {
            v["type"] == "read" && v["seq"].as_u64() >= Some(seq)
        })
        .await;

    // Only http(s) URLs become links, built safely.
    visitor
        .send(json!({ "type": "send", "clientId": "v-2",
            "text": "See https://example.com/order?id=7. Not javascript:alert(2)" }))
        .await;
    browser
        .wait_js(
            "a safe link in the visitor's message",
            &format!(
                "(() => {{ const links = document.querySelectorAll('{chat} .msg.visitor .text a'); \
                 const a = links[0]; return links.length === 1 && a.href === 'https://example.com/order?id=7' \
                 && a.target === '_blank' && a.rel === 'noopener noreferrer' \
                 && a.parentElement.textContent === 'See https://example.com/order?id=7. Not javascript:alert(2)'; }})()"
            ),
        )
        .await;

    // A reload keeps the session and brings the chat back with its messages.
    browser.client().refresh().await.expect("reload");
    browser
        .wait_js(
            "the chat restored after a reload",
            &format!(
                "document.getElementById('conn').dataset.state === 'open' && \
                 !document.querySelector('{chat}')?.hidden && \
                 document.querySelectorAll('{chat} .msg.visitor').length === 3 && \
                 document.querySelectorAll('{chat} .msg.operator').length === 1"
            ),
        )
        .await;

    // A phone-sized window: nothing sticks out sideways.
    browser
        .client()
        .set_window_size(360, 740)
        .await
        .expect("resize");
    browser
        .wait_js(
            "the desk fits 360 px",
            "window.innerWidth <= 400 && \
             document.documentElement.scrollWidth <= document.documentElement.clientWidth",
        )
        .await;
    browser
        .client()
        .set_window_size(1200, 900)
        .await
        .expect("resize");

    // Visitor typing and read state reach the desk live.
    visitor
        .send(json!({ "type": "typing", "typing": true }))
        .await;
    browser
        .wait_js(
            "visitor typing indicator",
            &format!("!document.querySelector('{chat} .typing').hidden"),
        )
        .await;
    let op_seq = sent["message"]["seq"].as_u64().expect("seq");
    visitor.send(json!({ "type": "read", "seq": op_seq })).await;
    browser
        .wait_js(
            "the operator's message marked read",
            &format!(
                "document.querySelector('{chat} .msg.operator .receipt').textContent === 'Read'"
            ),
        )
        .await;

    // End from the desk.
    click(&browser, &format!("{chat} button.end")).await;
    let ended = visitor
        .expect("sessionEnded", |v| v["type"] == "sessionEnded")
        .await;
    assert_eq!(ended["by"], "operator");
    browser
        .wait_js(
            "the chat shown as ended",
            &format!(
                "document.querySelector('{chat} .chat-state').textContent.includes('ended') && \
                 document.querySelector('{chat} textarea').disabled && \
                 document.getElementById('load').textContent === '0 / 2 chats'"
            ),
        )
        .await;

    // History lists it and shows the transcript as text.
    click(&browser, ".tab[data-view=\"history\"]").await;
    click(&browser, &format!("#history-list button[data-id=\"{id}\"]")).await;
    browser
        .wait_js(
            "the transcript",
            &format!(
                "(() => {{ const p = document.getElementById('history-transcript'); \
                 const texts = [...p.querySelectorAll('.msg .text')].map((t) => t.textContent); \
                 return texts.includes({evil:?}) && texts.includes('Hello Jana, how can I help?') \
                 && p.textContent.includes('Jana Nováková') && p.querySelectorAll('img').length === 0; }})()"
            ),
        )
        .await;
    let alerts = browser.js("return window.__alerts.length", vec![]).await;
    assert_eq!(alerts, 0, "no script from a message ran");
    browser.close().await;
}
