//! Browser tests of the chat window against a real owidget-server
//! (`OWIDGET_TEST_SERVER`) and its demo operator (capacity 2): the whole
//! visitor ↔ operator flow, restore by scope, the offline form and
//! `addCustomData`. Each test ends the chats it starts.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A connected widget with `scope`, its shadow root and event list.
async fn open_widget(
    scope: &str,
    status: f64,
) -> (
    JsValue,
    web_sys::ShadowRoot,
    std::rc::Rc<std::cell::RefCell<Vec<String>>>,
) {
    let w = widget();
    call_ok(
        &w,
        "init",
        &[DEMO.into(), JsValue::NULL, "en".into(), scope.into()],
    );
    let (f, events) = event_recorder();
    call_ok(&w, "setAppEventCallback", &[f]);
    let before = widget_roots().len();
    call_ok(&w, "connectToServer", &[]);
    wait_for("the status", || prop(&w, "status").as_f64() == Some(status)).await;
    let root = widget_roots().pop().expect("widget DOM");
    assert_eq!(widget_roots().len(), before + 1);
    // Warmed when the page is idle after the first status.
    chat_ready(&root).await;
    (w, root, events)
}

#[wasm_bindgen_test]
async fn visitor_and_operator_hold_a_conversation() {
    let token = operator_login().await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"online"}"#,
    )
    .await;
    let scope = unique("flow");
    let (w, root, events) = open_widget(&scope, 1.0).await;
    call_ok(
        &w,
        "addCustomData",
        &["oo1_guest_ident".into(), "Jana".into()],
    );

    find(&root, "[part=button]").click();
    type_and_send(&root, "Hello, I need help");
    wait_for("chatSessionCreated", || {
        events.borrow().iter().any(|e| e == "chatSessionCreated")
    })
    .await;
    wait_for("the queue position", || {
        text_of(&root, ".info").contains("Your place in the queue: ")
    })
    .await;
    // Too late for custom data now.
    let console = Console::capture();
    call_ok(&w, "addCustomData", &["x".into(), "y".into()]);
    assert_eq!(
        console
            .matching("must be called before the chat starts")
            .len(),
        1
    );
    drop(console);

    let id = waiting_chat(&token, &scope).await;
    let detail = operator(&token, "GET", &format!("/chats/{id}"), "").await;
    let custom = js_sys::Reflect::get(
        &js_sys::Reflect::get(&detail, &"chat".into()).unwrap(),
        &"customData".into(),
    )
    .unwrap();
    assert_eq!(
        string_at(&custom, "oo1_guest_ident").as_deref(),
        Some("Jana")
    );
    operator(&token, "POST", &format!("/chats/{id}/accept"), "").await;
    wait_for("chatSessionStarted", || {
        events.borrow().iter().any(|e| e == "chatSessionStarted")
    })
    .await;
    wait_for("the operator's name", || {
        text_of(&root, ".info") == "Demo Operator joined the chat"
    })
    .await;

    operator(
        &token,
        "POST",
        &format!("/chats/{id}/typing"),
        r#"{"typing":true}"#,
    )
    .await;
    wait_for("the typing indicator", || {
        text_of(&root, ".typing") == "Demo Operator is typing…"
    })
    .await;
    let evil = "<img src=x onerror=alert(1)> see https://example.com/a?b=1.";
    let body = format!(
        r#"{{"text":{}}}"#,
        js_sys::JSON::stringify(&evil.into()).unwrap()
    );
    operator(&token, "POST", &format!("/chats/{id}/messages"), &body).await;
    wait_for("the operator's message", || {
        root.query_selector_all(".m.o").unwrap().length() == 1
    })
    .await;
    assert_eq!(text_of(&root, ".m.o .txt"), evil, "shown as text");
    assert_eq!(text_of(&root, ".m.o .who"), "Demo Operator");
    assert!(
        root.query_selector("img").unwrap().is_none(),
        "no HTML injected"
    );
    let link = find(&root, ".m.o a");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "https://example.com/a?b=1"
    );
    assert_eq!(link.get_attribute("rel").unwrap(), "noopener noreferrer");
    assert_eq!(link.get_attribute("target").unwrap(), "_blank");
    assert_eq!(text_of(&root, ".typing"), "", "a message ends the typing");
    assert!(text_of(&root, ".m.o time").contains(':'), "timestamp");

    type_and_send(&root, "Thanks!");
    wait_for("both visitor messages delivered", || {
        let marks = root.query_selector_all(".m.v .mark").unwrap();
        marks.length() == 2
            && (0..2).all(|i| marks.item(i).unwrap().text_content().as_deref() == Some("Delivered"))
    })
    .await;
    let detail = operator(&token, "GET", &format!("/chats/{id}"), "").await;
    let messages = js_sys::Array::from(&js_sys::Reflect::get(&detail, &"messages".into()).unwrap());
    let last_seq = js_sys::Reflect::get(&messages.get(messages.length() - 1), &"seq".into())
        .unwrap()
        .as_f64()
        .unwrap();
    operator(
        &token,
        "POST",
        &format!("/chats/{id}/read"),
        &format!(r#"{{"seq":{last_seq}}}"#),
    )
    .await;
    wait_for("read marks", || {
        text_of(&root, ".m.v:last-child .mark") == "Read"
    })
    .await;
    let texts: Vec<String> = (0..messages.length())
        .filter_map(|i| string_at(&messages.get(i), "text"))
        .collect();
    assert_eq!(
        texts,
        ["Hello, I need help", evil, "Thanks!"],
        "stored once each"
    );

    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    wait_for("chatSessionEnded", || {
        events.borrow().iter().any(|e| e == "chatSessionEnded")
    })
    .await;
    assert!(!find(&root, "[part=ended]").hidden(), "ended view");
    assert!(find(&root, "[part=composer]").hidden());
    // The test server has no [smtp]: no transcript is promised (issue 14
    // item 9; server/tests/suite/mail.rs mails one).
    assert!(
        find(&root, "[part=ended] form").hidden(),
        "no transcript field without SMTP"
    );
    find(&root, "[part=close]").click();
    assert_eq!(
        *events.borrow(),
        [
            "chatWindowOpen",
            "chatSessionCreated",
            "chatSessionStarted",
            "chatSessionEnded",
            "chatWindowClosed"
        ]
    );
    call_ok(&w, "destroy", &[]);
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_reload_restores_the_chat_only_under_the_same_scope() {
    let token = operator_login().await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"online"}"#,
    )
    .await;
    let scope = unique("restore");
    let (w, root, _) = open_widget(&scope, 1.0).await;
    call_ok(&w, "openChat", &[]);
    type_and_send(&root, "Remember me");
    let id = waiting_chat(&token, &scope).await;
    // The chat is queued before the message typed while it started is
    // stored: wait for the acknowledgement before leaving the page.
    wait_stored(&token, &id, "Remember me").await;
    // Leaving the page: the DOM and socket go, the stored session stays.
    call_ok(&w, "destroy", &[]);

    let (other, other_root, _) = open_widget(&unique("other"), 1.0).await;
    call_ok(&other, "openChat", &[]);
    assert_eq!(other_root.query_selector_all(".m").unwrap().length(), 0);
    call_ok(&other, "destroy", &[]);

    let (again, again_root, events) = open_widget(&scope, 1.0).await;
    wait_for("the restored conversation", || {
        text_of(&again_root, ".m.v .txt") == "Remember me"
    })
    .await;
    assert!(
        !find(&again_root, "[part=window]").hidden(),
        "the window was open"
    );
    assert_eq!(*events.borrow(), ["chatWindowOpen"]);
    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    wait_for("the end", || {
        events.borrow().iter().any(|e| e == "chatSessionEnded")
    })
    .await;
    call_ok(&again, "destroy", &[]);

    // Ended chats are not restored.
    let (last, last_root, _) = open_widget(&scope, 1.0).await;
    call_ok(&last, "openChat", &[]);
    assert_eq!(last_root.query_selector_all(".m").unwrap().length(), 0);
    call_ok(&last, "destroy", &[]);
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
}

