//! Repeat views (issue 11): the loader names the glue and wasm of the core
//! and the chat module by content-hashed, `immutable` URLs, so that a
//! second view of the demo page takes every one of them from the browser
//! cache: resource timing shows `transferSize === 0` (a revalidation,
//! `304`, would count its headers).

use owidget_e2e::{demo, Browser, TestServer};
use serde_json::Value;

/// `[name, transferSize]` of every `/widget/pkg/` resource of the page,
/// once the chat module (loaded when the page is idle) is among them.
async fn pkg_fetches(browser: &Browser) -> Vec<(String, u64)> {
    browser
        .wait_js(
            "the idle-loaded chat module",
            "performance.getEntriesByType('resource').some(e => e.name.includes('/owidget_chat_bg.'))",
        )
        .await;
    let v = browser
        .js(
            "return performance.getEntriesByType('resource')
               .filter(e => e.name.includes('/widget/pkg/'))
               .map(e => [e.name, e.transferSize]);",
            vec![],
        )
        .await;
    v.as_array()
        .expect("an array")
        .iter()
        .map(|e| match e {
            Value::Array(p) => (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_u64().unwrap_or(u64::MAX),
            ),
            other => panic!("entry {other}"),
        })
        .collect()
}

/// `…/pkg/owidget_bg.0123456789abcdef.wasm` has a 16-digit hash.
fn hashed(url: &str) -> bool {
    let file = url.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() == 3 && parts[1].len() == 16 && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_view_of_the_demo_page_fetches_no_glue_or_wasm() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    let page = format!("{}/demo/", server.url);

    browser.goto(&page).await;
    demo::wait_status(&browser, 0).await;
    let first = pkg_fetches(&browser).await;
    for stem in [
        "owidget.",
        "owidget_bg.",
        "owidget_chat.",
        "owidget_chat_bg.",
    ] {
        assert!(
            first
                .iter()
                .any(|(u, _)| u.contains(&format!("/pkg/{stem}"))),
            "{stem} loaded on the first view: {first:?}"
        );
    }
    for (url, size) in &first {
        assert!(hashed(url), "loaded by content-hashed name: {url}");
        assert!(*size > 0, "the first view downloads {url}");
    }

    browser.goto(&page).await;
    demo::wait_status(&browser, 0).await;
    let second = pkg_fetches(&browser).await;
    let urls = |v: &[(String, u64)]| {
        let mut u: Vec<String> = v.iter().map(|(u, _)| u.clone()).collect();
        u.sort();
        u.dedup();
        u
    };
    assert_eq!(urls(&second), urls(&first), "the same files");
    for (url, size) in &second {
        assert_eq!(*size, 0, "{url} comes from the cache, not the network");
    }
    browser.close().await;
}
