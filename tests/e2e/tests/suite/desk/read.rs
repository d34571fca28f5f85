//! Read receipts (issue 14 item 4): what the visitor wrote while waiting
//! is marked read once the operator has the chat open (not only after a tab
//! switch or a live message), and read marks are stored: after a reload of
//! the desk, operator messages the visitor had read still show "Read".

use owidget_e2e::{Browser, TestServer};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_marks_follow_what_each_side_saw_and_survive_a_reload() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    let mut visitor = Visitor::connect(&server).await;
    visitor.status(0).await;
    desk_ready(&browser, &server).await;
    choose_availability(&browser, "online").await;
    visitor.status(1).await;

    // Two messages written while waiting (seq 1 and 2).
    let id = visitor.start_chat("Jana", "Hello?", json!({})).await;
    visitor
        .send(json!({ "type": "send", "clientId": "w-2", "text": "Anyone there?" }))
        .await;
    visitor
        .expect("the ack of the second message", |v| {
            v["type"] == "ack" && v["clientId"] == "w-2"
        })
        .await;
    let item = format!("#queue-list li[data-id=\"{id}\"]");
    click(&browser, &format!("{item} button.accept")).await;
    let read = visitor
        .expect("the operator's read mark of both", |v| {
            v["type"] == "read" && v["seq"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(read["seq"], 2);

    // The operator answers (seq 3); the visitor reads it.
    let chat = chat_css(&id);
    type_into(
        &browser,
        &format!("{chat} textarea"),
        &format!("Yes, hello!{ENTER}"),
    )
    .await;
    let m = visitor
        .expect("the answer", |v| {
            v["type"] == "message" && v["message"]["author"] == "operator"
        })
        .await;
    let seq = m["message"]["seq"].as_u64().expect("seq");
    visitor.send(json!({ "type": "read", "seq": seq })).await;
    let receipt = format!("{chat} .msg.operator .receipt");
    browser
        .wait_js(
            "Read on the answer",
            &format!("document.querySelector('{receipt}')?.textContent === 'Read'"),
        )
        .await;

    // A reload of the desk: the mark comes from the server.
    browser.goto(&format!("{}/desk/", server.url)).await;
    browser
        .wait_js(
            "Read on the answer after the reload",
            &format!("document.querySelector('{receipt}')?.textContent === 'Read'"),
        )
        .await;
}
