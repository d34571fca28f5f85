//! A shard of one preset's sockets and the worker that writes each status
//! change into them.
//!
//! The worker owns the list of its sockets' outlets ([`Target`]s) and
//! offers every change to each in turn; an offer never waits (a socket that
//! cannot take the frame at once queues it for its own task), so one pass
//! over thousands of idle sockets is one write syscall each and no task
//! wake-up. The worker yields to the runtime every Tokio budget (128
//! offers), so that the rest of the server keeps running during a pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::StatusFrame;

/// How often a worker drops the outlets of closed sockets when no status
/// changes (a change does it too).
const SWEEP: Duration = Duration::from_secs(30);

/// What became of a frame offered to a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Written (or already sent): nothing left to do.
    Written,
    /// Queued for the socket's own task, which was woken.
    Queued,
    /// The socket is closed: drop it from the list.
    Gone,
}

/// A socket as a shard worker sees it.
pub trait Target: Send + Sync {
    /// Offers a status frame. Must not block or wait.
    fn offer(&self, frame: &StatusFrame) -> Offer;
    /// Whether the socket is closed.
    fn gone(&self) -> bool;
}

/// The sockets of one shard.
#[derive(Default)]
pub struct Shard {
    /// Sockets added since the worker last looked (the worker keeps the
    /// others in its own list).
    inbox: Mutex<Vec<Arc<dyn Target>>>,
    started: AtomicBool,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shard")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl Shard {
    /// Adds a socket; starts the worker with the first one.
    pub(super) fn add(
        self: &Arc<Self>,
        target: Arc<dyn Target>,
        current: &watch::Sender<StatusFrame>,
    ) {
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(target);
        if !self.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(work(self.clone(), current.subscribe()));
        }
    }

    fn take_inbox(&self, into: &mut Vec<Arc<dyn Target>>) {
        into.append(&mut self.inbox.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Offers every change to every socket of the shard until the preset's
/// status sender is dropped. Only the newest status is offered: changes
/// that land during a pass are coalesced into the next one.
async fn work(shard: Arc<Shard>, mut rx: watch::Receiver<StatusFrame>) {
    let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + SWEEP, SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sockets: Vec<Arc<dyn Target>> = Vec::new();
    loop {
        let frame = tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
                rx.borrow_and_update().clone()
            }
            _ = sweep.tick() => {
                shard.take_inbox(&mut sockets);
                sockets.retain(|t| !t.gone());
                continue;
            }
        };
        // Taken after the frame: a socket added later reads a status at
        // least as new as this one and sends it itself.
        shard.take_inbox(&mut sockets);
        let started = Instant::now();
        let (mut queued, mut gone) = (0usize, 0usize);
        let mut i = 0;
        while i < sockets.len() {
            match sockets[i].offer(&frame) {
                Offer::Written => i += 1,
                Offer::Queued => {
                    queued += 1;
                    i += 1;
                }
                Offer::Gone => {
                    gone += 1;
                    sockets.swap_remove(i);
                }
            }
            tokio::task::coop::consume_budget().await;
        }
        tracing::debug!(
            sockets = sockets.len(),
            queued,
            gone,
            elapsed = ?started.elapsed(),
            status = frame.status.code(),
            "status pass"
        );
    }
}
