//! The visitor's language wishes of `init`: the `language` argument, the
//! page's `<html lang>`, the browser's languages. The server chooses among
//! the preset's languages with them (`owidget_protocol::lang::choose`, the
//! rule of the README): the core sends them in order with its
//! configuration request and gets the chosen language's texts only.
//!
//! Pure functions, so they are unit-tested natively; `api.rs` reads the
//! page and the navigator and passes plain strings in.

/// The visitor's language wishes, most important first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Wishes {
    /// `init`'s `language` argument.
    pub argument: Option<String>,
    /// `document.documentElement.lang`.
    pub html_lang: Option<String>,
    /// `navigator.languages`, in the browser's order.
    pub browser: Vec<String>,
}

impl Wishes {
    /// All wishes in order of precedence, trimmed, empty ones skipped.
    pub(crate) fn ordered(&self) -> Vec<&str> {
        // A Vec, not `chain` + `filter` (their `next` is ~0.4 KB of wasm).
        fn add<'a>(wishes: &mut Vec<&'a str>, s: &'a str) {
            let s = s.trim();
            if !s.is_empty() {
                wishes.push(s);
            }
        }
        let mut wishes = Vec::new();
        if let Some(s) = &self.argument {
            add(&mut wishes, s);
        }
        if let Some(s) = &self.html_lang {
            add(&mut wishes, s);
        }
        for s in &self.browser {
            add(&mut wishes, s);
        }
        wishes
    }

    pub(crate) fn first(&self) -> Option<&str> {
        self.ordered().first().copied()
    }

    /// The wishes for the configuration request's `lang=`: in order,
    /// percent-encoded, separated by commas.
    pub(crate) fn query(&self) -> String {
        let mut out = String::new();
        for w in self.ordered() {
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(&owidget_web::url_encode(w));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use owidget_protocol::lang::choose;

    use super::*;

    fn wishes(argument: Option<&str>, html: Option<&str>, browser: &[&str]) -> Wishes {
        Wishes {
            argument: argument.map(Into::into),
            html_lang: html.map(Into::into),
            browser: browser.iter().map(|s| s.to_string()).collect(),
        }
    }

    const PRESET: &[&str] = &["cs", "en"];

    #[test]
    fn argument_wins_when_the_preset_has_it() {
        let w = wishes(Some("cs"), Some("en"), &["en"]);
        assert_eq!(choose(&w.ordered(), PRESET, "en"), "cs");
    }

    #[test]
    fn html_lang_is_next() {
        let w = wishes(None, Some("cs"), &["en"]);
        assert_eq!(choose(&w.ordered(), PRESET, "en"), "cs");
    }

    #[test]
    fn empty_wishes_are_skipped() {
        let w = wishes(Some("de"), Some(" "), &["fr", "cs-CZ"]);
        assert_eq!(w.ordered(), ["de", "fr", "cs-CZ"]);
        assert_eq!(w.query(), "de,fr,cs-CZ");
        assert_eq!(wishes(Some("a b"), None, &["en"]).query(), "a%20b,en");
        assert_eq!(wishes(None, None, &[]).query(), "");
    }

    #[test]
    fn first_wish_before_the_preset_is_known() {
        assert_eq!(wishes(None, Some(" "), &["de"]).first(), Some("de"));
        assert_eq!(wishes(None, None, &[]).first(), None);
    }
}
