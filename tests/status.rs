//! Browser tests of live status and the button, against a real
//! owidget-server (`OWIDGET_TEST_SERVER`) and its demo operator.
//!
//! The tests of this file share the demo operator; each one first puts the
//! operator in a known state and waits for the status it caused.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn last(codes: &std::cell::RefCell<Vec<u8>>) -> Option<u8> {
    codes.borrow().last().copied()
}

#[wasm_bindgen_test]
async fn status_follows_the_operator() {
    let token = operator_login().await;
    set_availability(&token, "offline").await;
    let w = widget();
    call_ok(&w, "init", &[DEMO.into()]);
    let (f, codes) = status_recorder();
    call_ok(&w, "setStatusUpdateCallback", &[f]);
    assert!(codes.borrow().is_empty(), "no status before connecting");
    call_ok(&w, "connectToServer", &[]);
    call_ok(&w, "connectToServer", &[]); // idempotent: still one socket
    wait_for("status 0", || last(&codes) == Some(0)).await;

    set_availability(&token, "online").await;
    wait_for("status 1", || last(&codes) == Some(1)).await;
    assert_eq!(prop(&w, "status").as_f64(), Some(1.0));

    set_availability(&token, "away").await;
    wait_for("status 0 again", || codes.borrow().len() == 3).await;
    assert_eq!(*codes.borrow(), vec![0, 1, 0], "each change exactly once");

    // A callback set when the status is known is called once, at once.
    let (g, later) = status_recorder();
    call_ok(&w, "setStatusUpdateCallback", &[g]);
    assert_eq!(*later.borrow(), vec![0]);
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn a_throwing_callback_does_not_break_later_callbacks() {
    let token = operator_login().await;
    set_availability(&token, "offline").await;
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &[DEMO.into()]);
    let (record, codes) = status_recorder();
    let record: js_sys::Function = record.into();
    let throwing = Closure::<dyn FnMut(JsValue) -> Result<(), JsValue>>::new(move |code| {
        record.call1(&JsValue::NULL, &code)?;
        Err(js_sys::Error::new("page bug").into())
    });
    call_ok(&w, "setStatusUpdateCallback", &[throwing.as_ref().clone()]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 0", || last(&codes) == Some(0)).await;
    set_availability(&token, "online").await;
    wait_for("status 1 despite the throw", || last(&codes) == Some(1)).await;
    let reported = console.matching("[owidget] the status update callback threw:");
    assert_eq!(reported.len(), 2, "{:?}", console.lines());
    assert!(reported[0].contains("page bug"), "{reported:?}");
    set_availability(&token, "offline").await;
    wait_for("status 0 after", || codes.borrow().len() == 3).await;
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn button_toggles_the_window_with_app_events() {
    let token = operator_login().await;
    set_availability(&token, "offline").await;
    let w = widget();
    call_ok(&w, "init", &[DEMO.into(), JsValue::NULL, "en".into()]);
    let (f, events) = event_recorder();
    call_ok(&w, "setAppEventCallback", &[f]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 0", || prop(&w, "status").as_f64() == Some(0.0)).await;
    let roots = widget_roots();
    assert_eq!(roots.len(), 1);
    let root = &roots[0];
    let button = find(root, "[part=button]");
    assert_eq!(button.text_content().unwrap(), "We are offline");
    assert_eq!(
        button.get_attribute("aria-label").unwrap(),
        "We are offline"
    );
    assert!(!button.hidden());
    let window = find(root, "[part=window]");
    assert!(window.hidden());

    button.click();
    assert!(!window.hidden());
    assert_eq!(button.get_attribute("aria-expanded").unwrap(), "true");
    find(root, "[part=close]").click();
    assert!(window.hidden());
    button.click();
    button.click();
    assert_eq!(
        *events.borrow(),
        vec![
            "chatWindowOpen",
            "chatWindowClosed",
            "chatWindowOpen",
            "chatWindowClosed"
        ]
    );

    set_availability(&token, "online").await;
    wait_for("the online label", || {
        button.text_content().as_deref() == Some("Chat with us")
    })
    .await;
    set_availability(&token, "offline").await;
    wait_for("status 0", || prop(&w, "status").as_f64() == Some(0.0)).await;
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn two_widgets_get_two_visible_buttons() {
    let a = widget();
    let b = widget();
    for w in [&a, &b] {
        call_ok(w, "init", &[DEMO.into()]);
        call_ok(w, "connectToServer", &[]);
    }
    wait_for("two buttons", || {
        widget_roots().len() == 2
            && widget_roots()
                .iter()
                .all(|r| !find(r, "[part=button]").hidden())
    })
    .await;
    let tops: Vec<f64> = widget_roots()
        .iter()
        .map(|r| find(r, "[part=button]").get_bounding_client_rect().top())
        .collect();
    assert!(
        (tops[0] - tops[1]).abs() >= 40.0,
        "stacked, not overlapping: {tops:?}"
    );
    call_ok(&a, "destroy", &[]);
    call_ok(&b, "destroy", &[]);
}

// Issue 14 item 11: each corner stacks on its own, and a stack closes up
// after destroy().
#[wasm_bindgen_test]
async fn buttons_stack_per_corner_and_close_up_after_destroy() {
    let before = widget_roots().len();
    let mut made = Vec::new();
    // Right (default preset), left (sales), right again; one by one, so
    // that the roots are in this order.
    for preset in ["default", "sales", "default"] {
        let w = widget();
        call_ok(&w, "init", &[DEMO.into(), preset.into()]);
        call_ok(&w, "connectToServer", &[]);
        let n = before + made.len() + 1;
        wait_for("the button", || {
            widget_roots().len() == n && !find(&widget_roots()[n - 1], "[part=button]").hidden()
        })
        .await;
        made.push(w);
    }
    let bottom = |i: usize| {
        find(&widget_roots()[before + i], "[part=button]")
            .get_bounding_client_rect()
            .bottom()
    };
    let (right, left, right2) = (bottom(0), bottom(1), bottom(2));
    assert!(
        (right - left).abs() < 1.0,
        "the left one is not lifted: {right} {left}"
    );
    assert!(
        (right - right2 - 60.0).abs() < 1.0,
        "the second right one sits 60 px higher: {right} {right2}"
    );
    call_ok(&made[0], "destroy", &[]);
    // The roots are now: left, right2.
    let (left_now, right2_now) = (bottom(0), bottom(1));
    assert!((left_now - left).abs() < 1.0, "the left one stays");
    assert!(
        (right2_now - right).abs() < 1.0,
        "the second right one moved down: {right2_now} (lowest is {right})"
    );
    for w in &made[1..] {
        call_ok(w, "destroy", &[]);
    }
}

/// Ends the demo operator's active chats left over by an earlier run, so
/// that their capacity is free.
async fn end_active_chats(token: &str) {
    let chats = operator(token, "GET", "/chats", "").await;
    for chat in js_sys::Array::from(&chats).iter() {
        let id = string_at(&chat, "id").unwrap();
        operator(token, "POST", &format!("/chats/{id}/end"), "").await;
    }
}

#[wasm_bindgen_test]
async fn status_goes_busy_at_capacity_and_back() {
    let token = operator_login().await;
    set_availability(&token, "online").await;
    end_active_chats(&token).await;
    let observer = widget();
    call_ok(&observer, "init", &[DEMO.into()]);
    let (f, codes) = status_recorder();
    call_ok(&observer, "setStatusUpdateCallback", &[f]);
    call_ok(&observer, "connectToServer", &[]);
    wait_for("status 1", || last(&codes) == Some(1)).await;

    // The demo operator's capacity is 2: two accepted chats make it busy.
    let mut visitors = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let scope = unique("busy");
        let v = widget();
        call_ok(
            &v,
            "init",
            &[
                DEMO.into(),
                JsValue::NULL,
                "en".into(),
                scope.as_str().into(),
            ],
        );
        call_ok(&v, "openChat", &[JsValue::TRUE]);
        call_ok(&v, "connectToServer", &[]);
        let id = waiting_chat(&token, &scope).await;
        operator(&token, "POST", &format!("/chats/{id}/accept"), "").await;
        visitors.push(v);
        ids.push(id);
    }
    wait_for("status 2", || last(&codes) == Some(2)).await;
    // The visitors with a chat see their chat on the button, not the
    // queue's "busy" (issue 14 item 14); the observer sees "busy".
    let roots = widget_roots();
    let [watching, first, second] = &roots[roots.len() - 3..] else {
        panic!("three widgets");
    };
    let label = |r: &web_sys::ShadowRoot| text_of(r, "[part=button]");
    wait_for("the visitors' buttons on their chats", || {
        label(first) == "Your chat" && label(second) == "Your chat"
    })
    .await;
    assert_eq!(label(watching), "All operators are busy");
    operator(&token, "POST", &format!("/chats/{}/end", ids[0]), "").await;
    wait_for("status 1 again", || last(&codes) == Some(1)).await;
    // Its chat over, the first visitor's button shows the status again.
    wait_for("the first visitor's button on the status", || {
        label(first) == "Chat with us"
    })
    .await;
    assert_eq!(label(second), "Your chat");
    operator(&token, "POST", &format!("/chats/{}/end", ids[1]), "").await;
    set_availability(&token, "offline").await;
    wait_for("status 0", || last(&codes) == Some(0)).await;
    assert_eq!(
        *codes.borrow(),
        vec![1, 2, 1, 0],
        "1 → 2 → 1 → 0 as seen by a page"
    );
    for v in visitors.iter().chain([&observer]) {
        call_ok(v, "destroy", &[]);
    }
}
