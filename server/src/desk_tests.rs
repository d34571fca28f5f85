//! [`super::serve`] driven by in-memory channels instead of a socket.

use std::time::Duration;

use futures::channel::mpsc as fmpsc;
use owidget_protocol::desk::Availability;

use super::*;

const WAIT: Duration = Duration::from_secs(10);
const OP: OpRef = OpRef {
    company: 0,
    operator: 0,
};

async fn state_with(config: crate::Config) -> AppState {
    let dirs = crate::Dirs::default();
    let store = crate::storage::Store::in_memory().unwrap();
    AppState::new(config, dirs, store).await.unwrap()
}

/// Issue 10, item 5: a desk that stops reading is closed after the send
/// deadline instead of parking its task (and its pings) forever.
#[tokio::test(start_paused = true)]
async fn slow_desk_is_closed_not_awaited() {
    let mut config = crate::demo::config();
    config.network.send_timeout = Duration::from_secs(1);
    let state = state_with(config).await;
    let token = state.auth.issue(OP).await.unwrap();
    let (out_tx, _out) = fmpsc::channel::<Message>(0);
    let (_in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    let task = tokio::spawn(serve(out_tx, in_rx, state.clone(), OP, token));
    for i in 0..4 {
        let a = if i % 2 == 0 {
            Availability::Online
        } else {
            Availability::Away
        };
        state.hub.set_availability(OP, a);
        tokio::task::yield_now().await;
    }
    tokio::time::timeout(WAIT, task)
        .await
        .expect("the slow desk is closed within the wait")
        .unwrap();
}

async fn next_event(out: &mut fmpsc::UnboundedReceiver<Message>) -> serde_json::Value {
    use futures::StreamExt;
    loop {
        let m = tokio::time::timeout(WAIT, out.next())
            .await
            .expect("a frame within the wait")
            .expect("desk loop running");
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// Issue 14, item 7: heartbeats both ways. The desk is told the interval,
/// every heartbeat it sends is answered (so it can tell a dead connection
/// from a quiet one), a desk that keeps beating stays, and a desk that
/// falls silent is treated as gone.
#[tokio::test(start_paused = true)]
async fn heartbeats_both_ways_and_silent_desk_is_gone() {
    let mut config = crate::demo::config();
    config.network.desk_heartbeat = Duration::from_secs(1);
    let state = state_with(config).await;
    let token = state.auth.issue(OP).await.unwrap();
    let (out_tx, mut out) = fmpsc::unbounded::<Message>();
    let (in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    let task = tokio::spawn(serve(out_tx, in_rx, state.clone(), OP, token));
    assert_eq!(next_event(&mut out).await["type"], "operator");
    assert_eq!(next_event(&mut out).await["type"], "queue");
    let hello = next_event(&mut out).await;
    assert_eq!(hello["type"], "heartbeat");
    assert_eq!(hello["intervalMs"], 1000);
    for _ in 0..10 {
        in_tx
            .unbounded_send(Ok(Message::Text(r#"{"type":"heartbeat"}"#.into())))
            .unwrap();
        assert_eq!(next_event(&mut out).await["type"], "heartbeat");
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    assert!(!task.is_finished(), "a beating desk stays");
    // Silence: gone within a few intervals (not the old 60 s).
    tokio::time::timeout(Duration::from_secs(4), task)
        .await
        .expect("a silent desk is closed after two intervals")
        .unwrap();
}
