//! Button status of every preset, pushed to widget sockets.
//!
//! A change is encoded once into its `status` frame ([`StatusFrame`], with
//! the server time of the change), and every socket sends a refcounted
//! clone of those bytes: no serialization and no allocation per socket.
//!
//! Each preset has [`SHARDS`] `tokio::sync::watch` channels, and the
//! preset's sockets are spread over them round-robin: one send wakes the
//! receivers of one shard's list, not one list of 20,000 (the contention
//! of a single channel with tens of thousands of receivers). A watch
//! channel keeps only the latest value, so status is coalesced for free:
//! a socket that is still sending the last change skips to the newest.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use owidget_protocol::ButtonStatus;
use tokio::sync::watch;

use crate::config::Company;

/// Watch channels per preset.
pub const SHARDS: usize = 16;

/// A status and its frame, `{"type":"status","status":1,"at":<ms>}`.
#[derive(Debug, Clone)]
pub struct StatusFrame {
    /// The status.
    pub status: ButtonStatus,
    /// The encoded frame (a clone is a refcount increment).
    pub frame: Utf8Bytes,
}

impl StatusFrame {
    /// The frame of `status` as changed at `at` (Unix ms).
    pub fn new(status: ButtonStatus, at: u64) -> Self {
        StatusFrame {
            status,
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

/// One preset: its groups and its status shards.
#[derive(Debug)]
struct Preset {
    groups: Vec<String>,
    shards: Vec<watch::Sender<StatusFrame>>,
    /// Round-robin over `shards` for new subscribers.
    next: AtomicUsize,
}

/// The status channels of one company, one set per preset (same order as
/// `Company::presets`).
#[derive(Debug)]
pub struct CompanyStatus {
    presets: Vec<Preset>,
}

impl CompanyStatus {
    /// All presets offline.
    pub fn new(company: &Company) -> Self {
        let offline = StatusFrame::new(ButtonStatus::Offline, now_ms());
        CompanyStatus {
            presets: company
                .presets
                .iter()
                .map(|p| Preset {
                    groups: p.widget.groups.clone(),
                    shards: (0..SHARDS)
                        .map(|_| watch::Sender::new(offline.clone()))
                        .collect(),
                    next: AtomicUsize::new(0),
                })
                .collect(),
        }
    }

    /// A receiver of the preset's status; its current value is the status now.
    pub fn subscribe(&self, preset: usize) -> watch::Receiver<StatusFrame> {
        let p = &self.presets[preset];
        let i = p.next.fetch_add(1, Ordering::Relaxed) % p.shards.len();
        p.shards[i].subscribe()
    }

    /// Current status of a preset.
    pub fn get(&self, preset: usize) -> ButtonStatus {
        self.presets[preset].shards[0].borrow().status
    }

    /// Recomputes every preset from the available operators, given as
    /// `(groups, active_chats, capacity)`, and notifies subscribers of the
    /// presets whose status changed (only those).
    pub fn update<'a>(&self, available: impl Iterator<Item = (&'a [String], u32, u32)> + Clone) {
        for p in &self.presets {
            let status = ButtonStatus::of_available(
                available
                    .clone()
                    .filter(|(g, _, _)| g.iter().any(|g| p.groups.contains(g)))
                    .map(|(_, active, cap)| (active, cap)),
            );
            // Every shard holds the same value; the first tells.
            if p.shards[0].borrow().status == status {
                continue;
            }
            let frame = StatusFrame::new(status, now_ms());
            for shard in &p.shards {
                shard.send_replace(frame.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_notify() {
        let company = crate::demo::config().companies.remove(0);
        let status = CompanyStatus::new(&company);
        let mut rx = status.subscribe(0);
        assert_eq!(rx.borrow_and_update().status, ButtonStatus::Offline);
        let support = vec!["support".to_string()];
        let other = vec!["sales".to_string()];
        status.update([(other.as_slice(), 0, 2)].into_iter());
        assert!(!rx.has_changed().unwrap(), "other group does not count");
        status.update([(support.as_slice(), 0, 2)].into_iter());
        assert!(rx.has_changed().unwrap());
        assert_eq!(rx.borrow_and_update().status, ButtonStatus::Online);
        status.update([(support.as_slice(), 1, 2)].into_iter());
        assert!(!rx.has_changed().unwrap(), "still online");
        status.update([(support.as_slice(), 2, 2)].into_iter());
        assert_eq!(rx.borrow_and_update().status, ButtonStatus::Busy);
        assert_eq!(status.get(0), ButtonStatus::Busy);
    }

    #[test]
    fn every_shard_gets_the_change_as_one_shared_frame() {
        let company = crate::demo::config().companies.remove(0);
        let status = CompanyStatus::new(&company);
        let mut rxs: Vec<_> = (0..SHARDS * 2).map(|_| status.subscribe(0)).collect();
        let support = vec!["support".to_string()];
        let before = now_ms();
        status.update([(support.as_slice(), 0, 2)].into_iter());
        let frames: Vec<StatusFrame> = rxs
            .iter_mut()
            .map(|rx| {
                assert!(rx.has_changed().unwrap());
                rx.borrow_and_update().clone()
            })
            .collect();
        let first = frames[0].frame.as_str();
        let v: serde_json::Value = serde_json::from_str(first).unwrap();
        assert_eq!(v["type"], "status");
        assert_eq!(v["status"], 1);
        let at = v["at"].as_u64().expect("at");
        assert!(at >= before && at <= now_ms(), "{at}");
        for f in &frames {
            assert_eq!(f.status, ButtonStatus::Online);
            // The same bytes, not a copy per socket.
            assert_eq!(f.frame.as_str().as_ptr(), first.as_ptr());
        }
    }
}
