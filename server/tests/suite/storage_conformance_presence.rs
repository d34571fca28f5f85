//! Storage conformance (issue 13), operator presence across instances, on
//! SQLite and PostgreSQL alike: the `operator_presence` heartbeat, one
//! company's availability, and who holds which active chat.

use crate::common;
use crate::on_both;

use common::backend::{session, Backend};
use owidget_protocol::desk::Availability;
use owidget_protocol::SessionState;
use owidget_server::storage::AvailabilityChange;
use owidget_server::webhooks::{EventType, Planned};

on_both!(
    presence_heartbeats,
    availability_and_assignments_by_company,
    availability_changes_compare_and_set,
);

fn key(user: &str) -> (String, String) {
    ("c".to_string(), user.to_string())
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

async fn presence_heartbeats(b: Backend) {
    let store = b.open().await;
    let beat = |instance: &str, held: &[&str], now: i64, until: i64| {
        let held = held.iter().map(|u| key(u)).collect();
        let store = store.clone();
        let instance = instance.to_string();
        async move { sorted(store.heartbeat(instance, held, now, until).await.unwrap()) }
    };
    assert_eq!(
        beat("A", &["ann", "bob"], 1000, 2000).await,
        [],
        "an instance's own rows are not presence elsewhere"
    );
    assert_eq!(
        beat("B", &["ann"], 1500, 3000).await,
        [key("ann"), key("bob")]
    );
    // A's next beat no longer holds bob; ann is on both.
    assert_eq!(beat("A", &["ann"], 1600, 2600).await, [key("ann")]);
    assert_eq!(beat("B", &["ann"], 1700, 3200).await, [key("ann")]);
    // A stops beating (it died): at its expiry its rows are gone.
    assert_eq!(beat("B", &["ann"], 2600, 3600).await, []);
    assert_eq!(beat("C", &[], 2700, 3700).await, [key("ann")]);
    // A clean stop removes the rows at once.
    store.clear_presence("B".into()).await.unwrap();
    assert_eq!(beat("C", &[], 2800, 3800).await, []);
}

async fn availability_and_assignments_by_company(b: Backend) {
    let store = b.open().await;
    store
        .save_availability(
            vec![
                ("c".into(), "ann".into(), Availability::Online),
                ("c".into(), "bob".into(), Availability::Away),
                ("d".into(), "ann".into(), Availability::Offline),
            ],
            vec![],
        )
        .await
        .unwrap();
    let mut got = store.company_availability("c".into()).await.unwrap();
    got.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        got,
        [
            ("ann".to_string(), Availability::Online),
            ("bob".to_string(), Availability::Away)
        ]
    );
    store
        .commit_availability("c".into(), "bob".into(), Availability::Online, vec![])
        .await
        .unwrap();
    let bob = store.company_availability("c".into()).await.unwrap();
    assert!(
        bob.contains(&("bob".to_string(), Availability::Online)),
        "{bob:?}"
    );

    for id in ["s1", "s2", "s3"] {
        store.insert_session(session(id)).await.unwrap();
    }
    for (id, op) in [("s1", "ann"), ("s2", "ann")] {
        let mut chat = store.session("c", id).await.unwrap().unwrap().chat;
        chat.state = SessionState::Active;
        chat.operator = Some(op.into());
        chat.accepted_at = Some(5);
        store.set_assignment(&chat, None).await.unwrap();
    }
    let mut got = store.active_assignments("c".into()).await.unwrap();
    got.sort();
    let want = |id: &str| ("ann".to_string(), id.to_string());
    assert_eq!(got, [want("s1"), want("s2")], "waiting s3 is nobody's");
    assert!(store
        .active_assignments("d".into())
        .await
        .unwrap()
        .is_empty());
}

/// The sweep's changes are stored only where the database still holds
/// what the instance last knew; a change that lost keeps the winner's
/// value and drops its webhook event.
async fn availability_changes_compare_and_set(b: Backend) {
    let store = b.open().await;
    let event = |tag: &str| Planned {
        company: tag.into(),
        company_index: 0,
        receivers: vec![],
        event_type: EventType::AvailabilityUpdated,
        session: None,
    };
    let change = |operator, username: &str, from, to| AvailabilityChange {
        operator,
        username: username.into(),
        from,
        to,
    };
    use Availability::*;
    // No rows yet: both stored.
    let (now, written) = store
        .store_availability_changes(
            "c".into(),
            vec![
                change(0, "ann", Offline, Online),
                change(1, "bob", Offline, Online),
            ],
            vec![(0, event("ann")), (1, event("bob"))],
        )
        .await
        .unwrap();
    assert_eq!(now, [Online, Online]);
    assert_eq!(written.len(), 2);
    // Another instance sets bob away; this one, still believing online,
    // lets both decay: ann's change lands, bob's loses with its event; an
    // event of an operator without a change (eve) is written.
    store
        .commit_availability("c".into(), "bob".into(), Away, vec![])
        .await
        .unwrap();
    let (now, written) = store
        .store_availability_changes(
            "c".into(),
            vec![
                change(0, "ann", Online, Offline),
                change(1, "bob", Online, Offline),
            ],
            vec![(0, event("ann")), (1, event("bob")), (2, event("eve"))],
        )
        .await
        .unwrap();
    assert_eq!(now, [Offline, Away], "bob keeps the other instance's value");
    let tags: Vec<_> = written.iter().map(|p| p.company.as_str()).collect();
    assert_eq!(tags, ["ann", "eve"]);
    let mut rows = store.company_availability("c".into()).await.unwrap();
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        rows,
        [("ann".to_string(), Offline), ("bob".to_string(), Away)]
    );
}
