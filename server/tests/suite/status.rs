//! Live button status over widget sockets: 0 → 1 → 2 → 1 → 0 seen by every
//! socket, driven by real chats; origin and version checks.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn status_follows_availability_and_capacity() {
    let s = Server::start().await;
    // Three watchers of the preset plus one of another preset.
    let mut watchers = Vec::new();
    for _ in 0..3 {
        let mut w = s.widget("default").await;
        expect_status(&mut w, 0).await;
        watchers.push(w);
    }
    let mut sales = s.widget("sales").await;
    expect_status(&mut sales, 0).await;

    let demo = s.login(DEMO, "demo").await; // capacity 2, group support
    s.set_availability(&demo, "online").await;
    for w in &mut watchers {
        expect_status(w, 1).await;
    }

    // Two visitors take the whole capacity.
    let mut visitors = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut v = s.widget("default").await;
        expect_status(&mut v, 1).await;
        let created = start_chat(&mut v).await;
        ids.push(created["sessionId"].as_str().unwrap().to_string());
        visitors.push(v);
    }
    let (st, v) = s.accept(&demo, &ids[0]).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "active");
    let started = next_of(&mut visitors[0], "sessionStarted").await;
    assert_eq!(started["operatorName"], "Demo Operator");
    // One of two chats: still online.
    let (_, me) = s.call(Method::GET, "/api/operator/me", &demo, None).await;
    assert_eq!(me["activeChats"], 1);
    let (st, _) = s.accept(&demo, &ids[1]).await;
    assert_eq!(st, 200);
    for w in &mut watchers {
        expect_status(w, 2).await;
    }

    // A third chat cannot be accepted at capacity.
    let mut third = s.widget("default").await;
    expect_status(&mut third, 2).await;
    let created = start_chat(&mut third).await;
    let (st, body) = s
        .accept(&demo, created["sessionId"].as_str().unwrap())
        .await;
    assert_eq!(st, 409, "{body}");

    // Ending one frees capacity.
    let (st, _) = s.end(&demo, &ids[0]).await;
    assert_eq!(st, 200);
    let ended = next_of(&mut visitors[0], "sessionEnded").await;
    assert_eq!(ended["by"], "operator");
    for w in &mut watchers {
        expect_status(w, 1).await;
    }

    s.set_availability(&demo, "away").await;
    for w in &mut watchers {
        expect_status(w, 0).await;
    }
    // The sales preset never changed: its operators were never online.
    send(
        &mut sales,
        serde_json::json!({"type": "typing", "typing": true}),
    )
    .await;
    let v = next_json(&mut sales).await;
    assert_eq!(
        v["type"], "error",
        "sales socket saw only errors, no status: {v}"
    );
    s.stop().await;
}

#[tokio::test]
async fn queue_positions_move() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    s.set_availability(&demo, "online").await;
    let mut a = s.widget("default").await;
    let mut b = s.widget("default").await;
    let ca = start_chat(&mut a).await;
    let cb = start_chat(&mut b).await;
    assert_eq!(ca["queuePosition"], 1);
    assert_eq!(cb["queuePosition"], 2);
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    let q = q.as_array().unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0]["id"], ca["sessionId"], "oldest first");
    assert_eq!(q[1]["pageUrl"], "http://localhost:5173/shop");
    s.accept(&demo, ca["sessionId"].as_str().unwrap()).await;
    let moved = next_of(&mut b, "queue").await;
    assert_eq!(moved["position"], 1);
    // The visitor ends their own waiting chat.
    send(&mut b, serde_json::json!({"type": "endChat"})).await;
    let ended = next_of(&mut b, "sessionEnded").await;
    assert_eq!(ended["by"], "visitor");
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    assert_eq!(q, serde_json::json!([]));
    s.stop().await;
}

