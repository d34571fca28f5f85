//! Whole-number validation, as libphonenumber does it.
//!
//! `phonenumber` 0.3.10 checks a descriptor's `nationalNumberPattern` with a search that only
//! has to start at the first digit (`Descriptor::is_match`), while libphonenumber requires the
//! pattern to match the whole national number. So a number whose length is possible but whose
//! tail the pattern does not allow passes the crate: `+39 023661830000`, refused by
//! libphonenumber's testIsNotValidNumber, is "valid" to the crate. This module re-checks with
//! anchored patterns against the same metadata.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use phonenumber::metadata::{Descriptor, DATABASE};
use phonenumber::{Metadata, PhoneNumber};
use regex::Regex;

/// Whether `pattern`, anchored at both ends, matches all of `text`.
///
/// Anchored copies of the metadata patterns are compiled on first use (a handful per region).
/// They are keyed by the address of the pattern text, which lives as long as the program in
/// the crate's static `DATABASE`: hashing the text itself (kilobytes for some regions) would
/// cost more than the match. The match runs under the lock because a cloned `Regex` would not
/// share its search cache.
fn full_match(pattern: &str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<(usize, usize), Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry((pattern.as_ptr() as usize, pattern.len()))
        .or_insert_with(|| {
            // The metadata patterns are written with insignificant whitespace, like the crate's.
            regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
                .ignore_whitespace(true)
                .build()
                // A pattern that the crate itself compiled always compiles wrapped; should one
                // not, it matches nothing, so the number is refused rather than accepted.
                .unwrap_or_else(|_| Regex::new("[^\\s\\S]").expect("literal regex"))
        })
        .is_match(text)
}

/// Length and whole-pattern check of one descriptor.
fn matches(desc: &Descriptor, national: &str) -> bool {
    let lengths = desc.possible_length();
    if !lengths.is_empty() && !lengths.contains(&(national.len() as u16)) {
        return false;
    }
    full_match(desc.national_number().as_str(), national)
}

/// Like libphonenumber's `getNumberTypeHelper(...) != UNKNOWN` for one region.
fn valid_in(meta: &Metadata, national: &str) -> bool {
    let d = meta.descriptors();
    if !matches(d.general(), national) {
        return false;
    }
    [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
    .into_iter()
    .flatten()
    .any(|desc| matches(desc, national))
}

/// True when some region of the number's calling code has a type whose pattern matches all of it.
pub(crate) fn is_valid(number: &PhoneNumber) -> bool {
    let national = number.national().to_string();
    DATABASE
        .by_code(&number.code().value())
        .is_some_and(|regions| regions.iter().any(|meta| valid_in(meta, &national)))
}
