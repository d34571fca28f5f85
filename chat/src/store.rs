//! The open conversation kept in the page's `localStorage`, so a reload or
//! another page of the same site resumes it, under the same company,
//! preset and `init` scope only (the key is the core's: `storeKey` of its
//! state). The core reads it on page load (a stored conversation makes it
//! fetch this module at once and hand the record over as `stored`); this
//! module writes it as the conversation goes, and clears it when it ends.
//!
//! Stored: session id, resume token, last seen `seq` and whether the window
//! was open. After a reload the widget resumes from `seq` 0 anyway (the
//! messages themselves are not stored in the page), so the whole
//! conversation is drawn again; `lastSeq` tells how far the page had got.

use owidget_web::{Json, Obj};

/// One stored conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Session id.
    pub session_id: String,
    /// Resume token.
    pub token: String,
    /// Highest `seq` the page had seen.
    pub last_seq: u64,
    /// The chat window was open.
    pub open: bool,
}

impl Record {
    /// JSON text of the record.
    pub(crate) fn encode(&self) -> String {
        let mut o = Obj::new("");
        o.str("sessionId", &self.session_id)
            .str("token", &self.token)
            .num("lastSeq", self.last_seq)
            .bool("open", self.open);
        o.end()
    }

    /// Reads a record parsed from JSON; `None` when malformed.
    pub(crate) fn decode<J: Json>(v: &J) -> Option<Record> {
        Some(Record {
            session_id: v.get("sessionId")?.string()?,
            token: v.get("token")?.string()?,
            last_seq: v.get("lastSeq").and_then(|n| n.number()).unwrap_or(0.0) as u64,
            open: v.get("open").and_then(|b| b.boolean()).unwrap_or(false),
        })
    }
}

/// Stores `record` under `key` (quietly does nothing when storage is off).
pub(crate) fn save(key: &str, record: &Record) {
    if let Some(s) = crate::visitor::storage() {
        let _ = s.set_item(key, &record.encode());
    }
}

/// Forgets the record under `key`.
pub(crate) fn clear(key: &str) {
    if let Some(s) = crate::visitor::storage() {
        let _ = s.remove_item(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let r = Record {
            session_id: "s\"1".into(),
            token: "t".into(),
            last_seq: 42,
            open: true,
        };
        let v: serde_json::Value = serde_json::from_str(&r.encode()).unwrap();
        assert_eq!(Record::decode(&v), Some(r));
        assert_eq!(Record::decode(&serde_json::json!({"token": "t"})), None);
    }
}
