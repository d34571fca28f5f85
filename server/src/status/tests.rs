//! [`super::CompanyStatus`] with recording targets in place of sockets.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use super::*;

/// Records every frame offered to it.
#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<StatusFrame>>,
    more: Notify,
    /// Answers `Queued` (a socket with backpressure) instead of `Written`.
    stalled: bool,
}

impl Target for Recorder {
    fn offer(&self, frame: &StatusFrame) -> Offer {
        self.got.lock().unwrap().push(frame.clone());
        self.more.notify_one();
        if self.stalled {
            Offer::Queued
        } else {
            Offer::Written
        }
    }
    fn gone(&self) -> bool {
        false
    }
}

impl Recorder {
    /// Waits until `n` frames were offered; returns them.
    async fn frames(&self, n: usize) -> Vec<StatusFrame> {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let notified = self.more.notified();
                {
                    let got = self.got.lock().unwrap();
                    if got.len() >= n {
                        return got.clone();
                    }
                }
                notified.await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{n} frames offered within 5 s: {:?}", self.got.lock()))
    }
}

fn company() -> Company {
    crate::demo::config().companies.remove(0)
}

#[tokio::test]
async fn only_changes_are_offered() {
    let status = CompanyStatus::new(&company());
    let rec = Arc::new(Recorder::default());
    let first = status.subscribe(0, rec.clone());
    assert_eq!(first.status, ButtonStatus::Offline);
    let support = vec!["support".to_string()];
    let other = vec!["sales".to_string()];
    status.update([(other.as_slice(), 0, 2)].into_iter());
    assert_eq!(
        status.get(0),
        ButtonStatus::Offline,
        "other group does not count"
    );
    status.update([(support.as_slice(), 0, 2)].into_iter());
    status.update([(support.as_slice(), 1, 2)].into_iter()); // still online
    assert_eq!(rec.frames(1).await[0].status, ButtonStatus::Online);
    status.update([(support.as_slice(), 2, 2)].into_iter());
    let got = rec.frames(2).await;
    assert_eq!(got[1].status, ButtonStatus::Busy);
    assert!(got[1].version > got[0].version && got[0].version > first.version);
    assert_eq!(status.get(0), ButtonStatus::Busy);
    assert_eq!(
        rec.got.lock().unwrap().len(),
        2,
        "no offer without a change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shard_offers_one_shared_frame_even_next_to_stalled_sockets() {
    let status = CompanyStatus::new(&company());
    // Every other socket has backpressure: the rest get the frame all the same.
    let recs: Vec<Arc<Recorder>> = (0..shards() * 4)
        .map(|i| {
            Arc::new(Recorder {
                stalled: i % 2 == 0,
                ..Recorder::default()
            })
        })
        .collect();
    for r in &recs {
        status.subscribe(0, r.clone());
    }
    let support = vec!["support".to_string()];
    let before = now_ms();
    status.update([(support.as_slice(), 0, 2)].into_iter());
    let mut frames = Vec::new();
    for r in &recs {
        frames.push(r.frames(1).await.remove(0));
    }
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
