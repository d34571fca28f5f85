//! Refused messages are never lost (issue 14 item 3): a message the server
//! refuses (over the rate limit) goes back to the message box with the
//! preset's `send_failed` in the page's language, not the server's English;
//! the message box enforces the server's published length limit, with the
//! preset's `too_long`. Against a real owidget-server (`OWIDGET_TEST_SERVER`).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Czech texts of the demo preset (server/src/demo.rs).
const SEND_FAILED_CS: &str = "Zprávu se nepodařilo odeslat.";
const TOO_LONG_CS: &str = "Zpráva je příliš dlouhá: nejvýše 2000 znaků.";

fn message_box(root: &web_sys::ShadowRoot) -> web_sys::HtmlTextAreaElement {
    find(root, "[part=composer] textarea").unchecked_into()
}

/// `[text, mark]` of the visitor's rows.
fn visitor_rows(root: &web_sys::ShadowRoot) -> Vec<(String, String)> {
    let rows = root.query_selector_all(".log .m.v").unwrap();
    (0..rows.length())
        .filter_map(|i| rows.item(i)?.dyn_into::<web_sys::Element>().ok())
        .map(|li| {
            let part = |css: &str| {
                li.query_selector(css)
                    .unwrap()
                    .and_then(|e| e.text_content())
                    .unwrap_or_default()
            };
            (part(".txt"), part(".mark"))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn refused_messages_stay_in_the_box_with_the_presets_texts() {
    let token = operator_login().await;
    end_active_chats(&token).await;
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"online"}"#,
    )
    .await;
    let scope = unique("refused");
    let w = widget();
    call_ok(
        &w,
        "init",
        &[
            DEMO.into(),
            JsValue::NULL,
            "cs".into(),
            scope.as_str().into(),
        ],
    );
    call_ok(&w, "connectToServer", &[]);
    wait_for("the status", || prop(&w, "status").as_f64() == Some(1.0)).await;
    let root = widget_roots().pop().expect("widget DOM");
    chat_ready(&root).await;
    find(&root, "[part=button]").click();

    // The box takes what the server stores (published in the config).
    let input = message_box(&root);
    assert_eq!(input.get_attribute("maxlength").as_deref(), Some("2000"));
    type_and_send(&root, "Dobrý den");
    wait_for("the first message stored", || {
        visitor_rows(&root)
            .first()
            .is_some_and(|(_, mark)| !mark.is_empty() && mark != "…")
    })
    .await;

    // Longer than the limit (pasted, or set by script): not sent, kept.
    let long = "x".repeat(2001);
    type_and_send(&root, &long);
    assert_eq!(text_of(&root, ".info"), TOO_LONG_CS);
    assert_eq!(input.value(), long, "the text stays in the box");
    assert_eq!(visitor_rows(&root).len(), 1);

    // Over the server's rate limit (20 per 10 s, the first message
    // included): the refused ones come back to the box, in order.
    let sent: Vec<String> = (0..22).map(|i| format!("zpráva {i}")).collect();
    for text in &sent {
        type_and_send(&root, text);
    }
    wait_for("every message stored or refused", || {
        let rows = visitor_rows(&root);
        rows.len() < 1 + sent.len() && rows.iter().all(|(_, mark)| mark != "…")
    })
    .await;
    let rows = visitor_rows(&root);
    let stored = rows.len() - 1;
    assert_eq!(stored, 19, "rows: {rows:?}");
    let refused: Vec<&str> = sent[stored..].iter().map(String::as_str).collect();
    assert_eq!(input.value(), refused.join("\n"));
    assert_eq!(text_of(&root, ".info"), SEND_FAILED_CS);

    // The window shows what the server stored, nothing more.
    let id = waiting_chat(&token, &scope).await;
    let texts = stored_texts(&token, &id).await;
    let shown: Vec<String> = rows.into_iter().map(|(t, _)| t).collect();
    assert_eq!(texts, shown);

    operator(&token, "POST", &format!("/chats/{id}/end"), "").await;
    call_ok(&w, "destroy", &[]);
    operator(
        &token,
        "PUT",
        "/availability",
        r#"{"availability":"offline"}"#,
    )
    .await;
}
