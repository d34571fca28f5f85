//! Issue 13, faults across instances: two real `owidget-server` processes
//! (A and B) on one fresh PostgreSQL database and one broker, a visitor's
//! widget socket on A and the operator's desk on B.
//!
//! - the broker (a private redis-server) is `kill -9`ed mid-conversation
//!   and started again on the same port: every acknowledged message reaches
//!   the other side exactly once, and an availability change made during
//!   the outage converges on A;
//! - instance A is `kill -9`ed after acknowledgements: the visitor resumes
//!   on B (`afterSeq`, as the widget does after a drop), nothing
//!   acknowledged is lost, and the chat goes on with the operator on B;
//! - two instances race to assign: one operator with one free slot, two
//!   waiting chats (or the same one) accepted on A and on B at once,
//!   repeated: assigned once every time.
//!
//! Waits are bounded; convergence after a fault (a broker reconnection and
//! the resync it triggers, or the periodic status reconciliation) gets
//! [`CONVERGE`].

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::instances::{
    all_stored, cluster_toml, seq_counts, BrokerKind, Cluster, Instance, Peer,
};
use common::{desk, operator_says, pg, DEMO};
use serde_json::{json, Value};

/// Longest time a fault may take to heal (reconnection with backoff, then
/// resync or reconciliation).
const CONVERGE: Duration = Duration::from_secs(30);

/// A visitor message; returns its `seq` once acknowledged (an error frame
/// for it fails the test).
async fn visitor_sends(v: &mut Peer, client_id: &str, text: &str) -> u64 {
    let sent = json!({"type": "send", "clientId": client_id, "text": text});
    assert!(
        v.send(sent).await,
        "visitor socket open to send {client_id}"
    );
    let got = v
        .wait_from(0, common::WAIT, &format!("ack of {client_id}"), |f| {
            (f["type"] == "ack" || f["type"] == "error") && f["clientId"] == client_id
        })
        .await;
    assert_eq!(
        got["type"], "ack",
        "visitor message {client_id} refused: {got}"
    );
    got["seq"].as_u64().expect("ack has a seq")
}

/// An operator message through the API of `at`; its `seq` (201 asserted).
async fn operator_sends(at: &Instance, token: &str, id: &str, text: &str) -> u64 {
    operator_says(at, token, id, text).await["seq"]
        .as_u64()
        .expect("stored message has a seq")
}

/// A chat across instances: the visitor on A, the operator `op` on B.
struct Chat {
    id: String,
    resume: String,
    token: String,
    visitor: Peer,
    desk: Peer,
    /// Another widget socket on A that only watches the status.
    watcher: Peer,
}

fn is_status(code: u64) -> impl FnMut(&Value) -> bool {
    move |f| f["type"] == "status" && f["status"] == code
}

async fn chat_across(c: &Cluster) -> Chat {
    let token = c.b.login(DEMO, "op").await;
    let mut desk = Peer::new(desk(&c.b, &token).await);
    desk.wait("the desk's first queue on B", |f| f["type"] == "queue")
        .await;
    c.b.set_availability(&token, "online").await;
    let mut watcher = Peer::new(c.a.widget("default").await);
    watcher
        .wait_from(
            0,
            CONVERGE,
            "status online on A's widget after the operator went online on B",
            is_status(1),
        )
        .await;
    let mut visitor = Peer::new(c.a.widget("default").await);
    let start = json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"});
    assert!(visitor.send(start).await);
    let created = visitor
        .wait("sessionCreated on A", |f| {
            f["type"] == "sessionCreated" || f["type"] == "error"
        })
        .await;
    assert_eq!(
        created["type"], "sessionCreated",
        "chat start on A: {created}"
    );
    let id = created["sessionId"].as_str().unwrap().to_string();
    desk.wait(
        "the chat started on A joins the queue of the desk on B",
        |f| f["type"] == "queueJoined" && f["chat"]["id"] == id.as_str(),
    )
    .await;
    let (st, body) = c.b.accept(&token, &id).await;
    assert_eq!(st, 200, "accept on B of the chat waiting on A: {body}");
    visitor
        .wait("sessionStarted on A after the accept on B", |f| {
            f["type"] == "sessionStarted"
        })
        .await;
    Chat {
        id,
        resume: created["token"].as_str().unwrap().to_string(),
        token,
        visitor,
        desk,
        watcher,
    }
}

