//! External Bot, end to end over real HTTP: the server drives a bot app
//! (`botapp`, written from the contract, checking every request) for
//! widget visitors. This file: configuration flow, availability, first
//! messages, the conversation calls and every reply type, `await`.

use crate::botapp;
use crate::common;

use std::time::Duration;

use botapp::flow::*;
use botapp::{text_reply, BotApp, RULE_SALES, RULE_SUPPORT};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn configuration_flow_then_each_strategy_drives_the_button() {
    let (s, app) = setup("").await;
    let mut w = s.widget("bot").await;
    expect_status(&mut w, 1).await;
    let paths = app.paths();
    assert_eq!(
        &paths[..4],
        [
            "GET /external-bots",
            "PUT /bots/ha-900",
            "GET /bots/ha-900",
            "GET /availability-strategies"
        ]
    );
    let token = s.login(DEMO, "demo").await;
    let (st, bots) = s
        .call(Method::GET, "/api/operator/bots", &token, None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(bots[0]["idOperator"], "ha-900");
    assert_eq!(bots[0]["configured"], true);
    assert_eq!(bots[0]["available"], true);

    app.script(|s| s.strategy = json!([{"strategy": "notAvailable"}]));
    expect_status(&mut w, 0).await;
    // atLeastOne of the support rule: available once a support human is.
    app.script(|s| {
        s.strategy = json!([{"strategy": "atLeastOne", "distributionRulesToCheck": [RULE_SUPPORT]}])
    });
    s.set_availability(&token, "online").await;
    expect_status(&mut w, 1).await;
    // all of support and sales: sales has nobody online.
    app.script(|s| {
        s.strategy =
            json!([{"strategy": "all", "distributionRulesToCheck": [RULE_SUPPORT, RULE_SALES]}])
    });
    expect_status(&mut w, 0).await;
    let solo = s.login(DEMO, "solo").await;
    s.set_availability(&solo, "online").await;
    expect_status(&mut w, 1).await;
    app.script(|s| s.strategy = json!([{"strategy": "customAvailability", "availability": false}]));
    expect_status(&mut w, 0).await;
    app.script(|s| s.strategy = json!([{"strategy": "customAvailability", "availability": true}]));
    expect_status(&mut w, 1).await;
    // A bad answer means unavailable, and is in the call log.
    app.script(|s| s.strategy = json!({"strategy": "all"}));
    expect_status(&mut w, 0).await;
    assert!(log_errors(&s, &token)
        .await
        .iter()
        .any(|e| e.contains("bot/availability-strategies.json")));
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn a_missing_scenario_keeps_the_bot_unavailable() {
    let app = BotApp::start().await;
    app.script(|s| {
        s.scenarios = json!([{"idBot": "other", "name": "x", "editorUrl": "https://e/x"}])
    });
    let s = Server::start_with(app.config(""), None).await;
    let token = s.login(DEMO, "demo").await;
    let mut w = s.widget("bot").await;
    expect_status(&mut w, 0).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, bots) = s
            .call(Method::GET, "/api/operator/bots", &token, None)
            .await;
        if let Some(e) = bots[0]["error"].as_str() {
            assert!(e.contains("no scenario \"scenario-1\""), "{e}");
            assert_eq!(bots[0]["configured"], false);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no error reported");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!app.paths().iter().any(|p| p.starts_with("PUT")));
    s.stop().await;
}

#[tokio::test]
async fn first_messages_show_before_the_visitor_writes_and_late_ones_never() {
    let (s, app) = setup("").await;
    app.script(|s| {
        s.first = json!({"replies": [
            {"type": "message", "payload": {"contentType": "text", "value": "Hi, I am **Shopbot**"},
             "quickReplies": [{"contentType": "text/quick-reply", "value": "Opening hours"},
                              {"contentType": "text/quick-reply", "value": "A person"}]},
            {"type": "close"}
        ]})
    });
    let (mut w, _id, _) = bot_chat(&s).await;
    let m = next_message(&mut w).await;
    assert_eq!(m["text"], "Hi, I am **Shopbot**");
    assert_eq!(m["author"], "operator");
    assert_eq!(m["name"], "Shopbot");
    assert_eq!(m["bot"]["markdown"], true);
    assert_eq!(
        m["bot"]["quickReplies"],
        json!(["Opening hours", "A person"])
    );
    // A quick reply is the visitor's plain message.
    let got = say_and_collect(&mut w, "Opening hours", "You said: Opening hours").await;
    assert_eq!(got.len(), 1);

    // Beyond 2 s: no greeting; the visitor's message is still answered.
    app.script(|s| s.first_delay = Duration::from_millis(2500));
    let (mut w2, _, _) = bot_chat(&s).await;
    let got = say_and_collect(&mut w2, "hello", "You said: hello").await;
    assert_eq!(got.len(), 1, "no late greeting: {got:?}");
    let token = s.login(DEMO, "demo").await;
    assert!(log_errors(&s, &token)
        .await
        .iter()
        .any(|e| e == "timed out after 2000 ms"));
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn create_then_messages_with_echo_and_every_reply_type_in_order() {
    let (s, app) = setup("").await;
    let long = "x".repeat(451);
    let link = |u: &str| json!([{"type": "LINK", "name": "Open", "url": u}]);
    let offer = |n: &str| {
        json!({"name": n, "price": "99 €", "offerPrice": "79 €",
        "description": "Light", "image": {"url": "https://shop.example/x.png", "description": "Shoe"},
        "availability": {"status": "AVAILABLE"}, "actions": link("https://shop.example/x")})
    };
    app.on(
        "show me",
        json!([
            text_reply("**Bold** and <b>markup</b>"),
            {"type": "await", "duration": {"unit": "millis", "value": 50}},
            {"type": "message", "payload": {"contentType": "card/content", "title": "Guide",
                "text": "How to choose", "image": {"url": "https://shop.example/g.png", "description": "Guide"},
                "actions": link("https://shop.example/guide")}},
            {"type": "message", "payload": {"contentType": "product-offer", "name": "Trail X",
                "price": "99 €", "offerPrice": "79 €", "availability": {"status": "AVAILABLE"},
                "actions": link("https://shop.example/x")}},
            {"type": "message", "payload": {"contentType": "file", "fileName": "shoe.png",
                "mimeType": "image/png", "url": "https://shop.example/shoe.png"}},
            {"type": "message", "payload": {"contentType": "file", "fileName": "terms.pdf",
                "mimeType": "application/pdf", "url": "https://shop.example/terms.pdf"}},
            {"type": "dance"},
            {"type": "message", "payload": {"contentType": "video", "url": "https://x/v"}},
            text_reply(&long),
            {"type": "message", "payload": {"contentType": "bundle/product-offer",
                "offers": [offer("Offer A"), offer("Offer B")]}},
            text_reply("done")
        ]),
    );
    let (mut w, id, _) = bot_chat(&s).await;
    let got = say_and_collect(&mut w, "show me", "done").await;
    let texts: Vec<&str> = got.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "**Bold** and <b>markup</b>",
            "Guide",
            "Trail X",
            "shoe.png",
            "terms.pdf",
            "Offer A · Offer B",
            "done"
        ]
    );
    assert_eq!(got[0]["bot"]["markdown"], true);
    assert_eq!(got[1]["card"]["kind"], "content");
    assert_eq!(got[1]["card"]["text"], "How to choose");
    assert_eq!(got[1]["card"]["imageAlt"], "Guide");
    assert_eq!(
        got[1]["card"]["actions"],
        json!([{"title": "Open", "url": "https://shop.example/guide"}])
    );
    assert_eq!(got[2]["card"]["kind"], "product");
    assert_eq!(got[2]["card"]["url"], "https://shop.example/x");
    assert_eq!(got[2]["card"]["price"], "99 €");
    assert_eq!(got[2]["card"]["offerPrice"], "79 €");
    assert_eq!(got[2]["card"]["available"], true);
    assert_eq!(got[3]["bot"]["file"]["mimeType"], "image/png");
    assert_eq!(
        got[4]["bot"]["file"]["url"],
        "https://shop.example/terms.pdf"
    );
    // The app heard: create (with the history), then the visitor message,
    // then every published reply as an `operator` message (the echo).
    let heard = app
        .wait_heard("the echo of 'done'", |h| {
            h.iter().any(|x| x.role == "operator" && x.text == "done")
        })
        .await;
    assert_eq!(heard[0].kind, "create");
    let uuid = heard[0].conversation.clone();
    assert_eq!(
        uuid.replace('-', ""),
        id,
        "idConversation is the chat id as a UUID"
    );
    assert_eq!(
        (
            heard[1].kind,
            heard[1].role.as_str(),
            heard[1].text.as_str()
        ),
        ("message", "visitor", "show me")
    );
    assert!(
        heard[1..].iter().all(|h| h.conversation == "app-conv-1"),
        "the app's own id is joined"
    );
    let echoed: Vec<&str> = heard[2..].iter().map(|h| h.text.as_str()).collect();
    assert_eq!(echoed, texts);
    let token = s.login(DEMO, "demo").await;
    let errors = log_errors(&s, &token).await;
    for want in [
        "unknown reply type \"dance\"",
        "unknown payload contentType \"video\"",
        "text of 451 characters refused (the limit is 450)",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{want} in {errors:?}"
        );
    }
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn a_visitor_message_cancels_pending_replies() {
    let (s, app) = setup("").await;
    app.on(
        "wait",
        json!([text_reply("one"), {"type": "await", "duration": {"unit": "millis", "value": 1500}}, text_reply("two")]),
    );
    app.on(
        "stop",
        json!([{"type": "await", "duration": {"unit": "seconds", "value": 2}}, text_reply("late")]),
    );
    let (mut w, _, _) = bot_chat(&s).await;
    say_and_collect(&mut w, "wait", "one").await;
    let got = say_and_collect(&mut w, "stop", "late").await;
    let texts: Vec<&str> = got.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["late"], "\"two\" was cancelled");
    s.stop().await;
}
