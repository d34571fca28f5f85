//! Plain HTTP: health, widget config, static assets, error bodies.

use crate::common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn healthz() {
    let s = Server::start().await;
    let r = s.http.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "UP");
    s.stop().await;
}

#[tokio::test]
async fn widget_config_default_and_named_preset() {
    let s = Server::start().await;
    let r = s
        .http
        .get(s.url(&format!(
            "/api/widget/config?company={}",
            DEMO.to_uppercase()
        )))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["company"], DEMO);
    assert_eq!(v["preset"], "default");
    assert_eq!(v["groups"][0], "support");
    assert_eq!(v["texts"]["cs"]["buttonOnline"], "Napište nám");
    assert_eq!(v["texts"]["cs"]["send"], "Send");
    // The composer's limit is the server's (message_max_chars = 200 here).
    assert_eq!(v["limits"]["messageMaxChars"], 200);

    let r = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}&preset=sales")))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    // Issue 14 item 5: a page outside allowed_origins gets a 403 it can
    // read (not a CORS failure that looks like an outage).
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let m = r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert_eq!(
        m,
        format!(
            "origin https://evil.example is not allowed for company {DEMO}: \
             add it to the company's allowed_origins"
        )
    );
    // Without an Origin (curl, a server) it is served as before.
    let r = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}&preset=sales")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.json::<Value>().await.unwrap()["groups"][0], "sales");
    s.stop().await;
}

/// `part=frame` (issue 11, first paint): the SDK core's answer holds the
/// frame texts of the language chosen for the visitor's wishes (`lang=`)
/// and what the button needs, nothing of the chat window (its module
/// fetches the whole configuration itself).
#[tokio::test]
async fn widget_config_frame_part() {
    let s = Server::start().await;
    let get = |part: &str| {
        s.http
            .get(s.url(&format!("/api/widget/config?company={DEMO}{part}")))
            .header("origin", ORIGIN)
            .send()
    };
    let full: Value = get("").await.unwrap().json().await.unwrap();
    let r = get("&part=frame").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let frame: Value = r.json().await.unwrap();
    let keys: Vec<&str> = frame
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "colors",
            "heartbeatSecs",
            "language",
            "position",
            "preset",
            "texts"
        ]
    );
    for key in keys.iter().filter(|k| !matches!(**k, "texts" | "language")) {
        assert_eq!(frame[key], full[key], "{key}");
    }
    // No wishes: the default language.
    assert_eq!(frame["language"], full["defaultLanguage"]);
    // The first wish the preset has, matched loosely; the rest not sent.
    for (lang, want) in [("de,CS_cz,en", "cs"), ("fr", "en"), ("en-GB,cs", "en")] {
        let frame: Value = get(&format!("&part=frame&lang={lang}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(frame["language"], want, "{lang}");
        let texts = &full["texts"][want];
        let got = frame["texts"].as_object().unwrap();
        assert_eq!(got.len(), owidget_protocol::config::FRAME_TEXTS.len());
        for key in owidget_protocol::config::FRAME_TEXTS {
            assert_eq!(got[key], texts[key], "{lang} {key}");
        }
        if want == "cs" {
            assert_eq!(frame["texts"]["buttonOnline"], "Napište nám");
        }
    }
    let (st, m) = error_of(&s, &format!("/api/widget/config?company={DEMO}&part=all")).await;
    assert_eq!(st, 400);
    assert!(m.contains("unknown part \"all\""), "{m}");
    s.stop().await;
}

async fn error_of(s: &Server, path: &str) -> (u16, String) {
    let r = s.http.get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("errors are JSON");
    (status, v["message"].as_str().expect("message").to_string())
}

#[tokio::test]
async fn widget_config_bad_requests() {
    let s = Server::start().await;
    let (st, m) = error_of(&s, "/api/widget/config?company=not-a-guid").await;
    assert_eq!((st, m.as_str()), (400, "company must be a GUID"));
    let (st, _) = error_of(&s, "/api/widget/config").await;
    assert_eq!(st, 400);
    let (st, m) = error_of(
        &s,
        "/api/widget/config?company=00000000-0000-0000-0000-000000000000",
    )
    .await;
    assert_eq!((st, m.as_str()), (404, "unknown company"));
    let (st, m) = error_of(
        &s,
        &format!("/api/widget/config?company={DEMO}&preset=nope"),
    )
    .await;
    assert_eq!(st, 404);
    assert!(m.contains("nope"));
    // A widget on any page can read why its configuration failed.
    let r = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}&preset=nope")))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let (st, _) = error_of(&s, "/api/nothing-here").await;
    assert_eq!(st, 404);
    s.stop().await;
}

#[tokio::test]
async fn static_assets_types_cache_and_compression() {
    let s = Server::start().await;
    let r = s
        .http
        .get(s.url("/widget/owidget.js"))
        .header("origin", "https://any-site.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/javascript");
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");

    let r = s
        .http
        .get(s.url("/widget/pkg/owidget_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let modified = r.headers()["last-modified"].clone();
    let r = s
        .http
        .get(s.url("/widget/pkg/owidget_bg.wasm"))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304, "unchanged package files revalidate");

    for enc in ["gzip", "br"] {
        let r = s
            .http
            .get(s.url("/widget/pkg/owidget.js"))
            .header("accept-encoding", enc)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], enc);
        assert_eq!(r.headers()["content-type"], "text/javascript");
    }

    let r = s
        .http
        .get(s.url("/widget/pkg/missing.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect.get(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], "/demo/");
    let r = s.http.get(s.url("/demo/")).send().await.unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(body.contains("demo fixture"), "{status} {body}");
    assert!(
        body.contains(&format!("{}/widget/owidget.js", s.base)),
        "the snippet points at this server: {body}"
    );
    let r = s.http.get(s.url("/demo/style.css")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/css");
    let r = s
        .http
        .get(s.url("/demo/%2e%2e/owidget.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s.http.get(s.url("/desk/")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("desk fixture"));
    // Without the slash the desk's relative URLs would not resolve.
    for (path, to) in [("/desk", "/desk/"), ("/demo", "/demo/")] {
        let r = no_redirect.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 308, "{path}");
        assert_eq!(r.headers()["location"], to);
    }
    s.stop().await;
}
