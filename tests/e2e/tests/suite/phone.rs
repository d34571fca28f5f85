//! Issue 4 end to end: the callback form of the demo page's widget while
//! the status is busy, in real Chromium through the real server. Numbers
//! are normalized by the server (`/api/widget/phone`, a few hundred bytes
//! each; no phone wasm module is fetched, issue 11); an invalid number is refused
//! with a message and never reaches the operator API; a valid one is stored
//! in international format and shown; a custom normalization replaces the
//! default, and a custom function that throws leaves the form working.

use owidget_e2e::visitor::Visitor;
use owidget_e2e::{Browser, Operator, TestServer};
use serde_json::{json, Value};

/// JS expression: the widget's shadow root on the demo page.
const ROOT: &str = "document.querySelector('owidget-root').shadowRoot";
/// The callback form inside the shadow root, and its fields.
const FORM: &str = "form[part=callback]";
const NAME: &str = "form[part=callback] input[autocomplete=name]";
const PHONE: &str = "form[part=callback] input[type=tel]";
const SUBMIT: &str = "form[part=callback] button[type=submit]";
/// The English texts of the demo preset (protocol `Texts` defaults).
const INVALID: &str = "Please enter a valid phone number.";
const SENT: &str = "We will call you at {phone}.";
/// JS expression: entries of the phone module in the resource timeline.
const PHONE_ENTRIES: &str = "performance.getEntriesByType('resource')\
    .filter((e) => e.name.includes('/owidget_phone'))";
/// JS expression: the server normalizations in the resource timeline.
const NORMALIZATIONS: &str = "performance.getEntriesByType('resource')\
    .filter((e) => e.name.includes('/api/widget/phone?'))";
