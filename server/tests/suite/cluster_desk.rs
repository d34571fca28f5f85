//! The desk across instances (issue 13): offline messages, callback
//! requests and the visitor's online flag reach a desk on another instance
//! as on one; three instances share a chat (visitor on A, its operator on
//! B, a second operator's desk on C). Instances run in this process, each
//! on a Tokio runtime of its own (so that "A dies" is every task of it
//! stopping at once), on one fresh PostgreSQL database and a private broker
//! (a redis-server of the test, or NOTIFY on that database).

use crate::common;

use std::time::Duration;

use common::cluster::Log;
use common::in_process::{Instance, Services, Via};
use common::*;
use owidget_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

/// The test config on `services`; presence TTL `ttl_ms`.
fn config(services: &Services, ttl_ms: u64) -> Config {
    let mut c = services.config();
    c.presence.ttl = Duration::from_millis(ttl_ms);
    c.limits.messages_per_10s = 1000;
    c.abuse.chat_starts_per_ip_per_minute = 1000;
    c
}

/// An instance on a runtime of one thread of its own.
async fn instance(config: Config) -> Instance {
    Instance::start(config, 1).await
}

/// Logs `user` in on `s`, sets them online, opens their desk and reads it
/// up to its first queue.
async fn operator(s: &Server, user: &str) -> (String, Log) {
    let token = s.login(DEMO, user).await;
    s.set_availability(&token, "online").await;
    let mut d = Log::new(desk(s, &token).await);
    d.of("queue").await;
    (token, d)
}

/// Waits until desk `d` shows the visitor of `id` as `online`: the last
/// word on it (`chatAssigned`'s `visitorOnline`, then `presence` events)
/// says so.
async fn desk_shows_visitor(d: &mut Log, id: &str, online: bool) {
    let word = |v: &Value| -> Option<bool> {
        match v["type"].as_str()? {
            "chatAssigned" if v["chat"]["id"] == id => v["chat"]["visitorOnline"].as_bool(),
            "presence" if v["sessionId"] == id => v["online"].as_bool(),
            _ => None,
        }
    };
    if d.seen.iter().rev().find_map(word) == Some(online) {
        return;
    }
    d.until(&format!("visitor {id} online={online}"), |v| {
        word(v) == Some(online)
    })
    .await;
}

fn offline_message(email: &str) -> Value {
    json!({"type": "offlineMessage", "email": email, "text": "Please write back",
           "language": "en", "pageUrl": "http://localhost:5173/"})
}

fn callback_request(name: &str) -> Value {
    json!({"type": "callbackRequest", "name": name, "phone": "+420 777 666 555",
           "language": "cs", "pageUrl": "http://localhost:5173/"})
}

