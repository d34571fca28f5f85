//! Product list plugin against a real HTTP test connector on port 0: the
//! exact calls (parameters, raw query, both signatures), paging and search,
//! every kind of connector failure, sharing a product as a card, the call
//! log and the published schemas.

use crate::common;
use crate::connector;

use common::*;
use connector::*;
use reqwest::Method;
use serde_json::{json, Value};

fn product(id: Value, title: &str) -> Value {
    json!({"id": id, "title": title, "productUrl": "https://shop.example/p/1", "brand": null,
           "description": "d", "shortDescription": null, "available": true,
           "imageUrl": "https://shop.example/p/1.png", "reference": null,
           "priceCatalog": "99.90 €", "pricePromotion": "79.90 €", "priceSpecial": null})
}

#[tokio::test]
async fn categories_are_asked_exactly_as_iadvize_asks() {
    let (s, c, token) = setup("").await;
    c.reply(
        "/cat",
        Reply::Json(json!([
            {"id": 12, "idParent": null, "label": "Shoes", "productsCount": 4, "products": null},
            {"id": "13", "idParent": 12, "label": "Trail", "productsCount": 2, "products": [1, "2"]}
        ])),
    );
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["limit"], 20);
    assert_eq!(v["offset"], 0);
    assert_eq!(v["items"][0]["id"], "12", "ids coerced to strings");
    assert_eq!(v["items"][1]["idParent"], "12");
    assert_eq!(v["items"][1]["products"], json!(["1", "2"]));
    let root = c.last("/cat");
    assert_eq!(root.method, "GET");
    assert_eq!(
        root.query,
        format!(
            "idConnectorVersion={VERSION}&idWebsite={WEBSITE}&idOperator=demo&limit=20&offset=0"
        ),
        "root categories: no idParent"
    );
    assert_signed(&root);

    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories?idParent=12&limit=10&offset=10",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let sub = c.last("/cat");
    assert_eq!(
        sub.params(),
        [
            ("idConnectorVersion", VERSION),
            ("idParent", "12"),
            ("idWebsite", WEBSITE),
            ("idOperator", "demo"),
            ("limit", "10"),
            ("offset", "10"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_signed(&sub);
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories?limit=101",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (400, Some("limit must be 1 to 100"))
    );
}

#[tokio::test]
async fn products_page_and_search_with_and_without_a_category() {
    let (s, c, token) = setup("").await;
    c.reply(
        "/products",
        Reply::Json(json!([
            product(json!(7), "Trail shoe"),
            product(json!("8"), "Sock")
        ])),
    );
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/products?idCategory=13&limit=2&offset=4",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["items"][0]["id"], "7");
    assert_eq!(v["items"][0]["brand"], Value::Null);
    assert_eq!(
        (v["limit"].as_u64(), v["offset"].as_u64()),
        (Some(2), Some(4))
    );
    let seen = c.last("/products");
    // The configured URL's own query comes first, then ours, in the documented order.
    assert_eq!(
        seen.query,
        format!("shop=main&idConnectorVersion={VERSION}&idCategory=13&idWebsite={WEBSITE}&idOperator=demo&limit=2&offset=4")
    );
    assert_signed(&seen);

    let search = "shoe & sock/é+1";
    let path = format!(
        "/api/operator/plugins/product-list/products?searchQuery={}",
        "shoe%20%26%20sock%2F%C3%A9%2B1"
    );
    let (st, _) = s.call(Method::GET, &path, &token, None).await;
    assert_eq!(st, 200);
    let seen = c.last("/products");
    let params = seen.params();
    assert!(
        params.contains(&("searchQuery".into(), search.into())),
        "{params:?}"
    );
    assert!(
        !params.iter().any(|(k, _)| k == "idCategory"),
        "search without a category"
    );
    assert!(
        seen.query
            .ends_with("searchQuery=shoe%20%26%20sock%2F%C3%A9%2B1"),
        "{}",
        seen.query
    );
    assert_signed(&seen);

    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/products?idCategory=13&searchQuery=trail",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let params = c.last("/products").params();
    assert!(params.contains(&("idCategory".into(), "13".into())));
    assert!(params.contains(&("searchQuery".into(), "trail".into())));
}

async fn catalog_error(s: &Server, token: &str) -> String {
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/products",
            token,
            None,
        )
        .await;
    assert_eq!(st, 502, "{v}");
    v["message"].as_str().unwrap().to_string()
}

