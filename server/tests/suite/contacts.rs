//! Offline messages and callback requests: validation, storage, desk.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn offline_message_is_validated_stored_and_listed() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    let msg = |email: &str| {
        json!({"type": "offlineMessage", "email": email, "text": "Call me <b>please</b>",
               "language": "en", "pageUrl": "http://localhost:5173/"})
    };
    send(&mut w, msg("not-an-email")).await;
    assert_eq!(next_of(&mut w, "error").await["code"], "invalid");
    send(&mut w, msg("jana@example.cz")).await;
    let stored = next_of(&mut w, "stored").await;
    assert_eq!(stored, json!({"type": "stored", "kind": "offlineMessage"}));
    let ev = next_of(&mut d, "offlineMessage").await;
    assert_eq!(ev["message"]["email"], "jana@example.cz");
    let (st, list) = s
        .call(Method::GET, "/api/operator/offline-messages", &demo, None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["text"], "Call me <b>please</b>");
    let eva = s.login(OTHER, "eva").await;
    let (_, list) = s
        .call(Method::GET, "/api/operator/offline-messages", &eva, None)
        .await;
    assert_eq!(list, json!([]), "other company sees none");
    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/offline-messages?limit=0",
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 400);
    s.stop().await;
}

// Issue 14 item 12: the list follows the operator's groups as the live
// events do; an answered message is marked done.
#[tokio::test]
async fn offline_messages_follow_the_groups_and_can_be_marked_done() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await; // support only
    let solo = s.login(DEMO, "solo").await; // support and sales
    let mut w = s.widget("sales").await;
    expect_status(&mut w, 0).await;
    send(
        &mut w,
        json!({"type": "offlineMessage", "email": "sales@example.cz", "text": "A quote, please",
               "language": "en", "pageUrl": "http://localhost:5173/"}),
    )
    .await;
    next_of(&mut w, "stored").await;
    let list = |who| {
        let s = &s;
        async move {
            let (st, list) = s
                .call(
                    Method::GET,
                    "/api/operator/offline-messages?status=all",
                    who,
                    None,
                )
                .await;
            assert_eq!(st, 200);
            list
        }
    };
    assert_eq!(list(&demo).await, json!([]), "not demo's group");
    let mine = list(&solo).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["status"], "open");
    let id = mine[0]["id"].as_i64().unwrap();
    let (st, _) = s
        .call(
            Method::GET,
            "/api/operator/callbacks?status=all",
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200);

    let path = format!("/api/operator/offline-messages/{id}/done");
    let (st, done) = s.call(Method::POST, &path, &solo, None).await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(
        (&done["status"], &done["doneBy"]),
        (&json!("done"), &json!("solo"))
    );
    let (_, open) = s
        .call(Method::GET, "/api/operator/offline-messages", &solo, None)
        .await;
    assert_eq!(open, json!([]), "done ones are hidden by default");
    assert_eq!(list(&solo).await[0]["status"], "done");
    let (st, _) = s
        .call(
            Method::POST,
            "/api/operator/offline-messages/999/done",
            &solo,
            None,
        )
        .await;
    assert_eq!(st, 404);
    s.stop().await;
}

#[tokio::test]
async fn callback_request_lifecycle() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    let req = |phone: &str| {
        json!({"type": "callbackRequest", "name": "Jan", "phone": phone,
               "language": "cs", "pageUrl": "http://localhost:5173/"})
    };
    send(&mut w, req("call me maybe")).await;
    assert_eq!(next_of(&mut w, "error").await["code"], "invalid");
    send(&mut w, req("+420 777 666 555")).await;
    let stored = next_of(&mut w, "stored").await;
    assert_eq!(stored["kind"], "callbackRequest");
    assert_eq!(stored["phone"], "+420 777 666 555");
    let ev = next_of(&mut d, "callbackRequest").await;
    let id = ev["request"]["id"].as_i64().unwrap();
    assert_eq!(ev["request"]["status"], "open");

    let (_, open) = s
        .call(Method::GET, "/api/operator/callbacks", &demo, None)
        .await;
    assert_eq!(open[0]["name"], "Jan");
    let (st, done) = s
        .call(
            Method::POST,
            &format!("/api/operator/callbacks/{id}/done"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(done["status"], "done");
    assert_eq!(done["doneBy"], "demo");
    let (_, open) = s
        .call(Method::GET, "/api/operator/callbacks", &demo, None)
        .await;
    assert_eq!(open, json!([]));
    let (_, all) = s
        .call(
            Method::GET,
            "/api/operator/callbacks?status=all",
            &demo,
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let eva = s.login(OTHER, "eva").await;
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/callbacks/{id}/done"),
            &eva,
            None,
        )
        .await;
    assert_eq!(st, 404, "other company cannot touch it");
    s.stop().await;
}
