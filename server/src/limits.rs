//! Rate and size limits for chat messages.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The window of `messages_per_10s`.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);

/// Sliding-window counter: at most `max` events per [`RATE_WINDOW`].
#[derive(Debug, Default)]
pub struct RateWindow {
    times: VecDeque<Instant>,
}

impl RateWindow {
    /// Records an event at `now` if fewer than `max` happened in the last
    /// window; false (nothing recorded) otherwise.
    pub fn admit(&mut self, now: Instant, max: u32) -> bool {
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW)
        {
            self.times.pop_front();
        }
        if self.times.len() >= max as usize {
            return false;
        }
        self.times.push_back(now);
        true
    }
}

/// Checks a chat message text: not blank, at most `max_chars` characters.
pub fn check_text(text: &str, max_chars: usize) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    Ok(())
}

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Blank.
    Empty,
    /// Over the limit (the limit).
    TooLong(usize),
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextError::Empty => write!(f, "the message is empty"),
            TextError::TooLong(n) => write!(f, "the message is longer than {n} characters"),
        }
    }
}

/// Plausible e-mail address: `local@domain.tld`, no spaces, at most 254
/// characters. Deliverability is the mailer's business.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides() {
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        assert!(w.admit(t0, 2));
        assert!(w.admit(t0, 2));
        assert!(!w.admit(t0 + Duration::from_secs(9), 2));
        assert!(w.admit(t0 + RATE_WINDOW, 2));
    }

    #[test]
    fn texts_and_emails() {
        assert_eq!(check_text("  ", 5), Err(TextError::Empty));
        assert_eq!(check_text("žluťo", 5), Ok(()));
        assert_eq!(check_text("123456", 5), Err(TextError::TooLong(5)));
        assert!(is_email("a@b.cz"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.cz"));
        assert!(!is_email("@c.cz"));
        assert!(!is_email("a@@c.cz"));
    }
}
