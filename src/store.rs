//! The open conversation kept in the page's `localStorage` (see
//! `chat/src/store.rs`, which writes it): the core only reads it on page
//! load, so that a stored conversation opens the window as it was, shows
//! on the button and makes the core fetch the chat module at once; the
//! record's text is handed to the chat window, which resumes it.

use owidget_web::{cat, Json};

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

/// The record stored under `key` (its JSON text) and whether the window
/// was open; `None` when there is none or it is malformed (storage off in
/// some privacy modes: then nothing is restored, chat works).
pub(crate) fn load(key: &str) -> Option<(String, bool)> {
    let text = owidget_web::dom::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()??;
    let v = owidget_web::parse_text(&text)?;
    v.get("sessionId")?.string()?;
    v.get("token")?.string()?;
    let open = v.get("open").and_then(|b| b.boolean()).unwrap_or(false);
    Some((text, open))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_scope() {
        let g = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";
        assert_ne!(key(g, "default", None), key(g, "default", Some("shop")));
        assert_ne!(key(g, "a", Some("b")), key(g, "a\u{1f}b", None));
        assert_eq!(key(g, "default", Some("x")), key(g, "default", Some("x")));
    }
}
