//! Storage conformance (issue 13): the same tests on SQLite (a temp file)
//! and on PostgreSQL (a fresh database per test): migrations, `seq`
//! assignment under concurrent appends from two handles, `client_id`
//! idempotence, sessions, messages, read marks. The other tables are in
//! `storage_conformance_tables.rs`.

use crate::common;
use crate::on_both;

use std::sync::{Arc, Mutex};

use common::backend::{message, session, Backend};
use owidget_protocol::desk::ChatSummary;
use owidget_protocol::{Author, SessionState};
use owidget_server::storage::Store;

on_both!(
    migrations_run_twice_and_keep_data,
    concurrent_starts_migrate_once,
    seq_is_gapless_and_client_id_idempotent,
    two_handles_appending_at_once_get_unique_gapless_seqs,
    a_client_id_sent_to_two_handles_at_once_is_stored_once,
    sessions_assign_end_and_list,
    start_keys_find_their_open_session,
    read_marks_only_go_up,
    message_pages,
);

async fn migrations_run_twice_and_keep_data(b: Backend) {
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    store
        .append(message("s", None, "kept"), |_| {})
        .await
        .unwrap();
    drop(store);
    // A second start migrates again: nothing to do, nothing lost.
    let store = b.open().await;
    let again = b.open().await;
    assert_eq!(store.messages_after("s", 0).await.unwrap()[0].text, "kept");
    assert_eq!(again.open_sessions().await.unwrap().len(), 1);
    if let Backend::Postgres(url) = &b {
        let v = common::pg::query(
            url,
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM owidget_schema",
        )
        .await;
        assert_eq!(v[0][0], v[0][1], "each version recorded once");
    }
}

async fn concurrent_starts_migrate_once(b: Backend) {
    // Several instances starting at once (PostgreSQL: the advisory lock
    // serializes them; SQLite: the file lock).
    let b = Arc::new(b);
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move { b.open().await })
        })
        .collect();
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.expect("every instance starts"));
    }
    stores[0].insert_session(session("s")).await.unwrap();
    assert_eq!(stores[3].open_sessions().await.unwrap().len(), 1);
}

async fn seq_is_gapless_and_client_id_idempotent(b: Backend) {
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    let delivered = Arc::new(Mutex::new(Vec::new()));
    for (cid, text) in [
        (Some("a"), "one"),
        (None, "two"),
        (Some("a"), "again"),
        (Some("b"), "three"),
    ] {
        let d = delivered.clone();
        store
            .append(message("s", cid, text), move |m| {
                d.lock().unwrap().push(m.seq)
            })
            .await
            .unwrap();
    }
    assert_eq!(
        *delivered.lock().unwrap(),
        vec![1, 2, 3],
        "duplicate not delivered"
    );
    let all = store.messages_after("s", 0).await.unwrap();
    let texts: Vec<_> = all.iter().map(|m| (m.seq, m.text.as_str())).collect();
    assert_eq!(texts, vec![(1, "one"), (2, "two"), (3, "three")]);
    let again = store
        .append(message("s", Some("a"), "x"), |_| {})
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!((again.message.seq, again.message.text.as_str()), (1, "one"));
    assert_eq!(store.messages_after("s", 2).await.unwrap().len(), 1);
}

async fn two_handles_appending_at_once_get_unique_gapless_seqs(b: Backend) {
    const EACH: usize = 40;
    let (a, c) = (b.open().await, b.open().await);
    a.insert_session(session("s")).await.unwrap();
    let run = |store: Store, tag: &'static str| {
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let d = delivered.clone();
        let task = tokio::spawn(async move {
            let sends = (0..EACH).map(|i| {
                let store = store.clone();
                let d = d.clone();
                async move {
                    let m = message("s", Some(&format!("{tag}{i}")), &format!("{tag} {i}"));
                    store
                        .append(m, move |m| d.lock().unwrap().push(m.seq))
                        .await
                        .unwrap()
                        .message
                        .seq
                }
            });
            futures::future::join_all(sends).await
        });
        (task, delivered)
    };
    let (ta, da) = run(a.clone(), "a");
    let (tc, dc) = run(c.clone(), "c");
    let mut seqs = ta.await.unwrap();
    seqs.extend(tc.await.unwrap());
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=2 * EACH as u64).collect::<Vec<_>>(),
        "unique and gapless"
    );
    for d in [da, dc] {
        let d = d.lock().unwrap();
        assert_eq!(d.len(), EACH);
        assert!(
            d.windows(2).all(|w| w[0] < w[1]),
            "delivered in seq order: {d:?}"
        );
    }
    let stored: Vec<u64> = a
        .messages_after("s", 0)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(stored, (1..=2 * EACH as u64).collect::<Vec<_>>());
}

