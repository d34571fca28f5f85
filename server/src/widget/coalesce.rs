//! Coalescing of the visitor's `typing` and `read` frames: at most one of
//! each per [`EVERY`] reaches the desk, and the latest value is never lost
//! (it is sent when the window ends). A widget that sends a frame per
//! keystroke thus costs the desk one event a second, not dozens.

use std::time::Duration;

use tokio::time::Instant;

/// One event per this window per session and kind.
pub const EVERY: Duration = Duration::from_secs(1);

/// The last value sent and the newest one waiting for the window to end.
#[derive(Debug, Default)]
pub struct Coalesce<T> {
    last: Option<(Instant, T)>,
    pending: Option<T>,
}

impl<T: PartialEq + Copy> Coalesce<T> {
    /// `Some(v)` to send now; otherwise `v` waits for [`Coalesce::due`]
    /// (or is dropped when it equals what was sent last).
    pub fn offer(&mut self, v: T, now: Instant) -> Option<T> {
        match self.last {
            Some((at, last)) if now.saturating_duration_since(at) < EVERY => {
                self.pending = (last != v).then_some(v);
                None
            }
            _ => {
                self.last = Some((now, v));
                self.pending = None;
                Some(v)
            }
        }
    }

    /// When the waiting value is due, if one waits.
    pub fn due(&self) -> Option<Instant> {
        self.pending?;
        self.last.map(|(at, _)| at + EVERY)
    }

    /// The waiting value, now sent.
    pub fn flush(&mut self, now: Instant) -> Option<T> {
        let v = self.pending.take()?;
        self.last = Some((now, v));
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_goes_at_once_latest_at_the_window_end() {
        let t0 = Instant::now();
        let mut c = Coalesce::default();
        assert_eq!(c.offer(true, t0), Some(true));
        assert_eq!(c.offer(false, t0), None);
        assert_eq!(c.offer(true, t0), None);
        assert_eq!(c.due(), None, "back to what was sent: nothing waits");
        assert_eq!(c.offer(false, t0), None);
        assert_eq!(c.due(), Some(t0 + EVERY));
        assert_eq!(c.flush(t0 + EVERY), Some(false));
        assert_eq!(c.offer(true, t0 + EVERY * 3), Some(true));
    }
}
