//! Operator login, tokens, availability, cross-company isolation.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn login_good_and_bad() {
    let s = Server::start().await;
    let r = s
        .http
        .post(s.url("/api/operator/login"))
        .json(&json!({"company": DEMO, "username": "demo", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(v["operator"]["name"], "Demo Operator");
    assert_eq!(v["operator"]["availability"], "offline");
    assert_eq!(v["operator"]["capacity"], 2);

    for (body, status) in [
        (
            json!({"company": DEMO, "username": "demo", "password": "wrong"}),
            401,
        ),
        (
            json!({"company": DEMO, "username": "nobody", "password": "demo"}),
            401,
        ),
        (
            json!({"company": OTHER, "username": "demo", "password": "demo"}),
            401,
        ),
        (
            json!({"company": "x", "username": "demo", "password": "demo"}),
            400,
        ),
        (json!({"company": DEMO, "username": "demo"}), 400),
    ] {
        let r = s
            .http
            .post(s.url("/api/operator/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
        let v: Value = r.json().await.expect("error body is JSON");
        assert!(v["message"].is_string(), "{v}");
    }
    let r = s
        .http
        .post(s.url("/api/operator/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn me_availability_logout() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    let (st, me) = s.call(Method::GET, "/api/operator/me", &token, None).await;
    assert_eq!(st, 200);
    assert_eq!(me["username"], "demo");
    assert_eq!(me["company"], DEMO);

    let (st, v) = s
        .call(
            Method::PUT,
            "/api/operator/availability",
            &token,
            Some(json!({"availability": "away"})),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(v["availability"], "away");
    let (st, v) = s
        .call(
            Method::PUT,
            "/api/operator/availability",
            &token,
            Some(json!({"availability": "lunch"})),
        )
        .await;
    assert_eq!(st, 400, "{v}");

    let (st, _) = s
        .call(Method::POST, "/api/operator/logout", &token, None)
        .await;
    assert_eq!(st, 200);
    let (st, v) = s.call(Method::GET, "/api/operator/me", &token, None).await;
    assert_eq!(st, 401, "token is dead after logout: {v}");
    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/me",
            "0".repeat(64).as_str(),
            None,
        )
        .await;
    assert_eq!(st, 401);
    let r = s.http.get(s.url("/api/operator/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn cors_for_any_origin_without_credentials() {
    let s = Server::start().await;
    let r = s
        .http
        .request(Method::OPTIONS, s.url("/api/operator/login"))
        .header("origin", "http://127.0.0.1:4444")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    s.stop().await;
}

#[tokio::test]
async fn token_of_one_company_cannot_touch_another() {
    let s = Server::start().await;
    let eva = s.login(OTHER, "eva").await;
    let demo = s.login(DEMO, "demo").await;
    s.set_availability(&demo, "online").await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 1).await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap();

    s.set_availability(&eva, "online").await;
    let (st, q) = s.call(Method::GET, "/api/operator/queue", &eva, None).await;
    assert_eq!(st, 200);
    assert_eq!(q, json!([]), "eva sees nothing of the demo company");
    let (st, _) = s.accept(&eva, id).await;
    assert_eq!(st, 404);
    let (st, _) = s.end(&eva, id).await;
    assert_eq!(st, 404);
    let (st, v) = s.accept(&demo, id).await;
    assert_eq!(st, 200, "{v}");
    s.stop().await;
}
