//! Webhooks against a real HTTP receiver on port 0 written from the
//! contract (reference §2.4, §6): retries with backoff keep `eventId` and
//! the correlation id and the order; the payloads carry the documented
//! fields; both signatures are recomputed here; the delivery log; form
//! encoding (the SIGKILL test is in `webhooks_kill9.rs`).

use crate::common;
use crate::connector;
use crate::receiver;

use std::time::Duration;

use common::*;
use connector::*;
use receiver::{
    all_delivered, assert_delivery_signed, deliveries, log_until, Answer, Got, Receiver,
};
use reqwest::Method;
use serde_json::{json, Value};

fn hook_toml(url: &str, events: &str, extra: &str) -> String {
    format!(
        "timeout_ms = 500\n[[companies.connector.webhooks]]\nurl = \"{url}\"\nevents = {events}\n\
         backoff_first_ms = 40\nbackoff_max_ms = 400\n{extra}\n"
    )
}

fn is_iso(s: &str) -> bool {
    s.len() == 24 && s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == "."
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_same_ids_in_order() {
    let r = Receiver::start(vec![
        Answer::Status(503),
        Answer::Status(500),
        Answer::Status(404),
    ])
    .await;
    let c = TestConnector::start().await;
    let s = Server::start_with(
        config_with(&c, &hook_toml(&r.url, "[\"v2.conversation.*\"]", "")),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_w, id, _) = active_chat(&s, &token).await;
        let (st, _) = s.end(&token, &id).await;
        assert_eq!(st, 200);
        ids.push(id);
    }
    // 3 failures of the first event, then 6 events delivered.
    let got = r
        .until("6 deliveries acknowledged", |g| {
            g.iter().filter(|x| x.acked().is_some()).count() == 6
        })
        .await;
    assert_eq!(got.len(), 9, "3 failed attempts + 6 deliveries");
    let bodies: Vec<Value> = got.iter().map(Got::json).collect();
    // The first event four times with the same eventId and correlation id,
    // a new x-iadvize-delivery each time.
    let first = &bodies[0];
    for (i, b) in bodies[..4].iter().enumerate() {
        assert_eq!(b["eventId"], first["eventId"], "attempt {i}");
        assert_eq!(
            got[i].header("x-iadvize-correlationid"),
            got[0].header("x-iadvize-correlationid")
        );
    }
    let mut deliveries_ids: Vec<String> =
        got.iter().map(|g| g.header("x-iadvize-delivery")).collect();
    deliveries_ids.sort();
    deliveries_ids.dedup();
    assert_eq!(deliveries_ids.len(), 9, "one delivery id per attempt");
    // Backoff: the pause after failure n is at least half of 40 ms · 2^(n-1).
    for n in 1..=3u32 {
        let gap = got[n as usize].at - got[n as usize - 1].at;
        let floor = Duration::from_millis(20 * 2u64.pow(n - 1));
        assert!(gap >= floor, "pause after failure {n}: {gap:?} < {floor:?}");
    }
    // sentAt is set per attempt, createdAt is the event's.
    assert_eq!(bodies[0]["createdAt"], bodies[3]["createdAt"]);
    assert!(bodies[3]["sentAt"].as_str() >= bodies[0]["sentAt"].as_str());
    // In order: pushed, closed per chat, as they happened.
    let order: Vec<(String, String)> = bodies[3..]
        .iter()
        .map(|b| {
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
    assert_eq!(order, expected);
    // Documented fields and headers; both signatures recomputed here.
    for g in &got {
        assert_delivery_signed(g);
        assert_eq!(g.header("content-type"), "application/json");
        let b = g.json();
        assert_eq!(b["platform"], "ha");
        assert_eq!(b["projectId"], 123);
        assert_eq!(b["clientId"], 123);
        assert_eq!(b["channel"], "CHAT");
        assert!(is_iso(b["createdAt"].as_str().unwrap()), "{b}");
        assert!(is_iso(b["sentAt"].as_str().unwrap()), "{b}");
        assert_eq!(b["visitorId"].as_str().unwrap().len(), 64);
        assert_eq!(g.header("x-iadvize-correlationid").len(), 36);
    }
    assert_eq!(bodies[3]["operatorId"], "demo");
    assert_eq!(bodies[4]["operatorIds"], json!(["demo"]));
    assert_eq!(bodies[4]["closedBy"], "operator");

    // The delivery log: newest first, every attempt.
    let log = log_until(&s, &token, "6 delivered", all_delivered(6)).await;
    let oldest = &log[5];
    assert_eq!(oldest["eventId"], first["eventId"]);
    assert_eq!(oldest["state"], "delivered");
    let statuses: Vec<u64> = oldest["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 500, 404, 200]);
    assert_eq!(
        oldest["attempts"][0]["deliveryId"].as_str().unwrap(),
        got[0].header("x-iadvize-delivery")
    );
    assert_eq!(
        oldest["correlationId"].as_str().unwrap(),
        got[0].header("x-iadvize-correlationid")
    );
    assert!(log.iter().all(|d| d["state"] == "delivered"));
    assert_eq!(deliveries(&s, &token, "?state=pending").await.len(), 0);
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/webhooks/deliveries?state=x",
            &token,
            None,
        )
        .await;
    assert_eq!((st, v["message"].as_str().is_some()), (400, true));
    // Every attempt is in the connector call log too.
    let (_, calls) = s
        .call(Method::GET, "/api/operator/connector-log", &token, None)
        .await;
    let hooks = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["plugin"] == "webhook")
        .count();
    assert_eq!(hooks, 9);
    s.stop().await;
}

#[tokio::test]
async fn availability_and_closing_form_events_form_encoded() {
    let r = Receiver::start(vec![]).await;
    let c = TestConnector::start().await;
    c.reply(
        "/form",
        Reply::Json(
            json!([{"id": "reason", "label": "Reason", "fieldType": "TEXT", "isRequired": true}]),
        ),
    );
    let extra = "content_type = \"application/x-www-form-urlencoded\"\nretry_for_secs = 60";
    let s = Server::start_with(
        config_with(
            &c,
            &hook_toml(&r.url, "[\"user.*\", \"closing_form.submitted\"]", extra),
        ),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    let (_w, id, _) = active_chat(&s, &token).await; // sets `demo` online
    let got = r.until("availability event", |g| !g.is_empty()).await;
    let (st, v) = s
        .call(
            Method::PUT,
            &format!("/api/operator/chats/{id}/closing-form"),
            &token,
            Some(json!({"answers": {"reason": "late & lost"}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let got2 = r.until("closing form event", |g| g.len() == 2).await;
    let form = |g: &Got| -> Vec<(String, String)> {
        let raw = String::from_utf8(g.seen.body.clone()).unwrap();
        reqwest::Url::parse(&format!("http://x/?{raw}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let get = |pairs: &[(String, String)], k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{k} missing in {pairs:?}"))
    };
    let a = form(&got[0]);
    assert_eq!(
        got[0].header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_delivery_signed(&got[0]);
    assert_eq!(get(&a, "eventType"), "user.availability.updated");
    assert_eq!(get(&a, "userId"), "demo");
    assert_eq!(get(&a, "origin"), "operator");
    assert_eq!(get(&a, "availabilities[0][channel]"), "CHAT");
    assert_eq!(get(&a, "availabilities[0][status]"), "AVAILABLE");
    assert!(is_iso(&get(&a, "sentAt")));
    let f = form(&got2[1]);
    assert_delivery_signed(&got2[1]);
    assert_eq!(get(&f, "eventType"), "closing_form.submitted");
    assert_eq!(get(&f, "conversationId"), as_uuid(&id));
    assert_eq!(get(&f, "operatorId"), "demo");
    assert_eq!(get(&f, "answers[reason]"), "late & lost");
    s.stop().await;
}

#[tokio::test]
async fn a_dead_receiver_does_not_hold_up_chats_and_is_given_up_after_the_period() {
    // Nothing listens on the receiver's port; a 3 s retry period. With
    // 40–400 ms pauses that is several attempts even when a loaded
    // machine delays the first one by a second (seen: 990 ms with 1 s,
    // which left room for one attempt only).
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", dead.local_addr().unwrap());
    drop(dead);
    let c = TestConnector::start().await;
    let s = Server::start_with(
        config_with(&c, &hook_toml(&url, "[\"*\"]", "retry_for_secs = 3")),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &token).await;
    visitor_says(&mut w, "c1", "still here").await;
    operator_says(&s, &token, &id, "and me").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let log = deliveries(&s, &token, "").await;
        if !log.is_empty() && log.iter().all(|d| d["state"] == "failed") {
            let d = &log[0];
            assert!(d["attempts"].as_array().unwrap().len() >= 2, "{d}");
            assert!(
                d["attempts"][0]["error"]
                    .as_str()
                    .unwrap()
                    .contains("connect"),
                "{d}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not given up: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn a_transfer_pushes_to_the_new_operator_and_closed_names_both() {
    let r = Receiver::start(vec![]).await;
    let c = TestConnector::start().await;
    let s = Server::start_with(
        config_with(&c, &hook_toml(&r.url, "[\"v2.conversation.*\"]", "")),
        None,
    )
    .await;
    let token = s.login(DEMO, "demo").await;
    let solo = s.login(DEMO, "solo").await;
    s.set_availability(&solo, "online").await;
    let (_w, id, _) = active_chat(&s, &token).await;
    let (st, v) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/transfer"),
            &token,
            Some(json!({"to": "solo"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(s.end(&solo, &id).await.0, 200);
    let got = r.until("3 events", |g| g.len() == 3).await;
    let b: Vec<Value> = got.iter().map(Got::json).collect();
    assert_eq!(
        (b[0]["eventType"].as_str(), b[0]["operatorId"].as_str()),
        (Some("v2.conversation.pushed"), Some("demo"))
    );
    assert_eq!(
        (b[1]["eventType"].as_str(), b[1]["operatorId"].as_str()),
        (Some("v2.conversation.pushed"), Some("solo"))
    );
    assert_eq!(b[2]["eventType"], "v2.conversation.closed");
    assert_eq!(b[2]["operatorIds"], json!(["demo", "solo"]));
    assert_ne!(b[0]["eventId"], b[1]["eventId"]);
    s.stop().await;
}
