//! What the `phonenumber` crate does not do the way libphonenumber-js does: extensions typed
//! after a number, and the separators of the INTERNATIONAL format.
//!
//! - Extensions: the crate recognizes some (`EXTN_PATTERN`, private to it), but it would also
//!   let letters through our character check everywhere else. So the extension is split off
//!   here, by the labels libphonenumber's `extractPossibleNumber`/extension patterns accept
//!   (`ext`, `ext.`, `extn`, `extension`, `;ext=`, `x`, `#`, `~`, `доб`, `anexo`, a trailing
//!   `12#`), and the number before it goes through the usual checks; the answer is libphonenumber's
//!   `+420 777 666 555 ext. 12`.
//! - Separators: the crate keeps the punctuation of the region's `<intlFormat>`
//!   (`+1 201-555-0123`, `+7 800 555-35-35`), as Google's Java and C++ libphonenumber do.
//!   libphonenumber-js, which sites meet in the browser, writes every run of punctuation as one
//!   space (`applyInternationalSeparatorStyle`: `+1 201 555 0123`); we follow it.

use std::sync::OnceLock;

use regex::Regex;

/// Most digits an explicitly labelled extension (`ext. 12`) may have, as in libphonenumber.
const EXT_DIGITS_LABELLED: usize = 20;
/// Most digits after an ambiguous label (`x`, `#`, `~`).
const EXT_DIGITS_AMBIGUOUS: usize = 9;
/// Most digits of an extension written `12#`.
const EXT_DIGITS_TRAILING_HASH: usize = 6;

/// `text` without a trailing extension, and that extension's digits.
///
/// An extension label with no number before it, or with too many digits, is left in place:
/// the character check then refuses the text.
pub(crate) fn split_extension(text: &str) -> (&str, Option<&str>) {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)(?:[\s,;]*(?:;?ext=|e?xtn?\.?|extension|extensi[oó]n|доб\.?|anexo)[\s:.]*([0-9]{{1,{EXT_DIGITS_LABELLED}}})|[\s,;]*[x#~][\s:.]*([0-9]{{1,{EXT_DIGITS_AMBIGUOUS}}})|[\s,;-]+([0-9]{{1,{EXT_DIGITS_TRAILING_HASH}}})#)\s*#?\s*$"
        ))
        .expect("extension regex")
    });
    let Some(c) = pattern.captures(text) else {
        return (text, None);
    };
    let whole = c.get(0).expect("group 0");
    let digits = (1..=3).find_map(|i| c.get(i)).expect("one digit group");
    let number = &text[..whole.start()];
    if !number.chars().any(|c| c.is_ascii_digit()) {
        return (text, None);
    }
    (number, Some(digits.as_str()))
}

/// libphonenumber-js's INTERNATIONAL separator style: every run of punctuation (dashes, dots,
/// brackets, slashes, blanks) becomes one space.
pub(crate) fn spaced(formatted: &str) -> String {
    let mut out = String::with_capacity(formatted.len());
    let mut gap = false;
    for c in formatted.chars() {
        let punct = c.is_whitespace()
            || matches!(c, '-' | '.' | '/' | '(' | ')' | '[' | ']' | '~')
            || matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}');
        if punct {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_as_typed() {
        for text in [
            "+420 777 666 555 ext. 12",
            "+420 777 666 555 ext 12",
            "+420 777 666 555 Ext.12",
            "+420 777 666 555 extension 12",
            "+420 777 666 555 EXTN 12",
            "+420 777 666 555;ext=12",
            "+420 777 666 555, ext. 12",
            "+420 777 666 555 x12",
            "+420 777666555x 12",
            "+420 777 666 555 #12",
            "+420 777 666 555 12#",
            "+420 777 666 555 доб. 12",
        ] {
            let (number, ext) = split_extension(text);
            assert_eq!(ext, Some("12"), "{text}");
            assert_eq!(
                number.trim_end(),
                number,
                "{text}: blanks before the label go too"
            );
            assert!(number.ends_with("555"), "{text}: {number:?}");
        }
        assert_eq!(split_extension("777 666 555"), ("777 666 555", None));
        assert_eq!(split_extension("ext. 12"), ("ext. 12", None));
        let long = format!("777 666 555 x{}", "1".repeat(10));
        assert_eq!(split_extension(&long).1, None, "too long for x");
    }

    #[test]
    fn separators_become_spaces() {
        assert_eq!(spaced("+1 201-555-0123"), "+1 201 555 0123");
        assert_eq!(spaced("+7 800 555-35-35"), "+7 800 555 35 35");
        assert_eq!(spaced("+81 3-1234-5678"), "+81 3 1234 5678");
        assert_eq!(spaced("+420 777 666 555"), "+420 777 666 555");
    }
}