async fn still_healthy(s: &Server, c: &TestConnector, token: &str) {
    let (st, _) = s.call(Method::GET, "/api/operator/me", token, None).await;
    assert_eq!(st, 200);
    c.reply("/cat", Reply::Json(json!([])));
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories",
            token,
            None,
        )
        .await;
    assert_eq!((st, v["items"].clone()), (200, json!([])));
}

#[tokio::test]
async fn every_connector_failure_is_a_clear_502_and_harms_nothing() {
    let (s, c, token) = setup("").await;
    c.reply("/products", Reply::Status(500));
    assert_eq!(
        catalog_error(&s, &token).await,
        "the catalog is unavailable: HTTP 500"
    );
    still_healthy(&s, &c, &token).await;

    c.reply(
        "/products",
        Reply::Text("<img src=x onerror=alert(1)>".into()),
    );
    assert_eq!(
        catalog_error(&s, &token).await,
        "the catalog is unavailable: answer is not JSON"
    );

    c.reply("/products", Reply::Json(json!([{"id": 1, "title": 5}])));
    let e = catalog_error(&s, &token).await;
    assert!(
        e.starts_with(
            "the catalog is unavailable: answer does not match product-list/product.json: /0"
        ),
        "{e}"
    );
    c.reply("/products", Reply::Json(json!({"items": []})));
    let e = catalog_error(&s, &token).await;
    assert!(e.contains("product-list/product.json: /: "), "{e}");
    still_healthy(&s, &c, &token).await;

    c.reply("/products", Reply::Big(20_000));
    assert_eq!(
        catalog_error(&s, &token).await,
        "the catalog is unavailable: answer over 8192 bytes"
    );

    // Announced by Content-Length this time: refused before reading.
    c.reply("/products", Reply::Json(json!("a".repeat(20_000))));
    assert_eq!(
        catalog_error(&s, &token).await,
        "the catalog is unavailable: answer over 8192 bytes"
    );

    c.reply("/products", Reply::Hang);
    assert_eq!(
        catalog_error(&s, &token).await,
        "the catalog is unavailable: timed out after 500 ms"
    );
    still_healthy(&s, &c, &token).await;

    // Every call is in the log, newest first, with its reason.
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/connector-log?limit=50",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let calls = v["calls"].as_array().unwrap();
    let errors: Vec<&str> = calls.iter().filter_map(|c| c["error"].as_str()).collect();
    assert_eq!(errors[0], "timed out after 500 ms");
    assert!(errors.contains(&"HTTP 500") && errors.contains(&"answer is not JSON"));
    assert!(errors.contains(&"answer over 8192 bytes"));
    let failed_500 = calls.iter().find(|c| c["error"] == "HTTP 500").unwrap();
    assert_eq!(failed_500["status"], 500);
    assert_eq!(failed_500["plugin"], "productList");
    assert_eq!(failed_500["method"], "GET");
    assert!(failed_500["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/products?shop=main&", c.base)));
    assert!(calls.iter().any(|c| c["ok"] == true && c["status"] == 200));
    let text = v.to_string();
    assert!(
        !text.contains(SECRET) && !text.contains(SECOND),
        "no secrets in the log"
    );
}

#[tokio::test]
async fn an_unreachable_connector_is_a_502_too() {
    let c = TestConnector::start().await;
    let mut config = config_with(&c, "timeout_ms = 2000");
    // A port nobody listens on: bind one, then free it.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/products", dead.local_addr().unwrap());
    drop(dead);
    config.companies[0].connector.as_mut().unwrap().products_url = Some(url);
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    let e = catalog_error(&s, &token).await;
    assert!(
        e.starts_with("the catalog is unavailable: could not connect"),
        "{e}"
    );
}

#[tokio::test]
async fn no_connector_is_a_404_and_plugins_say_so() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/products",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (404, Some("no product list connector"))
    );
    let (st, v) = s
        .call(Method::GET, "/api/operator/plugins", &token, None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        v,
        json!({"productList": false, "customerInformation": false, "customerAction": false,
               "closingForm": false, "health": "none"})
    );
}

