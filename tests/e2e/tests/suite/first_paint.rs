//! The first paint's size budget (issue 11): the bytes a visitor downloads
//! until the first status, as this server sends them gzip-compressed:
//! the loader, the core's glue and wasm by the content-hashed names the
//! loader gives, and the configuration answer the core asks for
//! (`part=frame` with the language wishes, the URL `src/settings.rs`
//! builds for the demo page's `init(companyId)`: `<html lang="en">`, then
//! headless Chromium's `en-US`). The glue and wasm come precompressed
//! (`pkg/*.gz`, zopfli). A size is deterministic, so it is asserted;
//! timings are only printed (`owidget-bench onload`).

use owidget_e2e::{TestServer, DEMO_COMPANY};
use serde_json::Value;

/// Budget of the four answers' gzip bodies together: the figure reached
/// (32,722 B: loader 1,092 + glue 3,459 + core wasm 27,955 + config 216)
/// and 4 bytes, so that a change that adds to the first paint has to
/// raise it and say why. The goal of issue 11 is 32 KB (32,768 B), met;
/// before this test (whole configuration, loader with comments) the same
/// four answers were 43,801 B, then 40,043 B, then 37,093 B.
const BUDGET: u64 = 32_726;

/// `(body bytes on the wire, Content-Encoding)` of `GET url` asking for gzip.
async fn gzip_body(http: &reqwest::Client, url: &str, origin: &str) -> (u64, String) {
    let r = http
        .get(url)
        .header("accept-encoding", "gzip")
        .header("origin", origin)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    let encoding = r
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = r.bytes().await.expect("body");
    (body.len() as u64, encoding)
}

#[tokio::test]
async fn loader_glue_core_wasm_and_config_fit_the_budget() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let base = &server.url;
    // The hashed names the loader gives (an uncompressed read of it).
    let loader = http
        .get(format!("{base}/widget/owidget.js"))
        .send()
        .await
        .expect("loader")
        .text()
        .await
        .expect("loader text");
    let start = loader
        .find("{\"owidget")
        .expect("hashed names in the loader");
    let end = start + loader[start..].find('}').expect("end of the names") + 1;
    let names: Value = serde_json::from_str(&loader[start..end]).expect("names are JSON");
    let name = |n: &str| {
        names[n]
            .as_str()
            .unwrap_or_else(|| panic!("{n} in {names}"))
            .to_owned()
    };

    let parts = [
        ("loader", format!("{base}/widget/owidget.js")),
        ("glue", format!("{base}/widget/pkg/{}", name("owidget.js"))),
        (
            "core wasm",
            format!("{base}/widget/pkg/{}", name("owidget_bg.wasm")),
        ),
        (
            "config answer",
            format!("{base}/api/widget/config?company={DEMO_COMPANY}&part=frame&lang=en,en-US"),
        ),
    ];
    let mut total = 0;
    for (what, url) in &parts {
        let (len, encoding) = gzip_body(&http, url, base).await;
        assert_eq!(encoding, "gzip", "{what} ({url}) is sent compressed");
        eprintln!("first paint: {what:<14} {len:>6} B gzip");
        total += len;
    }
    eprintln!(
        "first paint: {:<14} {total:>6} B gzip (budget {BUDGET} B, goal 32768 B)",
        "total"
    );
    assert!(
        total <= BUDGET,
        "the first paint grew to {total} B gzip (budget {BUDGET} B): loader + glue + core wasm + config answer"
    );
}
