//! The demo bot (part of the demo connector, called over HTTP, verifying
//! signatures) on the demo company's `bot` preset: greets, answers with a
//! carousel, hands a visitor who asks for a person to the support group,
//! and falls back with a message and a close when nobody is there.

use crate::common;

use common::*;
use owidget_server::{demo, demo_connector};
use reqwest::Method;
use serde_json::{json, Value};

async fn next_message(w: &mut Ws) -> Value {
    next_of(w, "message").await["message"].clone()
}

/// Messages after the visitor's `text` until one whose text starts with `until`.
async fn ask(w: &mut Ws, text: &str, until: &str) -> Vec<Value> {
    send(
        w,
        json!({"type": "send", "clientId": format!("c-{text}"), "text": text}),
    )
    .await;
    let mut out = Vec::new();
    loop {
        let m = next_message(w).await;
        if m["author"] == "visitor" {
            continue;
        }
        let done = m["text"].as_str().unwrap().starts_with(until);
        out.push(m);
        if done {
            return out;
        }
    }
}

#[tokio::test]
async fn the_demo_bot_greets_shows_a_carousel_and_transfers_to_support() {
    let secret = "demo-secret-for-the-bot-tests".to_string();
    let running = demo_connector::start(secret.clone()).await.unwrap();
    let config = demo::with_connector(demo::config(), &running.base, &secret);
    let s = Server::start_with(config, None).await;
    let r = s
        .http
        .post(s.url("/api/operator/login"))
        .json(&json!({"company": DEMO, "username": demo::USERNAME, "password": demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();

    let mut w = s.widget("bot").await;
    expect_status(&mut w, 1).await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    assert_eq!(
        next_of(&mut w, "sessionStarted").await["operatorName"],
        "Shop assistant"
    );
    let hello = next_message(&mut w).await;
    assert!(hello["text"]
        .as_str()
        .unwrap()
        .contains("demo shop assistant"));
    assert_eq!(
        hello["bot"]["quickReplies"],
        json!(["Opening hours", "Show me shoes", "Talk to a person"])
    );
    // The quick reply's value comes back as the visitor's message.
    let got = ask(&mut w, "Show me shoes", "Anything else?").await;
    let carousel = got
        .iter()
        .find(|m| m["carousel"].is_object())
        .expect("a carousel");
    let cards = carousel["carousel"]["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 3);
    assert!(cards[0]["imageUrl"]
        .as_str()
        .unwrap()
        .starts_with(&running.base));
    assert!(cards[0]["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/shop/", running.base)));

    // A person: the chat waits in support's queue with the bot's history.
    s.set_availability(&token, "online").await;
    ask(&mut w, "Talk to a person", "Let me find a colleague").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, q) = s
            .call(Method::GET, "/api/operator/queue", &token, None)
            .await;
        if q.as_array().unwrap().iter().any(|c| c["id"] == id.as_str()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never queued for support"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (st, _) = s.accept(&token, &id).await;
    assert_eq!(st, 200);
    assert_eq!(
        next_of(&mut w, "sessionStarted").await["operatorName"],
        "Demo Operator"
    );
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &token,
            None,
        )
        .await;
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Show me shoes") && texts.contains(&"Talk to a person"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("Hi! I am the")),
        "{texts:?}"
    );

    // Nobody free: a message and a close.
    s.set_availability(&token, "away").await;
    let mut w2 = s.widget("bot").await;
    start_chat(&mut w2).await;
    next_of(&mut w2, "sessionStarted").await;
    ask(&mut w2, "I want a human", "Sorry, nobody is free").await;
    next_of(&mut w2, "sessionEnded").await;
    s.stop().await;
}
