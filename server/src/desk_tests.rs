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
    let dir = std::env::temp_dir();
    let dirs = crate::Dirs {
        www: dir.clone(),
        pkg: dir,
    };
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
