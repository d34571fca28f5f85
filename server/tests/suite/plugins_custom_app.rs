//! Custom Apps (issue 9): declared in TOML on the connector, listed for the
//! desk, their HS256 tokens checked here with our own HMAC code (header,
//! signature and the claims of reference §2.3), the desk's `frame-src`,
//! and cards pushed by an app reaching the visitor as content cards and
//! carousels, with the text-only and http(s)-only rules.

use crate::common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "custom-app-secret-0123456789";
const APP_URL: &str = "https://apps.example.com/orders/?v=1";

fn config() -> owidget_server::Config {
    let connector = format!(
        r#"
[companies.connector]
id_connector_version = "0b6f5c1e-9a2d-4e3f-8c7b-6d5e4f3a2b1c"
id_website = "ha-123"
secret = "{SECRET}"
[[companies.connector.custom_apps]]
id = "orders"
name = {{ default = "Orders", FR = "Commandes" }}
icon = "ORDER"
url = "{APP_URL}"
use_authentication = true
[[companies.connector.custom_apps]]
id = "notes"
name = {{ default = "Notes" }}
icon = "notebook"
url = "http://127.0.0.1:9/notes"
"#
    );
    let marker = format!("\n[[companies]]\nid = \"{OTHER}\"");
    let toml = test_toml()
        .replacen(
            "username = \"demo\"\nname = \"Demo Operator\"",
            "username = \"demo\"\nname = \"Demo Operator\"\nemail = \"demo@example.com\"",
            1,
        )
        .replacen(&marker, &format!("{connector}{marker}"), 1);
    owidget_server::Config::from_toml(&toml).expect("config with custom apps is valid")
}

