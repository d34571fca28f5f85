//! The write half of one widget socket, shared by the socket's task and
//! its status shard worker.
//!
//! The worker writes a status frame straight into the socket when it can
//! (the sink is free, ready, and the write completes without waiting: the
//! common case for an idle socket). Otherwise the frame is queued here
//! (only the newest: latest value) and the socket's task is woken to send
//! it within the send deadline, like any other frame. Every frame goes
//! through the one sink under one lock, so frames are never interleaved.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::task::noop_waker_ref;
use futures_util::Sink;
use tokio::sync::Notify;

use crate::status::{Offer, StatusFrame, Target};
use crate::wsio::{close_within, send_within};

/// What the socket's task still has to do for the status.
#[derive(Default)]
struct Backlog {
    /// The newest status the worker could not write.
    frame: Option<StatusFrame>,
    /// A written status still sits in the sink's buffers.
    flush: bool,
    /// Version of the last status written into the sink.
    sent: Option<u64>,
}

impl Backlog {
    fn is_new(&self, frame: &StatusFrame) -> bool {
        self.sent.is_none_or(|v| frame.version > v)
    }
}

/// Sends `msg`, polled once without a deadline first, so that 20,000
/// sockets connecting do not each arm a timer for a first status their
/// buffer takes at once; only a send that cannot finish now is awaited
/// within the deadline (the same send: the frame is never sent twice).
async fn send_now_or_within<S: Sink<Message> + Unpin>(
    sink: &mut S,
    msg: Message,
    within: Duration,
) -> bool {
    use futures_util::{FutureExt, SinkExt};
    let mut send = sink.send(msg);
    match (&mut send).now_or_never() {
        Some(sent) => sent.is_ok(),
        None => match tokio::time::timeout(within, send).await {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                tracing::info!(deadline = ?within, "slow peer: status not taken in time; closing");
                false
            }
        },
    }
}

/// A socket's sink with its status backlog.
pub struct Outlet<S> {
    /// `None` once the socket is closed.
    sink: tokio::sync::Mutex<Option<S>>,
    backlog: Mutex<Backlog>,
    /// Wakes the socket's task when the backlog has something.
    pub wake: Notify,
    gone: AtomicBool,
}

impl<S> Outlet<S>
where
    S: Sink<Message> + Unpin,
{
    /// An outlet over `sink`.
    pub fn new(sink: S) -> Self {
        Outlet {
            sink: tokio::sync::Mutex::new(Some(sink)),
            backlog: Mutex::new(Backlog::default()),
            wake: Notify::new(),
            gone: AtomicBool::new(false),
        }
    }

    fn backlog(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.backlog.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `frame` for the task (replacing an older one) and wakes it.
    fn queue(&self, backlog: &mut Backlog, frame: &StatusFrame) -> Offer {
        if backlog.is_new(frame) {
            backlog.frame = Some(frame.clone());
            self.wake.notify_one();
        }
        Offer::Queued
    }

    /// Sends a status from the socket's task (the first one, or the one
    /// queued by the worker), unless a newer one was sent already.
    pub async fn send_status(&self, frame: StatusFrame, within: Duration) -> bool {
        let mut sink = self.sink.lock().await;
        let Some(sink) = sink.as_mut() else {
            return false;
        };
        {
            let mut backlog = self.backlog();
            if !backlog.is_new(&frame) {
                return true;
            }
            backlog.sent = Some(frame.version);
        }
        send_now_or_within(sink, Message::Text(frame.frame), within).await
    }

    /// Does what the worker left to the task: sends the queued status or
    /// finishes writing the one already in the sink, within `within`.
    pub async fn catch_up(&self, within: Duration) -> bool {
        let mut sink = self.sink.lock().await;
        let Some(sink) = sink.as_mut() else {
            return false;
        };
        let (frame, flush) = {
            let mut backlog = self.backlog();
            let frame = backlog.frame.take().filter(|f| backlog.is_new(f));
            if let Some(f) = &frame {
                backlog.sent = Some(f.version);
            }
            (frame, std::mem::take(&mut backlog.flush))
        };
        match frame {
            Some(f) => send_within(sink, Message::Text(f.frame), within).await,
            None if flush => {
                use futures_util::SinkExt;
                match tokio::time::timeout(within, sink.flush()).await {
                    Ok(flushed) => flushed.is_ok(),
                    Err(_) => {
                        tracing::info!(deadline = ?within, "slow peer: status not taken in time; closing");
                        false
                    }
                }
            }
            None => true,
        }
    }

    /// Sends any other frame from the socket's task.
    pub async fn send(&self, msg: Message, within: Duration) -> bool {
        match self.sink.lock().await.as_mut() {
            Some(sink) => send_within(sink, msg, within).await,
            None => false,
        }
    }

    /// Closes the socket (within `within`) and drops the sink; the worker
    /// drops the outlet from its list at its next pass.
    pub async fn close(&self, within: Duration) {
        self.gone.store(true, Ordering::Release);
        let sink = self.sink.lock().await.take();
        if let Some(mut sink) = sink {
            close_within(&mut sink, within).await;
        }
    }
}

impl<S> Target for Outlet<S>
where
    S: Sink<Message> + Unpin + Send,
{
    fn offer(&self, frame: &StatusFrame) -> Offer {
        if self.gone.load(Ordering::Acquire) {
            return Offer::Gone;
        }
        // The task is writing something: it sends the queued status next.
        let Ok(mut sink) = self.sink.try_lock() else {
            return self.queue(&mut self.backlog(), frame);
        };
        let Some(sink) = sink.as_mut() else {
            return Offer::Gone;
        };
        let mut backlog = self.backlog();
        if !backlog.is_new(frame) {
            return Offer::Written;
        }
        // Something is queued or unflushed already: keep the order.
        if backlog.frame.is_some() || backlog.flush {
            return self.queue(&mut backlog, frame);
        }
        // Polled with a waker that does nothing: whatever cannot finish now
        // is left to the task, which polls again with its own waker.
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut sink = Pin::new(sink);
        match sink.as_mut().poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Pending => return self.queue(&mut backlog, frame),
            Poll::Ready(Err(_)) => {
                // The task finds the error when it flushes, and closes.
                backlog.flush = true;
                self.wake.notify_one();
                return Offer::Queued;
            }
        }
        backlog.sent = Some(frame.version);
        if sink
            .as_mut()
            .start_send(Message::Text(frame.frame.clone()))
            .is_err()
        {
            backlog.flush = true;
            self.wake.notify_one();
            return Offer::Queued;
        }
        match sink.as_mut().poll_flush(&mut cx) {
            Poll::Ready(Ok(())) => Offer::Written,
            _ => {
                backlog.flush = true;
                self.wake.notify_one();
                Offer::Queued
            }
        }
    }

    fn gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }
}
