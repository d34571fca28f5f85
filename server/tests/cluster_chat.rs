//! Chat across two instances (issue 13): two servers in this process on
//! port 0, one fresh PostgreSQL database, one broker (Redis, or PostgreSQL
//! `NOTIFY`). The visitor's widget socket is on A, the operator's desk and
//! API on B; every frame of the chat must arrive on the other side with the
//! right `seq`, exactly once. And accept is decided once: two instances
//! racing for the same waiting chat, or for an operator's last free slot,
//! give one success and one `409`.

mod common;
#[allow(dead_code)]
#[path = "bus/harness.rs"]
mod harness;

use common::{desk, next_json, pg, send, start_chat, Server, Ws, DEMO, WAIT};
use reqwest::Method;
use serde_json::{json, Value};

/// Frames of one socket, all kept (to check "exactly once" at the end).
struct Log {
    ws: Ws,
    seen: Vec<Value>,
}

impl Log {
    fn new(ws: Ws) -> Log {
        Log {
            ws,
            seen: Vec::new(),
        }
    }

    /// Reads frames until one matches `want`; returns it. Panics after the
    /// wait with what was seen.
    async fn until(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let v = tokio::time::timeout_at(deadline, next_json(&mut self.ws))
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "{what}: not seen within {WAIT:?}; seen: {:?}",
                        self.seen
                            .iter()
                            .map(|v| v["type"].clone())
                            .collect::<Vec<_>>()
                    )
                });
            self.seen.push(v.clone());
            if want(&v) {
                return v;
            }
        }
    }

    async fn of(&mut self, ty: &str) -> Value {
        self.until(ty, |v| v["type"] == ty).await
    }

    /// Waits until a `message` frame with `seq` was seen.
    async fn saw_seq(&mut self, seq: u64) {
        if !self.message_seqs().contains(&seq) {
            self.until(&format!("message {seq}"), |v| {
                v["type"] == "message" && v["message"]["seq"] == seq
            })
            .await;
        }
    }

    /// `seq`s of the `message` frames seen (widget: `message.seq`; desk the same).
    fn message_seqs(&self) -> Vec<u64> {
        self.seen
            .iter()
            .filter(|v| v["type"] == "message")
            .map(|v| v["message"]["seq"].as_u64().expect("a message has a seq"))
            .collect()
    }
}

fn redis_url() -> String {
    std::env::var("OWIDGET_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "OWIDGET_TEST_REDIS_URL is not set: these tests need a real redis-server. \
             Run them with `bash scripts/test.sh`, or start one with \
             `eval \"$(bash scripts/services.sh start DIR)\"` first"
        )
    })
}

/// Two instances on `db` and `broker`.
async fn two(db: &str, broker: &str) -> (Server, Server) {
    let toml = format!(
        "{}\n[storage]\ndatabase_url = \"{db}\"\n[broker]\nurl = \"{broker}\"\n\
         [abuse]\nchat_starts_per_ip_per_minute = 100\n",
        common::test_toml()
    );
    let config = || owidget_server::Config::from_toml(&toml).expect("config is valid");
    let a = Server::start_with(config(), None).await;
    let b = Server::start_with(config(), None).await;
    (a, b)
}

/// Logs `user` in on `s` and sets them online; returns the token.
async fn online(s: &Server, user: &str) -> String {
    let t = s.login(DEMO, user).await;
    s.set_availability(&t, "online").await;
    t
}

async fn post(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    s.call(Method::POST, path, token, Some(body)).await
}

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

    // Exactly once, in order: the visitor every message (1..=13), B's desk
    // every message up to the transfer (1..=12), solo's desk on A the last.
    let widget: Vec<u64> = w.message_seqs();
    assert_eq!(
        widget,
        (1..=13).collect::<Vec<_>>(),
        "widget, exactly once in order"
    );
    let desk: Vec<u64> = desk_b.message_seqs();
    assert_eq!(
        desk,
        (1..=12).collect::<Vec<_>>(),
        "B's desk, exactly once in order"
    );
    let solo: Vec<u64> = solo_desk_a.message_seqs();
    assert_eq!(solo, vec![13], "solo's desk on A after the transfer");
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

/// Starts a chat on A and waits until B's desk `d` has it queued.
async fn queued_on_both(a: &Server, d: &mut Log) -> (Ws, String) {
    let mut w = a.widget("default").await;
    let created = start_chat(&mut w).await;
    let id = created["sessionId"].as_str().unwrap().to_string();
    d.until("queueJoined on B", |v| {
        v["type"] == "queueJoined" && v["chat"]["id"] == id.as_str()
    })
    .await;
    (w, id)
}

