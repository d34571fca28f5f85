//! Customer information plugin against a real HTTP test connector: visitor
//! identity (reserved custom data keys, the server-issued visitor id),
//! the exact GET parameters and POST body of the action, both signatures,
//! failures.

use crate::common;
use crate::connector;

use common::*;
use connector::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A chat of a visitor with `custom` data (and `visitor_id` if given),
/// accepted by `token`'s operator. Returns (socket, session id, visitor id).
async fn chat_with(
    s: &Server,
    token: &str,
    custom: Value,
    visitor_id: Option<&str>,
) -> (Ws, String, String) {
    s.set_availability(token, "online").await;
    let mut w = s.widget("default").await;
    let mut start = json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/shop",
                           "customData": custom});
    if let Some(v) = visitor_id {
        start["visitorId"] = json!(v);
    }
    send(&mut w, start).await;
    let created = next_of(&mut w, "sessionCreated").await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    let visitor = created["visitorId"].as_str().unwrap().to_string();
    let (st, v) = s.accept(token, &id).await;
    assert_eq!(st, 200, "{v}");
    (w, id, visitor)
}

fn is_visitor_id(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[tokio::test]
async fn visitor_ids_are_issued_and_kept() {
    let (s, _c, token) = setup("").await;
    let (_w, _id, first) = chat_with(&s, &token, json!({}), None).await;
    assert!(is_visitor_id(&first), "{first}");
    let (_w2, _id2, again) = chat_with(&s, &token, json!({}), Some(&first)).await;
    assert_eq!(again, first, "a well-formed visitor id is kept");
    let s2 = Server::start().await;
    let t2 = s2.login(DEMO, "demo").await;
    let (_w3, _id3, fresh) = chat_with(&s2, &t2, json!({}), Some("not-ours<script>")).await;
    assert!(is_visitor_id(&fresh) && fresh != first);
}

#[tokio::test]
async fn information_is_asked_with_every_documented_parameter() {
    let (s, c, token) = setup("").await;
    c.reply(
        "/customer",
        Reply::Json(json!([
            {"id": 1, "label": "Name", "value": "<b>Jana</b>", "fieldType": "TEXT"},
            {"id": "crm", "label": "CRM", "value": "javascript:alert(1)", "fieldType": "URL"},
            {"id": "case", "label": "Create a case", "value": "OPEN_CASE", "fieldType": "ACTION"}
        ])),
    );
    let mine = "ab".repeat(32);
    let (_w, id, visitor) = chat_with(
        &s,
        &token,
        json!({"oo1_guest_email": "jana@example.com", "oo1_guest_external_id": "cust 42&x"}),
        Some(&mine),
    )
    .await;
    assert_eq!(visitor, mine);
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information?locale=cs"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["identified"], true);
    assert_eq!(
        v["fields"][0],
        json!({"id": "1", "label": "Name", "value": "<b>Jana</b>", "fieldType": "TEXT"})
    );
    assert_eq!(
        v["fields"][1]["value"], "javascript:alert(1)",
        "passed on as text; the desk links http(s) only"
    );
    let seen = c.last("/customer");
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.query,
        format!(
            "emailVisitor=jana%40example.com&idConnectorVersion={VERSION}&idVisitorExternal=cust%2042%26x\
             &idVisitorUnique={mine}&idWebsite={WEBSITE}&operatorLocale=cs&idOperator=demo"
        )
    );
    assert_eq!(
        seen.params()[2],
        ("idVisitorExternal".into(), "cust 42&x".into())
    );
    assert_signed(&seen);

    // The locale defaults to en; a bad one is refused before any call.
    let (st, _) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert!(c
        .last("/customer")
        .params()
        .contains(&("operatorLocale".into(), "en".into())));
    let calls = c.count("/customer");
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information?locale=e%3Cn"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 400, "{v}");
    assert_eq!(c.count("/customer"), calls);
}

#[tokio::test]
async fn identification_by_external_id_alone_or_not_at_all() {
    let (s, c, token) = setup("").await;
    c.reply("/customer", Reply::Json(json!([])));
    let (_w, id, _) = chat_with(&s, &token, json!({"oo1_guest_external_id": "42"}), None).await;
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information"),
            &token,
            None,
        )
        .await;
    assert_eq!((st, v["identified"].clone()), (200, json!(true)));
    let params = c.last("/customer").params();
    assert!(
        !params.iter().any(|(k, _)| k == "emailVisitor"),
        "no e-mail, no emailVisitor"
    );
    assert!(params.contains(&("idVisitorExternal".into(), "42".into())));

    let (_w2, anon, _) = chat_with(&s, &token, json!({"oo1_guest_ident": "Jana"}), None).await;
    let before = c.count("/customer");
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{anon}/customer-information"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(v, json!({"fields": [], "identified": false}));
    assert_eq!(
        c.count("/customer"),
        before,
        "no call for an unidentified visitor"
    );
}

#[tokio::test]
async fn the_action_posts_the_documented_body() {
    let (s, c, token) = setup("").await;
    c.reply(
        "/customer/action",
        Reply::Json(json!({"success": true, "message": "Case 7 opened"})),
    );
    let (_w, id, visitor) = chat_with(
        &s,
        &token,
        json!({"oo1_guest_email": "jana@example.com"}),
        None,
    )
    .await;
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/customer-information/action"),
            &token,
            Some(json!({"action": "OPEN_CASE"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v, json!({"success": true, "message": "Case 7 opened"}));
    let seen = c.last("/customer/action");
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.query, "");
    assert_eq!(seen.header("content-type"), "application/json");
    assert_eq!(
        seen.json(),
        json!({"action": "OPEN_CASE", "idConnectorVersion": VERSION, "idVisitorUnique": visitor,
               "idWebsite": WEBSITE, "idConversation": as_uuid(&id), "idOperator": "demo"})
    );
    // iAdvize signs the raw body of a POST, byte for byte.
    assert_signed(&seen);

    c.reply(
        "/customer/action",
        Reply::Json(json!({"message": "no success field"})),
    );
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/customer-information/action"),
            &token,
            Some(json!({"action": "OPEN_CASE"})),
        )
        .await;
    assert_eq!(st, 502);
    let m = v["message"].as_str().unwrap();
    assert!(
        m.starts_with("the action failed: answer does not match customer/action.json"),
        "{m}"
    );
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/customer-information/action"),
            &token,
            Some(json!({"action": ""})),
        )
        .await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn failures_and_foreign_chats() {
    let (s, c, token) = setup("").await;
    c.reply("/customer", Reply::Status(503));
    let (_w, id, _) = chat_with(&s, &token, json!({"oo1_guest_email": "a@b.cz"}), None).await;
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (502, Some("customer information is unavailable: HTTP 503"))
    );
    c.reply(
        "/customer",
        Reply::Json(json!([{"id": "x", "label": "l", "value": 5, "fieldType": "TEXT"}])),
    );
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 502);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("customer/information.json: /0/value"),
        "{v}"
    );
    // Another company's operator cannot name this chat.
    let eva = s.login(OTHER, "eva").await;
    let (st, _) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/customer-information"),
            &eva,
            None,
        )
        .await;
    assert_eq!(st, 404);
}
