//! Hardening (issue 10) and operator sessions (issue 14): a real server on
//! port 0; each test pins one defect and failed before its fix. Connection
//! limits and login throttling are in `hardening_network.rs`.

use crate::common;

use std::time::Duration;

use common::*;

/// Issue 10, item 6: an operator who set themselves online and then
/// closed the desk (no socket, no API call) becomes away after the grace
/// period, and the button goes offline.
#[tokio::test]
async fn operator_without_desk_goes_away_after_the_grace() {
    let s = Server::start_with(
        test_config_with(|c| c.presence.away_after = Duration::from_millis(300)),
        None,
    )
    .await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    let token = s.login(DEMO, "demo").await;
    let d = desk(&s, &token).await;
    s.set_availability(&token, "online").await;
    expect_status(&mut w, 1).await;
    drop(d); // the desk tab closes
    expect_status(&mut w, 0).await;
    let (_, me) = s
        .call(reqwest::Method::GET, "/api/operator/me", &token, None)
        .await;
    assert_eq!(me["availability"], "away");
}

/// Issue 14, item 6: a deploy (restart on the same data directory) logs
/// nobody out: the operator's token still works, their desk reconnects
/// with it, and their availability comes back with the button status.
#[tokio::test]
async fn restart_keeps_operator_logins_and_availability() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    let _desk = desk(&s, &token).await;
    s.set_availability(&token, "online").await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 1).await;
    drop(w);
    let data = s.stop().await;

    let s = Server::start_with(test_config(), data).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 1).await;
    let (st, me) = s
        .call(reqwest::Method::GET, "/api/operator/me", &token, None)
        .await;
    assert_eq!(st, 200, "the token survives the restart: {me}");
    assert_eq!(me["availability"], "online");
    let mut d = desk(&s, &token).await;
    assert_eq!(next_json(&mut d).await["type"], "operator");
    // Logout still ends it for good.
    let (st, _) = s
        .call(reqwest::Method::POST, "/api/operator/logout", &token, None)
        .await;
    assert_eq!(st, 200);
    let data = s.stop().await;
    let s = Server::start_with(test_config(), data).await;
    let (st, _) = s
        .call(reqwest::Method::GET, "/api/operator/me", &token, None)
        .await;
    assert_eq!(st, 401);
}

/// Issue 10, item 4 / issue 14, item 7: a desk catching up after a
/// reconnect asks for the messages after the last `seq` it has, a page at
/// a time, instead of the whole history.
#[tokio::test]
async fn chat_messages_page_after_a_seq() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &token).await;
    for i in 0..5 {
        visitor_says(&mut w, &format!("c{i}"), &format!("m{i}")).await;
    }
    let get = |q: &str| {
        let path = format!("/api/operator/chats/{id}{q}");
        let (s, token) = (&s, &token);
        async move { s.call(reqwest::Method::GET, &path, token, None).await }
    };
    let (st, d) = get("?afterSeq=2&limit=2").await;
    assert_eq!(st, 200, "{d}");
    let seqs: Vec<u64> = d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4]);
    let (_, d) = get("").await;
    assert_eq!(d["messages"].as_array().unwrap().len(), 5);
    let (st, _) = get("?limit=0").await;
    assert_eq!(st, 400);
}

/// Issue 10, item 1: after the snapshot on connect, queue changes reach the
/// desk as deltas (`queueJoined`, `queueLeft`), not the whole queue again.
#[tokio::test]
async fn queue_changes_are_deltas() {
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    let mut d = desk(&s, &token).await;
    assert_eq!(
        next_of(&mut d, "queue").await["queue"],
        serde_json::json!([])
    );
    let mut w = s.widget("default").await;
    let id = start_chat(&mut w).await["sessionId"].clone();
    let joined = next_queue_event(&mut d).await;
    assert_eq!(joined["type"], "queueJoined");
    assert_eq!(joined["chat"]["id"], id);
    assert_eq!(joined["chat"]["queuePosition"], 1);
    let (st, _) = s.accept(&token, id.as_str().unwrap()).await;
    assert_eq!(st, 200);
    let left = next_queue_event(&mut d).await;
    assert_eq!(left["type"], "queueLeft");
    assert_eq!(left["sessionId"], id);
}

