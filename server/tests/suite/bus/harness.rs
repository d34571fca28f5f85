//! The brokers under test: two bus handles ("two instances") on one
//! in-process hub, on the test Redis, on the test PostgreSQL; and a
//! redis-server of our own to kill (`common/redis_server.rs`).

use std::time::Duration;

use owidget_server::bus::{
    Broker, Bus, BusOptions, Envelope, Event, MemoryHub, Notice, Subscription,
};

/// Upper bound of every wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// An environment variable the test command sets.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with `bash scripts/test.sh`, which starts \
             PostgreSQL and redis-server, or first `eval \"$(bash scripts/services.sh start DIR)\"`"
        )
    })
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Memory,
    Redis,
    Postgres,
}

/// Options on a channel of its own (tests share the brokers).
pub fn options(channel: &str) -> BusOptions {
    BusOptions {
        channel: channel.into(),
        publish_timeout: Duration::from_secs(1),
        ..BusOptions::new()
    }
}

pub fn fresh_channel() -> String {
    format!("t_{}", owidget_server::ids::random_hex(6))
}

/// The broker of `kind` the test command started.
pub fn broker(kind: Kind) -> Broker {
    match kind {
        Kind::Memory => Broker::Memory,
        Kind::Redis => env("OWIDGET_TEST_REDIS_URL").parse().unwrap(),
        Kind::Postgres => env("OWIDGET_TEST_PG_URL").parse().unwrap(),
    }
}

/// Two connected buses on one fresh channel.
pub async fn pair(kind: Kind) -> (Bus, Bus) {
    let channel = fresh_channel();
    let (a, b) = match kind {
        Kind::Memory => {
            let hub = MemoryHub::default();
            (
                Bus::memory(&hub, options(&channel)).unwrap(),
                Bus::memory(&hub, options(&channel)).unwrap(),
            )
        }
        _ => {
            let broker = broker(kind);
            (
                Bus::start(&broker, options(&channel)).unwrap(),
                Bus::start(&broker, options(&channel)).unwrap(),
            )
        }
    };
    connected(&a).await;
    connected(&b).await;
    (a, b)
}

pub async fn connected(bus: &Bus) {
    assert!(
        bus.wait_connected(WAIT).await,
        "{} bus not connected within {WAIT:?}",
        bus.kind()
    );
}

/// The next notice, within [`WAIT`].
pub async fn notice(sub: &mut Subscription) -> Notice {
    match tokio::time::timeout(WAIT, sub.recv()).await {
        Ok(Some(n)) => n,
        Ok(None) => panic!("bus closed"),
        Err(_) => panic!("no notice within {WAIT:?}"),
    }
}

/// The next notice, which must be an event.
pub async fn event(sub: &mut Subscription) -> Envelope {
    match notice(sub).await {
        Notice::Event(e) => e,
        Notice::Resync => panic!("resync where an event was expected"),
    }
}

pub fn message(session: &str, seq: u64) -> Event {
    Event::Message {
        company: "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51".into(),
        session: session.into(),
        seq,
    }
}

/// The `seq` of a message event.
pub fn seq_of(e: &Envelope) -> (String, u64) {
    match &e.event {
        Event::Message { session, seq, .. } => (session.clone(), *seq),
        other => panic!("expected a message event, got {other:?}"),
    }
}

pub use crate::common::redis_server::{free_port, RedisServer};
