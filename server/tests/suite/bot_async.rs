//! External Bot, asynchronous replies (contract §4.7), end to end over real
//! HTTP: the bot app (`botapp`) answers `POST /conversations/:id/messages`
//! with empty `replies`, then logs in with `POST /oauth2/token` and sends
//! its messages and actions with `chatbotMessageSend` on `POST /graphql`,
//! as Tock's iAdvize connector does, written from the public wire shapes
//! only (`Iadvize` below: what a bot app has, pointed at our base URL).

use crate::botapp;
use crate::common;

use botapp::flow::*;
use botapp::{BotApp, Heard, BOT, RULE_SALES, RULE_SUPPORT};
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const API_USER: &str = "bot-api@shop.example";
const API_PASSWORD: &str = "correct horse battery";
const PREVIEW: &str = "application/vnd.iadvize.automation-chatbot-conversation-preview+json";

/// The mutation as a GraphQL client library writes it: variables typed by
/// the public schema's names.
const SEND: &str = "mutation SendProactiveActionOrMessage($conversationId: UUID!, $chatBotId: Int!, \
$actionOrMessage: ChatbotActionOrMessageInput!) {
  chatbotMessageSend(input: {conversationId: $conversationId, chatbotId: $chatBotId, actionOrMessage: $actionOrMessage}) {
    userErrors { field message }
  }
}";

const RULE_AVAILABLE: &str = "query RoutingRule($id: UUID!) {
  routingRule(id: $id) { availability { chat { isAvailable } } }
}";

/// The bot app's client of iAdvize's public API.
struct Iadvize {
    base: String,
    http: reqwest::Client,
    token: String,
}