/// Records console errors for the `[owidget]` reports.
const CONSOLE_TRAP: &str = "window.__errors = []; const err = console.error; \
    console.error = function (...a) { window.__errors.push(a.map(String).join(' ')); \
    return err.apply(console, a); };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_form_normalizes_by_the_server_and_stores_normalized_numbers() {
    let server = TestServer::start().await;
    let operator = server.demo_operator().await;
    let _visitors = make_busy(&server, &operator).await;
    let browser = Browser::start().await;
    browser.before_page_scripts(CONSOLE_TRAP).await;

    // Busy and settled, the widget has asked nothing about phones.
    open_busy_page(&browser, &server).await;
    browser
        .js(
            "return new Promise((r) => requestIdleCallback(() => r(true), { timeout: 5000 }))",
            vec![],
        )
        .await;
    let before = browser
        .js(
            &format!("return {PHONE_ENTRIES}.concat({NORMALIZATIONS}).map((e) => e.name)"),
            vec![],
        )
        .await;
    assert_eq!(before, json!([]), "phone requests before any number");
    open_callback_form(&browser).await;

    // An invalid number: the message, and nothing is sent.
    fill(&browser, "Jana", "777 666 55").await;
    submit(&browser).await;
    wait_text(&browser, "the invalid-phone message", INVALID).await;
    assert_eq!(callbacks(&operator).await, Vec::<Value>::new());
    // It cost one small request, and no phone module.
    let sizes = browser
        .js(
            &format!("return {NORMALIZATIONS}.map((e) => e.transferSize)"),
            vec![],
        )
        .await;
    let sizes: Vec<u64> = serde_json::from_value(sizes).expect("sizes");
    assert_eq!(sizes.len(), 1, "one normalization request: {sizes:?}");
    assert!(
        sizes[0] > 0 && sizes[0] < 2048,
        "a few hundred bytes with headers: {sizes:?}"
    );
    let modules = browser
        .js(&format!("return {PHONE_ENTRIES}.length"), vec![])
        .await;
    assert_eq!(modules, json!(0), "no phone module fetched");

    // A valid one reaches the operator in international format; the page
    // shows it as it will be dialled: libphonenumber-js's format, spaces
    // where the US format has a dash, and the extension kept.
    fill(&browser, "Jana", "+1 (201) 555-0123 x7").await;
    submit(&browser).await;
    let shown = SENT.replace("{phone}", "+1 201 555 0123 ext. 7");
    wait_text(&browser, "the confirmation with the number", &shown).await;
    let list = wait_callbacks(&operator, 1).await;
    assert_eq!(list[0]["phone"], "+1 201 555 0123 ext. 7");
    assert_eq!(list[0]["name"], "Jana");
    // The invalid number before it was never stored (the socket is ordered).
    assert_eq!(callbacks(&operator).await.len(), 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_normalization_replaces_the_default_and_a_throwing_one_does_not_break_the_form() {
    let server = TestServer::start().await;
    let operator = server.demo_operator().await;
    let _visitors = make_busy(&server, &operator).await;
    let browser = Browser::start().await;
    browser.before_page_scripts(CONSOLE_TRAP).await;
    open_busy_page(&browser, &server).await;

    // A page's own directory: it accepts an input the default refuses
    // (letters) and answers a number the visitor did not type.
    browser
        .js(
            "window.__raw = []; demoOwidget.setCustomNumberNormalization((raw) => { \
             window.__raw.push(raw); return raw === 'office' ? '+420 603 123 456' : null; }); \
             return true;",
            vec![],
        )
        .await;
    open_callback_form(&browser).await;
    fill(&browser, "Petr", "777 666 555").await;
    submit(&browser).await;
    wait_text(&browser, "custom null → the invalid-phone message", INVALID).await;
    assert_eq!(
        callbacks(&operator).await,
        Vec::<Value>::new(),
        "a number the custom function refused was sent"
    );
    fill(&browser, "Petr", "office").await;
    submit(&browser).await;
    let shown = SENT.replace("{phone}", "+420 603 123 456");
    wait_text(&browser, "the custom result confirmed", &shown).await;
    let list = wait_callbacks(&operator, 1).await;
    assert_eq!(
        list[0]["phone"], "+420 603 123 456",
        "the custom result is stored"
    );
    let raw = browser.js("return window.__raw", vec![]).await;
    assert_eq!(
        raw,
        json!(["777 666 555", "office"]),
        "fn(raw) got the typed text"
    );

    // A custom function that throws on its first call, then returns a
    // number: the first submit is refused with the message and an
    // `[owidget]` console error; the form still works afterwards.
    browser.goto(&format!("{}/demo/", server.url)).await;
    wait_busy(&browser).await;
    browser
        .js(
            "window.__calls = 0; demoOwidget.setCustomNumberNormalization((raw) => { \
             if (window.__calls++ === 0) throw new Error('directory down'); \
             return '+420 777 666 555'; }); return true;",
            vec![],
        )
        .await;
    open_callback_form(&browser).await;
    fill(&browser, "Eva", "777 666 555").await;
    submit(&browser).await;
    wait_text(
        &browser,
        "a throwing fn → the invalid-phone message",
        INVALID,
    )
    .await;
    let errors = browser.js("return window.__errors", vec![]).await;
    assert!(
        errors.as_array().is_some_and(|e| e
            .iter()
            .any(|m| m.as_str().is_some_and(|m| m.starts_with("[owidget]")))),
        "no [owidget] console error for the throwing function: {errors}"
    );
    assert_eq!(callbacks(&operator).await.len(), 1, "nothing new was sent");
    submit(&browser).await;
    let shown = SENT.replace("{phone}", "+420 777 666 555");
    wait_text(&browser, "the form works after the throw", &shown).await;
    let list = wait_callbacks(&operator, 2).await;
    assert_eq!(list[0]["phone"], "+420 777 666 555");
    assert_eq!(list[0]["name"], "Eva");

    // A result that is neither a string nor null is invalid too.
    browser.goto(&format!("{}/demo/", server.url)).await;
    wait_busy(&browser).await;
    browser
        .js(
            "demoOwidget.setCustomNumberNormalization(() => 420777666555); return true;",
            vec![],
        )
        .await;
    open_callback_form(&browser).await;
    fill(&browser, "Ota", "777 666 555").await;
    submit(&browser).await;
    wait_text(
        &browser,
        "a number result → the invalid-phone message",
        INVALID,
    )
    .await;
    assert_eq!(callbacks(&operator).await.len(), 2, "nothing new was sent");
    browser.close().await;
}

/// Busy: the demo operator (capacity 2) online with two accepted chats of
/// visitors on raw widget sockets. The sockets must stay open.
async fn make_busy(server: &TestServer, operator: &Operator) -> Vec<Visitor> {
    operator.set_availability("online").await;
    let mut visitors = Vec::new();
    for name in ["Ann", "Bob"] {
        let mut v = Visitor::connect(server).await;
        let id = v.start_chat(name, "Hello", json!({})).await;
        operator
            .call(
                reqwest::Method::POST,
                &format!("/api/operator/chats/{id}/accept"),
                None,
            )
            .await;
        v.expect("sessionStarted", |f| f["type"] == "sessionStarted")
            .await;
        visitors.push(v);
    }
    visitors[1].status(2).await;
    visitors
}

/// Opens the demo page and waits for the busy status.
async fn open_busy_page(browser: &Browser, server: &TestServer) {
    browser.goto(&format!("{}/demo/", server.url)).await;
    wait_busy(browser).await;
}

async fn wait_busy(browser: &Browser) {
    browser
        .wait_js(
            "status 2 (busy) on the demo page",
            "document.getElementById('status').dataset.code === '2' && !!window.demoOwidget",
        )
        .await;
}

/// Clicks the chat button and waits for the callback form.
async fn open_callback_form(browser: &Browser) {
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("click the chat button");
    browser
        .wait_js(
            &format!(
                "the callback form `{FORM}` in the widget's shadow root while busy \
                 (is the SDK's callback form built, with these selectors?)"
            ),
            &format!("(() => {{ const f = {ROOT}.querySelector('{FORM}'); return !!f && !f.hidden && f.offsetParent !== null; }})()"),
        )
        .await;
}

/// Types the name and number into the form (real key events).
async fn fill(browser: &Browser, name: &str, phone: &str) {
    for (css, text) in [(NAME, name), (PHONE, phone)] {
        let field = browser.shadow_find("owidget-root", css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }
}

async fn submit(browser: &Browser) {
    browser
        .shadow_find("owidget-root", SUBMIT)
        .await
        .click()
        .await
        .expect("click the callback form's submit button");
}

/// Waits until the widget shows `text` (`innerText` leaves out hidden
/// elements, so a hidden message does not count).
async fn wait_text(browser: &Browser, what: &str, text: &str) {
    let expr = format!(
        "Array.from({ROOT}.children).some((e) => (e.innerText || '').includes({}))",
        serde_json::to_string(text).expect("text as JSON")
    );
    browser.wait_js(what, &expr).await;
}

/// All callback requests of the demo company (open and done).
async fn callbacks(operator: &Operator) -> Vec<Value> {
    let list = operator
        .call(
            reqwest::Method::GET,
            "/api/operator/callbacks?status=all",
            None,
        )
        .await;
    list.as_array().expect("callbacks as an array").clone()
}

/// The callback list once it has `n` entries (it is stored before the
/// widget's confirmation, so this normally holds at once).
async fn wait_callbacks(operator: &Operator, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + owidget_e2e::WAIT;
    loop {
        let list = callbacks(operator).await;
        if list.len() >= n {
            assert_eq!(list.len(), n, "more callbacks than sent: {list:?}");
            return list;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} callback requests not listed within the wait: {list:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
