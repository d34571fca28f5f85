//! A visitor waiting in the queue when the last operator leaves (issue 14
//! item 2) is told so: with the default preset they are offered the
//! offline message, their text kept, and leaving it ends the wait; with a
//! preset that keeps visitors waiting (the demo's `sales`) they read an
//! honest text instead of their place in a queue nobody serves.
//! Against a real owidget-server (`OWIDGET_TEST_SERVER`).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NOBODY_LEFT: &str =
    "No operator is available any more. Leave us a message and we will answer by e-mail.";
const STILL_WAITING: &str =
    "No operator is available right now. Please wait: you keep your place in the queue.";

/// A widget of `preset` with a waiting chat started by `text`.
async fn waiting(token: &str, preset: &str, text: &str) -> (JsValue, web_sys::ShadowRoot, String) {
    let scope = unique("stranded");
    let w = widget();
    call_ok(
        &w,
        "init",
        &[
            DEMO.into(),
            preset.into(),
            "en".into(),
            scope.as_str().into(),
        ],
    );
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 1", || prop(&w, "status").as_f64() == Some(1.0)).await;
    let root = widget_roots().pop().expect("widget DOM");
    chat_ready(&root).await;
    find(&root, "[part=button]").click();
    type_and_send(&root, text);
    let id = waiting_chat(token, &scope).await;
    wait_for("the queue position", || {
        text_of(&root, ".info").contains("Your place in the queue: ")
    })
    .await;
    (w, root, id)
}

fn in_queue(queue: &JsValue, id: &str) -> bool {
    js_sys::Array::from(queue)
        .iter()
        .any(|c| string_at(&c, "id").as_deref() == Some(id))
}

#[wasm_bindgen_test]
async fn the_last_operator_leaving_offers_the_offline_message_with_the_text_kept() {
    let token = operator_login().await;
    end_active_chats(&token).await;
    set_availability(&token, "online").await;
    let text = unique("Is anyone there?");
    let (w, root, id) = waiting(&token, "default", &text).await;

    set_availability(&token, "offline").await;
    wait_for("the visitor told", || {
        text_of(&root, ".info") == NOBODY_LEFT
    })
    .await;
    assert!(!find(&root, "[part=offline]").hidden(), "the offline form");
    assert!(!find(&root, "[part=tabs]").hidden(), "the chat a tab away");
    let field: web_sys::HtmlTextAreaElement =
        find(&root, "[part=offline] textarea").dyn_into().unwrap();
    assert_eq!(field.value(), text, "their text kept");
    let email: web_sys::HtmlInputElement = find(&root, "[part=offline] input").dyn_into().unwrap();
    email.set_value("visitor@example.com");
    find(&root, "[part=offline] button").click();
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "Thank you, we will get back to you."
    })
    .await;
    let stored = operator(&token, "GET", "/offline-messages", "").await;
    assert!(js_sys::Array::from(&stored)
        .iter()
        .any(|m| string_at(&m, "text").as_deref() == Some(text.as_str())));
    // The wait is over: nobody finds a ghost in the queue later.
    for _ in 0..250 {
        if !in_queue(&operator(&token, "GET", "/queue", "").await, &id) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(40).await;
    }
    assert!(!in_queue(&operator(&token, "GET", "/queue", "").await, &id));
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn a_preset_that_keeps_visitors_waiting_says_so() {
    let token = operator_login().await;
    end_active_chats(&token).await;
    set_availability(&token, "online").await;
    let (w, root, id) = waiting(&token, "sales", "Hello sales").await;
    set_availability(&token, "offline").await;
    wait_for("the honest text", || {
        text_of(&root, ".info") == STILL_WAITING
    })
    .await;
    assert!(
        !find(&root, "[part=composer]").hidden(),
        "still in the chat"
    );
    assert!(in_queue(&operator(&token, "GET", "/queue", "").await, &id));
    // Someone is back: the place in the queue again.
    set_availability(&token, "online").await;
    wait_for("the queue position", || {
        text_of(&root, ".info").contains("Your place in the queue: ")
    })
    .await;
    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    set_availability(&token, "offline").await;
    call_ok(&w, "destroy", &[]);
}
