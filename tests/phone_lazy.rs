//! The phone module (~0.5 MB gzip) is fetched only when a phone number is
//! first needed: not for the first paint, the status or the chat window,
//! but when the callback form opens (warmed before the visitor submits).
//! Its own test binary, so that no other test's fetch is in this page's
//! resource list. Runs against a real owidget-server (`OWIDGET_TEST_SERVER`).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_phone_module_is_fetched_when_the_callback_form_opens() {
    let token = operator_login().await;
    let busy = Busy::start(&token).await;
    let w = widget();
    call_ok(
        &w,
        "init",
        &[
            DEMO.into(),
            JsValue::NULL,
            "en".into(),
            unique("lazy").into(),
        ],
    );
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 2", || prop(&w, "status").as_f64() == Some(2.0)).await;
    let root = widget_roots().pop().unwrap();
    chat_ready(&root).await;
    assert!(
        fetched("owidget_chat_bg.wasm") >= 1,
        "the chat window is warm"
    );
    assert_eq!(
        fetched("owidget_phone"),
        0,
        "three widgets with status and chat windows, no phone module yet"
    );

    find(&root, "[part=button]").click();
    assert!(!find(&root, "[part=callback]").hidden(), "offered at busy");
    wait_for("the phone module, warmed by the open form", || {
        fetched("owidget_phone_bg.wasm") == 1
    })
    .await;

    let name = unique("Lazy Visitor");
    send_callback(&root, &name, "777 666 555");
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "We will call you at +420 777 666 555."
    })
    .await;
    assert_eq!(callbacks_of(&token, &name).await, ["+420 777 666 555"]);
    assert_eq!(fetched("owidget_phone_bg.wasm"), 1, "fetched once");
    call_ok(&w, "destroy", &[]);
    busy.release(&token).await;
}
