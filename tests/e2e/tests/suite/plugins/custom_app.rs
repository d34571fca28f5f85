//! The demo Custom App "Orders" (issue 9) in real Chromium: served by the
//! demo connector on its own origin, framed by the desk, talking to it
//! through `/desk/idzcpa.js` and the desk's postMessage bridge. The app's
//! `insertTextInComposeBox` fills the compose box; its pushed card and
//! carousel reach the visitor's widget; a bridge message from a wrong
//! origin is ignored (by the desk and by the library); `getJWT` gives a fresh token (which the app's own
//! backend verified before listing the orders); two chats keep two app
//! states.

use owidget_e2e::desk::{chat_css, click, find, type_into};
use owidget_e2e::visitor::Visitor;
use owidget_e2e::{Browser, TestServer};
use serde_json::{json, Value};

use super::support::{converse, q, text_of, ROOT};

/// Runs `steps` inside the Orders frame of `chat`, then returns to the desk.
async fn in_app<F, Fut, T>(op: &Browser, chat: &str, steps: F) -> T
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let frame = format!("{chat} iframe.custom-app-frame[data-app=orders]");
    op.wait_js(
        "the app frame",
        &format!("{}?.src.includes('jwt=')", q(&frame)),
    )
    .await;
    find(op, &frame)
        .await
        .enter_frame()
        .await
        .expect("enter the app frame");
    op.wait_js(
        "the app connected and listed the orders",
        "document.body?.dataset.ready === 'true'",
    )
    .await;
    let out = steps().await;
    op.client()
        .enter_parent_frame()
        .await
        .expect("back to the desk");
    out
}