/// Three instances on Redis: the visitor on A, its operator (`demo`) on B,
/// a second operator (`solo`) with a desk on C. Both desks see the chat
/// queued; B accepts, C sees it leave the queue; the conversation goes both
/// ways; B's desk follows the visitor going away on A and coming back on
/// C; offline messages and callback requests left on A and on C reach the
/// desks on the other instances.
#[tokio::test]
async fn three_instances_share_the_desk() {
    let services = Services::start(Via::Redis).await;
    let a = instance(config(&services, 15_000)).await;
    let b = instance(config(&services, 15_000)).await;
    let c = instance(config(&services, 15_000)).await;
    let (demo, mut desk_b) = operator(&b, "demo").await;
    let (_solo, mut desk_c) = operator(&c, "solo").await;

    // Queue on both desks, accept on B, gone from C's queue.
    let mut w = a.widget("default").await;
    // A has heard that the operators on B and C are online.
    expect_status(&mut w, 1).await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    let token = created["token"].as_str().unwrap().to_string();
    for d in [&mut desk_b, &mut desk_c] {
        d.until("queueJoined", |v| {
            v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
        })
        .await;
    }
    let (st, body) = b.accept(&demo, &id).await;
    assert_eq!(st, 200, "{body}");
    desk_b
        .until("chatAssigned on B", |v| {
            v["type"] == "chatAssigned" && v["chat"]["id"] == id.as_str()
        })
        .await;
    desk_c
        .until("queueLeft on C", |v| {
            v["type"] == "queueLeft" && v["sessionId"] == id.as_str()
        })
        .await;
    next_of(&mut w, "sessionStarted").await;
    desk_shows_visitor(&mut desk_b, &id, true).await;
    let (st, detail) = b
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200, "{detail}");
    assert_eq!(detail["chat"]["visitorOnline"], true, "{detail}");

    // The conversation, both ways.
    let ack = visitor_says(&mut w, "c1", "hello from A").await;
    let seq = ack["seq"].as_u64().unwrap();
    desk_b.saw_seq(seq).await;
    let sent = operator_says(&b, &demo, &id, "hello from B").await;
    let op_seq = sent["seq"].as_u64().unwrap();
    loop {
        let v = next_of(&mut w, "message").await;
        if v["message"]["seq"] == op_seq {
            break;
        }
    }

    // The visitor's page closes on A, and the widget comes back on C.
    drop(w);
    desk_shows_visitor(&mut desk_b, &id, false).await;
    let mut w = c.widget("default").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": op_seq}),
    )
    .await;
    let resumed = next_of(&mut w, "resumed").await;
    assert_eq!(resumed["state"], "active", "{resumed}");
    desk_shows_visitor(&mut desk_b, &id, true).await;

    // Contacts left on A reach B and C; those left on C reach B.
    let mut other = a.widget("default").await;
    send(&mut other, offline_message("jana@example.cz")).await;
    next_of(&mut other, "stored").await;
    for d in [&mut desk_b, &mut desk_c] {
        let ev = d
            .until("offlineMessage", |v| v["type"] == "offlineMessage")
            .await;
        assert_eq!(ev["message"]["email"], "jana@example.cz", "{ev}");
        assert_eq!(ev["message"]["status"], "open", "{ev}");
    }
    let mut on_c = c.widget("default").await;
    send(&mut on_c, callback_request("Jan")).await;
    next_of(&mut on_c, "stored").await;
    for d in [&mut desk_b, &mut desk_c] {
        let ev = d
            .until("callbackRequest", |v| v["type"] == "callbackRequest")
            .await;
        assert_eq!(ev["request"]["name"], "Jan", "{ev}");
        assert_eq!(ev["request"]["phone"], "+420 777 666 555", "{ev}");
    }
    // Each notice once per desk.
    for d in [&desk_b, &desk_c] {
        for ty in ["offlineMessage", "callbackRequest"] {
            let n = d.seen.iter().filter(|v| v["type"] == ty).count();
            assert_eq!(n, 1, "{ty} seen {n} times");
        }
    }

    // Ended on B: the visitor on C hears it, C's desk has nothing left.
    let (st, body) = b.end(&demo, &id).await;
    assert_eq!(st, 200, "{body}");
    next_of(&mut w, "sessionEnded").await;
}

