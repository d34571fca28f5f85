//! Browser tests of phone numbers against a real owidget-server
//! (`OWIDGET_TEST_SERVER`): `normalizeNumber` with the default and a
//! custom normalization and its misuse, and the callback form offered at
//! busy (2): invalid numbers refused with a message, valid ones reaching
//! the operator API, custom normalization replacing the default, a
//! throwing custom function not breaking the form. The server validates
//! again, so custom results are real numbers too.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn normalize(w: &JsValue, raw: JsValue) -> JsValue {
    call_ok(w, "normalizeNumber", &[raw])
}

/// A custom normalization always answering `answer`.
fn custom(answer: JsValue) -> JsValue {
    Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_| answer.clone()).into_js_value()
}

/// A custom normalization that throws.
fn throwing() -> JsValue {
    Closure::<dyn FnMut(JsValue) -> Result<JsValue, JsValue>>::new(|_| {
        Err(js_sys::Error::new("page bug").into())
    })
    .into_js_value()
}

#[wasm_bindgen_test]
async fn normalize_number_with_the_default_and_a_custom_function() {
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &[DEMO.into()]);
    // Before connectToServer() there is no default country yet: the
    // answer waits for the configuration (issue 14 item 13), with a hint.
    let before = normalize(&w, "777 666 555".into());
    assert_eq!(
        console
            .matching(
                "normalizeNumber() answers once connectToServer() has loaded the configuration"
            )
            .len(),
        1
    );
    call_ok(&w, "connectToServer", &[]);
    // Asked before the configuration arrived: answered once it is there.
    let early = normalize(&w, "777 666 555".into());
    assert_eq!(settled(early).await, "+420 777 666 555");
    assert_eq!(settled(before).await, "+420 777 666 555");
    for (raw, expected) in [
        ("+420 (777) 666-555", Some("+420 777 666 555")),
        ("00420 777.666.555", Some("+420 777 666 555")),
        // libphonenumber-js's INTERNATIONAL format: spaces, not the US format's dash.
        ("+1 (650) 253-0000", Some("+1 650 253 0000")),
        ("777 666 555 ext. 12", Some("+420 777 666 555 ext. 12")),
        ("12", None),
        ("not a number", None),
    ] {
        let got = settled(normalize(&w, raw.into())).await;
        assert_eq!(got.as_string().as_deref(), expected, "{raw}");
        assert!(
            expected.is_some() || got.is_null(),
            "{raw}: null when invalid"
        );
    }
    assert!(settled(normalize(&w, JsValue::from(42))).await.is_null());
    assert_eq!(
        console
            .matching("[owidget] normalizeNumber: phoneNumber must be a string")
            .len(),
        1
    );

    call_ok(
        &w,
        "setCustomNumberNormalization",
        &[custom("+1 650-253-0000".into())],
    );
    assert_eq!(
        settled(normalize(&w, "777 666 555".into())).await,
        "+1 650-253-0000",
        "the custom function replaces the default"
    );
    call_ok(&w, "setCustomNumberNormalization", &[custom(JsValue::NULL)]);
    assert!(settled(normalize(&w, "777 666 555".into())).await.is_null());
    call_ok(&w, "setCustomNumberNormalization", &[throwing()]);
    assert!(settled(normalize(&w, "777 666 555".into())).await.is_null());
    assert_eq!(
        console
            .matching("[owidget] the custom number normalization threw")
            .len(),
        1
    );
    call_ok(
        &w,
        "setCustomNumberNormalization",
        &[custom(JsValue::from(420))],
    );
    assert!(settled(normalize(&w, "777 666 555".into())).await.is_null());
    assert_eq!(console.matching("must return a string or null").len(), 1);
    call_ok(&w, "destroy", &[]);
    assert!(settled(normalize(&w, "777 666 555".into())).await.is_null());
    assert_eq!(console.matching("normalizeNumber() ignored").len(), 1);

    // A configuration the server refused will not come: null, said once.
    let bad = widget();
    call_ok(&bad, "init", &[DEMO.into(), "no-such-preset".into()]);
    call_ok(&bad, "connectToServer", &[]);
    let waiting = normalize(&bad, "777 666 555".into());
    assert!(settled(waiting).await.is_null());
    assert!(settled(normalize(&bad, "777 666 555".into()))
        .await
        .is_null());
    assert_eq!(console.matching("the widget has no configuration").len(), 1);
    call_ok(&bad, "destroy", &[]);
}

