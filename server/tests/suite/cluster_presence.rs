//! Operator presence and status across instances (issue 13): two server
//! instances in this process on one fresh PostgreSQL database and one
//! broker (Redis, or PostgreSQL NOTIFY). Instance B runs on a Tokio
//! runtime of its own, so that "B dies" is every task of it stopping at
//! once (no clean shutdown, its heartbeat rows left behind).

use crate::common;

use std::time::Duration;

use common::in_process::{Instance, Services, Via};
use common::*;
use owidget_server::Config;

/// The test config on `services` with presence timings (ms).
fn config(services: &Services, grace_ms: u64, ttl_ms: u64, reconcile_ms: u64) -> Config {
    let mut c = services.config();
    c.presence.away_after = Duration::from_millis(grace_ms);
    c.presence.ttl = Duration::from_millis(ttl_ms);
    c.presence.reconcile = Duration::from_millis(reconcile_ms);
    c
}

/// An instance on a runtime of two threads of its own.
async fn instance(config: Config) -> Instance {
    Instance::start(config, 2).await
}

/// No `status` frame with `code` arrives on `ws` for `d`.
async fn no_status_for(ws: &mut Ws, code: u64, d: Duration) {
    let until = tokio::time::Instant::now() + d;
    while let Ok(v) = tokio::time::timeout_at(until, next_json(ws)).await {
        assert!(
            !(v["type"] == "status" && v["status"] == code),
            "unexpected status {code}: {v}"
        );
    }
}

/// Availability toggled on B reaches a widget's status on A and A's desk
/// through the bus (the periodic re-read is set to a minute, so it is not
/// what delivers it).
async fn availability_on_b_seen_on_a(via: Via) {
    let services = Services::start(via).await;
    let a = instance(config(&services, 60_000, 15_000, 60_000)).await;
    let b = instance(config(&services, 60_000, 15_000, 60_000)).await;
    let mut widget = a.server.widget("default").await;
    expect_status(&mut widget, 0).await;
    let on_a = a.server.login(DEMO, "demo").await;
    let mut desk_a = desk(&a.server, &on_a).await;
    let first = next_of(&mut desk_a, "operator").await;
    assert_eq!(first["operator"]["availability"], "offline");

    let on_b = b.server.login(DEMO, "demo").await;
    let t = std::time::Instant::now();
    b.server.set_availability(&on_b, "online").await;
    expect_status(&mut widget, 1).await;
    eprintln!("online on B → status 1 on A in {:?}", t.elapsed());
    let op = next_of(&mut desk_a, "operator").await;
    assert_eq!(op["operator"]["availability"], "online", "{op}");

    b.server.set_availability(&on_b, "away").await;
    expect_status(&mut widget, 0).await;
    let op = next_of(&mut desk_a, "operator").await;
    assert_eq!(op["operator"]["availability"], "away", "{op}");
}

#[tokio::test]
async fn availability_on_b_seen_on_a_via_redis() {
    availability_on_b_seen_on_a(Via::Redis).await
}

#[tokio::test]
async fn availability_on_b_seen_on_a_via_postgres() {
    availability_on_b_seen_on_a(Via::Postgres).await
}

/// The broker killed with -9: B's change is committed but its event lost;
/// A's periodic re-read heals it. The broker back: events flow again.
#[tokio::test]
async fn lost_status_event_heals_by_reconciliation() {
    let mut services = Services::start(Via::Redis).await;
    let a = instance(config(&services, 60_000, 15_000, 300)).await;
    let b = instance(config(&services, 60_000, 15_000, 300)).await;
    let mut widget = a.server.widget("default").await;
    expect_status(&mut widget, 0).await;
    let on_b = b.server.login(DEMO, "demo").await;

    let redis = services.redis.as_mut().unwrap();
    redis.kill9().await;
    // Committed, so acknowledged; the publish fails and is only logged.
    b.server.set_availability(&on_b, "online").await;
    expect_status(&mut widget, 1).await;

    redis.restart().await;
    b.server.set_availability(&on_b, "offline").await;
    expect_status(&mut widget, 0).await;
}

/// B holds the operator's desk; A's widgets show the operator online for
/// as long as B heartbeats (well past the grace and the TTL). B killed:
/// after the TTL and the grace the operator is away, on A too.
async fn dead_instance_takes_presence_with_it(via: Via) {
    let services = Services::start(via).await;
    let (grace, ttl) = (800, 1_000);
    let a = instance(config(&services, grace, ttl, 300)).await;
    let mut b = instance(config(&services, grace, ttl, 300)).await;
    let mut widget = a.server.widget("default").await;
    expect_status(&mut widget, 0).await;
    let on_b = b.server.login(DEMO, "demo").await;
    let mut desk_b = desk(&b.server, &on_b).await;
    next_of(&mut desk_b, "operator").await;
    b.server.set_availability(&on_b, "online").await;
    expect_status(&mut widget, 1).await;
    // A has no desk of the operator, but B's heartbeat keeps them present.
    no_status_for(&mut widget, 0, Duration::from_millis(3 * (grace + ttl))).await;

    let t = std::time::Instant::now();
    b.kill();
    expect_status(&mut widget, 0).await;
    let took = t.elapsed();
    eprintln!("B killed → status 0 on A in {took:?}");
    assert!(
        took >= Duration::from_millis(grace),
        "away before the grace ran: {took:?}"
    );
    // A shows the decay at once and stores it right after (the sweep
    // commits before it publishes, not before its own widgets see it).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = common::pg::query(
            &services.database,
            "SELECT availability FROM operator_state WHERE username = 'demo'",
        )
        .await;
        if rows == vec![vec![Some("away".to_string())]] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the database still holds {rows:?} 10 s after A showed the operator away"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(desk_b);
}

