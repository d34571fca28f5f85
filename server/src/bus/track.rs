//! What a receiver keeps to judge bus events: the last `seq` per
//! conversation ([`SeqTracker`]) and the last version per latest-value key
//! ([`VersionTracker`]). The broker may lose, and (after a resync re-read)
//! repeat, events; these say which is which.

use std::collections::HashMap;
use std::hash::Hash;

/// How an incoming `seq` relates to the last one seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCheck {
    /// Exactly `last + 1`: deliver it.
    Next,
    /// Beyond `last + 1`: `first..=last_missing` were lost on the way; read
    /// them (and this one) from the database. The tracker now stands at the
    /// incoming `seq`.
    Gap {
        /// First missing `seq`.
        first: u64,
        /// Last missing `seq` (the incoming one minus 1).
        last_missing: u64,
    },
    /// At or below the last one: already delivered, drop it.
    Duplicate,
}

/// Last `seq` per conversation. A conversation never seen stands at 0
/// (sessions number their messages from 1); [`SeqTracker::seed`] sets it
/// to the head read from the database.
#[derive(Debug, Default, Clone)]
pub struct SeqTracker {
    last: HashMap<String, u64>,
}

impl SeqTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Judges `seq` for `conversation` and, unless it is a duplicate,
    /// advances to it.
    pub fn check(&mut self, conversation: &str, seq: u64) -> SeqCheck {
        let last = self.last(conversation);
        if seq <= last {
            return SeqCheck::Duplicate;
        }
        self.last.insert(conversation.to_string(), seq);
        if seq == last + 1 {
            SeqCheck::Next
        } else {
            SeqCheck::Gap {
                first: last + 1,
                last_missing: seq - 1,
            }
        }
    }

    /// The last `seq` seen (0: none).
    pub fn last(&self, conversation: &str) -> u64 {
        self.last.get(conversation).copied().unwrap_or(0)
    }

    /// Raises the conversation to `seq` (a head read from the database);
    /// never lowers it.
    pub fn seed(&mut self, conversation: &str, seq: u64) {
        let e = self.last.entry(conversation.to_string()).or_insert(0);
        *e = (*e).max(seq);
    }

    /// Forgets a conversation (ended, or no socket here any more).
    pub fn forget(&mut self, conversation: &str) {
        self.last.remove(conversation);
    }

    /// Conversations tracked.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// True when nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

/// Latest value per key: keeps the highest version seen and says whether
/// an incoming one is newer (apply it) or stale (drop it).
#[derive(Debug, Clone)]
pub struct VersionTracker<K, V> {
    latest: HashMap<K, V>,
}

impl<K, V> Default for VersionTracker<K, V> {
    fn default() -> Self {
        VersionTracker {
            latest: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash, V: Ord + Copy> VersionTracker<K, V> {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// True (and remembered) when `version` is above the last one of `key`
    /// or the first one; false when it is at or below (stale or repeated).
    pub fn accept(&mut self, key: K, version: V) -> bool {
        match self.latest.get_mut(&key) {
            Some(v) if *v >= version => false,
            Some(v) => {
                *v = version;
                true
            }
            None => {
                self.latest.insert(key, version);
                true
            }
        }
    }

    /// The highest version seen for `key`.
    pub fn latest(&self, key: &K) -> Option<V> {
        self.latest.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Version;

    #[test]
    fn seq_in_order_then_gap_then_duplicates() {
        let mut t = SeqTracker::new();
        assert_eq!(t.check("a", 1), SeqCheck::Next);
        assert_eq!(t.check("a", 2), SeqCheck::Next);
        assert_eq!(
            t.check("a", 5),
            SeqCheck::Gap {
                first: 3,
                last_missing: 4
            }
        );
        assert_eq!(t.last("a"), 5);
        assert_eq!(t.check("a", 6), SeqCheck::Next);
        // Re-read after a resync repeats what was delivered.
        assert_eq!(t.check("a", 6), SeqCheck::Duplicate);
        assert_eq!(t.check("a", 3), SeqCheck::Duplicate);
        assert_eq!(t.last("a"), 6);
    }

    #[test]
    fn seq_conversations_are_independent_and_start_at_zero() {
        let mut t = SeqTracker::new();
        assert_eq!(t.check("a", 1), SeqCheck::Next);
        assert_eq!(
            t.check("b", 3),
            SeqCheck::Gap {
                first: 1,
                last_missing: 2
            }
        );
        assert_eq!(t.check("a", 2), SeqCheck::Next);
        assert_eq!(t.len(), 2);
        t.forget("a");
        assert_eq!(t.last("a"), 0);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn seed_raises_never_lowers() {
        let mut t = SeqTracker::new();
        t.seed("a", 10);
        assert_eq!(t.check("a", 10), SeqCheck::Duplicate);
        assert_eq!(t.check("a", 11), SeqCheck::Next);
        t.seed("a", 4);
        assert_eq!(t.last("a"), 11);
        assert!(!t.is_empty());
    }

    #[test]
    fn versions_drop_stale_and_repeated() {
        let mut t = VersionTracker::new();
        let v = |epoch, counter| Version { epoch, counter };
        assert!(t.accept("co", v(1, 5)));
        assert!(!t.accept("co", v(1, 5)), "repeated");
        assert!(!t.accept("co", v(1, 4)), "stale");
        assert!(t.accept("co", v(1, 6)));
        // A restarted owner: new epoch, counter from 0, still newer.
        assert!(t.accept("co", v(2, 0)));
        assert!(!t.accept("co", v(1, 99)), "old epoch");
        assert!(t.accept("other", v(0, 0)), "first value of a key");
        assert_eq!(t.latest(&"co"), Some(v(2, 0)));
        assert_eq!(t.latest(&"none"), None);
    }
}
