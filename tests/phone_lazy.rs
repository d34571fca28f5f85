//! No phone module (~0.5 MB gzip) is fetched at all: the callback form's
//! numbers are normalized by the server (`/api/widget/phone`, issue 11),
//! one small request per number, none before one is typed.
//! Its own test binary, so that no other test's fetch is in this page's
//! resource list. Runs against a real owidget-server (`OWIDGET_TEST_SERVER`).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_callback_form_normalizes_by_the_server_without_a_phone_module() {
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
    assert_eq!(fetched("/api/widget/phone?"), 0, "nothing asked yet");

    let name = unique("Lazy Visitor");
    send_callback(&root, &name, "777 666 555");
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "We will call you at +420 777 666 555."
    })
    .await;
    assert_eq!(callbacks_of(&token, &name).await, ["+420 777 666 555"]);
    assert_eq!(fetched("owidget_phone"), 0, "no phone module");
    assert_eq!(fetched("/api/widget/phone?"), 1, "one normalization");
    call_ok(&w, "destroy", &[]);
    busy.release(&token).await;
}