fn outcome(results: &[(u16, Value)]) -> (usize, usize) {
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let lost = results.iter().filter(|(s, _)| *s == 409).count();
    for (s, v) in results {
        if *s == 409 {
            assert!(
                v["message"].as_str().is_some_and(|m| !m.is_empty()),
                "409 says why: {v}"
            );
        }
    }
    (ok, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_accepts_across_instances_are_decided_once() {
    let db = pg::fresh_database().await;
    let (a, b) = two(&db, &redis_url()).await;
    let demo_a = online(&a, "demo").await;
    let solo_b = online(&b, "solo").await;
    let solo_a = online(&a, "solo").await;
    let mut d = Log::new(desk(&b, &solo_b).await);
    d.of("queue").await;

    // Two operators, on A and on B, take the same waiting chat at once.
    for round in 0..5 {
        let (_w, id) = queued_on_both(&a, &mut d).await;
        let (ra, rb) = tokio::join!(a.accept(&demo_a, &id), b.accept(&solo_b, &id));
        let (ok, lost) = outcome(&[ra.clone(), rb.clone()]);
        eprintln!(
            "same chat, round {round}: A {} {}, B {} {}",
            ra.0, ra.1, rb.0, rb.1
        );
        assert_eq!(
            (ok, lost),
            (1, 1),
            "round {round}: one wins, one gets 409: {ra:?} {rb:?}"
        );
        let winner = if ra.0 == 200 { "demo" } else { "solo" };
        let rows = pg::query(
            &db,
            &format!("SELECT operator FROM sessions WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some(winner), "round {round}");
        // The loser's instance shows the winner's assignment, not its own.
        let (end_on, token) = if winner == "demo" {
            (&a, &demo_a)
        } else {
            (&b, &solo_b)
        };
        let (st, v) = end_on.end(token, &id).await;
        assert_eq!(st, 200, "round {round}: {v}");
        d.until("queue left", |v| {
            (v["type"] == "queueLeft" && v["sessionId"] == id.as_str())
                || (v["type"] == "chatEnded" && v["sessionId"] == id.as_str())
        })
        .await;
    }

    // One operator (solo, capacity 1) accepts two waiting chats, one via A
    // and one via B, at once: exactly one succeeds.
    for round in 0..5 {
        let (_w1, x) = queued_on_both(&a, &mut d).await;
        let (_w2, y) = queued_on_both(&a, &mut d).await;
        let (ra, rb) = tokio::join!(a.accept(&solo_a, &x), b.accept(&solo_b, &y));
        let (ok, lost) = outcome(&[ra.clone(), rb.clone()]);
        eprintln!(
            "last slot, round {round}: A {} {}, B {} {}",
            ra.0, ra.1["message"], rb.0, rb.1["message"]
        );
        assert_eq!(
            (ok, lost),
            (1, 1),
            "round {round}: capacity 1 taken once: {ra:?} {rb:?}"
        );
        let rows = pg::query(
            &db,
            "SELECT COUNT(*) FROM sessions WHERE operator = 'solo' AND state = 'active'",
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some("1"), "round {round}");
        let (won, on, token) = if ra.0 == 200 {
            (&x, &a, &solo_a)
        } else {
            (&y, &b, &solo_b)
        };
        let (st, v) = on.end(token, won).await;
        assert_eq!(st, 200, "{v}");
        let other = if won == &x { &y } else { &x };
        let (st, v) = b.end(&solo_b, other).await;
        assert_eq!(st, 200, "the waiting one ends: {v}");
    }
    a.stop().await;
    b.stop().await;
}

/// The decision itself, without any instance's local check in front: two
/// store handles (two instances' pools) on one PostgreSQL database race
/// for the same waiting session, and for an operator's last slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_decides_accepts_once() {
    use owidget_server::storage::{Expect, Store};
    let db = pg::fresh_database().await;
    let (s1, s2) = (
        Store::open_postgres(&db).await.unwrap(),
        Store::open_postgres(&db).await.unwrap(),
    );
    let take = |id: &str, who: &str| {
        let mut chat = owidget_protocol::desk::ChatSummary {
            id: id.into(),
            preset: "p".into(),
            state: owidget_protocol::SessionState::Active,
            language: "en".into(),
            page_url: "u".into(),
            scope: None,
            custom_data: Default::default(),
            created_at: 1,
            accepted_at: Some(2),
            ended_at: None,
            ended_by: None,
            operator: Some(who.into()),
            operator_name: Some(who.into()),
            queue_position: None,
            visitor_online: false,
            closing_form: None,
        };
        chat.operator_name = Some(who.to_uppercase());
        chat
    };
    for round in 0..20 {
        // Same waiting chat, two operators.
        let id = format!("same{round}");
        s1.insert_session(common::backend::session(&id))
            .await
            .unwrap();
        let (c1, c2) = (
            take(&id, &format!("ann{round}")),
            take(&id, &format!("bob{round}")),
        );
        let (a, b) = (s1.clone(), s2.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move {
                a.assign_checked("c", &c1, Expect::Waiting, Some(5), None)
                    .await
            }),
            tokio::spawn(async move {
                b.assign_checked("c", &c2, Expect::Waiting, Some(5), None)
                    .await
            }),
        );
        let results = [r1.unwrap(), r2.unwrap()];
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        assert!(
            results.iter().any(|r| matches!(r, Err(owidget_server::Error::Conflict(m)) if m.contains("not waiting"))),
            "round {round}: {results:?}"
        );
        // One operator with capacity 1, two waiting chats.
        let (x, y) = (format!("x{round}"), format!("y{round}"));
        s1.insert_session(common::backend::session(&x))
            .await
            .unwrap();
        s1.insert_session(common::backend::session(&y))
            .await
            .unwrap();
        let who = format!("cap{round}");
        let (cx, cy) = (take(&x, &who), take(&y, &who));
        let (a, b) = (s1.clone(), s2.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move {
                a.assign_checked("c", &cx, Expect::Waiting, Some(1), None)
                    .await
            }),
            tokio::spawn(async move {
                b.assign_checked("c", &cy, Expect::Waiting, Some(1), None)
                    .await
            }),
        );
        let results = [r1.unwrap(), r2.unwrap()];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert!(
            results.iter().any(
                |r| matches!(r, Err(owidget_server::Error::Conflict(m)) if m.contains("capacity"))
            ),
            "round {round}: {results:?}"
        );
        let rows = pg::query(
            &db,
            &format!("SELECT COUNT(*) FROM sessions WHERE operator = '{who}' AND state = 'active'"),
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some("1"), "round {round}");
    }
}

/// The broker dies mid-conversation: messages stored meanwhile reach the
/// other instance after it comes back (resync re-reads the database),
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broker_loss_is_healed_by_resync() {
    let mut redis = harness::RedisServer::start().await;
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
    redis.restart().await;

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