/// The compose box of `chat` once it holds something containing `part`.
async fn composer_with(op: &Browser, chat: &str, part: &str) -> String {
    let v = op
        .wait_js(
            &format!("the compose box with {part:?}"),
            &format!(
                "(() => {{ const v = {}.value; return v.includes({}) ? v : null; }})()",
                q(&format!("{chat} textarea.composer-input")),
                json!(part)
            ),
        )
        .await;
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_orders_app_in_two_chats() {
    let server = TestServer::start_demo_connector().await;
    let c = converse(&server, "Where is my order?").await;
    let (op, a) = (&c.operator, c.chat.clone());

    // A second chat, from a raw widget socket.
    let mut petr = Visitor::connect(&server).await;
    let b_id = petr.start_chat("Petr", "Hello", json!({})).await;
    click(
        op,
        &format!("#queue-list li[data-id=\"{b_id}\"] button.accept"),
    )
    .await;
    let b = chat_css(&b_id);
    click(op, &format!("button.tab[data-view=\"chat:{}\"]", c.id)).await;

    // The toolbar button opens the app beside chat A.
    let button = format!("{a} button.custom-app[data-app=orders]");
    assert_eq!(text_of(op, &button).await, "Orders");
    click(op, &button).await;
    let app_origin = op
        .js(
            &format!(
                "return new URL({}.src).origin",
                q(&format!("{a} iframe.custom-app-frame"))
            ),
            vec![],
        )
        .await;
    assert_ne!(
        app_origin.as_str(),
        Some(server.url.as_str()),
        "the app runs on another origin than the desk"
    );

    let (who, conversation) = in_app(op, &a, || async {
        type_into(op, "#note", "note for A").await;
        op.js("window.__marker = 'A'", vec![]).await;
        click(op, "#order-1042 button.insert").await;
        (
            text_of(op, "#who").await,
            op.js("return document.body.dataset.conversation", vec![])
                .await,
        )
    })
    .await;
    assert_eq!(
        who, "Signed in as demo (operator@example.com) · customer visitor@example.com",
        "the app's backend accepted the token"
    );
    assert_eq!(
        conversation,
        json!(owidget_server::bot::conversation_uuid(&c.id)),
        "context.conversationId: the UUID connectors get"
    );
    assert_eq!(
        composer_with(op, &a, "#1042").await,
        "Your order #1042 (Coastal runner 4) is shipped."
    );

    // Wrong origins are ignored: a message claiming the app's window but
    // from another origin, and one from the desk page itself. The app's
    // next (genuine) command is then run, and only it.
    op.js(
        &format!(
            "const f = {}; \
             const evil = {{ idzCpa: 'request', id: 7, command: 'insertTextInComposeBox', args: ['EVIL'] }}; \
             window.dispatchEvent(new MessageEvent('message', {{ data: evil, origin: 'http://evil.example', source: f.contentWindow }})); \
             window.postMessage(evil, window.location.origin);",
            q(&format!("{a} iframe.custom-app-frame"))
        ),
        vec![],
    )
    .await;
    in_app(op, &a, || async {
        click(op, "#order-1043 button.insert").await;
    })
    .await;
    let text = composer_with(op, &a, "#1043").await;
    assert!(!text.contains("EVIL"), "{text}");

    // A pushed card and a carousel reach the visitor as content cards.
    let claims = in_app(op, &a, || async {
        click(op, "#order-1042 button.push").await;
        text_of(op, "#status").await;
        click(op, "#carousel").await;
        click(op, "#jwt").await;
        let jwt = op
            .wait_js(
                "a fresh token",
                "document.getElementById('claims').dataset.jwt",
            )
            .await;
        assert_eq!(jwt.as_str().unwrap_or_default().split('.').count(), 3);
        let claims: Value =
            serde_json::from_str(&text_of(op, "#claims").await).expect("claims JSON");
        // The library reads only the desk's answers: forged answers from
        // another origin (for every id it may be waiting on) are ignored.
        let got = op
            .js_async(
                "const done = arguments[0]; \
                 window.idzCpa.init().then((client) => { \
                   const p = client.getJWT(); \
                   for (let id = 1; id < 100; id++) window.dispatchEvent(new MessageEvent('message', \
                     { data: { idzCpa: 'response', id, result: 'FORGED' }, origin: 'http://evil.example', source: window.parent })); \
                   return p; \
                 }).then(done, (e) => done('rejected: ' + e.message));",
                vec![],
            )
            .await;
        assert_eq!(
            got.as_str().unwrap_or_default().split('.').count(),
            3,
            "a real token, not the forged answer: {got}"
        );
        claims
    })
    .await;
    assert_eq!(claims["iss"], "iadvize");
    assert_eq!(claims["sub"], "demo");
    assert_eq!(claims["email"], "operator@example.com");
    assert_eq!(
        claims["aud"],
        format!("{}/apps/orders/", app_origin.as_str().unwrap_or_default())
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );

    let card = c
        .visitor
        .wait_js(
            "the pushed card in the widget",
            &format!(
                "(() => {{ const c = {ROOT}.querySelector('.m.o > [part=card]'); if (!c) return null; \
                 const a = c.querySelector('a.cg'); const img = c.querySelector('img'); \
                 return {{ title: c.querySelector('.ct')?.textContent, text: c.querySelector('.cx')?.textContent, \
                 alt: img?.alt, link: a?.textContent, href: a?.getAttribute('href'), rel: a?.rel, target: a?.target }}; }})()"
            ),
        )
        .await;
    let base = app_origin.as_str().unwrap_or_default();
    assert_eq!(
        card,
        json!({"title": "Order #1042", "text": "Coastal runner 4: Shipped", "alt": "Coastal runner 4",
               "link": "View product", "href": format!("{base}/shop/4"),
               "rel": "noopener noreferrer", "target": "_blank"})
    );
    let carousel = c
        .visitor
        .wait_js(
            "the pushed carousel in the widget",
            &format!(
                "(() => {{ const c = {ROOT}.querySelector('[part=carousel]'); if (!c) return null; \
                 return {{ label: c.getAttribute('aria-label'), \
                 cards: Array.from(c.querySelectorAll('.cr > li .ct')).map(t => t.textContent), \
                 tabindex: c.querySelector('.cr').tabIndex }}; }})()"
            ),
        )
        .await;
    assert_eq!(
        carousel,
        json!({"label": "Your orders", "cards": ["Order #1042", "Order #1043", "Order #1037"], "tabindex": 0})
    );
    // The desk shows them too.
    assert_eq!(
        text_of(op, &format!("{a} .msg.operator .card.content .card-title")).await,
        "Order #1042"
    );
    op.wait_js(
        "the carousel in the desk",
        &format!("document.querySelectorAll('{a} .carousel .carousel-row > li').length === 3"),
    )
    .await;

    // Chat B gets its own frame; chat A's keeps its state.
    click(op, &format!("button.tab[data-view=\"chat:{b_id}\"]")).await;
    click(op, &format!("{b} button.custom-app[data-app=orders]")).await;
    let (note, conversation) = in_app(op, &b, || async {
        let note = op
            .js("return document.getElementById('note').value", vec![])
            .await;
        type_into(op, "#note", "note for B").await;
        (
            note,
            op.js("return document.body.dataset.conversation", vec![])
                .await,
        )
    })
    .await;
    assert_eq!(
        (note, conversation),
        (
            json!(""),
            json!(owidget_server::bot::conversation_uuid(&b_id))
        )
    );
    click(op, &format!("button.tab[data-view=\"chat:{}\"]", c.id)).await;
    let kept = in_app(op, &a, || async {
        op.js(
            "return [document.getElementById('note').value, window.__marker, document.body.dataset.conversation]",
            vec![],
        )
        .await
    })
    .await;
    assert_eq!(
        kept,
        json!([
            "note for A",
            "A",
            owidget_server::bot::conversation_uuid(&c.id)
        ]),
        "not reloaded"
    );
    assert_eq!(
        op.js(
            "return document.querySelectorAll('iframe.custom-app-frame').length",
            vec![]
        )
        .await,
        json!(2),
        "one frame per conversation"
    );
}
