//! Hardening (issue 10) and operator sessions (issue 14): a real server on
//! port 0; each test pins one defect and failed before its fix.

mod common;

use std::time::Duration;

use common::*;

/// A test config with `edit` applied to the checked values.
fn config_with(edit: impl FnOnce(&mut owidget_server::Config)) -> owidget_server::Config {
    let mut c = test_config();
    edit(&mut c);
    c
}

/// Issue 10, item 6: an operator who set themselves online and then
/// closed the desk (no socket, no API call) becomes away after the grace
/// period, and the button goes offline.
#[tokio::test]
async fn operator_without_desk_goes_away_after_the_grace() {
    let s = Server::start_with(
        config_with(|c| c.presence.away_after = Duration::from_millis(300)),
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
