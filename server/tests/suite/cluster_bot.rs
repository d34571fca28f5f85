//! Issue 13, the External Bot across instances: two real `owidget-server`
//! processes (A and B) on one fresh PostgreSQL database and one broker (a
//! private redis-server), and the test bot app (`botapp`). One instance
//! drives the bot (its lease in `bot_leases`); the visitor is on the other.
//!
//! - the whole bot conversation crosses instances both ways, each reply
//!   reaches the visitor once, and the bot app is configured once and
//!   hears each visitor message once;
//! - a human on the visitor's instance takes the chat over, or accepts it
//!   after the bot's transfer, or the visitor ends it: the driver's
//!   conversation stops;
//! - the driving instance is `kill -9`ed while replies are pending: the
//!   other one takes the bot over when the lease expires and plays the
//!   rest, neither losing nor replaying a reply, then answers the visitor.
//!
//! Waits are bounded; a takeover gets [`CONVERGE`].

use crate::botapp;
use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use botapp::{text_reply, BotApp, BOT, RULE_SUPPORT, SCENARIO, SECRET, VERSION, WEBSITE};
use common::instances::{all_stored, cluster_toml, seq_counts, BrokerKind, Cluster, Peer};
use common::{pg, Server, DEMO};
use reqwest::Method;
use serde_json::{json, Value};

/// Longest time a takeover may take (the lease's TTL, 5 s here, and a
/// renewal, then the resume), with room for a loaded machine.
const CONVERGE: Duration = Duration::from_secs(30);

/// Two instances with the bot `ha-900` on preset `bot`, a human `op` of
/// group `support`, and a lease TTL of 5 s (shorter than the default 15 s
/// for a quick takeover; long enough that a loaded machine's slow renewal
/// does not move the bot between instances mid-test).
async fn cluster(app: &BotApp) -> Cluster {
    let toml = format!(
        r#"{}
[companies.connector]
id_connector_version = "{VERSION}"
id_website = "{WEBSITE}"
secret = "{SECRET}"
bot_url = "{}/"
bot_poll_interval_ms = 100
[[companies.bots]]
id_operator = "{BOT}"
name = "Shopbot"
language = "en"
id_bot = "{SCENARIO}"
groups = ["bot"]
[[companies.bots.distribution_rules]]
id = "{RULE_SUPPORT}"
label = "Support"
group = "support"
[[companies.presets]]
name = "bot"
groups = ["bot"]

[presence]
ttl_secs = 5
reconcile_secs = 1
"#,
        cluster_toml(&[("op", 3)]),
        app.base
    );
    Cluster::start(&toml, BrokerKind::Redis).await
}

/// The desk's view of the bot on `s`.
async fn bot_status(s: &Server, token: &str) -> Value {
    let (st, bots) = s.call(Method::GET, "/api/operator/bots", token, None).await;
    assert_eq!(st, 200, "GET /bots: {bots}");
    bots[0].clone()
}

