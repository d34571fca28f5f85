//! Accept is decided once across instances (issue 13): two instances
//! racing for the same waiting chat, or for an operator's last free slot,
//! give one success and one `409`; and the same on two bare store handles.

use crate::common;

use common::cluster::*;
use common::{desk, start_chat};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_accepts_across_instances_are_decided_once() {
    let db = pg::fresh_database().await;
    let (a, b) = two(&db, &redis_url()).await;
    let demo_a = online(&a, "demo").await;
    let solo_b = online(&b, "solo").await;
    let solo_a = online(&a, "solo").await;
    let mut d = Log::new(desk(&b, &solo_b).await);
    d.of("queue").await;

    // Two operators, on A and on B, take the same waiting chat at once.
    for round in 0..5 {
        let (_w, id) = queued_on_both(&a, &mut d).await;
        let (ra, rb) = tokio::join!(a.accept(&demo_a, &id), b.accept(&solo_b, &id));
        let (ok, lost) = outcome(&[ra.clone(), rb.clone()]);
        eprintln!(
            "same chat, round {round}: A {} {}, B {} {}",
            ra.0, ra.1, rb.0, rb.1
        );
        assert_eq!(
            (ok, lost),
            (1, 1),
            "round {round}: one wins, one gets 409: {ra:?} {rb:?}"
        );
        let winner = if ra.0 == 200 { "demo" } else { "solo" };
        let rows = pg::query(
            &db,
            &format!("SELECT operator FROM sessions WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some(winner), "round {round}");
        // The loser's instance shows the winner's assignment, not its own.
        let (end_on, token) = if winner == "demo" {
            (&a, &demo_a)
        } else {
            (&b, &solo_b)
        };
        let (st, v) = end_on.end(token, &id).await;
        assert_eq!(st, 200, "round {round}: {v}");
        d.until("queue left", |v| {
            (v["type"] == "queueLeft" && v["sessionId"] == id.as_str())
                || (v["type"] == "chatEnded" && v["sessionId"] == id.as_str())
        })
        .await;
    }

    // One operator (solo, capacity 1) accepts two waiting chats, one via A
    // and one via B, at once: exactly one succeeds.
    for round in 0..5 {
        let (_w1, x) = queued_on_both(&a, &mut d).await;
        let (_w2, y) = queued_on_both(&a, &mut d).await;
        let (ra, rb) = tokio::join!(a.accept(&solo_a, &x), b.accept(&solo_b, &y));
        let (ok, lost) = outcome(&[ra.clone(), rb.clone()]);
        eprintln!(
            "last slot, round {round}: A {} {}, B {} {}",
            ra.0, ra.1["message"], rb.0, rb.1["message"]
        );
        assert_eq!(
            (ok, lost),
            (1, 1),
            "round {round}: capacity 1 taken once: {ra:?} {rb:?}"
        );
        let rows = pg::query(
            &db,
            "SELECT COUNT(*) FROM sessions WHERE operator = 'solo' AND state = 'active'",
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some("1"), "round {round}");
        let (won, on, token) = if ra.0 == 200 {
            (&x, &a, &solo_a)
        } else {
            (&y, &b, &solo_b)
        };
        let (st, v) = on.end(token, won).await;
        assert_eq!(st, 200, "{v}");
        let other = if won == &x { &y } else { &x };
        let (st, v) = b.end(&solo_b, other).await;
        assert_eq!(st, 200, "the waiting one ends: {v}");
    }
    a.stop().await;
    b.stop().await;
}

/// An API client on B accepting a chat the moment A created it (before
/// B has heard of it over the bus) gets it: B reads the chat from the
/// database instead of answering 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accept_on_b_right_after_the_start_on_a() {
    let db = pg::fresh_database().await;
    let (a, b) = two(&db, &redis_url()).await;
    let _demo_a = online(&a, "demo").await;
    let solo_b = online(&b, "solo").await;
    for round in 0..10 {
        let mut w = a.widget("default").await;
        let created = start_chat(&mut w).await;
        let id = created["sessionId"].as_str().unwrap().to_string();
        let (st, v) = b.accept(&solo_b, &id).await;
        assert_eq!(st, 200, "round {round}: accept on B at once: {v}");
        let (st, v) = b.end(&solo_b, &id).await;
        assert_eq!(st, 200, "round {round}: {v}");
    }
    a.stop().await;
    b.stop().await;
}

/// The decision itself, without any instance's local check in front: two
/// store handles (two instances' pools) on one PostgreSQL database race
/// for the same waiting session, and for an operator's last slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_decides_accepts_once() {
    use owidget_server::storage::{Expect, Store};
    let db = pg::fresh_database().await;
    let (s1, s2) = (
        Store::open_postgres(&db).await.unwrap(),
        Store::open_postgres(&db).await.unwrap(),
    );
    let take = |id: &str, who: &str| {
        let mut chat = owidget_protocol::desk::ChatSummary {
            id: id.into(),
            preset: "p".into(),
            state: owidget_protocol::SessionState::Active,
            language: "en".into(),
            page_url: "u".into(),
            scope: None,
            custom_data: Default::default(),
            created_at: 1,
            accepted_at: Some(2),
            ended_at: None,
            ended_by: None,
            operator: Some(who.into()),
            operator_name: Some(who.into()),
            queue_position: None,
            visitor_online: false,
            closing_form: None,
        };
        chat.operator_name = Some(who.to_uppercase());
        chat
    };
    for round in 0..20 {
        // Same waiting chat, two operators.
        let id = format!("same{round}");
        s1.insert_session(common::backend::session(&id))
            .await
            .unwrap();
        let (c1, c2) = (
            take(&id, &format!("ann{round}")),
            take(&id, &format!("bob{round}")),
        );
        let (a, b) = (s1.clone(), s2.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move {
                a.assign_checked("c", &c1, Expect::Waiting, Some(5), None)
                    .await
            }),
            tokio::spawn(async move {
                b.assign_checked("c", &c2, Expect::Waiting, Some(5), None)
                    .await
            }),
        );
        let results = [r1.unwrap(), r2.unwrap()];
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        assert!(
            results.iter().any(|r| matches!(r, Err(owidget_server::Error::Conflict(m)) if m.contains("not waiting"))),
            "round {round}: {results:?}"
        );
        // One operator with capacity 1, two waiting chats.
        let (x, y) = (format!("x{round}"), format!("y{round}"));
        s1.insert_session(common::backend::session(&x))
            .await
            .unwrap();
        s1.insert_session(common::backend::session(&y))
            .await
            .unwrap();
        let who = format!("cap{round}");
        let (cx, cy) = (take(&x, &who), take(&y, &who));
        let (a, b) = (s1.clone(), s2.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move {
                a.assign_checked("c", &cx, Expect::Waiting, Some(1), None)
                    .await
            }),
            tokio::spawn(async move {
                b.assign_checked("c", &cy, Expect::Waiting, Some(1), None)
                    .await
            }),
        );
        let results = [r1.unwrap(), r2.unwrap()];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert!(
            results.iter().any(
                |r| matches!(r, Err(owidget_server::Error::Conflict(m)) if m.contains("capacity"))
            ),
            "round {round}: {results:?}"
        );
        let rows = pg::query(
            &db,
            &format!("SELECT COUNT(*) FROM sessions WHERE operator = '{who}' AND state = 'active'"),
        )
        .await;
        assert_eq!(rows[0][0].as_deref(), Some("1"), "round {round}");
    }
}