#[wasm_bindgen_test]
async fn offline_message_when_nobody_is_available() {
    let token = operator_login().await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
    let (w, root, _) = open_widget(&unique("offline"), 0.0).await;
    call_ok(
        &w,
        "addCustomData",
        &["oo1_guest_email".into(), "visitor@example.com".into()],
    );
    find(&root, "[part=button]").click();
    let form = find(&root, "[part=offline]");
    assert!(!form.hidden(), "offline form instead of a chat");
    assert!(find(&root, "[part=composer]").hidden());
    let email: web_sys::HtmlInputElement = find(&root, "[part=offline] input").dyn_into().unwrap();
    assert_eq!(
        email.value(),
        "visitor@example.com",
        "pre-filled from oo1_guest_email"
    );
    let text: web_sys::HtmlTextAreaElement =
        find(&root, "[part=offline] textarea").dyn_into().unwrap();
    let unique_text = unique("please call me");
    email.set_value("not an email");
    text.set_value(&unique_text);
    find(&root, "[part=offline] button").click();
    assert_eq!(
        text_of(&root, ".info"),
        "Please enter a valid e-mail address."
    );
    email.set_value("visitor@example.com");
    find(&root, "[part=offline] button").click();
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "Thank you, we will get back to you."
    })
    .await;
    let stored = operator(&token, "GET", "/offline-messages", "").await;
    let found = js_sys::Array::from(&stored)
        .iter()
        .any(|m| string_at(&m, "text").as_deref() == Some(unique_text.as_str()));
    assert!(found, "the desk sees the offline message");
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
fn add_custom_data_validates_its_arguments() {
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &[DEMO.into()]);
    call_ok(&w, "addCustomData", &["name".into(), JsValue::from(1)]);
    call_ok(&w, "addCustomData", &["".into(), "v".into()]);
    call_ok(
        &w,
        "addCustomData",
        &["oo1_guest_phone".into(), "+420 777 666 555".into()],
    );
    assert_eq!(
        console
            .matching("[owidget] addCustomData: name and value must be strings")
            .len(),
        1
    );
    assert_eq!(
        console
            .matching("[owidget] addCustomData: name must be 1-100 characters")
            .len(),
        1
    );
    assert_eq!(console.lines().len(), 2);
    call_ok(&w, "destroy", &[]);
    call_ok(&w, "openChat", &[JsValue::TRUE]);
    call_ok(&w, "closeChat", &[]);
    assert_eq!(
        console.matching("ignored: this widget was destroyed").len(),
        2
    );
}

