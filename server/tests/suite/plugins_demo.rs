//! The demo connector, called over HTTP by a server like any connector,
//! and the health-check polling.

use crate::common;
use crate::connector;

use common::*;
use connector::*;
use owidget_server::{demo, demo_connector};
use reqwest::Method;
use serde_json::{json, Value};

async fn demo_server() -> (Server, String, String) {
    let secret = "demo-secret-for-the-tests".to_string();
    let running = demo_connector::start(secret.clone()).await.unwrap();
    let config = demo::with_connector(test_config(), &running.base, &secret);
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    (s, token, running.base)
}

async fn get(s: &Server, token: &str, path: &str) -> Value {
    let (st, v) = s.call(Method::GET, path, token, None).await;
    assert_eq!(st, 200, "{path}: {v}");
    v
}

#[tokio::test]
async fn the_demo_catalog_through_the_server() {
    let (s, token, base) = demo_server().await;
    let roots = get(&s, &token, "/api/operator/plugins/product-list/categories").await;
    let labels: Vec<&str> = roots["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Shoes", "Clothing", "Accessories"]);
    assert_eq!(
        roots["items"][0]["id"], "1",
        "integer ids arrive as strings"
    );
    let sub = get(
        &s,
        &token,
        "/api/operator/plugins/product-list/categories?idParent=1",
    )
    .await;
    assert_eq!(sub["items"].as_array().unwrap().len(), 2);
    assert_eq!(sub["items"][0]["idParent"], "1");
    let shoes = get(
        &s,
        &token,
        "/api/operator/plugins/product-list/products?idCategory=1&limit=100",
    )
    .await;
    assert_eq!(shoes["items"].as_array().unwrap().len(), 20);
    let first = get(
        &s,
        &token,
        "/api/operator/plugins/product-list/products?limit=50",
    )
    .await;
    let rest = get(
        &s,
        &token,
        "/api/operator/plugins/product-list/products?limit=50&offset=50",
    )
    .await;
    assert_eq!(
        first["items"].as_array().unwrap().len() + rest["items"].as_array().unwrap().len(),
        60
    );
    let found = get(
        &s,
        &token,
        "/api/operator/plugins/product-list/products?searchQuery=Glacier",
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 6);
    // Images and product pages are served locally.
    let image = found["items"][0]["imageUrl"].as_str().unwrap();
    assert!(image.starts_with(&base));
    let r = reqwest::get(image).await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().starts_with("<svg"));
    let page = reqwest::get(found["items"][0]["productUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let plugins = get(&s, &token, "/api/operator/plugins").await;
    assert_eq!(plugins["productList"], true);
    assert_eq!(plugins["customerAction"], true);
}

#[tokio::test]
async fn the_demo_customer_and_a_case_that_is_really_opened() {
    let (s, token, _) = demo_server().await;
    s.set_availability(&token, "online").await;
    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/",
                        "customData": {"oo1_guest_email": "visitor@example.com"}}),
    )
    .await;
    let id = next_of(&mut w, "sessionCreated").await["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    s.accept(&token, &id).await;
    let info = get(
        &s,
        &token,
        &format!("/api/operator/chats/{id}/customer-information"),
    )
    .await;
    let fields = info["fields"].as_array().unwrap();
    let field = |id: &str| fields.iter().find(|f| f["id"] == id).unwrap().clone();
    assert_eq!(field("open_case")["fieldType"], "ACTION");
    assert_eq!(field("cases")["value"], "none");
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/customer-information/action"),
            &token,
            Some(json!({"action": "OPEN_CASE"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v, json!({"success": true, "message": "Case #1001 opened"}));
    let info = get(
        &s,
        &token,
        &format!("/api/operator/chats/{id}/customer-information?locale=cs"),
    )
    .await;
    let cases = info["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "cases")
        .unwrap()
        .clone();
    assert_eq!(cases["label"], "Otevřené případy");
    let value = cases["value"].as_str().unwrap();
    assert!(
        value.contains("#1001") && value.contains(&as_uuid(&id)),
        "{value}"
    );

    let form = get(
        &s,
        &token,
        &format!("/api/operator/chats/{id}/closing-form"),
    )
    .await;
    let types: std::collections::BTreeSet<&str> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fieldType"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 6, "{types:?}");
    assert!(form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["idParent"] == "create_ticket"));
    let (st, v) = s
        .call(Method::PUT, &format!("/api/operator/chats/{id}/closing-form"), &token,
              Some(json!({"answers": {"reason": "order", "summary": "Where is my parcel", "create_ticket": "true"}})))
        .await;
    assert_eq!((st, v["field"].as_str()), (400, Some("ticket_priority")));
}

#[tokio::test]
async fn the_demo_connector_refuses_unsigned_and_badly_signed_requests() {
    let running = demo_connector::start("the-right-secret-0123".into())
        .await
        .unwrap();
    let url = format!("{}/categories?idWebsite=demo-1&limit=10", running.base);
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 401);
    let good = format!(
        "sha256={}",
        hmac_hex("the-right-secret-0123", b"idWebsite=demo-1&limit=10")
    );
    let http = reqwest::Client::new();
    let r = http
        .get(&url)
        .header("x-iadvize-signature", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an iAdvize-signed request is accepted");
    let other = format!(
        "sha256={}",
        hmac_hex("the-right-secret-0123", b"idWebsite=demo-1&limit=11")
    );
    let r = http
        .get(&url)
        .header("x-iadvize-signature", other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&url)
        .header("x-iadvize-signature", &good)
        .header("x-owidget-timestamp", "1")
        .header("x-owidget-signature", "v2=00")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a stale or bad v2 signature is refused");
    // A server holding the wrong secret gets the refusal as a clear error.
    let config = demo::with_connector(test_config(), &running.base, "not-the-right-secret");
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (502, Some("the catalog is unavailable: HTTP 401"))
    );
}

/// Polls `GET /api/operator/plugins` until `health` is `want` (bounded).
async fn wait_health(s: &Server, token: &str, want: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let v = get(s, token, "/api/operator/plugins").await;
        if v["health"] == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "health not {want} within the wait: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn health_is_polled_and_shown() {
    let c = TestConnector::start().await;
    c.reply("/health", Reply::Json(json!({"status": "UP"})));
    let extra = format!(
        "health_check_url = \"{}/health\"\nhealth_check_interval_secs = 1\ntimeout_ms = 500",
        c.base
    );
    let s = Server::start_with(config_with(&c, &extra), None).await;
    let token = s.login(DEMO, "demo").await;
    wait_health(&s, &token, "up").await;
    let seen = c.last("/health");
    assert_eq!(
        (seen.method.as_str(), seen.query.as_str()),
        ("GET", ""),
        "no parameters"
    );
    assert_signed(&seen);
    c.reply("/health", Reply::Json(json!({"status": "DOWN"})));
    wait_health(&s, &token, "down").await;
    c.reply("/health", Reply::Json(json!({"status": "UP"})));
    wait_health(&s, &token, "up").await;
    c.reply("/health", Reply::Status(500));
    wait_health(&s, &token, "down").await;
    let log = get(&s, &token, "/api/operator/connector-log").await;
    let health_log = |log: &Value| -> Vec<Value> {
        log["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["plugin"] == "health")
            .cloned()
            .collect()
    };
    let entries = health_log(&log);
    assert!(entries.iter().any(|c| c["ok"] == true));
    assert!(entries.iter().any(|c| c["error"] == "HTTP 500"));
    // Back up: that poll is logged; the healthy polls after it are not.
    c.reply("/health", Reply::Json(json!({"status": "UP"})));
    wait_health(&s, &token, "up").await;
    let polls = c.count("/health");
    let deadline = tokio::time::Instant::now() + WAIT;
    while c.count("/health") < polls + 2 {
        assert!(tokio::time::Instant::now() < deadline, "health polls go on");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let after = health_log(&get(&s, &token, "/api/operator/connector-log").await);
    assert_eq!(
        after.len(),
        entries.len() + 1,
        "only the change back to up is logged"
    );
}

/// The demo webhook receiver gets every event, signed (it refuses
/// unsigned ones), and shows them on its page as text.
#[tokio::test]
async fn the_demo_webhook_receiver_shows_the_events() {
    let (s, token, base) = demo_server().await;
    let (_w, id, _) = active_chat(&s, &token).await;
    let (st, _) = s.end(&token, &id).await;
    assert_eq!(st, 200);
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    let events = loop {
        let v: Value = http
            .get(format!("{base}/webhooks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let types: Vec<String> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["eventType"].as_str().unwrap().to_string())
            .collect();
        if [
            "user.availability.updated",
            "v2.conversation.pushed",
            "v2.conversation.closed",
        ]
        .iter()
        .all(|t| types.iter().any(|x| x == t))
        {
            break v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "events so far: {types:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let closed = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eventType"] == "v2.conversation.closed")
        .unwrap();
    assert_eq!(closed["payload"]["conversationId"], as_uuid(&id));
    assert_eq!(closed["payload"]["platform"], "demo");
    let page = http.get(format!("{base}/webhooks")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("v2.conversation.closed") && html.contains(&as_uuid(&id)),
        "{html}"
    );
    // An unsigned event is refused.
    let r = http
        .post(format!("{base}/webhooks"))
        .json(&json!({"eventId": "x", "eventType": "v2.conversation.closed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The server's delivery log says delivered (recorded just after the
    // receiver answered).
    loop {
        let (_, log) = s
            .call(
                Method::GET,
                "/api/operator/webhooks/deliveries",
                &token,
                None,
            )
            .await;
        if log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["eventType"] == "v2.conversation.closed" && d["state"] == "delivered")
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{log}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    s.stop().await;
}
