//! The language rule of `init`: the `language` argument, else the page's
//! `<html lang>`, else the browser's languages, each narrowed to the
//! languages the preset has, else the preset's default.
//!
//! The SDK core sends its wishes in order (`lang=` of `GET
//! /api/widget/config?…&part=frame`) and the server chooses with
//! [`choose`], so that the first paint carries neither the matching nor
//! the texts of other languages (issue 11). Pure functions, unit-tested
//! natively.

/// The language to use: the first of `wishes` (most important first,
/// trimmed, none empty) the preset has (exactly, else by primary subtag:
/// `cs-CZ` → `cs`, `en` → `en-GB`), else `default`. Returns the preset's
/// spelling.
pub fn choose<'a>(wishes: &[&str], available: &[&'a str], default: &'a str) -> &'a str {
    for wish in wishes {
        if let Some(found) = match_language(wish, available) {
            return found;
        }
    }
    default
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

/// Lower case, `_` → `-`.
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

    const PRESET: &[&str] = &["cs", "en"];

    #[test]
    fn the_first_wish_the_preset_has() {
        assert_eq!(choose(&["cs", "en"], PRESET, "en"), "cs");
        assert_eq!(choose(&["de", "cs-CZ", "en"], PRESET, "en"), "cs");
    }

    #[test]
    fn unknown_wishes_fall_through_to_the_next_and_then_the_default() {
        assert_eq!(choose(&["de", "fr"], PRESET, "en"), "en");
        assert_eq!(choose(&["de", "cs"], PRESET, "en"), "cs");
        assert_eq!(choose(&[], PRESET, "en"), "en");
    }

    #[test]
    fn regions_and_case_are_matched_loosely() {
        assert_eq!(choose(&["CS_cz"], PRESET, "en"), "cs");
        assert_eq!(choose(&["en"], &["en-GB", "cs"], "cs"), "en-GB");
        assert_eq!(choose(&["en-us"], &["en-GB", "en-US"], "en-GB"), "en-US");
    }
}
