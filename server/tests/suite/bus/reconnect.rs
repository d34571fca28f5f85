//! Losing the broker: publish fails with an error (bounded, never hangs),
//! the subscriber gets `Resync` when the connection is back, and later
//! events flow again. Redis: `kill -9` of a redis-server of our own,
//! restarted on the same port. PostgreSQL: `pg_terminate_backend` of the
//! listener's backend, found by its `application_name`.

use std::time::{Duration, Instant};

use owidget_server::bus::{postgres::application_name, Broker, Bus, Notice, SeqCheck, SeqTracker};
use tokio_postgres::NoTls;

use super::harness::*;

/// Receives messages of `session` `from..=to` in order (the first may come
/// after a gap, reported by the tracker).
async fn expect_run(sub: &mut owidget_server::bus::Subscription, t: &mut SeqTracker, to: u64) {
    while t.last("s") < to {
        let (session, seq) = seq_of(&event(sub).await);
        assert_eq!(session, "s");
        let check = t.check("s", seq);
        assert!(
            matches!(check, SeqCheck::Next | SeqCheck::Gap { .. }),
            "seq {seq}: {check:?}"
        );
    }
}

async fn publish_run(bus: &Bus, from: u64, to: u64) {
    for seq in from..=to {
        bus.publish(message("s", seq)).await.unwrap();
    }
}

/// The next notice is a resync (nothing else was published meanwhile).
async fn expect_resync(sub: &mut owidget_server::bus::Subscription, within: Duration) {
    match tokio::time::timeout(within, sub.recv()).await {
        Ok(Some(Notice::Resync)) => {}
        Ok(other) => panic!("expected Resync, got {other:?}"),
        Err(_) => panic!("no Resync within {within:?} after the broker came back"),
    }
}

#[tokio::test]
async fn redis_kill9_then_restart_resyncs() {
    let mut server = RedisServer::start().await;
    let broker: Broker = server.url().parse().unwrap();
    let channel = fresh_channel();
    let a = Bus::start(&broker, options(&channel)).unwrap();
    let b = Bus::start(&broker, options(&channel)).unwrap();
    connected(&a).await;
    connected(&b).await;
    let mut sub = b.subscribe();
    let mut t = SeqTracker::new();
    publish_run(&a, 1, 10).await;
    expect_run(&mut sub, &mut t, 10).await;

    server.kill9().await;
    // Publishing fails, within the publish timeout, while Redis is gone.
    let started = Instant::now();
    let err = a.publish(message("s", 11)).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "publish took {:?}",
        started.elapsed()
    );
    println!(
        "publish with Redis killed: {err} after {:?}",
        started.elapsed()
    );
    // Also once the bus knows the connection is down.
    let deadline = Instant::now() + WAIT;
    while a.is_connected() || b.is_connected() {
        assert!(
            Instant::now() < deadline,
            "buses still think they are connected"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(a.publish(message("s", 11)).await.is_err());

    server.restart().await;
    let back = Instant::now();
    // Backoff is at most 5 s (plus jitter) between attempts.
    expect_resync(&mut sub, Duration::from_secs(15)).await;
    println!("Resync {:?} after Redis restarted", back.elapsed());
    connected(&a).await;
    // seq 11 never left: the tracker reports it missing, then all follow.
    publish_run(&a, 12, 30).await;
    let (_, seq) = seq_of(&event(&mut sub).await);
    assert_eq!(
        t.check("s", seq),
        SeqCheck::Gap {
            first: 11,
            last_missing: 11
        }
    );
    expect_run(&mut sub, &mut t, 30).await;
    // And the other way round.
    let mut sub_a = a.subscribe();
    b.publish(message("back", 1)).await.unwrap();
    assert_eq!(seq_of(&event(&mut sub_a).await), ("back".into(), 1));
}

#[tokio::test]
async fn postgres_terminated_listener_resyncs() {
    let url = env("OWIDGET_TEST_PG_URL");
    let broker: Broker = url.parse().unwrap();
    let channel = fresh_channel();
    let a = Bus::start(&broker, options(&channel)).unwrap();
    let b = Bus::start(&broker, options(&channel)).unwrap();
    connected(&a).await;
    connected(&b).await;
    let mut sub = b.subscribe();
    let mut t = SeqTracker::new();
    publish_run(&a, 1, 5).await;
    expect_run(&mut sub, &mut t, 5).await;

    let (admin, conn) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    tokio::spawn(conn);
    let name = application_name(b.instance());
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "one listener connection named {name}");
    assert!(killed[0].get::<_, bool>(0), "pg_terminate_backend failed");
    let gone = Instant::now();
    expect_resync(&mut sub, WAIT).await;
    println!(
        "Resync {:?} after the listener was terminated",
        gone.elapsed()
    );
    connected(&b).await;
    let rows = admin
        .query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the listener is back, once");

    publish_run(&a, 6, 20).await;
    expect_run(&mut sub, &mut t, 20).await;
    let mut sub_a = a.subscribe();
    b.publish(message("back", 1)).await.unwrap();
    assert_eq!(seq_of(&event(&mut sub_a).await), ("back".into(), 1));
}