/// A widget at busy with its window open on the callback form.
async fn callback_form(scope: &str) -> (JsValue, web_sys::ShadowRoot) {
    let w = widget();
    call_ok(
        &w,
        "init",
        &[DEMO.into(), JsValue::NULL, "en".into(), scope.into()],
    );
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 2", || prop(&w, "status").as_f64() == Some(2.0)).await;
    let root = widget_roots().pop().unwrap();
    chat_ready(&root).await;
    find(&root, "[part=button]").click();
    assert!(!find(&root, "[part=callback]").hidden(), "callback form");
    assert!(
        !find(&root, "[part=tabs]").hidden(),
        "tabs: call back or chat"
    );
    (w, root)
}

#[wasm_bindgen_test]
async fn the_callback_form_refuses_invalid_numbers_and_sends_valid_ones() {
    let token = operator_login().await;
    let busy = Busy::start(&token).await;
    let (w, root) = callback_form(&unique("callback")).await;
    let name = unique("Jana Callback");

    send_callback(&root, "  ", "777 666 555");
    let name_field = find(&root, "[part=callback] input[type=text]");
    assert_eq!(
        name_field.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(root.active_element().as_ref(), Some(name_field.as_ref()));

    send_callback(&root, &name, "12");
    wait_for("the invalid number message", || {
        text_of(&root, ".info") == "Please enter a valid phone number."
    })
    .await;
    let phone_field = find(&root, "[part=callback] input[type=tel]");
    assert_eq!(
        phone_field.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(callbacks_of(&token, &name).await.is_empty(), "nothing sent");

    send_callback(&root, &name, "777 666 555");
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "We will call you at +420 777 666 555."
    })
    .await;
    assert!(phone_field.hidden(), "the form is done");
    assert_eq!(callbacks_of(&token, &name).await, ["+420 777 666 555"]);

    // The chat is still one tab away.
    find(&root, "[part=tabs] button:first-child").click();
    assert!(!find(&root, "[part=composer]").hidden());
    assert!(find(&root, "[part=callback]").hidden());
    call_ok(&w, "destroy", &[]);
    busy.release(&token).await;
}

#[wasm_bindgen_test]
async fn custom_normalization_replaces_the_default_in_the_form() {
    let token = operator_login().await;
    let busy = Busy::start(&token).await;
    let (w, root) = callback_form(&unique("custom")).await;
    let name = unique("Custom Callback");
    let console = Console::capture();

    call_ok(&w, "setCustomNumberNormalization", &[throwing()]);
    send_callback(&root, &name, "777 666 555");
    wait_for("the invalid number message", || {
        text_of(&root, ".info") == "Please enter a valid phone number."
    })
    .await;
    assert_eq!(
        console
            .matching("[owidget] the custom number normalization threw")
            .len(),
        1
    );
    assert!(callbacks_of(&token, &name).await.is_empty(), "nothing sent");

    // A function returning text that is no number: the server refuses it,
    // the visitor reads the preset's text, not the parser's (issue 14
    // item 10).
    call_ok(
        &w,
        "setCustomNumberNormalization",
        &[custom("not a number".into())],
    );
    send_callback(&root, &name, "777 666 555");
    wait_for("the preset's invalid number message", || {
        text_of(&root, ".info") == "Please enter a valid phone number."
            && find(&root, "[part=callback] input[type=tel]")
                .get_attribute("aria-invalid")
                .as_deref()
                == Some("true")
    })
    .await;
    assert!(
        callbacks_of(&token, &name).await.is_empty(),
        "nothing stored"
    );

    // The form still works; the page's function decides the number.
    call_ok(
        &w,
        "setCustomNumberNormalization",
        &[custom("+1 650-253-0000".into())],
    );
    send_callback(&root, &name, "777 666 555");
    // The confirmation shows the number as the server stored it (what will be
    // dialled): its check writes libphonenumber-js's format, spaces only.
    wait_for("the confirmation", || {
        text_of(&root, ".info") == "We will call you at +1 650 253 0000."
    })
    .await;
    assert_eq!(callbacks_of(&token, &name).await, ["+1 650 253 0000"]);
    call_ok(&w, "destroy", &[]);
    busy.release(&token).await;
}
