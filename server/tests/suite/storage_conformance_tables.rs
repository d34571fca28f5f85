//! Storage conformance (issue 13), the remaining tables, on SQLite and
//! PostgreSQL alike: offline messages, callbacks and transcripts, operator
//! logins and availability, the connector log and closing forms, bot
//! conversations, the GraphQL API's tokens, and the webhook outbox.

use crate::common;
use crate::on_both;

use std::collections::BTreeMap;

use common::backend::{session, Backend};
use owidget_protocol::desk::{Availability, CallbackStatus};
use owidget_protocol::plugins::{ConnectorCall, PluginKind};
use owidget_protocol::{Author, SessionState};
use owidget_server::bot::store as bot_store;
use owidget_server::storage::{NewCallback, NewOffline, OperatorSession};
use owidget_server::webhooks::outbox::{Attempt, Outcome};
use owidget_server::webhooks::{EventType, Planned};
use serde_json::{json, Map, Value};

on_both!(
    offline_callbacks_and_transcripts,
    operator_logins_and_availability,
    connector_log_and_closing_form,
    bot_conversations,
    api_tokens,
    webhook_outbox,
);

async fn offline_callbacks_and_transcripts(b: Backend) {
    let store = b.open().await;
    let offline = |preset: &str, text: &str| NewOffline {
        company: "c".into(),
        preset: preset.into(),
        email: "a@b.example".into(),
        text: text.into(),
        language: "en".into(),
        page_url: "u".into(),
    };
    let first = store.insert_offline(offline("p", "one")).await.unwrap();
    let second = store.insert_offline(offline("q", "two")).await.unwrap();
    store
        .insert_offline(offline("other", "three"))
        .await
        .unwrap();
    assert!(second.id > first.id);
    let presets = vec!["p".to_string(), "q".to_string()];
    let list = store
        .offline_messages("c", &presets, false, 10, 0)
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["two", "one"]
    );
    let done = store
        .offline_done("c", first.id, "op")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.done_by.as_deref()),
        (CallbackStatus::Done, Some("op"))
    );
    assert!(
        store
            .offline_done("x", first.id, "op")
            .await
            .unwrap()
            .is_none(),
        "company checked"
    );
    let open = store
        .offline_messages("c", &presets, true, 10, 0)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(store
        .offline_messages("c", &[], false, 10, 0)
        .await
        .unwrap()
        .is_empty());

    let cb = store
        .insert_callback(NewCallback {
            company: "c".into(),
            preset: "p".into(),
            name: "Ann".into(),
            phone: "+420 777 666 555".into(),
            language: "en".into(),
            page_url: "u".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        store.callbacks("c", &presets, true, 10, 0).await.unwrap()[0].id,
        cb.id
    );
    let done = store
        .callback_done("c", cb.id, "op")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, CallbackStatus::Done);
    assert!(store
        .callbacks("c", &presets, true, 10, 0)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .callbacks("c", &presets, false, 10, 0)
            .await
            .unwrap()
            .len(),
        1
    );

    store.insert_session(session("s")).await.unwrap();
    store.insert_transcript("s", "a@b.example").await.unwrap();
    store.insert_transcript("s", "c@d.example").await.unwrap();
    let pending = store.pending_transcripts(10).await.unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(
        store.pending_transcripts(10).await.unwrap().len(),
        2,
        "asking again: the same"
    );
    let other = b.open().await.pending_transcripts(10).await.unwrap();
    // PostgreSQL: claimed by the first instance, so the second mails none.
    assert_eq!(other.len(), if b.is_pg() { 0 } else { 2 });
    assert_eq!(
        (pending[0].company.as_str(), pending[0].email.as_str()),
        ("c", "a@b.example")
    );
    store.transcript_done(pending[0].id, Ok(())).await.unwrap();
    store
        .transcript_done(pending[1].id, Err("refused".into()))
        .await
        .unwrap();
    assert!(store.pending_transcripts(10).await.unwrap().is_empty());
}

async fn operator_logins_and_availability(b: Backend) {
    let store = b.open().await;
    let login = |hash: &str, expires_at: i64| OperatorSession {
        token_hash: hash.into(),
        company: "c".into(),
        username: "demo".into(),
        expires_at,
    };
    store
        .insert_operator_session(login("t1", 100), 1)
        .await
        .unwrap();
    store
        .insert_operator_session(login("t2", 100), 1)
        .await
        .unwrap();
    store
        .insert_operator_session(login("t2", 150), 2)
        .await
        .unwrap(); // replaced
    store
        .insert_operator_session(login("t3", 10), 1)
        .await
        .unwrap();
    store
        .extend_operator_session("t1".into(), 200)
        .await
        .unwrap();
    store.delete_operator_session("t3".into()).await.unwrap();
    let mut alive = store.operator_sessions(120).await.unwrap();
    alive.sort_by(|a, b| a.token_hash.cmp(&b.token_hash));
    let got: Vec<_> = alive
        .iter()
        .map(|s| (s.token_hash.as_str(), s.expires_at))
        .collect();
    assert_eq!(got, [("t1", 200), ("t2", 150)]);
    assert_eq!(
        store.operator_sessions(160).await.unwrap().len(),
        1,
        "t2 expired and deleted"
    );

    let rows = |a: Availability| {
        vec![
            ("c".to_string(), "demo".to_string(), a),
            ("c".to_string(), "solo".to_string(), Availability::Away),
        ]
    };
    store
        .save_availability(rows(Availability::Online), vec![])
        .await
        .unwrap();
    store
        .save_availability(rows(Availability::Offline), vec![])
        .await
        .unwrap();
    let mut a = b.open().await.availability().await.unwrap();
    a.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(
        a,
        [
            ("c".into(), "demo".into(), Availability::Offline),
            ("c".into(), "solo".into(), Availability::Away)
        ]
    );
}

