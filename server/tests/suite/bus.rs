//! Broker conformance: the same test bodies over the in-process bus, Redis
//! pub/sub and PostgreSQL LISTEN/NOTIFY, each with two bus handles playing
//! two instances. Redis and PostgreSQL are the real services the test
//! command starts (`OWIDGET_TEST_REDIS_URL`, `OWIDGET_TEST_PG_URL`); the
//! reconnect tests (`bus/reconnect.rs`) kill a redis-server of their own
//! and terminate the PostgreSQL listener's backend.

mod flags;
mod harness;
mod reconnect;

use std::time::Instant;

use harness::*;
use owidget_server::bus::{
    encode, BusError, Envelope, Event, PresentOperator, SeqCheck, SeqTracker, Side, Version,
    MAX_PAYLOAD_BYTES,
};

/// Runs one body on each broker.
macro_rules! conformance {
    ($($body:ident),* $(,)?) => {$(
        mod $body {
            use super::*;
            #[tokio::test]
            async fn memory() {
                super::$body(Kind::Memory).await
            }
            #[tokio::test]
            async fn redis() {
                super::$body(Kind::Redis).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$body(Kind::Postgres).await
            }
        }
    )*};
}

conformance!(
    both_ways,
    ordering_per_conversation,
    own_echo_is_dropped,
    payload_limit
);

/// A publishes, B hears it; B publishes, A hears it.
async fn both_ways(kind: Kind) {
    let (a, b) = pair(kind).await;
    let (mut sub_a, mut sub_b) = (a.subscribe(), b.subscribe());
    let typing = Event::Typing {
        company: "c".into(),
        session: "s1".into(),
        side: Side::Visitor,
        typing: true,
    };
    a.publish(typing.clone()).await.unwrap();
    let got = event(&mut sub_b).await;
    assert_eq!(
        got,
        Envelope {
            from: a.instance().into(),
            event: typing
        }
    );
    let status = Event::Status {
        company: "c".into(),
        version: Version {
            epoch: 3,
            counter: 41,
        },
    };
    b.publish(status.clone()).await.unwrap();
    let got = event(&mut sub_a).await;
    assert_eq!(got.from, b.instance());
    assert_eq!(got.event, status);
}

/// 1,000 messages over 4 conversations, interleaved, published one after
/// the other: each conversation arrives in `seq` order, none missing.
async fn ordering_per_conversation(kind: Kind) {
    const N: u64 = 1000;
    let (a, b) = pair(kind).await;
    let mut sub = b.subscribe();
    let sessions = ["s0", "s1", "s2", "s3"];
    let started = Instant::now();
    let publisher = tokio::spawn(async move {
        for i in 0..N {
            let session = sessions[(i % 4) as usize];
            a.publish(message(session, i / 4 + 1)).await.unwrap();
        }
        a
    });
    let mut tracker = SeqTracker::new();
    for i in 0..N {
        let (session, seq) = seq_of(&event(&mut sub).await);
        assert_eq!(
            tracker.check(&session, seq),
            SeqCheck::Next,
            "event {i}: {session} seq {seq} after {}",
            tracker.last(&session)
        );
    }
    let _a = publisher.await.unwrap();
    for s in sessions {
        assert_eq!(tracker.last(s), N / 4);
    }
    println!(
        "{kind:?}: {N} events published and received in order in {:?}",
        started.elapsed()
    );
}

/// An instance never hears its own events, only the others'.
async fn own_echo_is_dropped(kind: Kind) {
    let (a, b) = pair(kind).await;
    let (mut sub_a, mut sub_b) = (a.subscribe(), b.subscribe());
    a.publish(message("mine", 1)).await.unwrap();
    // B hears A's event, so it went through the broker to everyone...
    assert_eq!(seq_of(&event(&mut sub_b).await), ("mine".into(), 1));
    b.publish(message("theirs", 1)).await.unwrap();
    // ...and A's first notice is B's, published after its own.
    let got = event(&mut sub_a).await;
    assert_eq!(got.from, b.instance());
    assert_eq!(seq_of(&got), ("theirs".into(), 1));
}

/// A presence event whose encoding is exactly `len` bytes.
fn presence_of_size(from: &str, len: usize) -> Event {
    let make = |name: String| Event::Presence {
        operators: vec![PresentOperator {
            company: "c".into(),
            username: name,
        }],
        ttl_secs: 30,
    };
    let base = encode(&Envelope {
        from: from.into(),
        event: make(String::new()),
    })
    .unwrap()
    .len();
    let event = make("x".repeat(len - base));
    let size = serde_json::to_string(&Envelope {
        from: from.into(),
        event: event.clone(),
    })
    .unwrap()
    .len();
    assert_eq!(size, len);
    event
}

/// The largest payload passes on every broker (PostgreSQL's NOTIFY limit
/// is the common one); one byte more is refused and nothing is sent.
async fn payload_limit(kind: Kind) {
    let (a, b) = pair(kind).await;
    let mut sub = b.subscribe();
    let over = presence_of_size(a.instance(), MAX_PAYLOAD_BYTES + 1);
    assert_eq!(
        a.publish(over).await,
        Err(BusError::TooLarge {
            size: MAX_PAYLOAD_BYTES + 1,
            max: MAX_PAYLOAD_BYTES
        })
    );
    let largest = presence_of_size(a.instance(), MAX_PAYLOAD_BYTES);
    a.publish(largest.clone()).await.unwrap();
    // The first thing B hears is the largest one: the refused one never left.
    assert_eq!(event(&mut sub).await.event, largest);
    a.publish(message("after", 1)).await.unwrap();
    assert_eq!(seq_of(&event(&mut sub).await), ("after".into(), 1));
}
