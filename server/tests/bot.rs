//! External Bot, end to end over real HTTP: the server drives a bot app
//! (`botapp`, written from the contract, checking every request) for
//! widget visitors; operators watch, receive transfers, take over.

mod botapp;
mod common;

use std::time::Duration;

use botapp::{text_reply, BotApp, Mode, RULE_SALES, RULE_SUPPORT};
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn setup(extra: &str) -> (Server, BotApp) {
    let app = BotApp::start().await;
    let s = Server::start_with(app.config(extra), None).await;
    (s, app)
}

/// A visitor on the bot preset, once the bot is available, with a chat the
/// bot took (`sessionStarted` by Shopbot). Returns (socket, id, token).
async fn bot_chat(s: &Server) -> (Ws, String, String) {
    let mut w = s.widget("bot").await;
    expect_status(&mut w, 1).await;
    let created = start_chat(&mut w).await;
    let started = next_of(&mut w, "sessionStarted").await;
    assert_eq!(started["operatorName"], "Shopbot");
    (
        w,
        created["sessionId"].as_str().unwrap().into(),
        created["token"].as_str().unwrap().into(),
    )
}

/// The next `message` pushed to the visitor.
async fn next_message(w: &mut Ws) -> Value {
    next_of(w, "message").await["message"].clone()
}

/// Visitor says `text`; returns the messages that follow until one with
/// `until` as text (inclusive), skipping the visitor's own.
async fn say_and_collect(w: &mut Ws, text: &str, until: &str) -> Vec<Value> {
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
        let done = m["text"] == until;
        out.push(m);
        if done {
            return out;
        }
    }
}

/// The next `message`, waiting up to `limit` (longer than [`WAIT`]).
async fn next_message_within(w: &mut Ws, limit: Duration) -> Value {
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let frame = tokio::time::timeout_at(deadline, w.next())
            .await
            .expect("a message within the limit")
            .expect("socket open")
            .expect("frame reads");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = frame {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "message" {
                return v["message"].clone();
            }
        }
    }
}

/// Waits (bounded) until the chat is in the operator's queue.
async fn wait_queued(s: &Server, token: &str, id: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, q) = s
            .call(Method::GET, "/api/operator/queue", token, None)
            .await;
        if q.as_array().unwrap().iter().any(|c| c["id"] == id) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{id} never queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn log_errors(s: &Server, token: &str) -> Vec<String> {
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/connector-log?limit=100",
            token,
            None,
        )
        .await;
    assert_eq!(st, 200);
    v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["plugin"] == "bot")
        .filter_map(|c| c["error"].as_str().map(str::to_string))
        .collect()
}

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