async fn login(
    base: &str,
    username: &str,
    password: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("username", username),
            ("password", password),
            ("grant_type", "password"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

impl Iadvize {
    async fn login(s: &Server) -> Iadvize {
        let (st, v, _) = login(&s.base, API_USER, API_PASSWORD).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["token_type"], "bearer");
        assert_eq!(v["expires_in"], 86400);
        let token = v["access_token"].as_str().unwrap().to_string();
        Iadvize {
            base: s.base.clone(),
            http: reqwest::Client::new(),
            token,
        }
    }

    async fn graphql(&self, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .header("accept", PREVIEW)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// `chatbotMessageSend` → its `userErrors`.
    async fn send(&self, conversation: &str, action_or_message: Value) -> Value {
        let (st, v) = self
            .graphql(json!({
                "query": SEND,
                "operationName": "SendProactiveActionOrMessage",
                "variables": {"conversationId": conversation, "chatBotId": 900,
                              "actionOrMessage": action_or_message},
            }))
            .await;
        assert_eq!(st, 200, "{v}");
        assert!(v.get("errors").is_none(), "{v}");
        v["data"]["chatbotMessageSend"]["userErrors"].clone()
    }

    async fn rule_available(&self, rule: &str) -> Value {
        let (st, v) = self
            .graphql(json!({"query": RULE_AVAILABLE, "variables": {"id": rule}}))
            .await;
        assert_eq!(st, 200, "{v}");
        v["data"]["routingRule"]["availability"]["chat"]["isAvailable"].clone()
    }
}

fn text(t: &str) -> Value {
    json!({"chatbotMessage": {"chatbotSimpleTextMessage": t}})
}

/// A server whose bot app answers `silent` with no replies, with an API user.
async fn start() -> (Server, BotApp) {
    let hash = owidget_server::demo::hash_password(API_PASSWORD);
    let extra =
        format!("[[companies.api_users]]\nusername = \"{API_USER}\"\npassword_hash = \"{hash}\"\n");
    let (s, app) = setup(&extra).await;
    app.on("silent", json!([]));
    (s, app)
}

/// A bot chat where the visitor said `silent` and the bot app got it:
/// (socket, session, the `idConversation` the bot app knows).
async fn silent_chat(s: &Server, app: &BotApp) -> (Ws, String, String) {
    let before = app.heard().iter().filter(|h| h.kind == "create").count();
    let (mut w, id, _) = bot_chat(s).await;
    send(
        &mut w,
        json!({"type": "send", "clientId": "c-silent", "text": "silent"}),
    )
    .await;
    let heard = app
        .wait_heard("the visitor's message", |h: &[Heard]| {
            h.iter().filter(|h| h.kind == "create").count() > before
                && h.last()
                    .is_some_and(|m| m.kind == "message" && m.text == "silent")
        })
        .await;
    let conversation = heard
        .iter()
        .rev()
        .find(|h| h.kind == "create")
        .unwrap()
        .conversation
        .clone();
    (w, id, conversation)
}

/// The next message from the bot (the visitor's own skipped).
async fn bot_message(w: &mut Ws) -> Value {
    loop {
        let m = next_message(w).await;
        if m["author"] != "visitor" {
            return m;
        }
    }
}

#[tokio::test]
async fn empty_replies_then_graphql_messages_reach_the_visitor_in_order() {
    let (s, app) = start().await;
    let api = Iadvize::login(&s).await;
    let r = reqwest::Client::new()
        .get(s.url("/_authenticated"))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (mut w, id, conversation) = silent_chat(&s, &app).await;
    assert_eq!(api.send(&conversation, text("One")).await, json!([]));
    assert_eq!(
        api.send(&conversation, text("Two, **bold**")).await,
        json!([])
    );
    let menu = json!({"chatbotMessage": {"chatbotMessageAttachmentInput": {
        "quickReplyMenu": {"message": "Pick one", "choices": ["Opening hours", "A person"]}}}});
    assert_eq!(api.send(&conversation, menu).await, json!([]));

    let one = bot_message(&mut w).await;
    assert_eq!(one["text"], "One");
    assert_eq!(one["name"], "Shopbot");
    let two = bot_message(&mut w).await;
    assert_eq!(two["text"], "Two, **bold**");
    assert_eq!(two["bot"]["markdown"], true);
    let pick = bot_message(&mut w).await;
    assert_eq!(pick["text"], "Pick one");
    assert_eq!(
        pick["bot"]["quickReplies"],
        json!(["Opening hours", "A person"])
    );
    assert!(
        one["seq"].as_u64() < two["seq"].as_u64() && two["seq"].as_u64() < pick["seq"].as_u64()
    );

    // Stored before acknowledged: the desk's transcript has them all.
    let demo = s.login(DEMO, "demo").await;
    let texts = transcript(&s, &demo, &id).await;
    assert_eq!(texts, ["silent", "One", "Two, **bold**", "Pick one"]);

    // The replies in a `messages` answer still work beside them.
    let got = say_and_collect(&mut w, "hello", "You said: hello").await;
    assert_eq!(got.len(), 1);
    // Each message the bot app sent was echoed to it as an operator message.
    app.wait_heard("the echo of the GraphQL messages", |h| {
        h.iter()
            .any(|m| m.role == "operator" && m.text == "Pick one")
    })
    .await;

    // A 451-character text is refused like a reply would be.
    let long = "x".repeat(451);
    let errs = api.send(&conversation, text(&long)).await;
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("limit is 450"),
        "{errs}"
    );

    // Each call is in the company's connector log.
    let (_, log) = s
        .call(
            Method::GET,
            "/api/operator/connector-log?limit=100",
            &demo,
            None,
        )
        .await;
    let graphql: Vec<&Value> = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["url"].as_str().unwrap().ends_with("/graphql"))
        .collect();
    assert_eq!(graphql.len(), 4, "{log}");
    assert!(log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| { c["url"].as_str().unwrap().ends_with("/oauth2/token") && c["ok"] == true }));
    assert!(graphql.iter().any(|c| c["ok"] == false));
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn a_message_sent_while_the_app_still_answers_is_published_at_once() {
    let (s, app) = start().await;
    let api = Iadvize::login(&s).await;
    let (mut w, _, conversation) = silent_chat(&s, &app).await;
    // The app holds its answer to the next message for 9 s (under the 10 s
    // timeout) and sends a message through the API meanwhile.
    app.script(|s| s.mode = botapp::Mode::Slow(std::time::Duration::from_secs(9)));
    send(
        &mut w,
        json!({"type": "send", "clientId": "c-2", "text": "again"}),
    )
    .await;
    app.wait_heard("the second message", |h| {
        h.iter().any(|m| m.kind == "message" && m.text == "again")
    })
    .await;
    assert_eq!(api.send(&conversation, text("Meanwhile")).await, json!([]));
    assert_eq!(bot_message(&mut w).await["text"], "Meanwhile");
    let m = next_message_within(&mut w, std::time::Duration::from_secs(20)).await;
    assert_eq!(m["text"], "You said: again");
    app.script(|s| s.mode = botapp::Mode::Normal);
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn routing_rule_availability_then_transfer_and_close_by_action() {
    let (s, app) = start().await;
    let api = Iadvize::login(&s).await;
    let demo = s.login(DEMO, "demo").await;
    assert_eq!(api.rule_available(RULE_SUPPORT).await, false);
    s.set_availability(&demo, "online").await;
    assert_eq!(api.rule_available(RULE_SUPPORT).await, true);
    assert_eq!(api.rule_available(RULE_SALES).await, false);
    let (_, unknown) = api
        .graphql(json!({"query": RULE_AVAILABLE,
                        "variables": {"id": "00000000-0000-4000-8000-000000000000"}}))
        .await;
    assert_eq!(unknown["data"]["routingRule"], Value::Null);

    // Transfer to support: a human accepts; the bot lets go.
    let (mut w, id, conversation) = silent_chat(&s, &app).await;
    let transfer = json!({"chatbotAction": {"transferMessage": {
        "routingRuleId": RULE_SUPPORT, "transferOptions": {"timeout": 30}}}});
    assert_eq!(api.send(&conversation, transfer).await, json!([]));
    wait_queued(&s, &demo, &id).await;
    let (st, v) = s.accept(&demo, &id).await;
    assert_eq!(st, 200, "{v}");
    let started = next_of(&mut w, "sessionStarted").await;
    assert_eq!(started["operatorName"], "Demo Operator");
    // Now a person's conversation: the bot may no longer write in it.
    let errs = api.send(&conversation, text("Still there?")).await;
    assert_eq!(errs[0]["field"], json!(["conversationId"]), "{errs}");
    assert!(errs[0]["message"]
        .as_str()
        .unwrap()
        .contains("transferred to a person"));

    // Close.
    let (mut w2, _, conversation2) = silent_chat(&s, &app).await;
    let close = json!({"chatbotAction": {"closeMessage": {"_unusedField": false}}});
    assert_eq!(api.send(&conversation2, close).await, json!([]));
    let ended = next_of(&mut w2, "sessionEnded").await;
    assert_eq!(ended["by"], "operator");
    let errs = api.send(&conversation2, text("Bye")).await;
    assert_eq!(errs[0]["field"], json!(["conversationId"]), "{errs}");
    app.assert_clean();
    s.stop().await;
}

#[tokio::test]
async fn bad_tokens_logins_documents_and_conversations_are_refused() {
    let (s, app) = start().await;
    // Wrong credentials, wrong grant: OAuth errors.
    let (st, v, _) = login(&s.base, API_USER, "wrong").await;
    assert_eq!(st, 400, "{v}");
    assert_eq!(v["error"], "invalid_grant");
    let (st, v, _) = login(&s.base, "nobody@shop.example", API_PASSWORD).await;
    assert_eq!((st, v["error"].as_str()), (400, Some("invalid_grant")));
    let r = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .form(&[
            ("username", API_USER),
            ("password", API_PASSWORD),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "unsupported_grant_type");

    // Bad token: 401 on both endpoints.
    let bad = Iadvize {
        base: s.base.clone(),
        http: reqwest::Client::new(),
        token: "0".repeat(64),
    };
    let (st, v) = bad.graphql(json!({"query": SEND})).await;
    assert_eq!(st, 401, "{v}");
    assert!(v["errors"][0]["message"].is_string());
    let r = reqwest::Client::new()
        .get(s.url("/_authenticated"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = reqwest::Client::new()
        .get(s.url("/_authenticated"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let api = Iadvize::login(&s).await;
    // Malformed documents and unknown fields: `errors`, no `data`, nothing run.
    for (query, want) in [
        ("mutation { chatbotMessageSend(input: {", "syntax error"),
        (
            "{ routingRule(id: \"x\") { availability { chat { isAvailable colour } } } }",
            "\"colour\"",
        ),
        (
            "{ conversations { id } }",
            "Cannot query field \"conversations\" on type \"Query\"",
        ),
        (
            "mutation { chatbotMessageSend { userErrors { message } } }",
            "\"input\" is required",
        ),
        (
            "subscription { messages { id } }",
            "subscriptions are not supported",
        ),
    ] {
        let (st, v) = api.graphql(json!({"query": query})).await;
        assert_eq!(st, 200, "{query}: {v}");
        assert!(v.get("data").is_none(), "{query}: {v}");
        let msg = v["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(want), "{query}: {v}");
    }
    let (st, v) = api
        .graphql(json!({"query": SEND, "variables": {"conversationId": "c",
        "chatBotId": 900, "actionOrMessage": {"chatbotMessage": {"colour": "red"}}}}))
        .await;
    assert_eq!(st, 200);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"colour\""),
        "{v}"
    );
    // Not JSON: 400 with errors; too large: 413.
    let r = api
        .http
        .post(s.url("/graphql"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["errors"][0]["message"].is_string());
    let big = json!({"query": SEND, "variables": {"pad": "x".repeat(70 * 1024)}});
    let (st, v) = api.graphql(big).await;
    assert_eq!(st, 413, "{v}");

    // Unknown conversation, unknown chatbot, a conversation not started:
    // userErrors.
    let errs = api
        .send("00000000-0000-4000-8000-000000000000", text("Hi"))
        .await;
    assert_eq!(errs[0]["field"], json!(["conversationId"]), "{errs}");
    let (_, _, conversation) = silent_chat(&s, &app).await;
    let (_, v) = api
        .graphql(
            json!({"query": SEND, "variables": {"conversationId": conversation,
            "chatBotId": 901, "actionOrMessage": text("Hi")}}),
        )
        .await;
    assert_eq!(
        v["data"]["chatbotMessageSend"]["userErrors"][0]["field"],
        json!(["chatbotId"]),
        "{v}"
    );
    let both = json!({"chatbotMessage": {"chatbotSimpleTextMessage": "a"},
                      "chatbotAction": {"closeMessage": {}}});
    let errs = api.send(&conversation, both).await;
    assert_eq!(errs[0]["field"], json!(["actionOrMessage"]), "{errs}");
    let transfer = json!({"chatbotAction": {"transferMessage": {
        "routingRuleId": "00000000-0000-4000-8000-000000000000"}}});
    let errs = api.send(&conversation, transfer).await;
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("distribution rule"),
        "{errs}"
    );
    assert!(BOT.ends_with("900"));

    // The limits: 10 logins a minute per user, then 429 with Retry-After.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (st, _, headers) = login(&s.base, "limited@shop.example", "x").await;
        if st == 429 {
            assert!(headers.get("retry-after").is_some());
        }
        statuses.push(st);
    }
    assert_eq!(statuses[..10], [400; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429, 429], "{statuses:?}");
    app.assert_clean();
    s.stop().await;
}