/// The instance holding the visitor's socket dies: the operator's desk on
/// the other one shows the visitor offline once the TTL has run out.
#[tokio::test]
async fn visitor_goes_offline_when_its_instance_dies() {
    let services = Services::start(Via::Postgres).await;
    let ttl = 1_000;
    let mut a = instance(config(&services, ttl)).await;
    let b = instance(config(&services, ttl)).await;
    let (demo, mut desk_b) = operator(&b, "demo").await;
    let mut w = a.widget("default").await;
    expect_status(&mut w, 1).await; // A has heard that B's operator is online
    let id = start_chat(&mut w).await["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    desk_b
        .until("queueJoined", |v| {
            v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
        })
        .await;
    let (st, body) = b.accept(&demo, &id).await;
    assert_eq!(st, 200, "{body}");
    desk_shows_visitor(&mut desk_b, &id, true).await;
    // Still online after several TTLs: A's heartbeat renews it.
    let until = tokio::time::Instant::now() + Duration::from_millis(3 * ttl);
    while let Ok(v) = tokio::time::timeout_at(until, next_json(&mut desk_b.ws)).await {
        assert!(
            !(v["type"] == "presence" && v["online"] == false),
            "visitor offline while A lives: {v}"
        );
        desk_b.seen.push(v);
    }

    let t = std::time::Instant::now();
    a.kill();
    desk_shows_visitor(&mut desk_b, &id, false).await;
    eprintln!(
        "A killed → visitor offline on B's desk in {:?}",
        t.elapsed()
    );
    let (_, detail) = b
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    assert_eq!(detail["chat"]["visitorOnline"], false, "{detail}");
    drop(w);
}

/// Logged in on A and on B: logging out on A leaves the operator online
/// (their login on B still works), as two logins on one instance do; the
/// last logout, on B, takes them offline.
#[tokio::test]
async fn logout_on_one_instance_keeps_the_login_on_another() {
    let services = Services::start(Via::Postgres).await;
    let a = instance(config(&services, 15_000)).await;
    let b = instance(config(&services, 15_000)).await;
    let on_a = a.login(DEMO, "demo").await;
    let on_b = b.login(DEMO, "demo").await;
    // Set on A, so that A's answer below is its own view, not a race with
    // the status event.
    a.set_availability(&on_a, "online").await;
    let (st, info) = a
        .call(Method::POST, "/api/operator/logout", &on_a, None)
        .await;
    assert_eq!(st, 200, "{info}");
    assert_eq!(info["availability"], "online", "not taken offline: {info}");
    let (st, me) = b.call(Method::GET, "/api/operator/me", &on_b, None).await;
    assert_eq!(st, 200, "the login on B still works: {me}");
    let (st, info) = b
        .call(Method::POST, "/api/operator/logout", &on_b, None)
        .await;
    assert_eq!(st, 200, "{info}");
    assert_eq!(info["availability"], "offline", "{info}");
}

/// The same with three real server processes on PostgreSQL `NOTIFY`:
/// queue and accept across them, an offline message from A on the desks
/// of B and C, and A `kill -9`ed: B's desk shows its visitor offline after
/// the TTL.
#[tokio::test]
async fn three_processes_share_the_desk() {
    use common::instances::{cluster_toml, BrokerKind, Cluster};
    let toml = format!(
        "{}\n[presence]\nttl_secs = 1\n",
        cluster_toml(&[("op", 4), ("second", 4)])
    );
    let mut cluster = Cluster::start(&toml, BrokerKind::Postgres).await;
    let c = cluster.spawn("c").await;
    let (op, mut desk_b) = operator(&cluster.b, "op").await;
    let (_second, mut desk_c) = operator(&c, "second").await;

    let mut w = cluster.a.widget("default").await;
    expect_status(&mut w, 1).await;
    let id = start_chat(&mut w).await["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    for d in [&mut desk_b, &mut desk_c] {
        d.until("queueJoined", |v| {
            v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
        })
        .await;
    }
    let (st, body) = cluster.b.accept(&op, &id).await;
    assert_eq!(st, 200, "{body}");
    desk_c
        .until("queueLeft on C", |v| {
            v["type"] == "queueLeft" && v["sessionId"] == id.as_str()
        })
        .await;
    desk_shows_visitor(&mut desk_b, &id, true).await;

    let mut other = cluster.a.widget("default").await;
    send(&mut other, offline_message("petr@example.cz")).await;
    next_of(&mut other, "stored").await;
    for d in [&mut desk_b, &mut desk_c] {
        let ev = d
            .until("offlineMessage", |v| v["type"] == "offlineMessage")
            .await;
        assert_eq!(ev["message"]["email"], "petr@example.cz", "{ev}");
    }

    let t = std::time::Instant::now();
    cluster.a.kill9().await;
    desk_shows_visitor(&mut desk_b, &id, false).await;
    eprintln!(
        "A kill -9 → visitor offline on B's desk in {:?}",
        t.elapsed()
    );
    drop((w, other));
}