#[tokio::test]
async fn chat_refused_when_nobody_is_online() {
    let s = Server::start().await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    send(
        &mut w,
        serde_json::json!({"type": "startChat", "language": "en", "pageUrl": "p"}),
    )
    .await;
    let v = next_json(&mut w).await;
    assert_eq!(v["type"], "error");
    assert_eq!(v["code"], "unavailable");
    s.stop().await;
}

async fn rejected(s: &Server, query: &str, origin: &str) -> (u16, Value) {
    let r = s
        .http
        .get(s.url(&format!("/ws/widget?{query}")))
        .header("origin", origin)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON error body"))
}

#[tokio::test]
async fn socket_rejections() {
    let s = Server::start().await;
    let q = format!("company={DEMO}&preset=default&v=1");
    let (st, v) = rejected(&s, &q, "https://evil.example").await;
    assert_eq!(st, 403);
    assert_eq!(v["message"], "origin not allowed for this company");
    let err = s.widget_at(DEMO, "default", "https://evil.example").await;
    assert!(err.is_err(), "tungstenite client is refused too");
    let (st, _) = rejected(&s, &format!("company={OTHER}&v=1"), ORIGIN).await;
    assert_eq!(
        st, 403,
        "demo origins are not allowed for the other company"
    );
    let (st, v) = rejected(&s, &format!("company={DEMO}&v=2"), ORIGIN).await;
    assert_eq!(st, 400);
    assert!(v["message"].as_str().unwrap().contains("v=1"));
    let (st, _) = rejected(&s, &format!("company={DEMO}"), ORIGIN).await;
    assert_eq!(st, 400);
    let (st, _) = rejected(&s, "company=zzz&v=1", ORIGIN).await;
    assert_eq!(st, 400);
    let (st, _) = rejected(
        &s,
        "company=00000000-0000-0000-0000-000000000000&v=1",
        ORIGIN,
    )
    .await;
    assert_eq!(st, 404);
    let (st, _) = rejected(&s, &format!("company={DEMO}&preset=nope&v=1"), ORIGIN).await;
    assert_eq!(st, 404);
    // A plain GET (no upgrade) is a JSON 400, not a crash.
    let r = s
        .http
        .get(s.url(&format!("/ws/widget?{q}")))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    s.stop().await;
}

#[tokio::test]
async fn shutdown_closes_open_sockets() {
    use futures::StreamExt;
    let s = Server::start().await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    s.stop().await;
    loop {
        let frame = tokio::time::timeout(WAIT, w.next())
            .await
            .expect("the socket closes within the wait after shutdown");
        match frame {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None | Some(Err(_)) => {
                break
            }
            Some(Ok(_)) => continue,
        }
    }
}

/// Issue 11: after a burst of changes, every socket ends on the newest
/// status and gets nothing stale after it, next to a socket that reads
/// nothing at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_changes_ends_on_the_newest_everywhere() {
    let s = Server::start().await;
    let _deaf = s.widget("default").await;
    let mut watchers = Vec::new();
    for _ in 0..20 {
        let mut w = s.widget("default").await;
        expect_status(&mut w, 0).await;
        watchers.push(w);
    }
    let demo = s.login(DEMO, "demo").await; // capacity 2
    for i in 0..30 {
        let a = if i % 2 == 0 { "online" } else { "away" };
        s.set_availability(&demo, a).await;
    }
    // Busy, the one status of the run that is never repeated, comes last.
    s.set_availability(&demo, "online").await;
    let mut visitors = Vec::new();
    for _ in 0..2 {
        let mut v = s.widget("default").await;
        expect_status(&mut v, 1).await;
        let id = start_chat(&mut v).await["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        let (st, body) = s.accept(&demo, &id).await;
        assert_eq!(st, 200, "{body}");
        visitors.push((v, id));
    }
    for w in &mut watchers {
        expect_status(w, 2).await;
    }
    let (st, _) = s.end(&demo, &visitors[0].1).await;
    assert_eq!(st, 200);
    for w in &mut watchers {
        let v = next_of(w, "status").await;
        assert_eq!(v["status"], 1, "the change after busy comes next: {v}");
    }
    s.stop().await;
}