#[wasm_bindgen_test]
async fn open_chat_with_enqueue_before_connecting_starts_a_chat() {
    let token = operator_login().await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"online"}"#,
    )
    .await;
    let scope = unique("enqueue");
    let w = widget();
    call_ok(
        &w,
        "init",
        &[
            DEMO.into(),
            JsValue::NULL,
            "en".into(),
            scope.as_str().into(),
        ],
    );
    let (f, events) = event_recorder();
    call_ok(&w, "setAppEventCallback", &[f]);
    call_ok(&w, "openChat", &[JsValue::TRUE]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("chatSessionCreated", || {
        events.borrow().iter().any(|e| e == "chatSessionCreated")
    })
    .await;
    assert_eq!(*events.borrow(), ["chatWindowOpen", "chatSessionCreated"]);
    let root = widget_roots().pop().unwrap();
    assert!(!find(&root, "[part=window]").hidden());
    chat_ready(&root).await;
    let id = waiting_chat(&token, &scope).await;
    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    wait_for("chatSessionEnded", || {
        events.borrow().iter().any(|e| e == "chatSessionEnded")
    })
    .await;
    call_ok(&w, "closeChat", &[]);
    assert!(find(&root, "[part=window]").hidden());
    call_ok(&w, "destroy", &[]);
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
}

fn key(target: &web_sys::Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
async fn keyboard_only_visitor() {
    let token = operator_login().await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"online"}"#,
    )
    .await;
    let scope = unique("keys");
    let (w, root, events) = open_widget(&scope, 1.0).await;
    let button = find(&root, "[part=button]");
    button.focus().unwrap();
    button.click(); // what Enter/Space on a focused <button> does
    let input = find(&root, "[part=composer] textarea");
    assert_eq!(
        root.active_element().as_ref(),
        Some(input.as_ref()),
        "focus in the message box"
    );
    assert_eq!(
        input.get_attribute("aria-label").unwrap(),
        "Write a message…"
    );
    input
        .clone()
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .unwrap()
        .set_value("Typed and sent with Enter");
    key(&input, "Enter");
    wait_for("chatSessionCreated", || {
        events.borrow().iter().any(|e| e == "chatSessionCreated")
    })
    .await;
    key(&input, "Escape");
    assert!(
        find(&root, "[part=window]").hidden(),
        "Escape closes the window"
    );
    assert_eq!(
        root.active_element().as_ref(),
        Some(button.as_ref()),
        "focus back on the button"
    );
    let id = waiting_chat(&token, &scope).await;
    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    wait_for("chatSessionEnded", || {
        events.borrow().iter().any(|e| e == "chatSessionEnded")
    })
    .await;
    call_ok(&w, "destroy", &[]);
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
}
