//! Phone number normalization for owidget.
//!
//! The widget's callback form turns what a visitor typed (`777 666 555`) into the number as it
//! will be dialled (`+420 777 666 555`), using the preset's default country and the
//! libphonenumber metadata carried by the [`phonenumber`] crate. The server re-validates the
//! submitted number with this same crate natively, so both sides agree on what is valid.
//!
//! Why a crate of its own: the metadata and the regex engine needed to apply it are most of the
//! weight of this code (~510 KB gzip as a wasm module). The widget no longer carries it: it asks
//! the server (`GET /api/widget/phone`), which runs this crate natively, as it does for every
//! callback request it re-validates.
//!
//! ```
//! assert_eq!(owidget_phone::normalize("777 666 555", "CZ").unwrap(), "+420 777 666 555");
//! assert!(owidget_phone::normalize("12", "CZ").is_err());
//! ```
#![deny(missing_docs)]

use std::str::FromStr;
use std::sync::Arc;

use phonenumber::country::Id;
use phonenumber::metadata::{Database, DATABASE};
use phonenumber::{Mode, ParseError, PhoneNumber};

mod db;
mod layout;
mod strict;

/// Why a typed number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but blanks was typed.
    #[error("no phone number given")]
    Empty,
    /// The default country is not an ISO 3166-1 alpha-2 region known to the metadata.
    #[error("unknown default country {0:?}")]
    UnknownCountry(String),
    /// The input holds something else than digits, a leading `+` and separators
    /// (spaces, dashes, dots, slashes, brackets). Letters are refused on purpose: a callback
    /// number is dialled by a person, and vanity numbers or extensions would be surprising.
    #[error("unexpected character {0:?} in phone number")]
    InvalidCharacter(char),
    /// The number has no leading `+`/`00` and no default country was given to read it in.
    #[error("number without country code and no default country")]
    MissingCountry,
    /// The country calling code after `+` or `00` does not exist.
    #[error("unknown country calling code")]
    InvalidCountryCode,
    /// Too few digits for any phone number.
    #[error("phone number is too short")]
    TooShort,
    /// Too many digits for any phone number.
    #[error("phone number is too long")]
    TooLong,
    /// The digits do not form a number valid in the libphonenumber metadata of its country.
    #[error("not a valid phone number")]
    Invalid,
}

/// Normalizes `raw` to the international format as dialled, e.g. `+420 777 666 555`.
///
/// `default_country` (ISO 3166-1 alpha-2, any case, e.g. `"CZ"`) is the country a number
/// without `+` or the country's international prefix is read in; it may be empty when only
/// `+` numbers are expected. Spaces, dashes, dots, slashes, brackets, a leading `+` or
/// international prefix (`00` in CZ, `011` in US) and a trailing extension are accepted.
///
/// The result is libphonenumber-js's `formatInternational()`: groups separated by spaces only
/// (`+1 201 555 0123`), and an extension typed after the number (`ext. 12`, `x12`, `#12`,
/// `;ext=12`…) written ` ext. 12` (` x12` in GB, whose metadata prefers that).
pub fn normalize(raw: &str, default_country: &str) -> Result<String, PhoneError> {
    let (text, extension) = layout::split_extension(raw.trim());
    let (db, number) = parse_valid(text, default_country)?;
    let formatted = phonenumber::format_with(&db, &number).mode(Mode::International);
    let mut out = layout::spaced(&formatted.to_string());
    if let Some(ext) = extension {
        out.push_str(extension_prefix(&number));
        out.push_str(ext);
    }
    Ok(out)
}

/// What goes before an extension: the `preferredExtnPrefix` of the calling code's main region
/// (` x` for GB), else ` ext. `, as libphonenumber-js's `formatInternational()` writes it.
fn extension_prefix(number: &PhoneNumber) -> &'static str {
    main_region(number.code().value())
        .and_then(|meta| meta.preferred_extension_prefix())
        .unwrap_or(" ext. ")
}

/// Like [`normalize`], but returns E.164 (`+420777666555`), the form for `tel:` links and
/// for comparing numbers. E.164 has no extension: one typed after the number is dropped.
pub fn to_e164(raw: &str, default_country: &str) -> Result<String, PhoneError> {
    let (text, _) = layout::split_extension(raw.trim());
    let (db, number) = parse_valid(text, default_country)?;
    Ok(phonenumber::format_with(&db, &number)
        .mode(Mode::E164)
        .to_string())
}