fn call(i: i64) -> ConnectorCall {
    ConnectorCall {
        at: i,
        plugin: if i % 2 == 0 {
            PluginKind::Health
        } else {
            PluginKind::ProductList
        },
        method: "GET".into(),
        url: format!("http://c/{i}"),
        status: (i % 3 != 0).then_some(200),
        latency_ms: i.unsigned_abs(),
        ok: i % 3 != 0,
        error: (i % 3 == 0).then(|| "timeout".to_string()),
    }
}

async fn connector_log_and_closing_form(b: Backend) {
    use owidget_server::plugins::store::LOG_KEEP;
    let store = b.open().await;
    store
        .record_calls(vec![("other".into(), call(-1))])
        .await
        .unwrap();
    let calls: Vec<_> = (0..LOG_KEEP + 5)
        .map(|i| ("c".to_string(), call(i)))
        .collect();
    for chunk in calls.chunks(700) {
        store.record_calls(chunk.to_vec()).await.unwrap();
    }
    let all = store.connector_log("c", 5000).await.unwrap();
    assert_eq!(all.len() as i64, LOG_KEEP);
    assert_eq!(all[0].at, LOG_KEEP + 4, "newest first");
    assert_eq!(all.last().unwrap().at, 5, "the oldest five dropped");
    assert_eq!(all[0], call(LOG_KEEP + 4), "every field round-trips");
    assert_eq!(all[1], call(LOG_KEEP + 3));
    assert_eq!(store.connector_log("other", 10).await.unwrap().len(), 1);

    store.insert_session(session("s")).await.unwrap();
    let answers = BTreeMap::from([("reason".to_string(), "price".to_string())]);
    assert_eq!(
        store
            .set_closing_form("c", "s", &answers, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .set_closing_form("x", "nope", &answers, None)
            .await
            .unwrap(),
        0
    );
    let (form, visitor) = store.plugin_fields("c", "s").await.unwrap().unwrap();
    assert_eq!(
        (form, visitor.as_deref()),
        (Some(answers.clone()), Some("visitor"))
    );
    assert_eq!(
        store
            .session("c", "s")
            .await
            .unwrap()
            .unwrap()
            .chat
            .closing_form,
        Some(answers)
    );
    assert!(store.plugin_fields("x", "s").await.unwrap().is_none());
}

async fn bot_conversations(b: Backend) {
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    assert_eq!(bot_store::load(&store, "s").await.unwrap(), None);
    let mut row = bot_store::ConvRow {
        session: "s".into(),
        operator: "bot-1".into(),
        conversation: None,
        batch: 1,
        pending: vec![json!({"type": "text", "text": "hi"})],
        next: 0,
        posted_seq: 2,
    };
    bot_store::save(&store, &row).await.unwrap();
    row.conversation = Some("conv-9".into());
    row.next = 1;
    row.posted_seq = 5;
    bot_store::save(&store, &row).await.unwrap();
    assert_eq!(
        bot_store::load(&b.open().await, "s").await.unwrap(),
        Some(row)
    );
    bot_store::delete(&store, "s").await.unwrap();
    assert_eq!(bot_store::load(&store, "s").await.unwrap(), None);
}

async fn api_tokens(b: Backend) {
    use owidget_server::bot::api::tokens::{self, ApiToken};
    let store = b.open().await;
    let t = |hash: &str, expires_at| ApiToken {
        token_hash: hash.into(),
        company: "c".into(),
        username: "bot-api".into(),
        expires_at,
    };
    tokens::insert(&store, &t("old", 1_000), 500).await.unwrap();
    tokens::insert(&store, &t("new", 9_000), 500).await.unwrap();
    assert_eq!(
        tokens::find(&store, "old", 999).await.unwrap(),
        Some(t("old", 1_000))
    );
    assert_eq!(
        tokens::find(&store, "old", 1_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(tokens::find(&store, "nope", 0).await.unwrap(), None);
    // Another connection (another instance on PostgreSQL) sees it; a new
    // login sweeps the expired ones.
    let other = b.open().await;
    tokens::insert(&other, &t("later", 20_000), 5_000)
        .await
        .unwrap();
    assert_eq!(tokens::find(&other, "old", 0).await.unwrap(), None, "swept");
    assert_eq!(
        tokens::find(&other, "new", 8_999).await.unwrap(),
        Some(t("new", 9_000))
    );
}

fn planned(event_type: EventType, receivers: &[&str], session: Option<&str>) -> Planned {
    Planned {
        company: "c".into(),
        company_index: 0,
        receivers: receivers
            .iter()
            .map(|url| {
                let mut m = Map::new();
                m.insert("eventId".into(), json!(owidget_server::webhooks::uuid_v4()));
                m.insert("eventType".into(), json!(event_type.name()));
                (url.to_string(), m)
            })
            .collect(),
        event_type,
        session: session.map(str::to_string),
    }
}

async fn webhook_outbox(b: Backend) {
    use owidget_protocol::desk::ChatSummary;
    let store = b.open().await;
    store.insert_session(session("s")).await.unwrap();
    let chat = ChatSummary {
        id: "s".into(),
        preset: "p".into(),
        state: SessionState::Active,
        language: "en".into(),
        page_url: "u".into(),
        scope: None,
        custom_data: Default::default(),
        created_at: 1,
        accepted_at: Some(2),
        ended_at: None,
        ended_by: None,
        operator: Some("op1".into()),
        operator_name: Some("Op".into()),
        queue_position: None,
        visitor_online: false,
        closing_form: None,
    };
    let (r1, r2) = ("http://r1.example/hook", "http://r2.example/hook");
    let pushed = planned(EventType::ConversationPushed, &[r1, r2], Some("s"));
    assert_eq!(store.set_assignment(&chat, Some(pushed)).await.unwrap(), 2);
    let closed = planned(EventType::ConversationClosed, &[r1], Some("s"));
    assert_eq!(
        store
            .end_session("s", 3, Author::Operator, Some(closed))
            .await
            .unwrap(),
        1
    );
    store
        .save_availability(
            vec![],
            vec![planned(EventType::AvailabilityUpdated, &[r1], None)],
        )
        .await
        .unwrap();

    let pending = store
        .webhook_pending("c", r1, 10)
        .await
        .unwrap()
        .expect("lease");
    assert_eq!(pending.len(), 3);
    assert!(pending.windows(2).all(|w| w[0].row < w[1].row), "in order");
    assert_eq!(pending[0].payload["visitorId"], "visitor");
    assert_eq!(pending[1].payload["operatorIds"], json!(["op1"]));
    assert_eq!(pending[0].attempts, 0);

    let attempt = |row: i64, outcome: Outcome, status: Option<u16>| Attempt {
        row,
        delivery_id: format!("d{row}-{status:?}"),
        at: 10,
        status,
        latency_ms: 7,
        error: status.is_none().then(|| "refused".to_string()),
        outcome,
    };
    store
        .webhook_attempted(attempt(pending[0].row, Outcome::Retry(99), None))
        .await
        .unwrap();
    store
        .webhook_attempted(attempt(pending[0].row, Outcome::Delivered, Some(200)))
        .await
        .unwrap();
    store
        .webhook_attempted(attempt(pending[1].row, Outcome::GaveUp, Some(500)))
        .await
        .unwrap();
    let left = store.webhook_pending("c", r1, 10).await.unwrap().unwrap();
    assert_eq!(
        left.iter().map(|p| p.row).collect::<Vec<_>>(),
        [pending[2].row]
    );

    let log = store.webhook_log("c", None, 10).await.unwrap();
    assert_eq!(log.len(), 4, "three for r1, one for r2");
    let first = log
        .iter()
        .find(|d| d.event_id == pending[0].event_id)
        .unwrap();
    assert_eq!(first.state, "delivered");
    assert_eq!(
        first.attempts.iter().map(|t| t.status).collect::<Vec<_>>(),
        [None, Some(200)]
    );
    assert_eq!(first.attempts[0].error.as_deref(), Some("refused"));
    let failed = store
        .webhook_log("c", Some("failed".into()), 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].payload["eventType"],
        Value::from("v2.conversation.closed")
    );
    store.prune_webhooks("c").await.unwrap();
    assert_eq!(
        store.webhook_log("c", None, 10).await.unwrap().len(),
        4,
        "under LOG_KEEP"
    );

    // One instance at a time delivers a receiver's events (PostgreSQL);
    // SQLite has one instance.
    let other = b.open().await;
    let theirs = other.webhook_pending("c", r1, 10).await.unwrap();
    if b.is_pg() {
        assert!(theirs.is_none(), "held by the first handle");
        assert!(
            other.webhook_pending("c", r2, 10).await.unwrap().is_some(),
            "per receiver"
        );
    } else {
        assert_eq!(theirs.unwrap().len(), 1);
    }
}