/// The broker comes up after the instance: its first connection brings a
/// resync too (the instance may have read the database before it).
#[tokio::test]
async fn redis_started_late_resyncs() {
    let mut server = RedisServer::not_started();
    let broker: Broker = server.url().parse().unwrap();
    let channel = fresh_channel();
    let b = Bus::start(&broker, options(&channel)).unwrap();
    let mut sub = b.subscribe();
    assert!(!b.wait_connected(Duration::from_millis(200)).await);
    server.restart().await;
    expect_resync(&mut sub, Duration::from_secs(15)).await;
    connected(&b).await;
    // A connects at its first attempt: no resync for its subscriber.
    let a = Bus::start(&broker, options(&channel)).unwrap();
    let mut sub_a = a.subscribe();
    connected(&a).await;
    a.publish(message("s", 1)).await.unwrap();
    assert_eq!(seq_of(&event(&mut sub).await), ("s".into(), 1));
    b.publish(message("t", 1)).await.unwrap();
    assert_eq!(seq_of(&event(&mut sub_a).await), ("t".into(), 1));
}

/// A broker that takes the connection but never answers (SIGSTOP): publish
/// gives up after the publish timeout (1 s here), and works again once it
/// answers.
#[tokio::test]
async fn frozen_redis_times_out_publish() {
    let server = RedisServer::start().await;
    let broker: Broker = server.url().parse().unwrap();
    let channel = fresh_channel();
    let a = Bus::start(&broker, options(&channel)).unwrap();
    let b = Bus::start(&broker, options(&channel)).unwrap();
    connected(&a).await;
    connected(&b).await;
    let mut sub = b.subscribe();
    server.signal("STOP");
    let started = Instant::now();
    let err = a.publish(message("s", 1)).await.unwrap_err();
    let took = started.elapsed();
    server.signal("CONT");
    assert_eq!(
        err,
        owidget_server::bus::BusError::Timeout(Duration::from_secs(1))
    );
    assert!(took < Duration::from_secs(3), "publish took {took:?}");
    println!("publish to a stopped redis-server: {err} after {took:?}");
    // The late PUBLISH may still be delivered (it reached Redis): at most once.
    a.publish(message("s", 2)).await.unwrap();
    let mut t = SeqTracker::new();
    expect_run(&mut sub, &mut t, 2).await;
}

/// A broker that is not there: no connection, publish fails at once.
#[tokio::test]
async fn unreachable_brokers_fail_publish_fast() {
    for url in [
        format!("redis://127.0.0.1:{}", free_port()),
        format!("postgres://postgres@127.0.0.1:{}/postgres", free_port()),
    ] {
        let broker: Broker = url.parse().unwrap();
        let bus = Bus::start(&broker, options(&fresh_channel())).unwrap();
        assert!(
            !bus.wait_connected(Duration::from_millis(300)).await,
            "{url}"
        );
        let started = Instant::now();
        let err = bus.publish(message("s", 1)).await.unwrap_err();
        assert!(
            matches!(err, owidget_server::bus::BusError::Unavailable(_)),
            "{url}: {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{url}: {:?}",
            started.elapsed()
        );
    }
}