/// Parses and validates `raw`; shared by both output formats. Returns the number with the
/// database it was read with (see `db.rs`).
fn parse_valid(
    raw: &str,
    default_country: &str,
) -> Result<(Arc<Database>, PhoneNumber), PhoneError> {
    let country = parse_country(default_country)?;
    let text = raw.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    check_characters(text)?;

    // A number that carries its country code is parsed without the default country: the crate
    // would otherwise apply the default country's national prefix to it (with US as default,
    // `+800 1234 5678` lost its leading `1`). So the region's international prefix (`00` in CZ,
    // `011` in US, `0011` in AU) is turned into `+` here. Only the region's own, as in
    // libphonenumber: `00` in US is not an international prefix (issue 11 dropped that
    // leniency; `001 201 555 0123` is refused there, as libphonenumber refuses it).
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let international = if digits.starts_with('+') {
        Some(digits.clone())
    } else {
        idd_len(country, &digits).map(|len| format!("+{}", &digits[len..]))
    };
    if let Some(number) = international {
        let db = db::for_codes(&[
            db::calling_code(&number).unwrap_or(0),
            NO_NATIONAL_PREFIX_CODE,
        ]);
        return parse_valid_international(&db, &number).map(|n| (db, n));
    }
    let home = country
        .and_then(|id| DATABASE.by_id(id.as_ref()))
        .map_or(0, |meta| meta.country_code());
    let db = db::for_codes(&[home, NO_NATIONAL_PREFIX_CODE]);
    let parsed = parse_in(&db, country, text)?;
    if is_valid(&db, &parsed) {
        return Ok((db, parsed));
    }
    // The crate strips a national prefix twice (`nationalPrefixForParsing`, then
    // `nationalPrefix` again): RU `8 800 555 35 35` became `005553535`. Stripped once here, the
    // rest is read as an international number (where `unstripped` keeps it whole).
    let once = country
        .and_then(|id| DATABASE.by_id(id.as_ref()))
        .and_then(|meta| {
            let prefix = meta.national_prefix()?;
            let rest = digits.strip_prefix(prefix)?;
            Some(format!("+{}{rest}", meta.country_code()))
        });
    let number = once.and_then(|n| parse_valid_international(&db, &n).ok());
    number.map(|n| (db, n)).ok_or(PhoneError::Invalid)
}

/// Length of the international dialling prefix `digits` starts with, if any.
fn idd_len(country: Option<Id>, digits: &str) -> Option<usize> {
    country
        .and_then(|id| DATABASE.by_id(id.as_ref()))
        .and_then(|meta| meta.international_prefix())
        .and_then(|idd| idd.find(digits))
        .filter(|m| m.start() == 0 && m.end() > 0)
        .map(|m| m.end())
}

/// Parses `+<digits>` with no default country (see `parse_valid`) and validates it, with `db`
/// holding the regions of its calling code and [`NO_NATIONAL_PREFIX`].
fn parse_valid_international(db: &Database, number: &str) -> Result<PhoneNumber, PhoneError> {
    let parsed = parse_in(db, None, number)?;
    if is_valid(db, &parsed) {
        return Ok(parsed);
    }
    if let Some(whole) = unstripped(db, number).filter(|n| is_valid(db, n)) {
        return Ok(whole);
    }
    // A national prefix typed after the country code (`+7 8 800 123 45 67`): libphonenumber
    // strips it when the rest is valid. The crate strips RU's `8` twice here (see
    // `parse_valid`), so it is stripped once here and the rest read whole.
    let code = parsed.code().value();
    let rest = number.strip_prefix(&format!("+{code}"));
    main_region(code)
        .and_then(|meta| rest?.strip_prefix(meta.national_prefix()?))
        .and_then(|rest| unstripped(db, &format!("+{code}{rest}")))
        .filter(|n| is_valid(db, n))
        .ok_or(PhoneError::Invalid)
}

/// The metadata of the main region of calling code `code` (US for 1, RU for 7).
fn main_region(code: u16) -> Option<&'static phonenumber::Metadata> {
    let regions = DATABASE.by_code(&code)?;
    let main = regions.iter().find(|m| m.is_main_country_for_code());
    main.or(regions.first()).copied()
}

/// `+<digits>` read with its national number whole.
///
/// `phonenumber` 0.3 strips the national prefix of the calling code's region from
/// international numbers too, whenever what remains is not too short: `+7 800 555 35 35`
/// loses the `8` of `800` (RU's national prefix) and is refused. libphonenumber strips it only
/// when the rest is still a viable number. The crate strips with the metadata of the default
/// country when one is given, and the country code comes from the `+` anyway: parsed with a
/// default region that has no national prefix, nothing is stripped.
fn unstripped(db: &Database, number: &str) -> Option<PhoneNumber> {
    phonenumber::parse_with(db, Some(NO_NATIONAL_PREFIX), number)
        .ok()
        .filter(|n| n.code().source() == phonenumber::country::Source::Plus)
}

/// A region without a national prefix or national prefix rules (see [`unstripped`]; a test
/// checks the metadata).
const NO_NATIONAL_PREFIX: Id = Id::CZ;
/// Its calling code.
const NO_NATIONAL_PREFIX_CODE: u16 = 420;

/// The crate's validity check, tightened to libphonenumber's whole-number matching.
fn is_valid(db: &Database, number: &PhoneNumber) -> bool {
    phonenumber::is_valid_with(db, number) && strict::is_valid(number)
}