/// Verifies an HS256 JWT with `secret` (our own code, RFC 7515 compact
/// form) and returns its claims.
fn verify(jwt: &str, secret: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    assert_eq!(parts[2], expected, "HMAC-SHA256 over header.claims");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn apps_are_listed_and_their_tokens_carry_the_reference_claims() {
    let s = Server::start_with(config(), None).await;
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(Method::GET, "/api/operator/custom-apps", &token, None)
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["projectId"], "ha-123");
    assert_eq!(
        v["apps"][0],
        json!({"id": "orders", "name": {"default": "Orders", "fr": "Commandes"}, "icon": "ORDER",
               "url": APP_URL, "origin": "https://apps.example.com", "useAuthentication": true})
    );
    assert_eq!(v["apps"][1]["icon"], "NOTEBOOK");
    assert_eq!(v["apps"][1]["useAuthentication"], false);

    let before = now_secs();
    let r = s
        .http
        .get(s.url("/api/operator/custom-apps/orders/token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let v: Value = r.json().await.unwrap();
    let jwt = v["jwt"].as_str().unwrap();
    let claims = verify(jwt, SECRET);
    assert_eq!(claims["iss"], "iadvize");
    assert_eq!(claims["sub"], "demo", "the operator, as idOperator");
    assert_eq!(claims["aud"], APP_URL);
    assert_eq!(claims["email"], "demo@example.com");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((before..=now_secs()).contains(&iat), "iat {iat} is now");
    assert_eq!(claims["exp"].as_i64().unwrap(), iat + 60);
    assert_eq!(v["expiresAt"].as_i64().unwrap(), (iat + 60) * 1000);
    assert_eq!(v["src"], format!("{APP_URL}&jwt={jwt}"), "?jwt= appended");
    // A wrong secret does not verify.
    let mut mac = Hmac::<Sha256>::new_from_slice(b"another-secret-0123456789").unwrap();
    let (signed, sig) = jwt.rsplit_once('.').unwrap();
    mac.update(signed.as_bytes());
    assert_ne!(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()), sig);

    // Without authentication the iframe URL is the configured one.
    let (_, v) = s
        .call(
            Method::GET,
            "/api/operator/custom-apps/notes/token",
            &token,
            None,
        )
        .await;
    assert_eq!(v["src"], "http://127.0.0.1:9/notes");
    verify(v["jwt"].as_str().unwrap(), SECRET);

    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/custom-apps/nope/token",
            &token,
            None,
        )
        .await;
    assert_eq!((st, v), (404, json!({"message": "no custom app \"nope\""})));
    let r = s
        .http
        .get(s.url("/api/operator/custom-apps/orders/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "tokens only for a logged-in operator");
    // Another company's operator has no apps.
    let eva = s.login(OTHER, "eva").await;
    let (_, v) = s
        .call(Method::GET, "/api/operator/custom-apps", &eva, None)
        .await;
    assert_eq!(v, json!({"projectId": null, "apps": []}));
    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/custom-apps/orders/token",
            &eva,
            None,
        )
        .await;
    assert_eq!(st, 404);

    // The desk may frame exactly the configured app origins.
    let r = s.http.get(s.url("/desk/")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-src http://127.0.0.1:9 https://apps.example.com;"),
        "{csp}"
    );
    assert!(!csp.contains("frame-src http: https:"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn pushed_cards_reach_the_visitor_as_text_with_http_links_only() {
    let s = Server::start_with(config(), None).await;
    let token = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &token).await;
    let push = |path: &'static str, body: Value| {
        let (s, token, id) = (&s, &token, &id);
        async move {
            s.call(
                Method::POST,
                &format!("/api/operator/chats/{id}/custom-apps/orders/{path}"),
                token,
                Some(body),
            )
            .await
        }
    };
    let (st, v) = push(
        "card",
        json!({"title": "Order #1042", "text": "<b>Shipped</b>",
               "image": {"url": "https://apps.example.com/p.png", "description": "A parcel"},
               "actions": [{"type": "LINK", "title": "Track", "url": "https://apps.example.com/t"},
                           {"type": "LINK", "title": "Evil", "url": "javascript:alert(1)"}]}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["text"], "Order #1042", "the plain-text fallback");
    let m = next_of(&mut w, "message").await;
    assert_eq!(
        m["message"]["card"],
        json!({"kind": "content", "title": "Order #1042", "text": "<b>Shipped</b>",
               "imageUrl": "https://apps.example.com/p.png", "imageAlt": "A parcel",
               "actions": [{"title": "Track", "url": "https://apps.example.com/t"}]})
    );
    assert_eq!(m["message"]["author"], "operator");

    // A long text without title: the message text (its fallback) keeps to
    // the message size limit (200 in the test config), the card keeps all.
    let long = "x".repeat(500);
    let (st, v) = push(
        "card",
        json!({"text": long, "actions": [{"type": "LINK", "title": "Go", "url": "http://a.example/"}]}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["text"].as_str().unwrap().chars().count(), 200);
    assert_eq!(v["card"]["text"], long);
    assert_eq!(v["card"]["title"], "");
    next_of(&mut w, "message").await;

    let card = json!({"title": "A", "actions": [{"type": "LINK", "title": "Go", "url": "http://a.example/"}]});
    let (st, v) = push(
        "card-bundle",
        json!({"title": "Your orders", "cards": [card, card]}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let m = next_of(&mut w, "message").await;
    assert_eq!(m["message"]["carousel"]["title"], "Your orders");
    assert_eq!(
        m["message"]["carousel"]["cards"][1]["actions"][0]["url"],
        "http://a.example/"
    );

    // Refused, nothing stored: no http(s) action, bad shapes.
    for (path, body, want) in [
        (
            "card",
            json!({"title": "T", "actions": [{"type": "LINK", "title": "x", "url": "data:text/html,x"}]}),
            "card needs at least one LINK action with an http(s) URL",
        ),
        (
            "card",
            json!(["not", "a", "card"]),
            "card must be an object",
        ),
        (
            "card-bundle",
            json!({"cards": []}),
            "bundle.cards: 1 to 10 cards",
        ),
    ] {
        let (st, v) = push(path, body).await;
        assert_eq!((st, v["message"].as_str()), (400, Some(want)));
    }
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/custom-apps/nope/card"),
            &token,
            Some(card.clone()),
        )
        .await;
    assert_eq!(st, 404, "{v}");

    // Stored with the chat: the desk's reload shows both.
    let (_, d) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    let messages = d["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{d}");
    assert_eq!(messages[0]["card"]["kind"], "content");
    assert_eq!(
        messages[2]["carousel"]["cards"].as_array().unwrap().len(),
        2
    );

    // Only into my active chats.
    let (st, _) = s.end(&token, &id).await;
    assert_eq!(st, 200);
    let (st, v) = push("card", card).await;
    assert_eq!(st, 409, "{v}");
}
