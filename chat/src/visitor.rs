//! The visitor id of the App Plugins (`idVisitorUnique` for connectors):
//! issued by the server with `sessionCreated`, kept in the page's
//! `localStorage` per company and sent back with every later `startChat`,
//! so that the company's connector sees the same visitor across chats,
//! presets and pages of the site. Storage that is off (some privacy modes)
//! only means a new id per chat.

use owidget_web::cat;

/// Whether `id` has the server's form: 32 random bytes as 64 lowercase
/// hex digits. Anything else is neither stored nor sent.
pub(crate) fn is_visitor_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Storage key of a company's visitor id (`\u{1f}` as in the core's
/// session keys: it cannot occur in a GUID).
pub(crate) fn key(company: &str) -> String {
    cat(&["owidget\u{1f}visitor\u{1f}", company])
}

/// The page's `localStorage` (`None` when off: some privacy modes).
pub(crate) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The stored visitor id of `company`, if a well-formed one is there.
pub(crate) fn load(company: &str) -> Option<String> {
    if company.is_empty() {
        return None;
    }
    let id = storage()?.get_item(&key(company)).ok()??;
    is_visitor_id(&id).then_some(id)
}

/// Keeps the id the server issued (quietly nothing when storage is off or
/// the id is malformed).
pub(crate) fn save(company: &str, id: &str) {
    if company.is_empty() || !is_visitor_id(id) {
        return;
    }
    if let Some(s) = storage() {
        let _ = s.set_item(&key(company), id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_form() {
        let good = "0123456789abcdef".repeat(4);
        assert!(is_visitor_id(&good));
        assert!(!is_visitor_id(&good.to_uppercase()));
        assert!(!is_visitor_id(&good[1..]));
        assert!(!is_visitor_id(&cat(&[&good, "0"])));
        assert!(!is_visitor_id(&"g".repeat(64)));
        assert!(!is_visitor_id(""));
    }

    #[test]
    fn keys_per_company() {
        assert_ne!(key("a"), key("b"));
        assert!(key("5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51").starts_with("owidget\u{1f}"));
    }
}
