//! Closing form plugin against a real HTTP test connector: the exact GET,
//! the rules enforced by the server (not only the desk), answers stored
//! with the session and shown in its detail and the history, and a failing
//! connector never blocking the end of a chat.

use crate::common;
use crate::connector;

use common::*;
use connector::*;
use reqwest::Method;
use serde_json::{json, Value};

fn form() -> Value {
    json!([
        {"id": "create_crm_ticket", "label": "Create a CRM ticket", "fieldType": "CHECKBOX", "isRequired": false},
        {"id": "ticket_priority", "idParent": "create_crm_ticket", "label": "Ticket\npriority",
         "fieldType": "SELECT", "isRequired": true,
         "options": [{"label": "High", "value": "high"}, {"label": "Low", "value": "low"}]},
        {"id": "reason", "label": "Reason", "fieldType": "TEXT", "isRequired": true},
        {"id": "detail", "idParent": "reason", "label": "Detail", "fieldType": "TEXTAREA", "isRequired": true},
        {"id": 5, "label": "Items", "fieldType": "INTEGER", "isRequired": false, "options": null},
        {"id": "amount", "idParent": null, "label": "Amount", "fieldType": "DECIMAL", "isRequired": false}
    ])
}

async fn put(s: &Server, token: &str, id: &str, answers: Value) -> (u16, Value) {
    s.call(
        Method::PUT,
        &format!("/api/operator/chats/{id}/closing-form?locale=fr"),
        token,
        Some(json!({ "answers": answers })),
    )
    .await
}

#[tokio::test]
async fn the_form_is_fetched_as_documented() {
    let (s, c, token) = setup("").await;
    c.reply("/form", Reply::Json(form()));
    let (_w, id, _) = active_chat(&s, &token).await;
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/closing-form?locale=fr"),
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["answers"], Value::Null);
    assert_eq!(v["fields"].as_array().unwrap().len(), 6);
    assert_eq!(v["fields"][4]["id"], "5", "ids coerced to strings");
    assert_eq!(v["fields"][1]["idParent"], "create_crm_ticket");
    assert_eq!(v["fields"][1]["label"], "Ticket\npriority");
    let seen = c.last("/form");
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.query,
        format!(
            "idConnectorVersion={VERSION}&idWebsite={WEBSITE}&operatorLocale=fr&idOperator=demo"
        )
    );
    assert_signed(&seen);
}

#[tokio::test]
async fn the_server_enforces_every_rule() {
    let (s, c, token) = setup("").await;
    c.reply("/form", Reply::Json(form()));
    let (_w, id, _) = active_chat(&s, &token).await;
    let cases = [
        (json!({}), "reason", "Reason: required"),
        (json!({"reason": "   "}), "reason", "Reason: required"),
        // The child of a non-empty text is shown and required.
        (json!({"reason": "late"}), "detail", "Detail: required"),
        (
            json!({"reason": "late", "detail": "x", "create_crm_ticket": "true"}),
            "ticket_priority",
            "Ticket priority: required",
        ),
        (
            json!({"reason": "late", "detail": "x", "create_crm_ticket": "true", "ticket_priority": "urgent"}),
            "ticket_priority",
            "Ticket priority: must be one of the options",
        ),
        (
            json!({"reason": "late", "detail": "x", "create_crm_ticket": "maybe"}),
            "create_crm_ticket",
            "Create a CRM ticket: must be true or false",
        ),
        (
            json!({"reason": "late", "detail": "x", "5": "3.5"}),
            "5",
            "Items: must be a whole number",
        ),
        (
            json!({"reason": "late", "detail": "x", "amount": "12,5€"}),
            "amount",
            "Amount: must be a number",
        ),
        (
            json!({"reason": "x".repeat(1025), "detail": "x"}),
            "reason",
            "Reason: at most 1024 characters",
        ),
        (
            json!({"reason": "late", "detail": "x", "nope": "1"}),
            "nope",
            "nope: no such field in the form",
        ),
    ];
    for (answers, field, message) in cases {
        let (st, v) = put(&s, &token, &id, answers.clone()).await;
        assert_eq!(st, 400, "{answers}: {v}");
        assert_eq!(v, json!({"message": message, "field": field}), "{answers}");
    }
    // Nothing was stored by the refused attempts.
    let (_, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(v["chat"].get("closingForm"), None);

    // A hidden child's answer is dropped; numbers as typed; 1024 characters fit.
    let long = "é".repeat(1024);
    let (st, v) = put(
        &s,
        &token,
        &id,
        json!({"reason": long, "detail": "x", "create_crm_ticket": "false", "ticket_priority": "high",
               "5": "-3", "amount": "12,50"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let stored = json!({"reason": long, "detail": "x", "create_crm_ticket": "false", "5": "-3", "amount": "12,50"});
    assert_eq!(v["answers"], stored);
    let (st, v) = put(
        &s,
        &token,
        &id,
        json!({"reason": "late", "detail": "x", "create_crm_ticket": "true", "ticket_priority": "low"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let stored = json!({"reason": "late", "detail": "x", "create_crm_ticket": "true", "ticket_priority": "low"});
    // Readable at once on the live chat, then after the end, in the history, and after a restart.
    let (_, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(v["chat"]["closingForm"], stored);
    let (st, _) = s.end(&token, &id).await;
    assert_eq!(st, 200);
    let (_, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/closing-form"),
            &token,
            None,
        )
        .await;
    assert_eq!(v["answers"], stored);
    let (_, h) = s
        .call(Method::GET, "/api/operator/history", &token, None)
        .await;
    let entry = h
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["closingForm"], stored);
    let data = s.stop().await;
    let s = Server::start_with(config_with(&c, ""), data).await;
    let token = s.login(DEMO, "demo").await;
    let (_, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(v["chat"]["closingForm"], stored);
}

#[tokio::test]
async fn a_failing_connector_never_blocks_ending_the_chat() {
    let (s, c, token) = setup("").await;
    c.reply("/form", Reply::Hang);
    let (mut w, id, _) = active_chat(&s, &token).await;
    let (st, v) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}/closing-form"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (st, v["message"].as_str()),
        (
            502,
            Some("the closing form is unavailable: timed out after 500 ms")
        )
    );
    let (st, v) = s.end(&token, &id).await;
    assert_eq!(st, 200, "{v}");
    next_of(&mut w, "sessionEnded").await;
    // Once the connector is back, the form can be filled from the ended chat.
    c.reply("/form", Reply::Json(form()));
    let (st, v) = put(&s, &token, &id, json!({"reason": "late", "detail": "d"})).await;
    assert_eq!(st, 200, "{v}");
    c.reply(
        "/form",
        Reply::Json(json!([{"id": "x", "label": "l", "fieldType": "DATE", "isRequired": true}])),
    );
    let (st, v) = put(&s, &token, &id, json!({})).await;
    assert_eq!(st, 502);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("conversation-closing-form/field.json: /0/fieldType"),
        "{v}"
    );
}

#[tokio::test]
async fn only_the_chats_operator_fills_it() {
    let (s, c, token) = setup("").await;
    c.reply("/form", Reply::Json(form()));
    let (_w, id, _) = active_chat(&s, &token).await;
    let solo = s.login(DEMO, "solo").await;
    let (st, _) = put(&s, &solo, &id, json!({"reason": "x", "detail": "y"})).await;
    assert_eq!(st, 403);
    let eva = s.login(OTHER, "eva").await;
    let (st, _) = put(&s, &eva, &id, json!({"reason": "x", "detail": "y"})).await;
    assert_eq!(st, 404);
}