async fn next_queue_event(d: &mut Ws) -> serde_json::Value {
    loop {
        let v = next_json(d).await;
        if v["type"].as_str().unwrap().starts_with("queue") {
            return v;
        }
    }
}

/// Issue 10, item 1: a waiting chat whose visitor went away (no socket)
/// for the expiry time ends; the desk sees it leave the queue.
#[tokio::test]
async fn ghost_waiting_chat_expires() {
    let s = Server::start_with(
        test_config_with(|c| c.presence.waiting_expiry = Duration::from_millis(300)),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    let mut d = desk(&s, &token).await;
    next_of(&mut d, "queue").await;
    let mut w = s.widget("default").await;
    let id = start_chat(&mut w).await["sessionId"].clone();
    assert_eq!(next_queue_event(&mut d).await["type"], "queueJoined");
    drop(w);
    let left = next_queue_event(&mut d).await;
    assert_eq!(left["type"], "queueLeft");
    assert_eq!(left["sessionId"], id);
    let (_, q) = s
        .call(reqwest::Method::GET, "/api/operator/queue", &token, None)
        .await;
    assert_eq!(q, serde_json::json!([]));
}

/// Issue 10, item 1: chat starts are capped per IP, and the queue length
/// per company.
#[tokio::test]
async fn chat_starts_and_queue_are_capped() {
    let s = Server::start_with(
        test_config_with(|c| c.abuse.chat_starts_per_ip_per_minute = 2),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    let start = serde_json::json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"});
    let mut keep = Vec::new();
    for _ in 0..2 {
        let mut w = s.widget("default").await;
        start_chat(&mut w).await;
        keep.push(w);
    }
    let mut w = s.widget("default").await;
    send(&mut w, start.clone()).await;
    let e = next_of(&mut w, "error").await;
    assert_eq!(e["code"], "rateLimited", "{e}");

    let s = Server::start_with(test_config_with(|c| c.abuse.queue_max = 1), None).await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    let mut a = s.widget("default").await;
    start_chat(&mut a).await;
    let mut b = s.widget("default").await;
    send(&mut b, start).await;
    let e = next_of(&mut b, "error").await;
    assert_eq!(e["code"], "unavailable", "{e}");
    assert!(e["message"].as_str().unwrap().contains("queue is full"));
}

/// Issue 10, item 4: a burst of `typing` and `read` frames reaches the
/// desk coalesced (the first at once, the latest when its one-second window
/// is up), not one desk event per frame, and the latest value is never
/// lost. The burst is long enough that it shows coalescing however the
/// frames are scheduled: fewer desk events than frames unless the server
/// took over a second for each of its frames (without coalescing there is
/// always one event per frame).
#[tokio::test]
async fn typing_and_read_are_coalesced() {
    const FRAMES: u64 = 20;
    let s = Server::start().await;
    let token = s.login(DEMO, "demo").await;
    let (mut w, _id, _) = active_chat(&s, &token).await;
    let mut d = desk(&s, &token).await;
    next_of(&mut d, "heartbeat").await;
    // true, false, …, false; then read marks 1 to FRAMES.
    for i in 0..FRAMES {
        send(
            &mut w,
            serde_json::json!({"type": "typing", "typing": i % 2 == 0}),
        )
        .await;
    }
    for seq in 1..=FRAMES {
        send(&mut w, serde_json::json!({"type": "read", "seq": seq})).await;
    }
    // Until the desk has the latest of both (each desk read within WAIT):
    // then nothing of them waits in a window.
    let mut typing = Vec::new();
    let mut read = Vec::new();
    while typing.last() != Some(&false) || read.last() != Some(&FRAMES) {
        let v = next_json(&mut d).await;
        match v["type"].as_str().unwrap() {
            "typing" => typing.push(v["typing"].as_bool().unwrap()),
            "read" => read.push(v["seq"].as_u64().unwrap()),
            _ => {}
        }
    }
    // Nothing else is queued behind them: the next event is this message.
    visitor_says(&mut w, "after", "done").await;
    loop {
        let v = next_json(&mut d).await;
        match v["type"].as_str().unwrap() {
            "message" => break,
            "typing" | "read" => panic!("uncoalesced {v} after {typing:?} {read:?}"),
            _ => {}
        }
    }
    assert_eq!(
        typing.first(),
        Some(&true),
        "the first goes at once: {typing:?}"
    );
    assert!(
        read.windows(2).all(|p| p[0] < p[1]),
        "read marks in order, each once: {read:?}"
    );
    assert!(
        (typing.len() as u64) < FRAMES,
        "{FRAMES} typing frames, coalesced: {typing:?}"
    );
    assert!(
        (read.len() as u64) < FRAMES,
        "{FRAMES} read frames, coalesced: {read:?}"
    );
}

/// Issue 10, item 4: resumes are rate limited per socket, and a resume
/// of a long chat sends only its latest 200 messages.
#[tokio::test]
async fn resume_is_limited_and_paged() {
    let s = Server::start_with(
        test_config_with(|c| {
            c.abuse.resumes_per_minute = 3;
            c.limits.messages_per_10s = 10_000;
            c.storage.full_sync = false;
        }),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    let (mut w, id, resume_token) = active_chat(&s, &token).await;
    for i in 0..205 {
        visitor_says(&mut w, &format!("c{i}"), "x").await;
    }
    let mut r = s.widget("default").await;
    let resume = serde_json::json!({"type": "resume", "sessionId": id, "token": resume_token, "afterSeq": 0});
    send(&mut r, resume.clone()).await;
    next_of(&mut r, "resumed").await;
    let mut seqs = Vec::new();
    loop {
        let v = next_json(&mut r).await;
        if v["type"] == "message" {
            seqs.push(v["message"]["seq"].as_u64().unwrap());
            if seqs.len() == 200 {
                break;
            }
        }
    }
    assert_eq!(seqs.first(), Some(&6), "the latest 200 of 205");
    assert_eq!(seqs.last(), Some(&205));
    for _ in 0..2 {
        send(&mut r, resume.clone()).await;
        next_of(&mut r, "resumed").await;
    }
    send(&mut r, resume).await;
    let e = next_of(&mut r, "error").await;
    assert_eq!(e["code"], "rateLimited", "{e}");
}

/// Issue 10, item 9: the widget config publishes the limits the server
/// enforces, counted in characters on both sides: custom data at the
/// published limits (multi-byte characters included) is accepted, one
/// character more is refused.
#[tokio::test]
async fn published_limits_are_the_enforced_ones() {
    let s = Server::start().await;
    let cfg: serde_json::Value = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}&preset=default")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lim = &cfg["limits"];
    assert_eq!(
        lim["messageMaxChars"], 200,
        "the [limits] value of the test config"
    );
    let value_max = lim["customDataValueMaxChars"].as_u64().unwrap() as usize;
    let total_max = lim["customDataTotalMaxChars"].as_u64().unwrap() as usize;
    let url_max = lim["pageUrlMaxChars"].as_u64().unwrap() as usize;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    // "ž" is 2 bytes: a byte count would refuse this.
    let mut data = serde_json::Map::new();
    let mut used = 0;
    let mut i = 0;
    while used + 3 + value_max <= total_max {
        data.insert(format!("k{i:02}"), "ž".repeat(value_max).into());
        used += 3 + value_max;
        i += 1;
    }
    let url = format!("http://localhost:5173/{}", "é".repeat(url_max - 22));
    let start = |data: serde_json::Map<String, serde_json::Value>| serde_json::json!({"type": "startChat", "language": "en", "pageUrl": url, "customData": data});
    let mut w = s.widget("default").await;
    send(&mut w, start(data.clone())).await;
    let v = next_json_of(&mut w, &["sessionCreated", "error"]).await;
    assert_eq!(v["type"], "sessionCreated", "{v}");
    data.insert("extra".into(), "x".repeat(total_max - used).into());
    let mut w = s.widget("default").await;
    send(&mut w, start(data)).await;
    let v = next_json_of(&mut w, &["sessionCreated", "error"]).await;
    assert_eq!(v["code"], "invalid", "{v}");
}

async fn next_json_of(w: &mut Ws, types: &[&str]) -> serde_json::Value {
    loop {
        let v = next_json(w).await;
        if types.iter().any(|t| v["type"] == *t) {
            return v;
        }
    }
}
