//! The operator desk (`/desk/`, issues 3 and 4) in real Chromium through the
//! real server. The visitor side is a plain widget WebSocket client (with an
//! allowed `Origin`), so that every step of the desk is checked against what
//! a visitor really receives.

use std::collections::VecDeque;

use fantoccini::elements::Element;
use fantoccini::Locator;
use futures_util::{SinkExt, StreamExt};
use owidget_e2e::{Browser, TestServer, DEMO_COMPANY, WAIT};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The WebDriver code of the Enter key.
const ENTER: &str = "\u{E007}";

/// Makes `alert` observable: the page records calls instead of blocking.
const ALERT_TRAP: &str =
    "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));";

/// A visitor's widget socket. Frames that a test did not ask for yet are
/// kept, so the order of unrelated pushes (typing vs. message) never makes a
/// test flaky.
struct Visitor {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    backlog: VecDeque<Value>,
}

impl Visitor {
    /// Opens `/ws/widget` for the demo company's default preset.
    async fn connect(server: &TestServer) -> Visitor {
        let url = format!(
            "{}/ws/widget?company={DEMO_COMPANY}&preset=default&v=1",
            server.url.replacen("http://", "ws://", 1)
        );
        let mut request = url.into_client_request().expect("widget socket URL");
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_static("http://localhost"));
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("widget socket connects");
        Visitor {
            ws,
            backlog: VecDeque::new(),
        }
    }

    async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send to widget socket");
    }

    /// The first frame (kept or new) matching `pred`, within [`WAIT`].
    async fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i).expect("index from position");
        }
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(&t).expect("widget frame is JSON");
                        if v["type"] == "error" {
                            panic!("server refused a visitor frame: {v}");
                        }
                        if pred(&v) {
                            return v;
                        }
                        self.backlog.push_back(v);
                    }
                    Some(Ok(_)) => {}
                    other => panic!("widget socket ended while waiting for {what}: {other:?}"),
                }
            }
        };
        match tokio::time::timeout(WAIT, read).await {
            Ok(v) => v,
            Err(_) => panic!(
                "timed out after {WAIT:?} waiting for {what}; frames seen: {:?}",
                self.backlog
            ),
        }
    }

    async fn status(&mut self, status: u64) {
        self.expect(&format!("status {status}"), |v| {
            v["type"] == "status" && v["status"] == status
        })
        .await;
    }

    /// Starts a chat as `name` with a first message; returns the session id.
    async fn start_chat(&mut self, name: &str, text: &str, extra: Value) -> String {
        let mut data = json!({ "oo1_guest_ident": name });
        if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        self.send(json!({
            "type": "startChat",
            "language": "cs",
            "pageUrl": "http://localhost/shop/cart?step=2",
            "customData": data,
            "text": text,
        }))
        .await;
        let created = self
            .expect("sessionCreated", |v| v["type"] == "sessionCreated")
            .await;
        created["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string()
    }
}

async fn find(browser: &Browser, css: &str) -> Element {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
}

/// A real click on `css` once it is visible and enabled.
async fn click(browser: &Browser, css: &str) {
    let js_css = serde_json::to_string(css).expect("css as JSON");
    browser
        .wait_js(
            &format!("`{css}` visible and enabled"),
            &format!(
                "(() => {{ const e = document.querySelector({js_css}); \
                 return !!e && !e.disabled && e.offsetParent !== null; }})()"
            ),
        )
        .await;
    find(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let e = find(browser, css).await;
    e.clear()
        .await
        .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
}

/// Opens the desk and logs in through the form.
async fn desk_login(browser: &Browser, server: &TestServer, password: &str) {
    browser.goto(&format!("{}/desk/", server.url)).await;
    browser
        .wait_js("login form", "!document.getElementById('login').hidden")
        .await;
    type_into(browser, "#login-company", DEMO_COMPANY).await;
    type_into(browser, "#login-username", "demo").await;
    type_into(browser, "#login-password", password).await;
    click(browser, "#login-submit").await;
}

/// Logs in and waits for the live feed.
async fn desk_ready(browser: &Browser, server: &TestServer) {
    desk_login(browser, server, "demo").await;
    browser
        .wait_js(
            "desk connected",
            "document.getElementById('conn').dataset.state === 'open'",
        )
        .await;
}

/// Sets the availability through the desk's own selector.
async fn choose_availability(browser: &Browser, value: &str) {
    find(browser, "#availability")
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value}: {e}"));
    browser
        .wait_js(
            &format!("availability {value} confirmed"),
            &format!("document.getElementById('availability').dataset.value === '{value}'"),
        )
        .await;
}