async fn a_client_id_sent_to_two_handles_at_once_is_stored_once(b: Backend) {
    let (a, c) = (b.open().await, b.open().await);
    a.insert_session(session("s")).await.unwrap();
    for round in 0..10 {
        let cid = format!("same{round}");
        let (x, y) = tokio::join!(
            a.append(message("s", Some(&cid), "from a"), |_| {}),
            c.append(message("s", Some(&cid), "from c"), |_| {})
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.message.seq, y.message.seq, "the same message");
        assert!(x.duplicate != y.duplicate, "exactly one stored");
    }
    assert_eq!(a.messages_after("s", 0).await.unwrap().len(), 10);
}

fn chat(id: &str, state: SessionState, operator: Option<&str>, at: Option<i64>) -> ChatSummary {
    ChatSummary {
        id: id.into(),
        preset: "p".into(),
        state,
        language: "en".into(),
        page_url: "u".into(),
        scope: None,
        custom_data: Default::default(),
        created_at: 1,
        accepted_at: at,
        ended_at: None,
        ended_by: None,
        operator: operator.map(str::to_string),
        operator_name: operator.map(|o| format!("Op {o}")),
        queue_position: None,
        visitor_online: false,
        closing_form: None,
    }
}

async fn sessions_assign_end_and_list(b: Backend) {
    let store = b.open().await;
    for (i, id) in ["first", "second", "third"].iter().enumerate() {
        let mut s = session(id);
        s.created_at = 10 + (i as i64 % 2); // first and third share a ms
        store.insert_session(s).await.unwrap();
    }
    let open: Vec<String> = store
        .open_sessions()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.chat.id)
        .collect();
    assert_eq!(
        open,
        ["first", "third", "second"],
        "by created_at, then insertion"
    );
    let s = store.session("c", "first").await.unwrap().expect("stored");
    assert_eq!((s.company.as_str(), s.token_hash.as_str()), ("c", "h"));
    assert_eq!(s.chat.scope.as_deref(), Some("scope"));
    assert_eq!(s.chat.custom_data["k"], "v");
    assert!(
        store.session("other", "first").await.unwrap().is_none(),
        "company checked"
    );

    let active = chat("first", SessionState::Active, Some("op1"), Some(20));
    assert_eq!(store.set_assignment(&active, None).await.unwrap(), 0);
    let back = chat("first", SessionState::Waiting, None, None);
    store.set_assignment(&back, None).await.unwrap();
    store
        .set_assignment(
            &chat("first", SessionState::Active, Some("op2"), Some(30)),
            None,
        )
        .await
        .unwrap();
    let s = store.session("c", "first").await.unwrap().unwrap().chat;
    assert_eq!(
        (s.state, s.operator.as_deref(), s.accepted_at),
        (SessionState::Active, Some("op2"), Some(30))
    );
    if let Backend::Postgres(url) = &b {
        let ids =
            common::pg::query(url, "SELECT operator_ids FROM sessions WHERE id = 'first'").await;
        assert_eq!(ids[0][0].as_deref(), Some(r#"["op1", "op2"]"#));
    }

    store
        .end_session("first", 40, Author::Operator, None)
        .await
        .unwrap();
    store
        .end_session("second", 50, Author::Visitor, None)
        .await
        .unwrap();
    // Ending is final: an assignment no longer applies.
    store
        .set_assignment(
            &chat("first", SessionState::Active, Some("op3"), Some(60)),
            None,
        )
        .await
        .unwrap();
    let open: Vec<String> = store
        .open_sessions()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.chat.id)
        .collect();
    assert_eq!(open, ["third"]);
    let h = store.history("c", None, 10, 0).await.unwrap();
    let ids: Vec<_> = h.iter().map(|c| (c.id.as_str(), c.ended_by)).collect();
    assert_eq!(
        ids,
        [
            ("second", Some(Author::Visitor)),
            ("first", Some(Author::Operator))
        ]
    );
    assert_eq!(h[1].operator.as_deref(), Some("op2"));
    let mine = store.history("c", Some("op2"), 10, 0).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        store.history("c", None, 1, 1).await.unwrap()[0].id,
        "first",
        "paged"
    );
}