#[tokio::test]
async fn a_shared_product_is_a_card_for_visitor_desk_and_history() {
    let (s, c, token) = setup("").await;
    let mut desk = desk(&s, &token).await;
    let (mut w, id, resume_token) = active_chat(&s, &token).await;
    let p = product(json!(7), "<img src=x onerror=alert(1)>");
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/share-product"),
            &token,
            Some(json!({ "product": p })),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let card = json!({"kind": "product", "title": "<img src=x onerror=alert(1)>",
        "imageUrl": "https://shop.example/p/1.png", "url": "https://shop.example/p/1",
        "available": true, "price": "99.90 €", "offerPrice": "79.90 €"});
    assert_eq!(v["card"], card);
    assert_eq!(v["text"], "<img src=x onerror=alert(1)>");
    assert_eq!(v["author"], "operator");
    let pushed = next_of(&mut w, "message").await;
    assert_eq!(pushed["message"]["card"], card);
    loop {
        let e = next_of(&mut desk, "message").await;
        if e["sessionId"] == id && e["message"]["card"].is_object() {
            assert_eq!(e["message"]["card"], card);
            break;
        }
    }
    // A resumed widget gets it again.
    let mut w2 = s.widget("default").await;
    send(
        &mut w2,
        json!({"type": "resume", "sessionId": id, "token": resume_token, "afterSeq": 0}),
    )
    .await;
    let again = loop {
        let m = next_of(&mut w2, "message").await;
        if m["message"]["card"].is_object() {
            break m;
        }
    };
    assert_eq!(again["message"]["card"], card);
    // And the history after the end.
    let (st, _) = s.end(&token, &id).await;
    assert_eq!(st, 200);
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let with_card: Vec<&Value> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["card"].is_object())
        .collect();
    assert_eq!(with_card.len(), 1);
    assert_eq!(with_card[0]["card"], card);
    // Sharing needs an active chat of mine.
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/share-product"),
            &token,
            Some(json!({ "product": product(json!(1), "x") })),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    drop(c);
}

#[tokio::test]
async fn shared_products_are_checked_again() {
    let (s, _c, token) = setup("").await;
    let (mut w, id, _) = active_chat(&s, &token).await;
    let share = |p: Value| {
        let s = &s;
        let token = &token;
        let id = &id;
        async move {
            s.call(
                Method::POST,
                &format!("/api/operator/chats/{id}/share-product"),
                token,
                Some(json!({ "product": p })),
            )
            .await
        }
    };
    let mut bad = product(json!(1), "x");
    bad["productUrl"] = json!("javascript:alert(1)");
    let (st, v) = share(bad).await;
    assert_eq!(
        (st, v["message"].as_str()),
        (400, Some("productUrl must be an http(s) URL"))
    );
    let mut no_image = product(json!(1), "Plain");
    no_image["imageUrl"] = json!("data:image/svg+xml,<svg onload=alert(1)>");
    no_image["pricePromotion"] = Value::Null;
    no_image["priceSpecial"] = json!("50 €");
    let (st, v) = share(no_image).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["card"].get("imageUrl"), None, "non-http image left out");
    assert_eq!(
        v["card"]["offerPrice"], "50 €",
        "special price when no promotion"
    );
    let m = next_of(&mut w, "message").await;
    assert_eq!(m["message"]["card"]["title"], "Plain");
    let (st, _) = share(json!({"id": 1})).await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn schemas_are_published_as_embedded() {
    let s = Server::start().await;
    for (path, text) in owidget_protocol::plugins::schemas::ALL {
        let r = s
            .http
            .get(s.url(&format!("/schemas/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/schema+json");
        assert_eq!(r.text().await.unwrap(), text);
    }
    let r = s
        .http
        .get(s.url("/schemas/nope.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].is_string());
}

#[tokio::test]
async fn one_secret_one_v2_signature() {
    let c = TestConnector::start().await;
    let mut config = config_with(&c, "");
    config.companies[0]
        .connector
        .as_mut()
        .unwrap()
        .secrets
        .truncate(1);
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    c.reply("/cat", Reply::Json(json!([])));
    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/categories",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let seen = c.last("/cat");
    let ts = seen.header("x-owidget-timestamp");
    let signed = format!("GET\n/cat\n{}\n{ts}\n", seen.query);
    assert_eq!(
        seen.header("x-owidget-signature"),
        format!("v2={}", hmac_hex(SECRET, signed.as_bytes()))
    );
    assert_eq!(
        seen.header("x-iadvize-signature"),
        format!("sha256={}", hmac_hex(SECRET, seen.query.as_bytes()))
    );
}
