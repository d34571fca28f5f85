//! A restart with the same data directory keeps conversations.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn restart_keeps_waiting_and_active_chats() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, active_id, token) = active_chat(&s, &demo).await;
    visitor_says(&mut w, "v1", "before restart").await;
    operator_says(&s, &demo, &active_id, "noted").await;
    let mut waiting = s.widget("default").await;
    let waiting_id = start_chat(&mut waiting).await["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    drop(w);
    drop(waiting);
    let data = s.stop().await;

    let s = Server::start_with(test_config(), data).await;
    let mut probe = s.widget("default").await;
    // Availability comes back with the restart (issue 14, item 6); one of
    // two chats: still room.
    expect_status(&mut probe, 1).await;
    let demo = s.login(DEMO, "demo").await;
    let (_, mine) = s
        .call(Method::GET, "/api/operator/chats", &demo, None)
        .await;
    assert_eq!(mine[0]["id"], active_id.as_str());
    assert_eq!(mine[0]["state"], "active");
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    assert_eq!(q[0]["id"], waiting_id.as_str());
    assert_eq!(q[0]["queuePosition"], 1);

    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": active_id, "token": token, "afterSeq": 0}),
    )
    .await;
    let r = next_of(&mut w, "resumed").await;
    assert_eq!(r["state"], "active");
    let a = next_of(&mut w, "message").await;
    let b = next_of(&mut w, "message").await;
    assert_eq!(a["message"]["text"], "before restart");
    assert_eq!(b["message"]["text"], "noted");
    // The conversation goes on with the next seq; a resent clientId is
    // still recognised after the restart.
    assert_eq!(visitor_says(&mut w, "v1", "before restart").await["seq"], 1);
    assert_eq!(visitor_says(&mut w, "v2", "after restart").await["seq"], 3);
    s.stop().await;
}

#[tokio::test]
async fn ended_chat_can_be_resumed_read_only() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, token) = active_chat(&s, &demo).await;
    visitor_says(&mut w, "x", "bye").await;
    send(&mut w, json!({"type": "endChat"})).await;
    assert_eq!(next_of(&mut w, "sessionEnded").await["by"], "visitor");
    let data = s.stop().await;

    let s = Server::start_with(test_config(), data).await;
    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 0}),
    )
    .await;
    let r = next_of(&mut w, "resumed").await;
    assert_eq!(r["state"], "ended");
    assert_eq!(next_of(&mut w, "message").await["message"]["text"], "bye");
    send(
        &mut w,
        json!({"type": "send", "clientId": "y", "text": "more"}),
    )
    .await;
    assert_eq!(next_of(&mut w, "error").await["code"], "noSession");
    s.stop().await;
}

#[tokio::test]
async fn chat_of_a_removed_operator_goes_back_to_the_queue() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let (w, id, _) = active_chat(&s, &demo).await;
    drop(w);
    let data = s.stop().await;

    // The same file without operator "demo" (renamed).
    let toml = test_toml().replace("username = \"demo\"", "username = \"demo2\"");
    let config = owidget_server::Config::from_toml(&toml).unwrap();
    let s = Server::start_with(config, data).await;
    let solo = s.login(DEMO, "solo").await;
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &solo, None)
        .await;
    assert_eq!(q[0]["id"], id.as_str());
    assert_eq!(q[0]["state"], "waiting");
    let data = s.stop().await;

    // And it stays there after one more restart: the database was updated.
    let s = Server::start_with(test_config(), data).await;
    let demo = s.login(DEMO, "demo").await;
    let (_, mine) = s
        .call(Method::GET, "/api/operator/chats", &demo, None)
        .await;
    assert_eq!(mine, json!([]));
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    assert_eq!(q[0]["id"], id.as_str());
    s.stop().await;
}