async fn start_keys_find_their_open_session(b: Backend) {
    let store = b.open().await;
    let mut s = session("s");
    s.start_key = Some(("keyhash".into(), "sealed".into()));
    store.insert_session(s).await.unwrap();
    let found = store.session_by_start_key("c", "keyhash").await.unwrap();
    assert_eq!(
        found,
        Some(("s".into(), Some("sealed".into()), Some("visitor".into())))
    );
    assert_eq!(
        store.session_by_start_key("c", "other").await.unwrap(),
        None
    );
    if b.is_pg() {
        // Two instances racing with one startKey: the second insert is a
        // conflict the widget retries (and then finds the first).
        let mut twin = session("twin");
        twin.start_key = Some(("keyhash".into(), "sealed2".into()));
        let other = b.open().await;
        let e = other.insert_session(twin).await.unwrap_err();
        assert_eq!(e.status(), 409, "{e}");
    }
    store
        .end_session("s", 2, Author::Visitor, None)
        .await
        .unwrap();
    assert_eq!(
        store.session_by_start_key("c", "keyhash").await.unwrap(),
        None,
        "only open ones"
    );
}

async fn read_marks_only_go_up(b: Backend) {
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    assert_eq!(store.read_marks("s").await.unwrap(), (0, 0));
    store.mark_read("s", Author::Visitor, 4).await.unwrap();
    store.mark_read("s", Author::Visitor, 2).await.unwrap();
    store.mark_read("s", Author::Operator, 3).await.unwrap();
    assert_eq!(store.read_marks("s").await.unwrap(), (4, 3));
    // Seen from another handle (instance) too.
    assert_eq!(b.open().await.read_marks("s").await.unwrap(), (4, 3));
}

async fn message_pages(b: Backend) {
    use owidget_protocol::plugins::{Card, CardKind, Carousel};
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    let card = Card {
        kind: CardKind::Product,
        title: "Shoe".into(),
        price: Some("99 €".into()),
        ..Default::default()
    };
    for i in 1..=5 {
        let mut m = message("s", None, &format!("m{i}"));
        if i == 2 {
            m.card = Some(Box::new(card.clone()));
        }
        if i == 3 {
            m.carousel = Some(Box::new(Carousel {
                title: Some("T".into()),
                cards: vec![card.clone()],
            }));
        }
        store.append(m, |_| {}).await.unwrap();
    }
    let texts =
        |v: Vec<owidget_protocol::WireMessage>| v.into_iter().map(|m| m.text).collect::<Vec<_>>();
    assert_eq!(
        texts(store.messages_page("s", 0, 2, false).await.unwrap()),
        ["m1", "m2"]
    );
    assert_eq!(
        texts(store.messages_page("s", 0, 2, true).await.unwrap()),
        ["m4", "m5"]
    );
    assert_eq!(
        texts(store.messages_page("s", 3, 10, false).await.unwrap()),
        ["m4", "m5"]
    );
    let all = store.messages_after("s", 0).await.unwrap();
    assert_eq!(all[1].card.as_deref(), Some(&card));
    assert_eq!(all[2].carousel.as_ref().unwrap().cards.len(), 1);
    assert!(all.iter().all(|m| m.author == Author::Visitor && m.at > 0));
}
