//! Broker URL parsing, the payload limit and the in-process bus. The same
//! behaviour on Redis and PostgreSQL is tested in `server/tests/suite/bus.rs`.

use std::time::Duration;

use super::*;

#[test]
fn broker_values() {
    assert_eq!("memory".parse::<Broker>(), Ok(Broker::Memory));
    assert_eq!(
        "redis://127.0.0.1:6379".parse::<Broker>(),
        Ok(Broker::Redis("redis://127.0.0.1:6379".into()))
    );
    assert_eq!(
        "postgres://owidget@db/owidget".parse::<Broker>(),
        Ok(Broker::Postgres("postgres://owidget@db/owidget".into()))
    );
    assert!(matches!(
        "postgresql://db/x".parse::<Broker>(),
        Ok(Broker::Postgres(_))
    ));
    let e = "nats://x".parse::<Broker>().unwrap_err();
    assert!(e.contains("is not \"memory\""), "{e}");
    let e = "postgres".parse::<Broker>().unwrap_err();
    assert!(e.contains("give the PostgreSQL URL"), "{e}");
    assert!(matches!(
        "rediss://x:6380".parse::<Broker>(),
        Ok(Broker::Redis(_))
    ));
    let e = "rediss://x/?ca_file=/no/such.pem"
        .parse::<Broker>()
        .unwrap_err();
    assert!(e.contains("ca_file /no/such.pem: cannot read it"), "{e}");
    let e = "postgres://db/x?sslmode=verify-full"
        .parse::<Broker>()
        .unwrap_err();
    assert!(e.contains("sslrootcert"), "{e}");
    let e = "postgres://u:secret@db:notaport/x"
        .parse::<Broker>()
        .unwrap_err();
    assert!(e.contains("not a PostgreSQL URL"), "{e}");
    assert!(!e.contains("secret"), "password shown: {e}");
    let e = "redis://:secret@host:99999999"
        .parse::<Broker>()
        .unwrap_err();
    assert!(!e.contains("secret"), "password shown: {e}");
}

#[test]
fn display_hides_passwords() {
    let b: Broker = "redis://user:hunter2@cache:6379/0".parse().unwrap();
    assert_eq!(b.to_string(), "redis://user:***@cache:6379/0");
    assert_eq!(format!("{b:?}"), "Broker(redis://user:***@cache:6379/0)");
    let b: Broker = "postgres://app@db/owidget".parse().unwrap();
    assert_eq!(b.to_string(), "postgres://app@db/owidget");
}

#[test]
fn events_are_small_json() {
    let e = Envelope {
        from: "a1".into(),
        event: Event::Message {
            company: "c".into(),
            session: "s".into(),
            seq: 7,
        },
    };
    let text = encode(&e).unwrap();
    assert_eq!(
        text,
        r#"{"from":"a1","event":{"type":"message","company":"c","session":"s","seq":7}}"#
    );
    assert_eq!(serde_json::from_str::<Envelope>(&text).unwrap(), e);
}

#[test]
fn oversized_payload_is_refused() {
    let operators = (0..400)
        .map(|i| PresentOperator {
            company: "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51".into(),
            username: format!("operator{i}"),
        })
        .collect();
    let e = Envelope {
        from: "a1".into(),
        event: Event::Presence {
            operators,
            ttl_secs: 30,
        },
    };
    match encode(&e) {
        Err(BusError::TooLarge { size, max }) => {
            assert!(size > max);
            assert_eq!(max, 7999);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn channel_names_are_checked() {
    let bad = |name: &str| {
        let opts = BusOptions {
            channel: name.into(),
            ..BusOptions::new()
        };
        Bus::start(&Broker::Memory, opts).unwrap_err()
    };
    for name in ["", "a\"b", "UPPER", &"x".repeat(51)] {
        assert!(matches!(bad(name), BusError::Options(_)), "{name:?}");
    }
}

#[tokio::test]
async fn slow_subscriber_gets_resync() {
    let hub = MemoryHub::new(4);
    let a = Bus::memory(&hub, BusOptions::new()).unwrap();
    let b = Bus::memory(&hub, BusOptions::new()).unwrap();
    let mut sub = b.subscribe();
    for seq in 1..=10 {
        let event = Event::Message {
            company: "c".into(),
            session: "s".into(),
            seq,
        };
        a.publish(event).await.unwrap();
    }
    assert_eq!(sub.recv().await, Some(Notice::Resync));
    // Then the newest events, in order.
    match sub.recv().await {
        Some(Notice::Event(Envelope {
            event: Event::Message { seq, .. },
            ..
        })) => assert_eq!(seq, 7),
        other => panic!("{other:?}"),
    }
    assert!(b.wait_connected(Duration::from_millis(1)).await);
    drop((a, b, hub));
    // Every sender gone: the subscription ends.
    while let Some(n) = sub.recv().await {
        assert!(matches!(n, Notice::Event(_)));
    }
}