/// CSS of a chat's section.
fn chat_css(id: &str) -> String {
    format!("section.chat[data-id=\"{id}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors_session_reload_and_logout() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;

    desk_login(&browser, &server, "not-the-password").await;
    let error = browser
        .wait_js(
            "login error shown",
            "!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent",
        )
        .await;
    assert_eq!(error, "wrong company, username or password");
    assert_eq!(
        browser
            .js("return document.getElementById('desk').hidden", vec![])
            .await,
        true
    );

    type_into(&browser, "#login-company", "not-a-guid").await;
    type_into(&browser, "#login-password", "demo").await;
    click(&browser, "#login-submit").await;
    browser
        .wait_js(
            "GUID error",
            "document.getElementById('login-error').textContent === 'company must be a GUID'",
        )
        .await;

    type_into(&browser, "#login-company", DEMO_COMPANY).await;
    type_into(&browser, "#login-password", "demo").await;
    click(&browser, "#login-submit").await;
    browser
        .wait_js(
            "desk after login",
            "!document.getElementById('desk').hidden && document.getElementById('me').textContent.includes('Demo Operator')",
        )
        .await;
    browser
        .wait_js(
            "own load shown",
            "document.getElementById('load').textContent === '0 / 2 chats'",
        )
        .await;

    // A reload keeps the session (token in sessionStorage).
    browser.client().refresh().await.expect("reload");
    browser
        .wait_js(
            "desk again after reload",
            "!document.getElementById('desk').hidden && document.getElementById('conn').dataset.state === 'open'",
        )
        .await;
    let token = browser
        .js(
            "return sessionStorage.getItem('owidget.desk.token')",
            vec![],
        )
        .await;
    let token = token.as_str().expect("token kept").to_string();

    click(&browser, "#logout").await;
    browser
        .wait_js(
            "login form after logout",
            "!document.getElementById('login').hidden && sessionStorage.getItem('owidget.desk.token') === null",
        )
        .await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/operator/me", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me request");
    assert_eq!(res.status(), 401, "the logged-out token is revoked");
    browser.close().await;
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_chats_up_to_capacity() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    desk_ready(&browser, &server).await;
    choose_availability(&browser, "online").await;

    let mut a = Visitor::connect(&server).await;
    let mut b = Visitor::connect(&server).await;
    let mut c = Visitor::connect(&server).await;
    c.status(1).await;
    let id_a = a.start_chat("Alice", "first", json!({})).await;
    let id_b = b.start_chat("Bob", "second", json!({})).await;
    let id_c = c.start_chat("Cyril", "third", json!({})).await;
    browser
        .wait_js(
            "three waiting",
            "document.querySelectorAll('#queue-list li').length === 3 && \
             document.getElementById('queue-count').textContent === '3'",
        )
        .await;

    click(
        &browser,
        &format!("#queue-list li[data-id=\"{id_a}\"] button.accept"),
    )
    .await;
    a.expect("A started", |v| v["type"] == "sessionStarted")
        .await;
    click(
        &browser,
        &format!("#queue-list li[data-id=\"{id_b}\"] button.accept"),
    )
    .await;
    b.expect("B started", |v| v["type"] == "sessionStarted")
        .await;

    // At capacity: Cyril cannot be accepted, the button says busy.
    browser
        .wait_js(
            "accept disabled at capacity",
            &format!(
                "document.getElementById('load').textContent === '2 / 2 chats' && \
                 document.querySelector('#queue-list li[data-id=\"{id_c}\"] button.accept').disabled && \
                 !document.getElementById('queue-note').hidden && \
                 document.querySelectorAll('#chat-tabs .tab').length === 2"
            ),
        )
        .await;
    c.status(2).await;

    // Both chats are reachable by their tabs, each with its own messages.
    click(&browser, &format!(".tab[data-view=\"chat:{id_a}\"]")).await;
    browser
        .wait_js(
            "Alice's chat on screen",
            &format!(
                "!document.querySelector('{}').hidden && document.querySelector('{}').hidden && \
                 document.querySelector('{} .msg.visitor .text').textContent === 'first'",
                chat_css(&id_a),
                chat_css(&id_b),
                chat_css(&id_a)
            ),
        )
        .await;
    b.send(json!({ "type": "send", "clientId": "b-1", "text": "are you there?" }))
        .await;
    browser
        .wait_js(
            "unread badge on Bob's tab",
            &format!(
                "document.querySelector('.tab[data-view=\"chat:{id_b}\"] .badge')?.textContent === '1'"
            ),
        )
        .await;

    // The visitor ends: the desk says so and a place frees up.
    a.send(json!({ "type": "endChat" })).await;
    browser
        .wait_js(
            "Alice's chat ended by the visitor, Cyril acceptable again",
            &format!(
                "document.querySelector('{} .chat-state').textContent === 'The visitor ended the chat.' && \
                 !document.querySelector('#queue-list li[data-id=\"{id_c}\"] button.accept').disabled",
                chat_css(&id_a)
            ),
        )
        .await;
    click(&browser, &format!("{} button.close", chat_css(&id_a))).await;
    browser
        .wait_js(
            "Alice's tab closed, Bob's chat shown",
            &format!(
                "document.querySelectorAll('#chat-tabs .tab').length === 1 && \
                 !document.querySelector('{}').hidden",
                chat_css(&id_b)
            ),
        )
        .await;

    // Transfer back to the queue: Bob leaves the desk and waits first in line.
    click(&browser, &format!("{} .transfer summary", chat_css(&id_b))).await;
    click(
        &browser,
        &format!("{} .transfer-form button", chat_css(&id_b)),
    )
    .await;
    b.expect("back in the queue", |v| {
        v["type"] == "queue" && v["position"] == 1
    })
    .await;
    browser
        .wait_js(
            "Bob back in the queue, no chat left",
            &format!(
                "document.querySelectorAll('#chat-tabs .tab').length === 0 && \
                 !document.querySelector('{}') && \
                 document.querySelector('#queue-list li').dataset.id === '{id_b}' && \
                 document.getElementById('load').textContent === '0 / 2 chats'",
                chat_css(&id_b)
            ),
        )
        .await;
    browser.close().await;
}

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
