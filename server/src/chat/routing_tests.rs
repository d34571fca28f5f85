//! Accept, transfer and end write the database before changing live state.

use std::sync::Arc;

use owidget_protocol::desk::Availability;
use owidget_protocol::SessionState;
use tokio::sync::mpsc;

use super::*;
use crate::chat::{StartChat, VisitorLink};
use crate::storage::Store;

const OP: OpRef = OpRef {
    company: 0,
    operator: 0,
};

async fn hub_with_waiting_chat() -> (Hub, String) {
    let hub = Hub::new(Arc::new(crate::demo::config()), Store::in_memory().unwrap());
    hub.set_availability(OP, Availability::Online);
    let (tx, _rx) = mpsc::channel(8);
    let start = StartChat {
        language: "en".into(),
        page_url: "http://localhost/".into(),
        scope: None,
        custom_data: Default::default(),
        ip: None,
        visitor_id: None,
        start_key: None,
    };
    let created = hub
        .start_chat(0, 0, start, VisitorLink { conn: 1, tx })
        .await
        .unwrap();
    (hub, created.id)
}

/// Makes every later write of a session fail, as a full disk would.
async fn break_session_writes(hub: &Hub) {
    hub.store()
        .call(|c| {
            c.batch(
                "CREATE TRIGGER no_updates BEFORE UPDATE ON sessions \
                 BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END;",
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Issue 10, item 8: a failed write leaves the live state as it was (the
/// client gets an error, and memory and database still agree).
#[tokio::test]
async fn failed_writes_change_nothing() {
    let (hub, id) = hub_with_waiting_chat().await;
    break_session_writes(&hub).await;
    assert!(hub.accept(OP, &id).await.is_err());
    assert_eq!(hub.queue(OP).len(), 1, "still waiting");
    assert!(hub.my_chats(OP).is_empty(), "not assigned in memory");
    assert_eq!(hub.operator_info(OP).active_chats, 0);
    assert!(hub.end(0, &id, Some(OP)).await.is_err());
    assert_eq!(hub.queue(OP).len(), 1, "not ended in memory");

    let (hub, id) = hub_with_waiting_chat().await;
    hub.accept(OP, &id).await.unwrap();
    break_session_writes(&hub).await;
    assert!(hub.transfer(OP, &id, None).await.is_err());
    let mine = hub.my_chats(OP);
    assert_eq!(mine.len(), 1, "still mine");
    assert_eq!(mine[0].state, SessionState::Active);
    assert!(hub.queue(OP).is_empty());
    assert!(hub.end(0, &id, None).await.is_err());
    assert_eq!(hub.my_chats(OP).len(), 1, "not ended in memory");
    let stored = hub
        .store()
        .session(&hub.config().companies[0].id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.chat.state, SessionState::Active, "database agrees");
}

/// Issue 10 item 1: every company's live state has its own lock, so a
/// company whose queue is busy (its lock held) never holds up another
/// company's operations. With the one hub lock of before, this waited
/// forever.
#[test]
fn one_company_never_waits_for_another_company_s_lock() {
    let mut config = crate::demo::config();
    let mut other = config.companies[0].clone();
    other.id = "0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11".into();
    config.companies.push(other);
    let hub = Arc::new(Hub::new(Arc::new(config), Store::in_memory().unwrap()));
    let held = hub.lock(0);
    let h = hub.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let op = OpRef {
            company: 1,
            operator: 0,
        };
        let _ = tx.send(h.queue(op).len());
    });
    let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
    drop(held);
    assert_eq!(answer, Ok(0), "company 1 waited for company 0's lock");
}
