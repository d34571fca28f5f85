//! Conformance audit against the public contract
//! (`app-plugins-spec.md`), from the side of an app that knows only it:
//!
//! - one conversation, one id: iAdvize gives a conversation a single UUID
//!   that the bot app gets as `idConversation` (§4.2), webhook receivers as
//!   `conversationId` (§6) and the customer action as `idConversation`
//!   (§3.2); an app serving several of them joins on it (a bot app dropping
//!   its state on `v2.conversation.closed`, a CRM filing the action's case
//!   under the conversation it was told about);
//! - a Custom App token's `aud` is "the CPA URL" (§2.3) as the app declared
//!   it, so that an app checking `aud` against its own URL accepts it;
//! - a product's `description` has no documented limit (§3.1.2): a catalog
//!   whose descriptions are long HTML pages still lists and shares.
//!
//! The test apps compute everything here from the contract, not from the
//! server's code.

use crate::botapp;
use crate::common;
use crate::connector;
use crate::receiver;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use botapp::flow::*;
use botapp::*;
use common::*;
use connector::{hmac_hex, Reply, TestConnector};
use receiver::Receiver;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn one_conversation_id_for_the_bot_the_webhooks_and_the_customer_action() {
    let crm = TestConnector::start().await;
    crm.reply(
        "/customer/action",
        Reply::Json(json!({"success": true, "message": "Case 7 opened"})),
    );
    let hooks = Receiver::start(Vec::new()).await;
    let app = BotApp::start().await;
    app.on("hi", json!([text_reply("hello")]));
    app.on("bye", json!([{"type": "close"}]));
    let extra = format!(
        "customer_information_url = \"{c}/customer\"\n\
         customer_action_url = \"{c}/customer/action\"\n\
         [[companies.connector.webhooks]]\nurl = \"{h}\"\nevents = [\"v2.conversation.*\"]\n",
        c = crm.base,
        h = hooks.url
    );
    let s = Server::start_with(app.config(&extra), None).await;
    let (mut w, id, _) = bot_chat(&s).await;
    say_and_collect(&mut w, "hi", "hello").await;
    let heard = app
        .wait_heard("the create call", |h| h.iter().any(|x| x.kind == "create"))
        .await;
    let create = heard.iter().find(|x| x.kind == "create").unwrap();
    let uuid = create.body["idConversation"].as_str().unwrap().to_string();
    assert!(
        is_uuid(&uuid) && uuid == uuid.to_lowercase(),
        "idConversation {uuid:?} is a UUID"
    );
    assert_eq!(uuid, as_uuid(&id));

    // The bot closes the conversation: pushed (to the bot) and closed
    // arrive with the very id the bot app was given.
    visitor_says(&mut w, "c-bye", "bye").await;
    let got = hooks
        .until("pushed and closed", |g| {
            g.iter()
                .any(|x| x.json()["eventType"] == "v2.conversation.closed")
        })
        .await;
    let event = |t: &str| -> Value {
        got.iter()
            .map(|g| g.json())
            .find(|b| b["eventType"] == t)
            .unwrap_or_else(|| panic!("no {t} event"))
    };
    let pushed = event("v2.conversation.pushed");
    assert_eq!(pushed["conversationId"], json!(uuid));
    assert_eq!(pushed["operatorId"], BOT, "the bot is the operator");
    let closed = event("v2.conversation.closed");
    assert_eq!(closed["conversationId"], json!(uuid));
    assert_eq!(closed["operatorIds"], json!([BOT]));

    // An operator runs an ACTION on the ended conversation: the CRM is
    // told the same conversation.
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/customer-information/action"),
            &token,
            Some(json!({"action": "OPEN_CASE"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let body = crm.last("/customer/action").json();
    assert_eq!(body["idConversation"], json!(uuid));
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn a_custom_app_token_names_the_url_exactly_as_declared() {
    const SECRET: &str = "custom-app-secret-0123456789";
    // Declared the way people type it: no path, upper-case letters.
    const DECLARED: &str = "https://Apps.Example.com";
    let connector = format!(
        r#"
[companies.connector]
id_connector_version = "0b6f5c1e-9a2d-4e3f-8c7b-6d5e4f3a2b1c"
id_website = "ha-123"
secret = "{SECRET}"
[[companies.connector.custom_apps]]
id = "orders"
name = {{ default = "Orders" }}
icon = "ORDER"
url = "{DECLARED}"
use_authentication = true
"#
    );
    let marker = format!("\n[[companies]]\nid = \"{OTHER}\"");
    let toml = test_toml().replacen(&marker, &format!("{connector}{marker}"), 1);
    let config = owidget_server::Config::from_toml(&toml).expect("valid config");
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/custom-apps/orders/token",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let jwt = v["jwt"].as_str().unwrap();
    // What the app does: HS256 with its secret, then the claims.
    let (signed, sig) = jwt.rsplit_once('.').unwrap();
    let expected = hex::decode(hmac_hex(SECRET, signed.as_bytes())).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(sig).unwrap(), expected, "HS256");
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signed.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], "iadvize");
    assert_eq!(claims["aud"], DECLARED, "aud is the URL as declared");
    // The frame loads that URL with ?jwt= appended.
    assert_eq!(v["src"], format!("https://apps.example.com/?jwt={jwt}"));
    s.stop().await;
}

#[tokio::test]
async fn a_long_product_description_still_lists_and_shares() {
    let (s, c, token) = connector::setup("timeout_ms = 2000").await;
    // 40,000 characters of HTML, as product pages hold.
    let long = "<p>Légère, 250 g.</p>".repeat(2000);
    let product = json!({"id": 1, "title": "Trail shoe", "productUrl": "https://shop.example/p/1",
        "description": long, "imageUrl": "https://shop.example/p/1.png", "reference": "TS-1",
        "priceCatalog": "99.90 €"});
    c.reply("/products", Reply::Json(json!([product])));
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/plugins/product-list/products",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{}", v["message"]);
    let got = v["items"][0]["description"].as_str().unwrap();
    assert_eq!(got.chars().count(), 2000);
    assert!(long.starts_with(got));
    // The desk sends the product back to share it.
    let (_w, id, _) = active_chat(&s, &token).await;
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/share-product"),
            &token,
            Some(json!({"product": v["items"][0]})),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["card"]["title"], "Trail shoe");
    s.stop().await;
}