/// Resolves the default country; empty means "none".
fn parse_country(default_country: &str) -> Result<Option<Id>, PhoneError> {
    let code = default_country.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let upper = code.to_ascii_uppercase();
    // Only two-letter region codes: strum would also accept longer variant names.
    if upper.len() != 2 || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PhoneError::UnknownCountry(code.to_owned()));
    }
    Id::from_str(&upper)
        .map(Some)
        .map_err(|_| PhoneError::UnknownCountry(code.to_owned()))
}

/// Refuses anything but digits, one leading `+` (possibly after an opening
/// bracket, as in `(+420) 596 123 456`) and the separators people type.
fn check_characters(text: &str) -> Result<(), PhoneError> {
    let mut leading = true;
    for c in text.chars() {
        let ok = c.is_ascii_digit()
            || (c == '+' && leading)
            || c.is_whitespace()
            || matches!(c, '-' | '.' | '/' | '(' | ')' | '[' | ']')
            // Unicode dashes that word processors and phones substitute for `-`.
            || matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}');
        if !ok {
            return Err(PhoneError::InvalidCharacter(c));
        }
        leading &= matches!(c, '(' | '[') || c.is_whitespace();
    }
    Ok(())
}

/// Runs the libphonenumber parser and maps its errors.
fn parse_in(db: &Database, country: Option<Id>, text: &str) -> Result<PhoneNumber, PhoneError> {
    if country.is_none() && !text.starts_with('+') {
        return Err(PhoneError::MissingCountry);
    }
    phonenumber::parse_with(db, country, text).map_err(|e| match e {
        ParseError::InvalidCountryCode => PhoneError::InvalidCountryCode,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn | ParseError::NoNumber => {
            PhoneError::TooShort
        }
        ParseError::TooLong => PhoneError::TooLong,
        ParseError::MalformedInteger(_) => PhoneError::TooLong,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_example() {
        assert_eq!(normalize("777 666 555", "CZ").unwrap(), "+420 777 666 555");
        assert_eq!(to_e164("777 666 555", "cz").unwrap(), "+420777666555");
    }

    #[test]
    fn a_national_prefix_inside_the_number_is_kept() {
        // Russian toll-free and premium numbers start with 8, RU's national prefix: the crate
        // stripped it from `+7 800…` and twice from `8 800…`. libphonenumber-js gives these.
        for (raw, want) in [
            ("+7 800 555 35 35", "+7 800 555 35 35"),
            ("8 800 555 35 35", "+7 800 555 35 35"),
            ("+7 809 505 12 34", "+7 809 505 12 34"),
            ("8 (809) 505-12-34", "+7 809 505 12 34"),
            // The national prefix typed after the country code, as libphonenumber reads it.
            ("+7-8-800-1234567", "+7 800 123 45 67"),
            ("+7 8 912 345 67 89", "+7 912 345 67 89"),
        ] {
            assert_eq!(normalize(raw, "RU").as_deref(), Ok(want), "{raw}");
        }
        assert_eq!(normalize("+7 800 555 35", "RU"), Err(PhoneError::Invalid));
        let neutral = DATABASE.by_id(NO_NATIONAL_PREFIX.as_ref()).unwrap();
        assert_eq!(neutral.country_code(), NO_NATIONAL_PREFIX_CODE);
        assert!(neutral.national_prefix().is_none());
        assert!(neutral.national_prefix_for_parsing().is_none());
    }

    #[test]
    fn country_errors() {
        assert_eq!(
            normalize("777 666 555", "XX"),
            Err(PhoneError::UnknownCountry("XX".into()))
        );
        assert_eq!(
            normalize("777 666 555", "CZE"),
            Err(PhoneError::UnknownCountry("CZE".into()))
        );
        assert_eq!(
            normalize("777 666 555", ""),
            Err(PhoneError::MissingCountry)
        );
        assert_eq!(
            normalize("+420 777 666 555", "").unwrap(),
            "+420 777 666 555"
        );
    }

    #[test]
    fn character_errors() {
        assert_eq!(normalize("   ", "CZ"), Err(PhoneError::Empty));
        assert_eq!(
            normalize("777 ABC 555", "CZ"),
            Err(PhoneError::InvalidCharacter('A'))
        );
        assert_eq!(
            normalize("777 666 555 ext two", "CZ"),
            Err(PhoneError::InvalidCharacter('e'))
        );
        assert_eq!(
            normalize("777 666 555 ext 2", "CZ").as_deref(),
            Ok("+420 777 666 555 ext. 2")
        );
        assert_eq!(
            to_e164("777 666 555 ext 2", "CZ").as_deref(),
            Ok("+420777666555")
        );
        assert_eq!(
            normalize("ext. 2", "CZ"),
            Err(PhoneError::InvalidCharacter('e'))
        );
        assert_eq!(
            normalize("420+777666555", "CZ"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(
            normalize("(+420) 777 666 555", "DE").as_deref(),
            Ok("+420 777 666 555"),
            "a + inside the opening bracket is still the leading +"
        );
        assert_eq!(
            normalize("(420) +777666555", "CZ"),
            Err(PhoneError::InvalidCharacter('+'))
        );
    }
}
