//! Several chats at once, up to the operator's capacity.

use owidget_e2e::{Browser, TestServer};
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_chats_up_to_capacity() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    desk_ready(&browser, &server).await;
    choose_availability(&browser, "online").await;

    let mut a = Visitor::connect(&server).await;
    let mut b = Visitor::connect(&server).await;
    let mut c = Visitor::connect(&server).await;
    c.status(1).await;
    let id_a = a.start_chat("Alice", "first", json!({})).await;
    let id_b = b.start_chat("Bob", "second", json!({})).await;
    let id_c = c.start_chat("Cyril", "third", json!({})).await;
    browser
        .wait_js(
            "three waiting",
            "document.querySelectorAll('#queue-list li').length === 3 && \
             document.getElementById('queue-count').textContent === '3'",
        )
        .await;

    click(
        &browser,
        &format!("#queue-list li[data-id=\"{id_a}\"] button.accept"),
    )
    .await;
    a.expect("A started", |v| v["type"] == "sessionStarted")
        .await;
    click(
        &browser,
        &format!("#queue-list li[data-id=\"{id_b}\"] button.accept"),
    )
    .await;
    b.expect("B started", |v| v["type"] == "sessionStarted")
        .await;

    // At capacity: Cyril cannot be accepted, the button says busy.
    browser
        .wait_js(
            "accept disabled at capacity",
            &format!(
                "document.getElementById('load').textContent === '2 / 2 chats' && \
                 document.querySelector('#queue-list li[data-id=\"{id_c}\"] button.accept').disabled && \
                 !document.getElementById('queue-note').hidden && \
                 document.querySelectorAll('#chat-tabs .tab').length === 2"
            ),
        )
        .await;
    c.status(2).await;

    // Both chats are reachable by their tabs, each with its own messages.
    click(&browser, &format!(".tab[data-view=\"chat:{id_a}\"]")).await;
    browser
        .wait_js(
            "Alice's chat on screen",
            &format!(
                "!document.querySelector('{}').hidden && document.querySelector('{}').hidden && \
                 document.querySelector('{} .msg.visitor .text').textContent === 'first'",
                chat_css(&id_a),
                chat_css(&id_b),
                chat_css(&id_a)
            ),
        )
        .await;
    b.send(json!({ "type": "send", "clientId": "b-1", "text": "are you there?" }))
        .await;
    browser
        .wait_js(
            "unread badge on Bob's tab",
            &format!(
                "document.querySelector('.tab[data-view=\"chat:{id_b}\"] .badge')?.textContent === '1'"
            ),
        )
        .await;

    // The visitor ends: the desk says so and a place frees up.
    a.send(json!({ "type": "endChat" })).await;
    browser
        .wait_js(
            "Alice's chat ended by the visitor, Cyril acceptable again",
            &format!(
                "document.querySelector('{} .chat-state').textContent === 'The visitor ended the chat.' && \
                 !document.querySelector('#queue-list li[data-id=\"{id_c}\"] button.accept').disabled",
                chat_css(&id_a)
            ),
        )
        .await;
    click(&browser, &format!("{} button.close", chat_css(&id_a))).await;
    browser
        .wait_js(
            "Alice's tab closed, Bob's chat shown",
            &format!(
                "document.querySelectorAll('#chat-tabs .tab').length === 1 && \
                 !document.querySelector('{}').hidden",
                chat_css(&id_b)
            ),
        )
        .await;

    // Transfer back to the queue: Bob leaves the desk and waits first in line.
    click(&browser, &format!("{} .transfer summary", chat_css(&id_b))).await;
    click(
        &browser,
        &format!("{} .transfer-form button", chat_css(&id_b)),
    )
    .await;
    b.expect("back in the queue", |v| {
        v["type"] == "queue" && v["position"] == 1
    })
    .await;
    browser
        .wait_js(
            "Bob back in the queue, no chat left",
            &format!(
                "document.querySelectorAll('#chat-tabs .tab').length === 0 && \
                 !document.querySelector('{}') && \
                 document.querySelector('#queue-list li').dataset.id === '{id_b}' && \
                 document.getElementById('load').textContent === '0 / 2 chats'",
                chat_css(&id_b)
            ),
        )
        .await;
    browser.close().await;
}
