//! [`super::serve`] driven by in-memory channels instead of a socket.

use super::*;
use futures::channel::mpsc as fmpsc;
use owidget_protocol::desk::Availability;

use crate::chat::OpRef;

const WAIT: Duration = Duration::from_secs(5);

async fn state() -> AppState {
    state_with(crate::demo::config()).await
}

async fn state_with(config: crate::Config) -> AppState {
    let dirs = crate::Dirs::default();
    let store = crate::storage::Store::in_memory().unwrap();
    AppState::new(config, dirs, store).await.unwrap()
}

async fn next<R: futures::Stream<Item = Message> + Unpin>(rx: &mut R) -> Message {
    tokio::time::timeout(WAIT, rx.next())
        .await
        .expect("a frame within the wait")
        .expect("loop still running")
}

async fn next_msg(rx: &mut fmpsc::UnboundedReceiver<Message>) -> ServerMessage {
    loop {
        match next(rx).await {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn status_and_chat_over_channels() {
    let state = state().await;
    let (out_tx, mut out) = fmpsc::unbounded::<Message>();
    let (in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    let task = tokio::spawn(serve(out_tx, in_rx, Conn::new(state.clone(), 0, 0)));
    use owidget_protocol::ButtonStatus::*;
    let status = |m: ServerMessage| match m {
        ServerMessage::Status { status, at } => {
            assert!(at.is_some(), "stamped with the time of the change");
            status
        }
        other => panic!("expected a status, got {other:?}"),
    };
    assert_eq!(status(next_msg(&mut out).await), Offline);
    let op = OpRef {
        company: 0,
        operator: 0,
    };
    state.hub.set_availability(op, Availability::Online);
    assert_eq!(status(next_msg(&mut out).await), Online);

    in_tx
        .unbounded_send(Ok(Message::Text("{oops".into())))
        .unwrap();
    assert!(matches!(
        next_msg(&mut out).await,
        ServerMessage::Error {
            code: ErrorCode::BadMessage,
            ..
        }
    ));
    let start = r#"{"type":"startChat","language":"en","pageUrl":"http://localhost/"}"#;
    in_tx
        .unbounded_send(Ok(Message::Text(start.into())))
        .unwrap();
    let ServerMessage::SessionCreated { session_id, .. } = next_msg(&mut out).await else {
        panic!("expected sessionCreated");
    };
    state.hub.accept(op, &session_id).await.unwrap();
    assert!(matches!(
        next_msg(&mut out).await,
        ServerMessage::SessionStarted { .. }
    ));
    // Closing the input ends the loop and detaches the visitor.
    drop(in_tx);
    tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert!(!state.hub.my_chats(op)[0].visitor_online);
}

#[tokio::test(start_paused = true)]
async fn silent_peer_is_dropped_after_a_ping_period() {
    let (out_tx, mut out) = fmpsc::unbounded::<Message>();
    let (_in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    let conn = Conn::new(state().await, 0, 0).with_ping_every(Duration::from_secs(1));
    let task = tokio::spawn(serve(out_tx, in_rx, conn));
    assert!(matches!(next(&mut out).await, Message::Text(_)));
    assert!(matches!(next(&mut out).await, Message::Ping(_)));
    // No pong: the next tick closes the loop.
    tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
}

#[test]
fn status_frames_match_serde() {
    use owidget_protocol::ButtonStatus::*;
    for status in [Offline, Online, Busy] {
        let frame = crate::status::StatusFrame::new(status, 1_764_547_200_123);
        let expected = serde_json::to_value(ServerMessage::Status {
            status,
            at: Some(1_764_547_200_123),
        })
        .unwrap();
        let actual: serde_json::Value = serde_json::from_str(frame.frame.as_str()).unwrap();
        assert_eq!(actual, expected);
    }
}

/// Issue 10, item 5: a widget that stops reading is closed once a frame is
/// not taken within the send deadline; its task is never parked on it.
#[tokio::test(start_paused = true)]
async fn slow_reader_is_closed_not_awaited() {
    let mut config = crate::demo::config();
    config.network.send_timeout = Duration::from_secs(1);
    let state = state_with(config).await;
    // Room for one frame, and nobody ever reads it.
    let (out_tx, _out) = fmpsc::channel::<Message>(0);
    let (_in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    let task = tokio::spawn(serve(out_tx, in_rx, Conn::new(state.clone(), 0, 0)));
    let op = OpRef {
        company: 0,
        operator: 0,
    };
    for i in 0..4 {
        let a = if i % 2 == 0 {
            Availability::Online
        } else {
            Availability::Offline
        };
        state.hub.set_availability(op, a);
        tokio::task::yield_now().await;
    }
    tokio::time::timeout(WAIT, task)
        .await
        .expect("the slow socket is closed within the wait")
        .unwrap();
}

/// The bytes of a text frame (a status frame is shared by every socket, so
/// its address tells which change it is).
fn text_ptr(m: &Message) -> *const u8 {
    match m {
        Message::Text(t) => t.as_str().as_ptr(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Issue 11: a socket that takes no frame while the status changes 21 times
/// delays none of the others, and gets only the newest status once it
/// reads again (never a stale one after it); the others get the newest
/// too, and after it nothing but the next change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_socket_delays_nobody_and_gets_the_latest_status() {
    let mut config = crate::demo::config();
    // Long enough that the stalled socket is not closed during the test.
    config.network.send_timeout = Duration::from_secs(60);
    let state = state_with(config).await;
    let op = OpRef {
        company: 0,
        operator: 0,
    };
    let mut inputs = Vec::new();
    // Room for one frame (the first status), and nobody reads it.
    let (stalled_tx, mut stalled) = fmpsc::channel::<Message>(0);
    let (in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
    inputs.push(in_tx);
    tokio::spawn(serve(stalled_tx, in_rx, Conn::new(state.clone(), 0, 0)));
    let mut fluent = Vec::new();
    for _ in 0..8 {
        let (out_tx, mut out) = fmpsc::unbounded::<Message>();
        let (in_tx, in_rx) = fmpsc::unbounded::<Result<Message, std::io::Error>>();
        inputs.push(in_tx);
        tokio::spawn(serve(out_tx, in_rx, Conn::new(state.clone(), 0, 0)));
        assert!(matches!(
            next_msg(&mut out).await,
            ServerMessage::Status {
                status: owidget_protocol::ButtonStatus::Offline,
                ..
            }
        ));
        fluent.push(out);
    }
    // Its first status read, the stalled socket has room for one frame.
    let first = next(&mut stalled).await;
    assert!(
        first.to_text().unwrap().contains(r#""status":0"#),
        "{first:?}"
    );
    for i in 0..21 {
        let a = if i % 2 == 0 {
            Availability::Online
        } else {
            Availability::Offline
        };
        state.hub.set_availability(op, a);
        if i % 4 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let last = state.hub.status_frame(0, 0);
    assert_eq!(last.status, owidget_protocol::ButtonStatus::Online);
    let last_ptr = last.frame.as_str().as_ptr();
    // Every fluent socket gets the newest, the stalled one still unread.
    for out in &mut fluent {
        let mut seen = 0;
        while text_ptr(&next(out).await) != last_ptr {
            seen += 1;
            assert!(seen < 21, "more frames than changes");
        }
    }
    // Once read, the stalled socket has at most two frames of the burst
    // (the one in its channel, the one its task was sending), then the
    // newest.
    let mut between = 0;
    while text_ptr(&next(&mut stalled).await) != last_ptr {
        between += 1;
        assert!(between <= 2, "the stalled socket got stale statuses queued");
    }
    // Nothing stale was left behind: the next frame everywhere is the next change.
    state.hub.set_availability(op, Availability::Offline);
    let next_ptr = state.hub.status_frame(0, 0).frame.as_str().as_ptr();
    assert_ne!(next_ptr, last_ptr);
    for out in &mut fluent {
        assert_eq!(
            text_ptr(&next(out).await),
            next_ptr,
            "the next change comes next"
        );
    }
    assert_eq!(
        text_ptr(&next(&mut stalled).await),
        next_ptr,
        "also when stalled"
    );
    drop(inputs);
}
