//! Webhooks, issue 9: the real binary killed with SIGKILL while events are
//! undelivered (one refused, its retry in flight), restarted on the same
//! data directory: every event is delivered once, in order, with the same
//! `eventId` and correlation id across the restart.

use crate::common;
use crate::connector;
use crate::receiver;

use common::*;
use connector::*;
use receiver::{all_delivered, assert_delivery_signed, log_until, Answer, Got, Receiver};

fn binary_config(dir: &std::path::Path, hook: &str) -> std::path::PathBuf {
    let hash = owidget_server::demo::hash_password("op");
    let toml = format!(
        r#"
[storage]
synchronous = "normal"
[[companies]]
id = "{DEMO}"
allowed_origins = ["http://localhost:*"]
[[companies.presets]]
name = "default"
groups = ["support"]
[[companies.operators]]
username = "op"
password_hash = "{hash}"
capacity = 10
groups = ["support"]
[companies.connector]
id_connector_version = "{VERSION}"
id_website = "{WEBSITE}"
secret = "{SECRET}"
second_secret = "{SECOND}"
timeout_ms = 2000
[[companies.connector.webhooks]]
url = "{hook}"
events = ["v2.conversation.*"]
backoff_first_ms = 50
backoff_max_ms = 200
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_undelivered_events_then_all_delivered_once() {
    // Events 1-3 acknowledged, event 4 refused once, its retry never
    // answered: the server is killed with 4-8 undelivered.
    let r = Receiver::start(vec![
        Answer::Status(200),
        Answer::Status(200),
        Answer::Status(200),
        Answer::Status(500),
        Answer::Hang,
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = binary_config(dir.path(), &r.url);
    let data = dir.path().join("data");
    let (mut child, url) = spawn_binary(&config, &data).await;
    let s = Server::remote(&url);
    let token = s.login(DEMO, "op").await;
    s.set_availability(&token, "online").await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let mut w = s.widget("default").await;
        let created = start_chat(&mut w).await;
        let id = created["sessionId"].as_str().unwrap().to_string();
        assert_eq!(s.accept(&token, &id).await.0, 200);
        assert_eq!(s.end(&token, &id).await.0, 200);
        ids.push(id);
    }
    r.until("the retry of event 4 hangs", |g| g.len() == 5)
        .await;
    child.start_kill().expect("SIGKILL");
    child.wait().await.unwrap();

    let (mut child, url) = spawn_binary(&config, &data).await;
    let s = Server::remote(&url);
    let got = r
        .until("all 8 events acknowledged", |g| {
            g.iter().filter(|x| x.acked().is_some()).count() >= 8
        })
        .await;
    // Once the log says all delivered, nothing is pending to be sent again.
    let token = s.login(DEMO, "op").await;
    log_until(&s, &token, "8 delivered", all_delivered(8)).await;
    let got_after = r.got();
    assert_eq!(
        got_after.len(),
        got.len(),
        "nothing sent after all were delivered"
    );

    let acked: Vec<String> = got.iter().filter_map(Got::acked).collect();
    let mut unique = acked.clone();
    unique.dedup();
    assert_eq!(acked.len(), 8, "each event acknowledged once: {acked:?}");
    assert_eq!(unique.len(), 8);
    let kinds: Vec<(String, String)> = got
        .iter()
        .filter(|g| g.acked().is_some())
        .map(|g| {
            let b = g.json();
            (
                b["eventType"].as_str().unwrap().to_string(),
                b["conversationId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = ids
        .iter()
        .flat_map(|id| {
            [
                ("v2.conversation.pushed".to_string(), as_uuid(id)),
                ("v2.conversation.closed".to_string(), as_uuid(id)),
            ]
        })
        .collect();
    assert_eq!(kinds, expected, "in order across the restart");
    // Event 4: refused, hung, delivered after the restart — one eventId and
    // one correlation id, three delivery ids.
    let fourth: Vec<&Got> = got
        .iter()
        .filter(|g| g.json()["eventId"] == got[3].json()["eventId"])
        .collect();
    assert_eq!(fourth.len(), 3);
    let corr: Vec<String> = fourth
        .iter()
        .map(|g| g.header("x-iadvize-correlationid"))
        .collect();
    assert!(corr.iter().all(|c| *c == corr[0]));
    let mut deliveries_ids: Vec<String> = fourth
        .iter()
        .map(|g| g.header("x-iadvize-delivery"))
        .collect();
    deliveries_ids.dedup();
    assert_eq!(deliveries_ids.len(), 3);
    for g in &got {
        assert_delivery_signed(g);
    }
    let _ = child.start_kill();
}
