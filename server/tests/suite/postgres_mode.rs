//! PostgreSQL mode (issue 13): the real server binary with
//! `--database-url` runs a whole chat with an operator and restores it
//! after a restart; and while the database is down a message send gets an
//! error (never an ack), and the next send after it returns succeeds with
//! no restart.

use crate::common;

use std::time::Instant;

use common::pg::{fresh_database, fresh_database_on, query, Cluster};
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn next_ack_or_error(w: &mut Ws) -> Value {
    loop {
        let v = next_json(w).await;
        if v["type"] == "ack" || v["type"] == "error" {
            return v;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_on_postgres_chats_and_restores_after_a_restart() {
    let url = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, test_toml()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (child, base) = spawn_binary_with(&config, data.path(), &["--database-url", &url]).await;
    let s = Server::remote(&base);

    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let (mut w, id, token) = active_chat(&s, &demo).await;
    assert_eq!(
        visitor_says(&mut w, "v1", "hello from the visitor").await["seq"],
        1
    );
    let ev = next_of(&mut d, "message").await;
    assert_eq!(
        (ev["sessionId"].as_str(), ev["message"]["text"].as_str()),
        (Some(id.as_str()), Some("hello from the visitor"))
    );
    operator_says(&s, &demo, &id, "hello from the operator").await;
    assert_eq!(
        next_of(&mut w, "message").await["message"]["text"],
        "hello from the visitor"
    );
    assert_eq!(
        next_of(&mut w, "message").await["message"]["text"],
        "hello from the operator"
    );
    drop((w, d, child)); // killed

    // Everything is in PostgreSQL, nothing in the data directory.
    assert!(
        !data.path().join(owidget_server::storage::DB_FILE).exists(),
        "no SQLite file in PostgreSQL mode"
    );
    let rows = query(
        &url,
        &format!("SELECT seq, text FROM messages WHERE session = '{id}' ORDER BY seq"),
    )
    .await;
    assert_eq!(rows.len(), 2, "{rows:?}");

    // A new process with a new, empty data directory restores the chat.
    let data2 = tempfile::tempdir().unwrap();
    let (_child, base) = spawn_binary_with(&config, data2.path(), &["--database-url", &url]).await;
    let s = Server::remote(&base);
    let demo = s.login(DEMO, "demo").await;
    let (_, mine) = s
        .call(Method::GET, "/api/operator/chats", &demo, None)
        .await;
    assert_eq!(
        (mine[0]["id"].as_str(), mine[0]["state"].as_str()),
        (Some(id.as_str()), Some("active")),
        "{mine}"
    );
    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 0}),
    )
    .await;
    assert_eq!(next_of(&mut w, "resumed").await["state"], "active");
    assert_eq!(
        next_of(&mut w, "message").await["message"]["text"],
        "hello from the visitor"
    );
    assert_eq!(
        next_of(&mut w, "message").await["message"]["text"],
        "hello from the operator"
    );
    assert_eq!(
        visitor_says(&mut w, "v1", "hello from the visitor").await["seq"],
        1,
        "clientId still known"
    );
    assert_eq!(
        visitor_says(&mut w, "v2", "after the restart").await["seq"],
        3
    );
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/end"),
            &demo,
            None,
        )
        .await;
    assert_eq!(st, 200);
    let (_, history) = s
        .call(Method::GET, "/api/operator/history", &demo, None)
        .await;
    assert_eq!(history[0]["id"], id.as_str(), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_sends_fail_and_then_recover() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let cluster = Cluster::start().await;
    let url = fresh_database_on(cluster.url()).await;
    let mut config = test_config();
    config.storage.database_url = Some(url.clone());
    let s = Server::start_with(config, None).await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &demo).await;
    assert_eq!(visitor_says(&mut w, "up-1", "before").await["seq"], 1);

    cluster.stop().await;
    let t = Instant::now();
    send(
        &mut w,
        json!({"type": "send", "clientId": "down-1", "text": "while down"}),
    )
    .await;
    let e = next_ack_or_error(&mut w).await;
    let took = t.elapsed();
    assert_eq!(e["type"], "error", "no ack while the database is down: {e}");
    assert_eq!(
        (e["code"].as_str(), e["clientId"].as_str()),
        (Some("unavailable"), Some("down-1")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("database"), "{e}");
    println!("send while PostgreSQL is down: error after {took:?}");
    let (st, body) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/messages"),
            &demo,
            Some(json!({"text": "op while down"})),
        )
        .await;
    assert_eq!(st, 503, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("database"),
        "{body}"
    );

    cluster.start_again().await;
    // The widget retries the refused message; it is stored now, once.
    assert_eq!(visitor_says(&mut w, "down-1", "while down").await["seq"], 2);
    assert_eq!(visitor_says(&mut w, "up-2", "after").await["seq"], 3);
    operator_says(&s, &demo, &id, "op after").await;
    let rows = query(
        &url,
        &format!("SELECT seq, client_id FROM messages WHERE session = '{id}' ORDER BY seq"),
    )
    .await;
    let got: Vec<_> = rows.iter().map(|r| r[1].as_deref()).collect();
    assert_eq!(got, [Some("up-1"), Some("down-1"), Some("up-2"), None]);

    // A restart with no request in between: the pooled connections are
    // dead, and the next send still succeeds (the first statement finds
    // its connection dead and reconnects).
    cluster.stop().await;
    cluster.start_again().await;
    send(
        &mut w,
        json!({"type": "send", "clientId": "up-3", "text": "after a quiet restart"}),
    )
    .await;
    let ack = next_ack_or_error(&mut w).await;
    assert_eq!(
        (ack["type"].as_str(), ack["seq"].as_u64()),
        (Some("ack"), Some(5)),
        "{ack}"
    );
    operator_says(&s, &demo, &id, "op after a quiet restart").await;
    s.stop().await;
}