/// Waits until `peer` has received every seq of `want` in message frames
/// of `session`; then asserts that none came twice.
async fn received_once(peer: &mut Peer, session: &str, want: &BTreeSet<u64>, who: &str) {
    let t = Instant::now();
    peer.until(
        CONVERGE,
        &format!("{who}: every acknowledged message"),
        |log| {
            let got = seq_counts(log, session);
            want.iter().all(|s| got.contains_key(s))
        },
    )
    .await;
    let got = seq_counts(&peer.log, session);
    let twice: BTreeMap<_, _> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{who}: messages delivered more than once (seq → times): {twice:?}"
    );
    eprintln!(
        "{who}: all {} acknowledged messages, each once ({:.2} s after the last send)",
        want.len(),
        t.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_kill9_mid_conversation_loses_nothing_and_status_converges() {
    let mut c = Cluster::start(&cluster_toml(&[("op", 4)]), BrokerKind::Redis).await;
    let mut chat = chat_across(&c).await;
    let id = chat.id.clone();
    // (seq, text) of everything acknowledged, and who should receive it.
    let mut to_operator: Vec<(u64, String)> = Vec::new();
    let mut to_visitor: Vec<(u64, String)> = Vec::new();
    let mut status_mark = 0;
    for (phase, n) in [("before", 5usize), ("outage", 10), ("after", 5)] {
        if phase == "outage" {
            chat.watcher.drain();
            status_mark = chat.watcher.log.len();
            c.redis().kill9().await;
            eprintln!("redis-server killed (-9)");
        }
        for k in 0..n {
            let v = format!("visitor {phase} {k}");
            let seq = visitor_sends(&mut chat.visitor, &format!("v-{phase}-{k}"), &v).await;
            to_operator.push((seq, v));
            let o = format!("operator {phase} {k}");
            to_visitor.push((operator_sends(&c.b, &chat.token, &id, &o).await, o));
        }
        if phase == "outage" {
            // The change is committed while no instance hears the other.
            c.b.set_availability(&chat.token, "away").await;
            c.redis().restart().await;
            eprintln!("redis-server restarted on port {}", c.redis().port);
        }
    }
    eprintln!(
        "{} visitor and {} operator messages acknowledged (10 + 10 during the outage)",
        to_operator.len(),
        to_visitor.len()
    );
    let all: BTreeSet<u64> = to_operator.iter().chain(&to_visitor).map(|m| m.0).collect();
    received_once(&mut chat.desk, &id, &all, "operator desk on B").await;
    received_once(&mut chat.visitor, &id, &all, "visitor widget on A").await;
    let t = Instant::now();
    chat.watcher
        .wait_from(
            status_mark,
            CONVERGE,
            "status offline on A after the operator went away on B during the outage",
            is_status(0),
        )
        .await;
    eprintln!(
        "status converged on A {:.2} s after the sends",
        t.elapsed().as_secs_f64()
    );
    // And live again: back online on B is seen on A.
    let mark = chat.watcher.log.len();
    c.b.set_availability(&chat.token, "online").await;
    chat.watcher
        .wait_from(mark, CONVERGE, "status online on A again", is_status(1))
        .await;
    let acked: Vec<_> = to_operator.iter().chain(&to_visitor).cloned().collect();
    all_stored(&c.database_url, &id, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_kill9_visitor_resumes_on_the_other_and_nothing_is_lost() {
    let mut c = Cluster::start(&cluster_toml(&[("op", 4)]), BrokerKind::Postgres).await;
    let mut chat = chat_across(&c).await;
    let id = chat.id.clone();
    let mut acked: Vec<(u64, String)> = Vec::new();
    let mut visitor_seqs = BTreeSet::new();
    for k in 0..5 {
        let v = format!("visitor live {k}");
        let seq = visitor_sends(&mut chat.visitor, &format!("v-live-{k}"), &v).await;
        visitor_seqs.insert(seq);
        acked.push((seq, v));
        let o = format!("operator live {k}");
        acked.push((operator_sends(&c.b, &chat.token, &id, &o).await, o));
    }
    received_once(
        &mut chat.desk,
        &id,
        &visitor_seqs,
        "desk on B, before the kill",
    )
    .await;
    // A last burst acknowledged by A, then A dies at once.
    for k in 0..5 {
        let v = format!("visitor last {k}");
        acked.push((
            visitor_sends(&mut chat.visitor, &format!("v-last-{k}"), &v).await,
            v,
        ));
    }
    c.a.kill9().await;
    chat.visitor.closed().await;
    chat.visitor.drain();
    eprintln!(
        "instance A killed (-9) after {} acknowledged messages",
        acked.len()
    );
    // The operator goes on while the visitor is away.
    for k in 0..3 {
        let o = format!("operator while away {k}");
        acked.push((operator_sends(&c.b, &chat.token, &id, &o).await, o));
    }
    // The widget's reconnection lands on B: resume after the last seq seen.
    let seen = seq_counts(&chat.visitor.log, &id);
    let mut after = 0;
    while seen.contains_key(&(after + 1)) {
        after += 1;
    }
    let t = Instant::now();
    let mut back = Peer::new(c.b.widget("default").await);
    let resume =
        json!({"type": "resume", "sessionId": id, "token": chat.resume, "afterSeq": after});
    assert!(back.send(resume).await);
    let r = back
        .wait("resumed on B", |f| {
            f["type"] == "resumed" || f["type"] == "error"
        })
        .await;
    assert_eq!(r["type"], "resumed", "resume on B: {r}");
    assert_eq!(r["state"], "active", "the chat is still active on B: {r}");
    // Everything acknowledged reaches the visitor once, counting what A
    // delivered before it died and what B replays after `afterSeq`.
    let want: BTreeSet<u64> = acked.iter().map(|m| m.0).collect();
    back.until(
        CONVERGE,
        "the visitor has every acknowledged message after the resume on B",
        |log| {
            let got = seq_counts(log, &id);
            want.iter()
                .all(|s| seen.contains_key(s) || got.contains_key(s))
        },
    )
    .await;
    let replayed = seq_counts(&back.log, &id);
    for (seq, n) in &replayed {
        assert!(
            *seq > after,
            "seq {seq} replayed although afterSeq was {after}"
        );
        assert_eq!(*n, 1, "seq {seq} replayed {n} times");
    }
    eprintln!(
        "visitor resumed on B after seq {after}: {} replayed, {:.2} s",
        replayed.len(),
        t.elapsed().as_secs_f64()
    );
    // The desk on B shows the visitor back, and the chat goes on there.
    let mark = chat.desk.log.len();
    let v = "visitor on B".to_string();
    let seq = visitor_sends(&mut back, "v-on-b", &v).await;
    acked.push((seq, v));
    chat.desk
        .wait_from(
            mark,
            common::WAIT,
            "the visitor's message from B on the desk",
            |f| f["type"] == "message" && f["message"]["seq"] == seq,
        )
        .await;
    let o = "operator to the visitor on B".to_string();
    let oseq = operator_sends(&c.b, &chat.token, &id, &o).await;
    acked.push((oseq, o));
    back.wait("the operator's reply on B", |f| {
        f["type"] == "message" && f["message"]["seq"] == oseq
    })
    .await;
    // The desk on B never left: it has every acknowledged message once,
    // the burst that A acknowledged just before dying included.
    let every: BTreeSet<u64> = acked.iter().map(|m| m.0).collect();
    received_once(&mut chat.desk, &id, &every, "desk on B after the failover").await;
    all_stored(&c.database_url, &id, &acked).await;
    // The operator's view (B's API) has every acknowledged message too.
    let (st, d) =
        c.b.call(
            reqwest::Method::GET,
            &format!("/api/operator/chats/{id}?limit=1000"),
            &chat.token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{d}");
    let listed: BTreeSet<u64> = d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["seq"].as_u64())
        .collect();
    assert!(
        want.is_subset(&listed),
        "B's API lists every acknowledged message"
    );
}

/// Starts a chat on `at`; its session id once waiting.
async fn waiting_chat(at: &Instance) -> (Peer, String) {
    let mut w = Peer::new(at.widget("default").await);
    let start = json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"});
    assert!(w.send(start).await);
    let created = w
        .wait("sessionCreated", |f| {
            f["type"] == "sessionCreated" || f["type"] == "error"
        })
        .await;
    assert_eq!(
        created["type"], "sessionCreated",
        "chat start on {}: {created}",
        at.name
    );
    let id = created["sessionId"].as_str().unwrap().to_string();
    (w, id)
}

async fn active_of(db: &str, operator: &str) -> Vec<String> {
    pg::query(
        db,
        &format!("SELECT id FROM sessions WHERE operator = '{operator}' AND state = 'active' ORDER BY id"),
    )
    .await
    .into_iter()
    .map(|r| r[0].clone().unwrap())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_to_assign_assign_once() {
    const ROUNDS: usize = 30;
    let c = Cluster::start(&cluster_toml(&[("solo", 1)]), BrokerKind::Redis).await;
    // One login per instance (two desk tabs behind a balancer): `token`
    // on A, `token_b` on B.
    let token = c.a.login(DEMO, "solo").await;
    let token_b = c.b.login(DEMO, "solo").await;
    let mut desk_a = Peer::new(desk(&c.a, &token).await);
    let mut desk_b = Peer::new(desk(&c.b, &token_b).await);
    // Online through both logins: each instance has the operator online
    // with one free slot even before presence crosses instances.
    c.a.set_availability(&token, "online").await;
    c.b.set_availability(&token_b, "online").await;
    let t = Instant::now();
    for round in 0..ROUNDS {
        // Two waiting chats, one on each instance; in odd rounds both
        // instances race for the same one (the queue head).
        let (wa, first) = waiting_chat(&c.a).await;
        let (wb, second) = waiting_chat(&c.b).await;
        // Both desks show both chats in the queue (as the operator who
        // clicks "accept" sees them) before the race.
        for (d, name) in [(&mut desk_a, "A"), (&mut desk_b, "B")] {
            for chat in [&first, &second] {
                d.wait(
                    &format!("round {round}: chat {chat} in the queue of the desk on {name}"),
                    |f| f["type"] == "queueJoined" && f["chat"]["id"] == chat.as_str(),
                )
                .await;
            }
        }
        let target_b = if round % 2 == 0 { &second } else { &first };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (ra, rb) = tokio::join!(
            async {
                barrier.clone().wait().await;
                c.a.accept(&token, &first).await
            },
            async {
                barrier.clone().wait().await;
                c.b.accept(&token_b, target_b).await
            }
        );
        let wins = [&ra, &rb].iter().filter(|r| r.0 == 200).count();
        assert_eq!(
            wins, 1,
            "round {round}: exactly one accept wins (A: {} {}, B: {} {})",
            ra.0, ra.1, rb.0, rb.1
        );
        let loser = if ra.0 == 200 { &rb } else { &ra };
        assert_eq!(
            loser.0, 409,
            "round {round}: the other accept is refused with 409: {}",
            loser.1
        );
        let active = active_of(&c.database_url, "solo").await;
        assert_eq!(
            active.len(),
            1,
            "round {round}: solo holds one chat in the database: {active:?}"
        );
        // Free the slot (from the other instance than the winner) and end
        // the waiting chat too, for the next round.
        let (winner_id, other_at, other_token) = if ra.0 == 200 {
            (&first, &c.b, &token_b)
        } else {
            (target_b, &c.a, &token)
        };
        assert_eq!(
            &active[0], winner_id,
            "round {round}: the winner's chat is the stored one"
        );
        let (st, body) = other_at.end(other_token, winner_id).await;
        assert_eq!(st, 200, "round {round}: end on the other instance: {body}");
        // The visitors leave: the loser's chat leaves the queue.
        for mut w in [wa, wb] {
            assert!(w.send(json!({"type": "endChat"})).await);
            w.wait("sessionEnded", |f| f["type"] == "sessionEnded")
                .await;
        }
        // The slot is free again on both instances before the next race.
        assert!(
            active_of(&c.database_url, "solo").await.is_empty(),
            "round {round}: slot freed"
        );
    }
    eprintln!(
        "{ROUNDS} races (half on two chats, half on one): assigned once each time, {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// Behind a balancer the desk's next request may land on the other
/// instance: a login made on A works on B (its desk socket too), and a
/// logout on A ends it on B within the re-check interval (5 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_token_from_a_works_on_b_and_logout_ends_it_there() {
    let c = Cluster::start(&cluster_toml(&[("op", 1)]), BrokerKind::Redis).await;
    let token = c.a.login(DEMO, "op").await;
    let (st, body) =
        c.b.call(reqwest::Method::GET, "/api/operator/chats", &token, None)
            .await;
    assert_eq!(st, 200, "A's token on B: {body}");
    let _desk = Peer::new(desk(&c.b, &token).await);
    let (st, body) =
        c.a.call(reqwest::Method::POST, "/api/operator/logout", &token, None)
            .await;
    assert_eq!(st, 200, "logout on A: {body}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (st, body) =
            c.b.call(reqwest::Method::GET, "/api/operator/chats", &token, None)
                .await;
        if st == 401 {
            break;
        }
        assert_eq!(st, 200, "B before the re-check: {body}");
        assert!(
            std::time::Instant::now() < deadline,
            "the token logged out on A still works on B after 15 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
