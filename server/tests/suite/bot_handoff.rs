//! External Bot, end to end over real HTTP (see `bot.rs`): transfer,
//! close, inactivity, failing bot apps, operators watching and taking over,
//! a restart in the middle of a conversation.

use crate::botapp;
use crate::common;

use std::time::Duration;

use botapp::flow::*;
use botapp::{text_reply, BotApp, Mode, RULE_SALES, RULE_SUPPORT};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn transfer_success_drops_the_rest_failure_continues_timeout_continues() {
    let (s, app) = setup("").await;
    let demo = s.login(DEMO, "demo").await;
    s.set_availability(&demo, "online").await;
    let transfer = |rule: &str, secs: u64| {
        json!({"type": "transfer", "distributionRule": rule,
               "transferOptions": {"timeout": {"unit": "seconds", "value": secs}}})
    };
    app.on(
        "a person",
        json!([transfer(RULE_SUPPORT, 30), text_reply("Transfer failed"), {"type": "close"}]),
    );
    app.on(
        "sales",
        json!([transfer(RULE_SALES, 30), text_reply("Nobody in sales"), {"type": "close"}]),
    );
    app.on(
        "slowly",
        json!([transfer(RULE_SUPPORT, 5), text_reply("Nobody answered")]),
    );

    // Success: the chat waits for support, the human accepts, history kept.
    let (mut w, id, _) = bot_chat(&s).await;
    send(
        &mut w,
        json!({"type": "send", "clientId": "p1", "text": "a person"}),
    )
    .await;
    wait_queued(&s, &demo, &id).await;
    let (st, v) = s.accept(&demo, &id).await;
    assert_eq!(st, 200, "{v}");
    let started = next_of(&mut w, "sessionStarted").await;
    assert_eq!(started["operatorName"], "Demo Operator");
    operator_says(&s, &demo, &id, "Hello, a human here").await;
    loop {
        let m = next_message(&mut w).await;
        assert_ne!(m["text"], "Transfer failed", "remaining replies dropped");
        if m["text"] == "Hello, a human here" {
            break;
        }
    }
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["a person", "Hello, a human here"]);

    // Failure: nobody in sales; the next replies play (message, close).
    let (mut w2, _, _) = bot_chat(&s).await;
    let got = say_and_collect(&mut w2, "sales", "Nobody in sales").await;
    assert_eq!(got.len(), 1);
    let ended = next_of(&mut w2, "sessionEnded").await;
    assert_eq!(ended["by"], "operator");

    // Timeout: support has room but nobody accepts within 5 s.
    let (mut w3, id3, _) = bot_chat(&s).await;
    let got = say_and_collect(&mut w3, "slowly", "Nobody answered").await;
    assert_eq!(got.len(), 1);
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    assert!(
        !q.as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id3.as_str()),
        "back with the bot"
    );
    app.assert_clean();
    s.stop().await;
}

/// The bot app fails: the visitor is told and the chat waits for support.
async fn failing(mode: Mode, extra: &str) {
    let (s, app) = setup(extra).await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, _) = bot_chat(&s).await;
    app.script(|s| s.mode = mode.clone());
    send(
        &mut w,
        json!({"type": "send", "clientId": "f1", "text": "help"}),
    )
    .await;
    loop {
        // Past the bot's 10 s timeout for the slow app.
        let m = next_message_within(&mut w, Duration::from_secs(20)).await;
        if m["author"] == "system" {
            assert!(
                m["text"]
                    .as_str()
                    .unwrap()
                    .contains("A person from our team"),
                "{m}"
            );
            break;
        }
        assert_eq!(m["author"], "visitor", "nothing from the bot: {m}");
    }
    wait_queued(&s, &demo, &id).await;
    s.stop().await;
}

#[tokio::test]
async fn a_down_bot_app_hands_the_chat_to_people() {
    failing(Mode::Status(503), "").await;
}

#[tokio::test]
async fn a_garbage_answer_hands_the_chat_to_people() {
    failing(Mode::Garbage, "").await;
}

#[tokio::test]
async fn a_bot_app_slower_than_10_s_hands_the_chat_to_people() {
    failing(Mode::Slow(Duration::from_millis(10_500)), "").await;
}

#[tokio::test]
async fn an_inactive_conversation_closes() {
    let (s, _app) = setup("bot_inactivity_close_secs = 1").await;
    let (mut w, _, _) = bot_chat(&s).await;
    say_and_collect(&mut w, "hi", "You said: hi").await;
    let ended = next_of(&mut w, "sessionEnded").await;
    assert_eq!(ended["by"], "operator");
    s.stop().await;
}

#[tokio::test]
async fn operators_watch_bot_chats_and_take_one_over() {
    let (s, app) = setup("").await;
    let demo = s.login(DEMO, "demo").await;
    let eva_like = s.login(DEMO, "solo").await;
    let (mut w, id, _) = bot_chat(&s).await;
    say_and_collect(&mut w, "hi", "You said: hi").await;
    let (_, chats) = s
        .call(Method::GET, "/api/operator/bot-chats", &demo, None)
        .await;
    assert_eq!(chats[0]["id"], id.as_str());
    assert_eq!(chats[0]["operator"], "ha-900");
    let (st, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(detail["messages"].as_array().unwrap().len(), 2);
    // Read-only: the operator cannot write in the bot's chat.
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/messages"),
            &demo,
            Some(json!({"text": "x"})),
        )
        .await;
    assert_eq!(st, 403);
    // Not online: refused.
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/take-over"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 409, "{v}");
    s.set_availability(&demo, "online").await;
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/take-over"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["operator"], "demo");
    let started = next_of(&mut w, "sessionStarted").await;
    assert_eq!(started["operatorName"], "Demo Operator");
    let before = app.heard().len();
    visitor_says(&mut w, "c9", "are you human?").await;
    operator_says(&s, &demo, &id, "yes").await;
    let m = loop {
        let m = next_message(&mut w).await;
        if m["author"] == "operator" {
            break m;
        }
    };
    assert_eq!(m["text"], "yes", "the bot no longer answers");
    assert_eq!(app.heard().len(), before);
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/take-over"),
            &eva_like,
            None,
        )
        .await;
    assert_eq!(st, 409, "no bot holds it any more");
    s.stop().await;
}

#[tokio::test]
async fn a_restart_in_an_await_sequence_replays_nothing() {
    let app = BotApp::start().await;
    app.on(
        "seq",
        json!([text_reply("A"), {"type": "await", "duration": {"unit": "seconds", "value": 2}}, text_reply("B")]),
    );
    let s = Server::start_with(app.config(""), None).await;
    let (mut w, id, token) = bot_chat(&s).await;
    say_and_collect(&mut w, "seq", "A").await;
    let data = s.stop().await;
    let s = Server::start_with(app.config(""), data).await;
    let mut w = s.widget("bot").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 2}),
    )
    .await;
    let r = next_of(&mut w, "resumed").await;
    assert_eq!(r["state"], "active");
    let m = next_message(&mut w).await;
    assert_eq!(m["text"], "B");
    assert_eq!(m["seq"], 3);
    let demo = s.login(DEMO, "demo").await;
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["seq", "A", "B"]);
    // The conversation goes on with the joined id.
    let got = say_and_collect(&mut w, "again", "You said: again").await;
    assert_eq!(got.len(), 1);
    assert!(app.heard().iter().filter(|h| h.kind == "create").count() == 1);
    app.assert_clean();
    s.stop().await;
}
