//! The offline and callback forms at a phone's width (360 px) and a
//! desktop's (1280 px), checked by layout boxes, not pixels (issue 14
//! item 8): one-line fields are one line tall (they were 140–160 px, `flex:1`
//! in a column), the message field is about its four rows, and every field
//! lies inside the window, which lies inside the viewport.
//!
//! The page with two widgets (`www/demo/two-widgets.html`): its `sales`
//! widget offers both forms while nobody is online.

use owidget_e2e::{Browser, TestServer};
use serde_json::{json, Value};

/// JS: boxes of the visible form of the `sales` widget.
const BOXES: &str = r#"
const root = document.querySelector('owidget-root[data-preset=sales]').shadowRoot;
const form = root.querySelector(arguments[0]);
const box = (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height }; };
return {
  viewport: document.documentElement.clientWidth,
  win: box(root.querySelector('[part=window]')),
  form: box(form),
  fields: Array.from(form.querySelectorAll('.fld')).map((f) => ({ tag: f.tagName, ...box(f) })),
};
"#;

fn check(width: u32, part: &str, b: &Value) {
    let what = format!("{part} at {width} px: {b}");
    let n = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let (win, viewport) = (&b["win"], n(&b["viewport"]));
    assert!(
        n(&win["left"]) >= 0.0 && n(&win["right"]) <= viewport,
        "window outside the viewport: {what}"
    );
    let fields = b["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 2, "two fields: {what}");
    let heights: Vec<f64> = fields.iter().map(|f| n(&f["height"])).collect();
    eprintln!("{part} at {width} px: field heights {heights:?}, window {win}");
    for f in fields {
        let h = n(&f["height"]);
        let (lo, hi) = if f["tag"] == "TEXTAREA" {
            (60.0, 130.0)
        } else {
            (24.0, 48.0)
        };
        assert!((lo..=hi).contains(&h), "a {} {h} px tall: {what}", f["tag"]);
        assert!(
            n(&f["left"]) >= n(&win["left"]) && n(&f["right"]) <= n(&win["right"]),
            "a field outside the window: {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_fit_a_phone_and_a_desktop() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    for width in [360, 1280] {
        browser
            .client()
            .set_window_size(width, 800)
            .await
            .expect("window size");
        browser
            .goto(&format!("{}/demo/two-widgets.html", server.url))
            .await;
        browser
            .wait_js(
                "the sales widget at status 0",
                "document.getElementById('status-b').textContent === '0'",
            )
            .await;
        browser
            .shadow_find("owidget-root[data-preset=sales]", ".btn")
            .await
            .click()
            .await
            .expect("open the window");
        browser
            .shadow_find("owidget-root[data-preset=sales]", "[part=offline] textarea")
            .await;
        let b = browser.js(BOXES, vec![json!("[part=offline]")]).await;
        check(width, "offline form", &b);
        browser
            .js(
                // Tabs: chat, offline message, callback (Czech labels here).
                "document.querySelector('owidget-root[data-preset=sales]').shadowRoot \
                   .querySelector('[part=tabs] button:nth-child(3)').click();",
                vec![],
            )
            .await;
        browser
            .shadow_find(
                "owidget-root[data-preset=sales]",
                "[part=callback] input[type=tel]",
            )
            .await;
        let b = browser.js(BOXES, vec![json!("[part=callback]")]).await;
        check(width, "callback form", &b);
    }
}
