//! Chat across two instances (issue 13): two servers in this process on
//! port 0, one fresh PostgreSQL database, one broker (Redis, or PostgreSQL
//! `NOTIFY`). The visitor's widget socket is on A, the operator's desk and
//! API on B; every frame of the chat must arrive on the other side with the
//! right `seq`, exactly once, also across a broker's `kill -9`.

use crate::common;

use common::cluster::*;
use common::{desk, send, start_chat};
use reqwest::Method;
use serde_json::json;

async fn whole_chat(broker: fn(&str) -> String) {
    let db = pg::fresh_database().await;
    let (a, b) = two(&db, &broker(&db)).await;
    // The visitor's button needs an operator online on A too (availability
    // across instances is another part of issue 13).
    let demo_a = online(&a, "demo").await;
    let demo_b = online(&b, "demo").await;
    let solo_b = online(&b, "solo").await;
    let solo_a = online(&a, "solo").await;
    let mut desk_b = Log::new(desk(&b, &demo_b).await);
    desk_b.of("queue").await;
    let mut solo_desk_a = Log::new(desk(&a, &solo_a).await);
    solo_desk_a.of("queue").await;

    // Start on A: queued on B.
    let mut w = a.widget("default").await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    let mut w = Log::new(w);
    let joined = desk_b
        .until("queueJoined on B", |v| {
            v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(joined["chat"]["state"], "waiting");
    let (st, q) = b
        .call(Method::GET, "/api/operator/queue", &demo_b, None)
        .await;
    assert_eq!(st, 200);
    assert!(q.to_string().contains(&id), "B's queue has the chat: {q}");

    // Accepted on B: the visitor on A hears it like from a local operator.
    let (st, v) = b.accept(&demo_b, &id).await;
    assert_eq!(st, 200, "{v}");
    let started = w.of("sessionStarted").await;
    assert_eq!(started["operatorName"], "Demo Operator");
    desk_b
        .until("chatAssigned", |v| {
            v["type"] == "chatAssigned" && v["chat"]["id"] == id.as_str()
        })
        .await;
    // Taken on B: A's queue has it no more.
    let (_, q) = a
        .call(Method::GET, "/api/operator/queue", &demo_a, None)
        .await;
    assert!(
        !q.to_string().contains(&id),
        "A's queue still has the chat: {q}"
    );

    // Messages both ways.
    send(
        &mut w.ws,
        json!({"type": "send", "clientId": "c1", "text": "hello from A"}),
    )
    .await;
    let ack = w.of("ack").await;
    assert_eq!(ack["seq"], 1);
    let m = desk_b.of("message").await;
    assert_eq!(
        (m["sessionId"].as_str(), m["message"]["seq"].as_u64()),
        (Some(id.as_str()), Some(1))
    );
    assert_eq!(m["message"]["text"], "hello from A");
    let sent = common::operator_says(&b, &demo_b, &id, "hello from B").await;
    assert_eq!(sent["seq"], 2, "{sent}");
    // (The widget gets its own messages pushed too, as on one instance.)
    let m = w
        .until("message 2", |v| {
            v["type"] == "message" && v["message"]["seq"] == 2
        })
        .await;
    assert_eq!(m["message"]["text"], "hello from B");
    // Several in a row, from both sides at once: all in order on each side.
    for i in 0..5 {
        send(
            &mut w.ws,
            json!({"type": "send", "clientId": format!("v{i}"), "text": format!("v{i}")}),
        )
        .await;
        common::operator_says(&b, &demo_b, &id, &format!("o{i}")).await;
    }

    desk_b.saw_seq(12).await;
    w.saw_seq(12).await;

    // Typing and read marks.
    send(&mut w.ws, json!({"type": "typing", "typing": true})).await;
    let t = desk_b.of("typing").await;
    assert_eq!(
        (t["sessionId"].as_str(), t["typing"].as_bool()),
        (Some(id.as_str()), Some(true))
    );
    let (st, _) = post(
        &b,
        &demo_b,
        &format!("/api/operator/chats/{id}/typing"),
        json!({"typing": true}),
    )
    .await;
    assert_eq!(st, 204);
    assert_eq!(w.of("typing").await["typing"], true);
    send(&mut w.ws, json!({"type": "read", "seq": 2})).await;
    let r = desk_b.of("read").await;
    assert_eq!(r["seq"], 2);
    let (st, _) = post(
        &b,
        &demo_b,
        &format!("/api/operator/chats/{id}/read"),
        json!({"seq": 1}),
    )
    .await;
    assert_eq!(st, 204);
    assert_eq!(w.of("read").await["seq"], 1);

    // Transfer on B to solo, whose desk is on A.
    let (st, v) = post(
        &b,
        &demo_b,
        &format!("/api/operator/chats/{id}/transfer"),
        json!({"to": "solo"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    desk_b
        .until("chatUnassigned", |v| {
            v["type"] == "chatUnassigned" && v["sessionId"] == id.as_str()
        })
        .await;
    solo_desk_a
        .until("chatAssigned on A", |v| {
            v["type"] == "chatAssigned" && v["chat"]["id"] == id.as_str()
        })
        .await;
    let (st, mine) = a
        .call(Method::GET, "/api/operator/chats", &solo_a, None)
        .await;
    assert_eq!(st, 200);
    assert!(mine.to_string().contains(&id), "solo's chats on A: {mine}");
    // Solo answers from A's API; the visitor (on A) and B agree on seq.
    let sent = common::operator_says(&a, &solo_a, &id, "solo here").await;
    assert_eq!(sent["seq"], 13, "{sent}");
    let (st, v) = post(
        &b,
        &demo_b,
        &format!("/api/operator/chats/{id}/messages"),
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(st, 403, "demo no longer holds the chat on B: {v}");

    // The visitor opens a second tab whose socket lands on B: it resumes
    // there and gets what A's socket gets.
    let mut w2 = b.widget("default").await;
    let token = created["token"].as_str().unwrap();
    send(
        &mut w2,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 12}),
    )
    .await;
    let mut w2 = Log::new(w2);
    let resumed = w2.of("resumed").await;
    assert_eq!(
        (resumed["state"].as_str(), resumed["operatorName"].as_str()),
        (Some("active"), Some("Solo"))
    );
    w2.saw_seq(13).await;
    let sent = common::operator_says(&a, &solo_a, &id, "to both tabs").await;
    assert_eq!(sent["seq"], 14, "{sent}");
    w2.saw_seq(14).await;
    w.saw_seq(14).await;

    // Ended on B by solo: ended everywhere.
    let (st, v) = b.end(&solo_b, &id).await;
    assert_eq!(st, 200, "{v}");
    let ended = w.of("sessionEnded").await;
    assert_eq!(ended["by"], "operator");
    solo_desk_a
        .until("chatEnded on A", |v| {
            v["type"] == "chatEnded" && v["sessionId"] == id.as_str()
        })
        .await;
    let (st, v) = a.end(&solo_a, &id).await;
    assert_eq!(st, 404, "already ended on A: {v}");

    // Exactly once, in order: the visitor every message (1..=14), B's desk
    // every message up to the transfer (1..=12), solo's desk on A the last.
    let widget: Vec<u64> = w.message_seqs();
    assert_eq!(
        widget,
        (1..=14).collect::<Vec<_>>(),
        "widget, exactly once in order"
    );
    let desk: Vec<u64> = desk_b.message_seqs();
    assert_eq!(
        desk,
        (1..=12).collect::<Vec<_>>(),
        "B's desk, exactly once in order"
    );
    let solo: Vec<u64> = solo_desk_a.message_seqs();
    assert_eq!(solo, vec![13, 14], "solo's desk on A after the transfer");
    w2.of("sessionEnded").await;
    assert_eq!(
        w2.message_seqs(),
        vec![13, 14],
        "the tab on B, exactly once"
    );
    let rows = pg::query(
        &db,
        &format!("SELECT state, operator, ended_by FROM sessions WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(
        rows[0],
        vec![
            Some("ended".into()),
            Some("solo".into()),
            Some("operator".into())
        ]
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn whole_chat_across_instances_on_redis() {
    whole_chat(|_| redis_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn whole_chat_across_instances_on_postgres_notify() {
    whole_chat(|db| db.to_string()).await;
}

/// The broker dies mid-conversation: messages stored meanwhile reach the
/// other instance after it comes back (resync re-reads the database),
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broker_loss_is_healed_by_resync() {
    let mut redis = common::redis_server::RedisServer::start().await;
    let db = pg::fresh_database().await;
    let (a, b) = two(&db, &redis.url()).await;
    let _demo_a = online(&a, "demo").await;
    let demo_b = online(&b, "demo").await;
    let mut d = Log::new(desk(&b, &demo_b).await);
    d.of("queue").await;
    let (w, id) = queued_on_both(&a, &mut d).await;
    let mut w = Log::new(w);
    let (st, v) = b.accept(&demo_b, &id).await;
    assert_eq!(st, 200, "{v}");
    w.of("sessionStarted").await;
    send(
        &mut w.ws,
        json!({"type": "send", "clientId": "before", "text": "before"}),
    )
    .await;
    d.saw_seq(1).await;

    redis.kill9().await;
    // Stored and acknowledged while no event can travel.
    send(
        &mut w.ws,
        json!({"type": "send", "clientId": "during", "text": "during"}),
    )
    .await;
    let ack = w
        .until("ack", |v| v["type"] == "ack" && v["clientId"] == "during")
        .await;
    assert_eq!(ack["seq"], 2);
    common::operator_says(&b, &demo_b, &id, "during too").await;
    // A chat started on A meanwhile: B learns it at the resync.
    let mut w3 = a.widget("default").await;
    let late = start_chat(&mut w3).await;
    let late = late["sessionId"].as_str().unwrap().to_string();
    redis.restart().await;
    d.until("the chat started during the loss, queued on B", |v| {
        v["type"] == "queueJoined" && v["chat"]["id"] == late.as_str()
    })
    .await;

    d.saw_seq(3).await;
    w.saw_seq(3).await;
    // And live again afterwards.
    send(
        &mut w.ws,
        json!({"type": "send", "clientId": "after", "text": "after"}),
    )
    .await;
    d.saw_seq(4).await;
    common::operator_says(&b, &demo_b, &id, "after too").await;
    w.saw_seq(5).await;
    assert_eq!(
        d.message_seqs(),
        vec![1, 2, 3, 4],
        "B's desk, exactly once in order"
    );
    assert_eq!(
        w.message_seqs(),
        vec![1, 2, 3, 4, 5],
        "A's widget, exactly once in order"
    );
    a.stop().await;
    b.stop().await;
}
