//! The language rule of `init`: the `language` argument, else the page's
//! `<html lang>`, else the browser's languages, each narrowed to the
//! languages the preset has, else the preset's default.
//!
//! Pure functions, so the rule is unit-tested natively; `widget.rs` reads the
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
    /// All wishes in order of precedence, empty ones skipped.
    fn ordered(&self) -> Vec<&str> {
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

    /// The language to use once the preset is known: the first wish the
    /// preset has (exactly, else by primary subtag: `cs-CZ` → `cs`, `en` →
    /// `en-GB`), else `default`. Returns the preset's spelling.
    pub(crate) fn choose<'a>(&self, available: &[&'a str], default: &'a str) -> &'a str {
        for wish in self.ordered() {
            if let Some(found) = match_language(wish, available) {
                return found;
            }
        }
        default
    }
}

/// The entry of `available` that matches `wish`, if any.
fn match_language<'a>(wish: &str, available: &[&'a str]) -> Option<&'a str> {
    let wish = normalize(wish);
    if let Some(exact) = available.iter().find(|a| normalize(a) == wish) {
        return Some(exact);
    }
    let primary = primary_of(&wish);
    available
        .iter()
        .find(|a| primary == primary_of(&normalize(a)))
        .copied()
}

/// Lower case, `_` → `-` (byte by byte: `str::replace` brings a
/// substring searcher into the wasm).
fn normalize(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for b in tag.trim().bytes() {
        out.push(if b == b'_' {
            '-'
        } else {
            b.to_ascii_lowercase() as char
        });
    }
    out
}

fn primary_of(tag: &str) -> &str {
    tag.bytes()
        .position(|b| b == b'-')
        .and_then(|i| tag.get(..i))
        .unwrap_or(tag)
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            wishes(Some("cs"), Some("en"), &["en"]).choose(PRESET, "en"),
            "cs"
        );
    }

    #[test]
    fn html_lang_is_next() {
        assert_eq!(wishes(None, Some("cs"), &["en"]).choose(PRESET, "en"), "cs");
    }

    #[test]
    fn browser_languages_in_order() {
        assert_eq!(
            wishes(None, None, &["de", "cs-CZ", "en"]).choose(PRESET, "en"),
            "cs"
        );
    }

    #[test]
    fn unknown_wishes_fall_through_to_the_next_and_then_the_default() {
        assert_eq!(
            wishes(Some("de"), Some(""), &["fr"]).choose(PRESET, "en"),
            "en"
        );
        assert_eq!(
            wishes(Some("de"), Some("cs"), &[]).choose(PRESET, "en"),
            "cs"
        );
        assert_eq!(wishes(None, None, &[]).choose(PRESET, "en"), "en");
    }

    #[test]
    fn regions_and_case_are_matched_loosely() {
        assert_eq!(wishes(Some("CS_cz"), None, &[]).choose(PRESET, "en"), "cs");
        assert_eq!(
            wishes(Some("en"), None, &[]).choose(&["en-GB", "cs"], "cs"),
            "en-GB"
        );
        assert_eq!(
            wishes(Some("en-us"), None, &[]).choose(&["en-GB", "en-US"], "en-GB"),
            "en-US"
        );
    }

    #[test]
    fn first_wish_before_the_preset_is_known() {
        assert_eq!(wishes(None, Some(" "), &["de"]).first(), Some("de"));
        assert_eq!(wishes(None, None, &[]).first(), None);
    }
}