#[tokio::test]
async fn dead_instance_takes_presence_with_it_via_redis() {
    dead_instance_takes_presence_with_it(Via::Redis).await
}

#[tokio::test]
async fn dead_instance_takes_presence_with_it_via_postgres() {
    dead_instance_takes_presence_with_it(Via::Postgres).await
}

/// Status events are latest values: one at or below the last version seen
/// from its instance is dropped; a newer one makes A re-read. A third bus
/// handle plays the publishing instance, and the database is changed by
/// hand so that only a re-read can show it (the periodic one is a minute).
#[tokio::test]
async fn stale_and_repeated_status_versions_are_dropped() {
    use owidget_server::bus::{Bus, BusOptions, Event, Version};
    let services = Services::start(Via::Postgres).await;
    let a = instance(config(&services, 60_000, 15_000, 60_000)).await;
    let mut widget = a.server.widget("default").await;
    expect_status(&mut widget, 0).await;
    let other = Bus::start(
        &services.broker,
        BusOptions {
            instance: "other".into(),
            ..BusOptions::new()
        },
    )
    .unwrap();
    assert!(other.wait_connected(WAIT).await, "third bus connects");
    let set = |a: &str| {
        format!(
            "INSERT INTO operator_state (company, username, availability) VALUES ('{DEMO}', 'demo', '{a}') \
             ON CONFLICT (company, username) DO UPDATE SET availability = excluded.availability"
        )
    };
    let status = |counter| Event::Status {
        company: DEMO.into(),
        version: Version { epoch: 7, counter },
    };
    common::pg::query(&services.database, &set("online")).await;
    other.publish(status(5)).await.unwrap();
    expect_status(&mut widget, 1).await;

    common::pg::query(&services.database, &set("offline")).await;
    other.publish(status(5)).await.unwrap(); // repeated
    other.publish(status(4)).await.unwrap(); // stale
    no_status_for(&mut widget, 0, Duration::from_millis(800)).await;
    other.publish(status(6)).await.unwrap();
    expect_status(&mut widget, 0).await;
}

/// Capacity spans instances: `solo` (capacity 1, the only operator of
/// preset `sales`) takes a chat on B; A, which holds no live state of that
/// chat, shows `sales` busy from the database's assignments, and online
/// again once the chat ended.
#[tokio::test]
async fn load_on_b_counts_on_a() {
    let services = Services::start(Via::Postgres).await;
    let a = instance(config(&services, 60_000, 15_000, 300)).await;
    let b = instance(config(&services, 60_000, 15_000, 300)).await;
    let mut sales = a.server.widget("sales").await;
    expect_status(&mut sales, 0).await;
    let solo = b.server.login(DEMO, "solo").await;
    let (_visitor, id, _) = active_chat(&b.server, &solo).await;
    expect_status(&mut sales, 2).await;
    let (st, v) = b.server.end(&solo, &id).await;
    assert_eq!(st, 200, "{v}");
    expect_status(&mut sales, 1).await;
}

/// Availability is committed before it counts: with the database down the
/// change is refused (503 with a message) and nothing changes, not the
/// operator and not the widgets' status; with it back, the same request
/// works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_while_the_database_is_down_fails_and_changes_nothing() {
    use reqwest::Method;
    let pg = common::pg::Cluster::start().await;
    let mut config = test_config();
    config.storage.database_url = Some(common::pg::fresh_database_on(pg.url()).await);
    let s = Server::start_with(config, None).await;
    let demo = s.login(DEMO, "demo").await;
    let mut widget = s.widget("default").await;
    expect_status(&mut widget, 0).await;

    pg.stop().await;
    let online = Some(serde_json::json!({ "availability": "online" }));
    let (st, body) = s
        .call(Method::PUT, "/api/operator/availability", &demo, online)
        .await;
    assert_eq!(st, 503, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("database"),
        "{body}"
    );
    let (_, me) = s.call(Method::GET, "/api/operator/me", &demo, None).await;
    assert_eq!(me["availability"], "offline", "{me}");
    no_status_for(&mut widget, 1, Duration::from_millis(500)).await;

    pg.start_again().await;
    s.set_availability(&demo, "online").await;
    expect_status(&mut widget, 1).await;
    s.stop().await;
}