/// Waits until exactly one instance drives the configured, available bot
/// and the other one shows it configured and available too; true when A
/// drives it.
async fn driver(c: &Cluster) -> bool {
    let (ta, tb) = (c.a.login(DEMO, "op").await, c.b.login(DEMO, "op").await);
    let deadline = tokio::time::Instant::now() + CONVERGE;
    loop {
        let (a, b) = (bot_status(&c.a, &ta).await, bot_status(&c.b, &tb).await);
        let ready = |v: &Value| v["configured"] == true && v["available"] == true;
        if ready(&a) && ready(&b) && a["drivenHere"] != b["drivenHere"] {
            return a["drivenHere"] == true;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no single driver of the bot: A {a}, B {b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A visitor on `s` whose chat the bot took; returns (socket, session id).
async fn bot_chat(s: &Server) -> (Peer, String) {
    let mut w = Peer::new(s.widget("bot").await);
    w.wait_from(0, CONVERGE, "the bot preset online", |f| {
        f["type"] == "status" && f["status"] == 1
    })
    .await;
    let start = json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"});
    assert!(w.send(start).await);
    let created = w
        .wait("sessionCreated", |f| {
            f["type"] == "sessionCreated" || f["type"] == "error"
        })
        .await;
    assert_eq!(created["type"], "sessionCreated", "{created}");
    let started = w
        .wait_from(0, CONVERGE, "the bot takes the chat", |f| {
            f["type"] == "sessionStarted"
        })
        .await;
    assert_eq!(started["operatorName"], "Shopbot");
    (w, created["sessionId"].as_str().unwrap().to_string())
}

/// The visitor says `text` (acknowledged), then waits for a bot message
/// `until`; returns the texts of the bot's messages after the visitor's.
async fn say(w: &mut Peer, text: &str, until: &str, within: Duration) -> Vec<String> {
    let from = w.log.len();
    let sent = json!({"type": "send", "clientId": format!("c-{text}"), "text": text});
    assert!(w.send(sent).await, "visitor socket open");
    let ack = w
        .wait_from(from, common::WAIT, "ack", |f| {
            f["type"] == "ack" || f["type"] == "error"
        })
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    w.wait_from(from, within, &format!("bot says {until:?}"), |f| {
        f["type"] == "message" && f["message"]["text"] == until
    })
    .await;
    bot_texts(&w.log[from..])
}

fn bot_texts(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|f| f["type"] == "message" && f["message"]["author"] == "operator")
        .map(|f| f["message"]["text"].as_str().unwrap_or("").to_string())
        .collect()
}

/// How often the bot app heard each visitor text.
fn heard_visitor(app: &BotApp) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for h in app.heard().iter().filter(|h| h.role == "visitor") {
        *n.entry(h.text.clone()).or_insert(0) += 1;
    }
    n
}

/// Waits until the driver's conversation of `id` ended (its progress row
/// in `bot_conversations` is gone).
async fn let_go(c: &Cluster, id: &str) {
    let sql = format!("SELECT session FROM bot_conversations WHERE session = '{id}'");
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while !pg::query(&c.database_url, &sql).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the driver on the other instance never let go of chat {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn once_each(w: &Peer, id: &str) {
    let counts = seq_counts(&w.log, id);
    assert!(
        counts.values().all(|n| *n == 1),
        "every message reaches the visitor once: {counts:?}"
    );
}

#[tokio::test]
async fn a_bot_chat_crosses_instances_both_ways_once() {
    let app = BotApp::start().await;
    app.on(
        "hello",
        json!([text_reply("Hi!"), text_reply("How can I help?")]),
    );
    let c = cluster(&app).await;
    let a_drives = driver(&c).await;
    let visitors = if a_drives { &c.b } else { &c.a };
    let (mut w, id) = bot_chat(visitors).await;
    let said = say(&mut w, "hello", "How can I help?", common::WAIT).await;
    assert_eq!(said, ["Hi!", "How can I help?"]);
    let said = say(&mut w, "bye", "You said: bye", common::WAIT).await;
    assert_eq!(said, ["You said: bye"]);

    let heard = heard_visitor(&app);
    assert_eq!(heard.get("hello"), Some(&1), "{heard:?}");
    assert_eq!(heard.get("bye"), Some(&1), "{heard:?}");
    let paths = app.paths();
    let count = |p: &str| paths.iter().filter(|x| *x == p).count();
    assert_eq!(
        count("PUT /bots/ha-900"),
        1,
        "configured by the driver only"
    );
    assert_eq!(count("POST /conversations"), 1, "one conversation");
    once_each(&w, &id);
    let texts: Vec<String> = common::instances::stored(&c.database_url, &id)
        .await
        .into_iter()
        .map(|r| r.3)
        .collect();
    for t in ["Hi!", "How can I help?", "You said: bye"] {
        assert_eq!(
            texts.iter().filter(|x| *x == t).count(),
            1,
            "{t} stored once"
        );
    }

    // A human on the visitor's instance takes the chat over: the driver's
    // conversation ends (its progress row is gone) and the bot is quiet.
    let token = visitors.login(DEMO, "op").await;
    visitors.set_availability(&token, "online").await;
    let path = format!("/api/operator/chats/{id}/take-over");
    let (st, body) = visitors.call(Method::POST, &path, &token, None).await;
    assert_eq!(st, 200, "take-over: {body}");
    let from = w.log.len();
    w.wait_from(from, common::WAIT, "the human's sessionStarted", |f| {
        f["type"] == "sessionStarted" && f["operatorName"] == "Operator op"
    })
    .await;
    let_go(&c, &id).await;
    let seq = common::operator_says(visitors, &token, &id, "A person here.").await["seq"]
        .as_u64()
        .unwrap();
    w.wait("the human's message", |f| {
        f["type"] == "message" && f["message"]["seq"] == seq
    })
    .await;
    let sent = json!({"type": "send", "clientId": "c-human", "text": "thanks, human"});
    assert!(w.send(sent).await);
    w.wait("ack of the visitor to the human", |f| {
        f["type"] == "ack" && f["clientId"] == "c-human"
    })
    .await;
    assert_eq!(heard_visitor(&app).get("thanks, human"), None);
    app.assert_clean();
}

#[tokio::test]
async fn a_transfer_to_a_human_and_an_end_cross_instances() {
    let app = BotApp::start().await;
    app.on(
        "a person",
        json!([{"type": "transfer", "distributionRule": RULE_SUPPORT,
                "transferOptions": {"timeout": {"unit": "seconds", "value": 60}}},
               text_reply("Transfer failed")]),
    );
    let c = cluster(&app).await;
    let a_drives = driver(&c).await;
    let (visitors, drives) = if a_drives { (&c.b, &c.a) } else { (&c.a, &c.b) };
    // A human of the rule's group, online with the desk on the visitor's
    // instance; the driver knows (its widget of that group shows online).
    let token = visitors.login(DEMO, "op").await;
    let mut desk = Peer::new(common::desk(visitors, &token).await);
    desk.wait("the desk's first queue", |f| f["type"] == "queue")
        .await;
    visitors.set_availability(&token, "online").await;
    let mut watcher = Peer::new(drives.widget("default").await);
    watcher
        .wait_from(0, CONVERGE, "support online on the driver", |f| {
            f["type"] == "status" && f["status"] == 1
        })
        .await;

    // Transfer: the driver hands the chat to the queue, the human on the
    // visitor's instance accepts, the driver's conversation stops.
    let (mut w, id) = bot_chat(visitors).await;
    let sent = json!({"type": "send", "clientId": "c-person", "text": "a person"});
    assert!(w.send(sent).await);
    desk.wait_from(0, common::WAIT, "the transferred chat queued", |f| {
        f["type"] == "queueJoined" && f["chat"]["id"] == id.as_str()
    })
    .await;
    let (st, body) = visitors.accept(&token, &id).await;
    assert_eq!(st, 200, "accept of the transferred chat: {body}");
    w.wait("the human's sessionStarted", |f| {
        f["type"] == "sessionStarted" && f["operatorName"] == "Operator op"
    })
    .await;
    let_go(&c, &id).await;
    let seq = common::operator_says(visitors, &token, &id, "Hello, a human here").await["seq"]
        .as_u64()
        .unwrap();
    w.wait("the human's message", |f| {
        f["type"] == "message" && f["message"]["seq"] == seq
    })
    .await;
    let texts: Vec<String> = common::instances::stored(&c.database_url, &id)
        .await
        .into_iter()
        .map(|r| r.3)
        .collect();
    assert_eq!(texts, ["a person", "Hello, a human here"]);
    once_each(&w, &id);

    // End: the visitor ends a bot chat on their instance; the driver's
    // conversation ends too.
    let (mut w2, id2) = bot_chat(visitors).await;
    let said = say(&mut w2, "hi", "You said: hi", common::WAIT).await;
    assert_eq!(said, ["You said: hi"]);
    assert!(w2.send(json!({"type": "endChat"})).await);
    w2.wait("sessionEnded", |f| f["type"] == "sessionEnded")
        .await;
    let_go(&c, &id2).await;
    let heard = heard_visitor(&app);
    assert_eq!(heard.get("a person"), Some(&1), "{heard:?}");
    assert_eq!(heard.get("hi"), Some(&1), "{heard:?}");
    app.assert_clean();
}

#[tokio::test]
async fn the_other_instance_takes_a_killed_drivers_bot_over() {
    let app = BotApp::start().await;
    app.on(
        "slow",
        json!([text_reply("one"),
               {"type": "await", "duration": {"unit": "seconds", "value": 600}},
               text_reply("two")]),
    );
    let mut c = cluster(&app).await;
    let a_drives = driver(&c).await;
    let (mut w, id) = bot_chat(if a_drives { &c.b } else { &c.a }).await;
    let said = say(&mut w, "hi", "You said: hi", common::WAIT).await;
    assert_eq!(said, ["You said: hi"]);
    // "one", then a long await: the driver dies while "two" is pending.
    let said = say(&mut w, "slow", "one", common::WAIT).await;
    assert_eq!(said, ["one"]);
    // The await has begun: the stored progress points past it.
    let sql = format!("SELECT next FROM bot_conversations WHERE session = '{id}'");
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while pg::query(&c.database_url, &sql).await != [[Some("2".to_string())]] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the await never began"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if a_drives {
        c.a.kill9().await;
    } else {
        c.b.kill9().await;
    }
    // The survivor takes the bot over after the lease, resumes the chat
    // from its stored progress: "two" (the await is not waited again).
    let from = w.log.len();
    w.wait_from(
        from,
        CONVERGE,
        "the rest of the replies after the takeover",
        |f| f["type"] == "message" && f["message"]["text"] == "two",
    )
    .await;
    let said = say(&mut w, "still there?", "You said: still there?", CONVERGE).await;
    assert_eq!(said, ["You said: still there?"]);

    once_each(&w, &id);
    let heard = heard_visitor(&app);
    for t in ["hi", "slow", "still there?"] {
        assert_eq!(heard.get(t), Some(&1), "{t} heard once: {heard:?}");
    }
    let rows = common::instances::stored(&c.database_url, &id).await;
    for t in ["You said: hi", "one", "two", "You said: still there?"] {
        assert_eq!(
            rows.iter().filter(|r| r.3 == t).count(),
            1,
            "{t} stored once: {rows:?}"
        );
    }
    all_stored(&c.database_url, &id, &[]).await;
    app.assert_clean();
}
