//! The open conversation kept in the page's `localStorage`, so a reload or
//! another page of the same site resumes it, under the same company,
//! preset and `init` scope only. The core keeps it (not the chat module):
//! a stored conversation is what makes the core fetch the chat module at
//! once after a reload.
//!
//! Stored: session id, resume token, last seen `seq` and whether the window
//! was open. After a reload the widget resumes from `seq` 0 anyway (the
//! messages themselves are not stored in the page), so the whole
//! conversation is drawn again; `lastSeq` tells how far the page had got.

use owidget_web::{cat, Json, Obj};

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

/// Storage key of a company, preset and scope. The parts are separated by
/// a character that cannot occur in a GUID or be confused in the others
/// (the scope is last, so any text in it stays unambiguous).
pub(crate) fn key(company: &str, preset: &str, scope: Option<&str>) -> String {
    cat(&[
        "owidget\u{1f}",
        company,
        "\u{1f}",
        preset,
        "\u{1f}",
        scope.unwrap_or(""),
    ])
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

fn storage() -> Option<web_sys::Storage> {
    // Throws in some privacy modes: then nothing is restored, chat works.
    owidget_web::dom::window()?.local_storage().ok()?
}

/// The record under `key`, if any.
pub(crate) fn load(key: &str) -> Option<Record> {
    let text = storage()?.get_item(key).ok()??;
    Record::decode(&owidget_web::parse_text(&text)?)
}

/// Stores `record` under `key` (quietly does nothing when storage is off).
pub(crate) fn save(key: &str, record: &Record) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, &record.encode());
    }
}

/// Forgets the record under `key`.
pub(crate) fn clear(key: &str) {
    if let Some(s) = storage() {
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

    #[test]
    fn keys_differ_by_scope() {
        let g = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";
        assert_ne!(key(g, "default", None), key(g, "default", Some("shop")));
        assert_ne!(key(g, "a", Some("b")), key(g, "a\u{1f}b", None));
        assert_eq!(key(g, "default", Some("x")), key(g, "default", Some("x")));
    }
}
