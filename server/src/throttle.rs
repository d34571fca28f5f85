//! Sliding-window throttles keyed by client (IP address, account, preset).
//!
//! Like Rack::Attack in Chatwoot: a key may have at most `max` events in the
//! last `window`; over it, the caller answers `429 Too Many Requests` with
//! `Retry-After` set to when the oldest event leaves the window. Checking
//! and recording are separate so that, for logins, only failures count
//! while every attempt is checked.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Keys kept before windows that emptied are swept out.
const SWEEP_AT: usize = 10_000;

/// At most `max` events per `window` for each key.
#[derive(Debug)]
pub struct Throttle<K> {
    max: u32,
    window: Duration,
    keys: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    /// A throttle of `max` events per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Throttle {
            max,
            window,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, VecDeque<Instant>>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn trim(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            times.pop_front();
        }
    }

    /// `Err(retry_after)` when `key` has used its events at `now`.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut keys = self.lock();
        let Some(times) = keys.get_mut(key) else {
            return Ok(());
        };
        Self::trim(times, now, self.window);
        if times.len() >= self.max as usize {
            let oldest = *times.front().expect("max > 0");
            return Err(self
                .window
                .saturating_sub(now.saturating_duration_since(oldest)));
        }
        Ok(())
    }

    /// Records an event of `key` at `now`.
    pub fn record(&self, key: K, now: Instant) {
        let mut keys = self.lock();
        if keys.len() >= SWEEP_AT {
            let window = self.window;
            keys.retain(|_, t| {
                Self::trim(t, now, window);
                !t.is_empty()
            });
        }
        let times = keys.entry(key).or_default();
        Self::trim(times, now, self.window);
        times.push_back(now);
    }

    /// Checks and records in one step (every event counts).
    pub fn hit(&self, key: K, now: Instant) -> Result<(), Duration> {
        self.check(&key, now)?;
        self.record(key, now);
        Ok(())
    }
}

/// Whole seconds for a `Retry-After` header (at least 1).
pub fn retry_secs(d: Duration) -> u64 {
    d.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides_and_says_when() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(t.hit("a", t0).is_ok());
        assert!(t.hit("a", t0 + Duration::from_secs(10)).is_ok());
        assert_eq!(
            t.hit("a", t0 + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        assert!(t.hit("b", t0).is_ok(), "keys are independent");
        assert!(t.hit("a", t0 + Duration::from_secs(60)).is_ok());
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
    }
}
