//! Small metadata databases, one per set of calling codes a number needs.
//!
//! `phonenumber` 0.3.10 compiles its metadata patterns on use into one least-recently-used cache
//! of 100 regexes per [`Database`] (`Database::from`, not configurable). One number of one
//! region touches a few dozen patterns; numbers of 12 countries alternating touch several
//! hundred, so with the crate's default database every number recompiled its patterns:
//! 9.2 ms a number on average (3–24 ms) in a release build (`examples/timing.rs`, third round),
//! 10 µs with these databases. So each number is parsed, validated and formatted with a database holding only the
//! regions of the calling codes it needs (its own, the default country's, and
//! [`super::NO_NATIONAL_PREFIX`]'s), built once from the crate's own metadata (its public
//! loader types, no copy of data of ours) through `parse_with` / `is_valid_with` / `format_with`,
//! each with its own cache.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use phonenumber::metadata::{loader, Database, Descriptor, Format, DATABASE};
use phonenumber::Metadata;

/// Most databases kept, the oldest dropped first. A database holds its compiled patterns,
/// some 1.7 MB once numbers of its regions have been read: normalizing the 1,879 numbers of the
/// stored corpus (48 regions) grows the RSS by 45 MB with no database kept, 84 MB with 24, 135 MB
/// with all 49 (57 MB with the crate's single database). So numbers of up to 24 calling codes
/// at once are read at full speed, for at most ~40 MB.
const MAX_KEPT: usize = 24;

/// Databases by their sorted calling codes, and the order they were built in.
type Kept = (HashMap<Vec<u16>, Arc<Database>>, VecDeque<Vec<u16>>);

/// The database for the regions of `codes` (country calling codes; unknown ones add nothing).
pub(crate) fn for_codes(codes: &[u16]) -> Arc<Database> {
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    let mut key = codes.to_vec();
    key.sort_unstable();
    key.dedup();
    let kept = KEPT.get_or_init(Default::default);
    if let Some(db) = kept.lock().unwrap_or_else(|e| e.into_inner()).0.get(&key) {
        return db.clone();
    }
    // Built outside the lock; two callers may build the same one, the second is kept.
    let db = Arc::new(build(&key));
    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
    let (by_key, order) = &mut *kept;
    if by_key.insert(key.clone(), db.clone()).is_none() {
        order.push_back(key);
    }
    while order.len() > MAX_KEPT {
        if let Some(oldest) = order.pop_front() {
            by_key.remove(&oldest);
        }
    }
    db
}

/// The calling code `+<digits>` starts with, found as the crate finds it (the first of its
/// 1-, 2- and 3-digit prefixes that is a calling code).
pub(crate) fn calling_code(number: &str) -> Option<u16> {
    let digits = number.strip_prefix('+')?;
    (1..=3.min(digits.len()))
        .filter_map(|n| digits[..n].parse::<u16>().ok())
        .find(|code| DATABASE.by_code(code).is_some())
}

fn build(codes: &[u16]) -> Database {
    let metas: Vec<loader::Metadata> = codes
        .iter()
        .filter_map(|code| DATABASE.by_code(code))
        .flatten()
        .map(loaded)
        .collect();
    // The crate's own metadata always loads again; should it not, the default database
    // answers the same, only slower.
    Database::from(metas).unwrap_or_else(|_| DATABASE.clone())
}

/// The loader form of a region's metadata, which `Database::from` takes.
fn loaded(m: &Metadata) -> loader::Metadata {
    let d = m.descriptors();
    let desc = |d: Option<&Descriptor>| d.map(descriptor);
    loader::Metadata {
        general: Some(descriptor(d.general())),
        fixed_line: desc(d.fixed_line()),
        mobile: desc(d.mobile()),
        toll_free: desc(d.toll_free()),
        premium_rate: desc(d.premium_rate()),
        shared_cost: desc(d.shared_cost()),
        personal_number: desc(d.personal_number()),
        voip: desc(d.voip()),
        pager: desc(d.pager()),
        uan: desc(d.uan()),
        emergency: desc(d.emergency()),
        voicemail: desc(d.voicemail()),
        short_code: desc(d.short_code()),
        standard_rate: desc(d.standard_rate()),
        carrier: desc(d.carrier()),
        no_international: desc(d.no_international()),
        id: Some(m.id().to_owned()),
        country_code: Some(m.country_code()),
        international_prefix: m.international_prefix().map(|r| r.as_str().to_owned()),
        preferred_international_prefix: m.preferred_international_prefix().map(str::to_owned),
        national_prefix: m.national_prefix().map(str::to_owned),
        preferred_extension_prefix: m.preferred_extension_prefix().map(str::to_owned),
        national_prefix_for_parsing: m
            .national_prefix_for_parsing()
            .map(|r| r.as_str().to_owned()),
        national_prefix_transform_rule: m.national_prefix_transform_rule().map(str::to_owned),
        formats: m.formats().iter().map(format).collect(),
        international_formats: m.international_formats().iter().map(format).collect(),
        main_country_for_code: m.is_main_country_for_code(),
        leading_digits: m.leading_digits().map(|r| r.as_str().to_owned()),
        mobile_number_portable: m.is_mobile_number_portable(),
        defaults: Default::default(),
    }
}

fn descriptor(d: &Descriptor) -> loader::Descriptor {
    loader::Descriptor {
        national_number: Some(d.national_number().as_str().to_owned()),
        possible_length: d.possible_length().to_vec(),
        possible_local_length: d.possible_local_length().to_vec(),
        example: d.example().map(str::to_owned),
    }
}

fn format(f: &Format) -> loader::Format {
    loader::Format {
        pattern: Some(f.pattern().as_str().to_owned()),
        format: Some(f.format().to_owned()),
        leading_digits: f
            .leading_digits()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        national_prefix_formatting_rule: f.national_prefix().map(str::to_owned),
        national_prefix_optional_when_formatting: f.is_national_prefix_optional(),
        domestic_carrier: f.domestic_carrier().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_database_holds_the_regions_of_its_codes() {
        let db = for_codes(&[1, 420]);
        assert_eq!(
            db.by_code(&1).map(|r| r.len()),
            DATABASE.by_code(&1).map(|r| r.len())
        );
        assert_eq!(db.by_code(&1).unwrap()[0].id(), "US", "main region first");
        assert!(db.by_id("CZ").is_some());
        assert!(db.by_id("DE").is_none());
        assert!(Arc::ptr_eq(&db, &for_codes(&[420, 1, 1])), "kept");
        assert_eq!(calling_code("+420777666555"), Some(420));
        assert_eq!(calling_code("+12015550123"), Some(1));
        assert_eq!(calling_code("+999"), None);
        assert_eq!(calling_code("+"), None);
    }
}
