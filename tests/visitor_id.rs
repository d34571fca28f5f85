//! Browser test of the App Plugins visitor id (issue 7) against a real
//! owidget-server (`OWIDGET_TEST_SERVER`): the widget keeps the id the
//! server issues with `sessionCreated` in `localStorage` per company and
//! sends it with the next chat, so the server keeps it (a server that did
//! not get it back would issue a new one); a malformed stored value is not
//! sent and gets replaced.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The widget's storage key of the demo company's visitor id.
fn key() -> String {
    format!("owidget\u{1f}visitor\u{1f}{DEMO}")
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn stored() -> Option<String> {
    storage().get_item(&key()).unwrap()
}

fn is_visitor_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Starts a chat in a new widget with `scope`, waits for the server's
/// `sessionCreated`, ends the chat as the operator; the widget goes.
async fn one_chat(token: &str, scope: &str) {
    let w = widget();
    call_ok(
        &w,
        "init",
        &[
            DEMO.into(),
            wasm_bindgen::JsValue::NULL,
            "en".into(),
            scope.into(),
        ],
    );
    let (f, events) = event_recorder();
    call_ok(&w, "setAppEventCallback", &[f]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("the status", || prop(&w, "status").as_f64() == Some(1.0)).await;
    let root = widget_roots().pop().expect("widget DOM");
    chat_ready(&root).await;
    find(&root, "[part=button]").click();
    type_and_send(&root, "Hello");
    wait_for("chatSessionCreated", || {
        events.borrow().iter().any(|e| e == "chatSessionCreated")
    })
    .await;
    let id = waiting_chat(token, scope).await;
    operator(token, "POST", &format!("/chats/{id}/end"), "").await;
    wait_for("chatSessionEnded", || {
        events.borrow().iter().any(|e| e == "chatSessionEnded")
    })
    .await;
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn the_visitor_id_is_kept_per_company_and_sent_back() {
    let token = operator_login().await;
    set_availability(&token, "online").await;
    storage().remove_item(&key()).unwrap();

    one_chat(&token, &unique("vid")).await;
    let first = stored().expect("the visitor id is stored after sessionCreated");
    assert!(is_visitor_id(&first), "{first}");

    // Sent with the next chat (another widget, another scope): kept.
    one_chat(&token, &unique("vid")).await;
    assert_eq!(stored().as_deref(), Some(first.as_str()));

    // A malformed value is not sent: the server issues a new id.
    storage().set_item(&key(), "not-a-visitor-id").unwrap();
    one_chat(&token, &unique("vid")).await;
    let fresh = stored().expect("a new id");
    assert!(is_visitor_id(&fresh) && fresh != first, "{fresh}");

    set_availability(&token, "offline").await;
}
