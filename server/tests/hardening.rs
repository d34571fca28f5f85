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
