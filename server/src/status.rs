//! Button status of every preset, pushed to widget sockets.
//!
//! A change is encoded once into its `status` frame ([`StatusFrame`], with
//! the server time of the change), and every socket is sent a refcounted
//! clone of those bytes: no serialization and no allocation per socket.
//!
//! Delivery is done by shard workers ([`shard`]), about one per core: each
//! owns a list of its sockets' outlets and writes the frame into each one
//! directly, without waking the socket's task. Only a socket that cannot
//! take the frame at once (its buffers are full, or its task is writing
//! something else) gets it queued, and only its own task is woken to send
//! it within the send deadline; a queued status is replaced by a newer one
//! (latest value), so a slow socket never stalls the others and never
//! receives a stale status after a newer one.

pub mod shard;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use owidget_protocol::ButtonStatus;
use tokio::sync::watch;

use crate::config::Company;
pub use shard::{Offer, Target};

/// A status and its frame, `{"type":"status","status":1,"at":<ms>}`.
#[derive(Debug, Clone)]
pub struct StatusFrame {
    /// The status.
    pub status: ButtonStatus,
    /// Order of the changes of one preset (the first status is 0): a socket
    /// never takes a frame older than one it has sent.
    pub version: u64,
    /// The encoded frame (a clone is a refcount increment).
    pub frame: Utf8Bytes,
}

impl StatusFrame {
    /// The frame of `status` as changed at `at` (Unix ms).
    pub fn new(status: ButtonStatus, at: u64) -> Self {
        Self::versioned(status, at, 0)
    }

    fn versioned(status: ButtonStatus, at: u64, version: u64) -> Self {
        StatusFrame {
            status,
            version,
            frame: format!(
                r#"{{"type":"status","status":{},"at":{at}}}"#,
                status.code()
            )
            .into(),
        }
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Shard workers per preset: one per core the machine has (at most 64).
pub fn shards() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(64))
}

/// One preset: its groups, its current status and its shards.
#[derive(Debug)]
struct Preset {
    groups: Vec<String>,
    /// The current status; each shard worker watches it.
    current: watch::Sender<StatusFrame>,
    shards: Vec<Arc<shard::Shard>>,
    /// Round-robin over `shards` for new subscribers.
    next: AtomicUsize,
}

/// The status of one company's presets (same order as `Company::presets`).
#[derive(Debug)]
pub struct CompanyStatus {
    presets: Vec<Preset>,
}

impl CompanyStatus {
    /// All presets offline.
    pub fn new(company: &Company) -> Self {
        let offline = StatusFrame::new(ButtonStatus::Offline, now_ms());
        let n = shards();
        CompanyStatus {
            presets: company
                .presets
                .iter()
                .map(|p| Preset {
                    groups: p.widget.groups.clone(),
                    current: watch::Sender::new(offline.clone()),
                    shards: (0..n).map(|_| Arc::new(shard::Shard::default())).collect(),
                    next: AtomicUsize::new(0),
                })
                .collect(),
        }
    }

    /// Adds a socket's outlet to one of the preset's shards, which from now
    /// on offers it every change; returns the status now, for the socket to
    /// send first. (A change racing with this call reaches the outlet
    /// anyway: the outlet drops a frame whose version it has sent.)
    ///
    /// Call it inside a Tokio runtime: a shard's worker starts with its
    /// first socket.
    pub fn subscribe(&self, preset: usize, outlet: Arc<dyn Target>) -> StatusFrame {
        let p = &self.presets[preset];
        let i = p.next.fetch_add(1, Ordering::Relaxed) % p.shards.len();
        p.shards[i].add(outlet, &p.current);
        p.current.borrow().clone()
    }

    /// Current status frame of a preset.
    pub fn current(&self, preset: usize) -> StatusFrame {
        self.presets[preset].current.borrow().clone()
    }

    /// Current status of a preset.
    pub fn get(&self, preset: usize) -> ButtonStatus {
        self.presets[preset].current.borrow().status
    }

    /// Recomputes every preset from the available operators, given as
    /// `(groups, active_chats, capacity)`, and wakes the shard workers of
    /// the presets whose status changed (only those).
    pub fn update<'a>(&self, available: impl Iterator<Item = (&'a [String], u32, u32)> + Clone) {
        for p in &self.presets {
            let status = ButtonStatus::of_available(
                available
                    .clone()
                    .filter(|(g, _, _)| g.iter().any(|g| p.groups.contains(g)))
                    .map(|(_, active, cap)| (active, cap)),
            );
            let version = {
                let now = p.current.borrow();
                if now.status == status {
                    continue;
                }
                now.version + 1
            };
            p.current
                .send_replace(StatusFrame::versioned(status, now_ms(), version));
        }
    }
}

#[cfg(test)]
mod tests;
