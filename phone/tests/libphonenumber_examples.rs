//! Default normalization against libphonenumber's own documented examples.
//!
//! Expected outputs come from libphonenumber, never from this crate:
//! - `EXAMPLE_NUMBERS`: every `<exampleNumber>` of the fixedLine, mobile and tollFree descriptors
//!   of 29 regions in libphonenumber's `resources/PhoneNumberMetadata.xml` (google/libphonenumber,
//!   release 9.0.33, the copy the `phonenumber` 0.3.10 crate bundles). Each expected string is
//!   that example laid out by the region's own `<numberFormat>`: the first format whose last
//!   `<leadingDigits>` matches and whose `pattern` matches the whole number, with `<intlFormat>`
//!   when present, else `<format>`, prefixed by `+<countryCode> `. The strings were written out
//!   by a standalone reading of the XML (Python `re` + ElementTree, not the `phonenumber` crate)
//!   and spot-checked by hand (CZ, GB, DE, US, SE). ExampleNumbersTest.java in the same repository
//!   asserts that every one of these example numbers is valid.
//! - `DOCUMENTED`: examples written out in libphonenumber's README.md / javadoc.
//! - Java/C++ libphonenumber keeps the punctuation of `<intlFormat>` (`+1 201-555-0123`);
//!   libphonenumber-js, whose INTERNATIONAL format we follow (issue 11), writes every run of it
//!   as one space (`+1 201 555 0123`). The expected strings stay as Java writes them and are
//!   compared through [`js_style`].
//! - `INVALID`: inputs that libphonenumber's PhoneNumberUtilTest.java (google/libphonenumber,
//!   java/libphonenumber/test/com/google/i18n/phonenumbers/) refuses in testIsNotValidNumber and
//!   testFailedParseOnInvalidNumbers, limited to cases that are also invalid in the real metadata.

use owidget_phone::{normalize, to_e164, PhoneError};
use phonenumber::metadata::DATABASE;

/// libphonenumber-js's `applyInternationalSeparatorStyle` of a Java INTERNATIONAL string.
fn js_style(java: &str) -> String {
    java.replace('-', " ")
}

/// (region, country calling code, national prefix, national significant number, international).
const EXAMPLE_NUMBERS: &[(&str, &str, &str, &str, &str)] = &[
    ("AT", "43", "0", "1234567890", "+43 1 234567890"), // fixedLine
    ("AT", "43", "0", "664123456", "+43 664 123456"),   // mobile
    ("AT", "43", "0", "800123456", "+43 800 123456"),   // tollFree
    ("AU", "61", "0", "212345678", "+61 2 1234 5678"),  // fixedLine
    ("AU", "61", "0", "412345678", "+61 412 345 678"),  // mobile
    ("AU", "61", "0", "1800123456", "+61 1800 123 456"), // tollFree
    ("BE", "32", "0", "12345678", "+32 12 34 56 78"),   // fixedLine
    ("BE", "32", "0", "450001234", "+32 450 00 12 34"), // mobile
    ("BE", "32", "0", "80012345", "+32 800 12 345"),    // tollFree
    ("BR", "55", "0", "1123456789", "+55 11 2345-6789"), // fixedLine
    ("BR", "55", "0", "11961234567", "+55 11 96123-4567"), // mobile
    ("BR", "55", "0", "800123456", "+55 800 12 3456"),  // tollFree
    ("CH", "41", "0", "212345678", "+41 21 234 56 78"), // fixedLine
    ("CH", "41", "0", "781234567", "+41 78 123 45 67"), // mobile
    ("CH", "41", "0", "800123456", "+41 800 123 456"),  // tollFree
    ("CZ", "420", "", "212345678", "+420 212 345 678"), // fixedLine
    ("CZ", "420", "", "601123456", "+420 601 123 456"), // mobile
    ("CZ", "420", "", "800123456", "+420 800 123 456"), // tollFree
    ("DE", "49", "0", "30123456", "+49 30 123456"),     // fixedLine
    ("DE", "49", "0", "15123456789", "+49 1512 3456789"), // mobile
    ("DE", "49", "0", "8001234567890", "+49 800 1234567890"), // tollFree
    ("DK", "45", "", "32123456", "+45 32 12 34 56"),    // fixedLine
    ("DK", "45", "", "34412345", "+45 34 41 23 45"),    // mobile
    ("DK", "45", "", "80123456", "+45 80 12 34 56"),    // tollFree
    ("ES", "34", "", "810123456", "+34 810 12 34 56"),  // fixedLine
    ("ES", "34", "", "612345678", "+34 612 34 56 78"),  // mobile
    ("ES", "34", "", "800123456", "+34 800 123 456"),   // tollFree
    ("FI", "358", "0", "131234567", "+358 13 1234567"), // fixedLine
    ("FI", "358", "0", "412345678", "+358 41 2345678"), // mobile
    ("FI", "358", "0", "800123456", "+358 800 123456"), // tollFree
    ("FR", "33", "0", "123456789", "+33 1 23 45 67 89"), // fixedLine
    ("FR", "33", "0", "612345678", "+33 6 12 34 56 78"), // mobile
    ("FR", "33", "0", "801234567", "+33 801 23 45 67"), // tollFree
    ("GB", "44", "0", "1212345678", "+44 121 234 5678"), // fixedLine
    ("GB", "44", "0", "7400123456", "+44 7400 123456"), // mobile
    ("GB", "44", "0", "8001234567", "+44 800 123 4567"), // tollFree
    ("HU", "36", "06", "12345678", "+36 1 234 5678"),   // fixedLine
    ("HU", "36", "06", "201234567", "+36 20 123 4567"), // mobile
    ("HU", "36", "06", "80123456", "+36 80 123 456"),   // tollFree
    ("IE", "353", "0", "2212345", "+353 22 12345"),     // fixedLine
    ("IE", "353", "0", "850123456", "+353 85 012 3456"), // mobile
    ("IE", "353", "0", "1800123456", "+353 1800 123 456"), // tollFree
    ("IN", "91", "0", "7410410123", "+91 74104 10123"), // fixedLine
    ("IN", "91", "0", "8123456789", "+91 81234 56789"), // mobile
    ("IN", "91", "0", "1800123456", "+91 1800 12 3456"), // tollFree
    ("IT", "39", "", "0212345678", "+39 02 1234 5678"), // fixedLine
    ("IT", "39", "", "3123456789", "+39 312 345 6789"), // mobile
    ("IT", "39", "", "800123456", "+39 800 123 456"),   // tollFree
    ("JP", "81", "0", "312345678", "+81 3-1234-5678"),  // fixedLine
    ("JP", "81", "0", "9012345678", "+81 90-1234-5678"), // mobile
    ("JP", "81", "0", "120123456", "+81 120-123-456"),  // tollFree
    ("MX", "52", "", "2001234567", "+52 200 123 4567"), // fixedLine
    ("MX", "52", "", "2221234567", "+52 222 123 4567"), // mobile
    ("MX", "52", "", "8001234567", "+52 800 123 4567"), // tollFree
    ("NL", "31", "0", "101234567", "+31 10 123 4567"),  // fixedLine
    ("NL", "31", "0", "612345678", "+31 6 12345678"),   // mobile
    ("NL", "31", "0", "8001234", "+31 800 1234"),       // tollFree
    ("NO", "47", "", "21234567", "+47 21 23 45 67"),    // fixedLine
    ("NO", "47", "", "40612345", "+47 40 61 23 45"),    // mobile
    ("NO", "47", "", "80012345", "+47 800 12 345"),     // tollFree
    ("NZ", "64", "0", "32345678", "+64 3 234 5678"),    // fixedLine
    ("NZ", "64", "0", "211234567", "+64 21 123 4567"),  // mobile
    ("NZ", "64", "0", "800123456", "+64 800 123 456"),  // tollFree
    ("PL", "48", "", "123456789", "+48 12 345 67 89"),  // fixedLine
    ("PL", "48", "", "512345678", "+48 512 345 678"),   // mobile
    ("PL", "48", "", "800123456", "+48 800 123 456"),   // tollFree
    ("PT", "351", "", "212345678", "+351 21 234 5678"), // fixedLine
    ("PT", "351", "", "912345678", "+351 912 345 678"), // mobile
    ("PT", "351", "", "800123456", "+351 800 123 456"), // tollFree
    ("SE", "46", "0", "8123456", "+46 8 12 34 56"),     // fixedLine
    ("SE", "46", "0", "701234567", "+46 70 123 45 67"), // mobile
    ("SE", "46", "0", "20123456", "+46 20 12 34 56"),   // tollFree
    ("SG", "65", "", "61234567", "+65 6123 4567"),      // fixedLine
    ("SG", "65", "", "81234567", "+65 8123 4567"),      // mobile
    ("SG", "65", "", "18001234567", "+65 1800 123 4567"), // tollFree
    ("SK", "421", "0", "221234567", "+421 2 212 345 67"), // fixedLine
    ("SK", "421", "0", "912123456", "+421 912 123 456"), // mobile
    ("SK", "421", "0", "800123456", "+421 800 123 456"), // tollFree
    ("UA", "380", "0", "311234567", "+380 3112 34567"), // fixedLine
    ("UA", "380", "0", "501234567", "+380 50 123 4567"), // mobile
    ("UA", "380", "0", "800123456", "+380 800 123 456"), // tollFree
    ("US", "1", "1", "2015550123", "+1 201-555-0123"),  // fixedLine
    ("US", "1", "1", "2015550123", "+1 201-555-0123"),  // mobile
    ("US", "1", "1", "8002345678", "+1 800-234-5678"),  // tollFree
    ("ZA", "27", "0", "101234567", "+27 10 123 4567"),  // fixedLine
    ("ZA", "27", "0", "711234567", "+27 71 123 4567"),  // mobile
    ("ZA", "27", "0", "801234567", "+27 80 123 4567"),  // tollFree
];

#[test]
fn metadata_example_numbers_in_international_input() {
    for &(region, cc, _, nsn, expected) in EXAMPLE_NUMBERS {
        let input = format!("+{cc} {nsn}");
        let expected = js_style(expected);
        let expected = expected.as_str();
        assert_eq!(
            normalize(&input, region).as_deref(),
            Ok(expected),
            "{input} in {region}"
        );
        // The default country does not matter once the number carries its country code, also
        // when the default has a national prefix (0, 1, 06) that the number starts with:
        // phonenumber 0.3.10 alone strips it (see src/lib.rs), e.g. `+800 1234 5678` with US.
        for other in ["CZ", "DE", "US", "HU", "IT"] {
            assert_eq!(
                normalize(&input, other).as_deref(),
                Ok(expected),
                "{input} in {other}"
            );
        }
        assert_eq!(
            normalize(&input, "").as_deref(),
            Ok(expected),
            "{input} without country"
        );
    }
}

#[test]
fn metadata_example_numbers_in_national_input() {
    for &(region, _, prefix, nsn, expected) in EXAMPLE_NUMBERS {
        // As dialled at home: national prefix (0 in most of Europe, 06 in HU, 1 in US) + number.
        let input = format!("{prefix}{nsn}");
        assert_eq!(
            normalize(&input, region),
            Ok(js_style(expected)),
            "{input} in {region}"
        );
    }
}

#[test]
fn metadata_example_numbers_with_leading_00() {
    for &(region, cc, _, nsn, expected) in EXAMPLE_NUMBERS {
        let input = format!("00 {cc} {nsn}");
        let idd = DATABASE
            .by_id(region)
            .and_then(|m| m.international_prefix())
            .expect("an international prefix");
        if idd.find("00").is_some_and(|m| m.as_str() == "00") {
            assert_eq!(
                normalize(&input, region),
                Ok(js_style(expected)),
                "{input} in {region}"
            );
        } else {
            // US (011), JP (010), AU (0011), SG, BR: `00` is no international prefix there, for
            // libphonenumber and for us since issue 11 (it used to be a leniency of ours).
            assert!(normalize(&input, region).is_err(), "{input} in {region}");
        }
        // Without a default country there is no international prefix but `+`.
        assert_eq!(
            normalize(&input, ""),
            Err(PhoneError::MissingCountry),
            "{input} without country"
        );
    }
}

#[test]
fn metadata_example_numbers_to_e164() {
    for &(region, cc, _, nsn, _) in EXAMPLE_NUMBERS {
        let input = format!("+{cc}{nsn}");
        assert_eq!(
            to_e164(&input, region).as_deref(),
            Ok(input.as_str()),
            "{input}"
        );
    }
}

/// Examples libphonenumber writes out in prose (input, default country, international format).
const DOCUMENTED: &[(&str, &str, &str)] = &[
    // README.md (google/libphonenumber), "Quick Examples": swissNumberStr = "044 668 18 00",
    // parsed with "CH", formatted INTERNATIONAL.
    ("044 668 18 00", "CH", "+41 44 668 18 00"),
    // The brief of this project (owidget issue 4), the visible contract of the widget.
    ("777 666 555", "CZ", "+420 777 666 555"),
];

#[test]
fn documented_examples() {
    for &(input, region, expected) in DOCUMENTED {
        assert_eq!(
            normalize(input, region).as_deref(),
            Ok(expected),
            "{input} in {region}"
        );
    }
    // README.md: the same number in E.164.
    assert_eq!(
        to_e164("044 668 18 00", "CH").as_deref(),
        Ok("+41446681800")
    );
}

/// (input, default country) that libphonenumber refuses.
const INVALID: &[(&str, &str)] = &[
    // testIsNotValidNumber: US_LOCAL_NUMBER, a too-long IT number, a too-short GB mobile,
    // DE_SHORT_NUMBER, a too-short NZ number, INTERNATIONAL_TOLL_FREE_TOO_LONG.
    ("+1 2530000", "US"),
    ("+39 023661830000", "IT"),
    ("+44 791234567", "GB"),
    ("+49 1234", "DE"),
    ("+64 3316005", "NZ"),
    ("+800 123456789", "US"),
    // testIsNotValidNumber: invalid country calling code 3923.
    ("+3923 2366", "US"),
    // testFailedParseOnInvalidNumbers.
    ("This is not a phone number", "NZ"),
    ("1 Still not a number", "NZ"),
    ("1 MICROSOFT", "NZ"),
    ("12 MICROSOFT", "NZ"),
    ("01495 72553301873 810104", "GB"),
    ("+---", "DE"),
    ("+***", "DE"),
    ("+*******91", "DE"),
    ("+49 0", "DE"),
    ("+210 3456 56789", "NZ"),
    ("+ 00 210 3 331 6005", "NZ"),
    ("123 456 7890", "ZZ"),
    ("123 456 7890", "CS"),
    ("0044------", "GB"),
    ("0044", "GB"),
    ("011", "US"),
];

#[test]
fn libphonenumber_invalid_numbers() {
    for &(input, region) in INVALID {
        assert!(
            normalize(input, region).is_err(),
            "{input} in {region} must be refused"
        );
    }
}

#[test]
fn invalid_numbers_get_the_right_error() {
    assert_eq!(normalize("+49 1234", "DE"), Err(PhoneError::Invalid));
    assert_eq!(
        normalize("+210 3456 56789", "NZ"),
        Err(PhoneError::InvalidCountryCode)
    );
    assert_eq!(normalize("+49 0", "DE"), Err(PhoneError::TooShort));
    assert_eq!(
        normalize("01495 72553301873 810104", "GB"),
        Err(PhoneError::TooLong)
    );
    assert_eq!(
        normalize("1 MICROSOFT", "NZ"),
        Err(PhoneError::InvalidCharacter('M'))
    );
    assert_eq!(
        normalize("123 456 7890", "ZZ"),
        Err(PhoneError::UnknownCountry("ZZ".into()))
    );
    assert_eq!(normalize("", "CZ"), Err(PhoneError::Empty));
    assert_eq!(
        normalize("123 456 7890", ""),
        Err(PhoneError::MissingCountry)
    );
}

/// The shapes visitors type, all for the same libphonenumber example numbers.
#[test]
fn input_shapes() {
    let cz = "+420 601 123 456"; // CZ mobile exampleNumber 601123456
    for input in [
        "601123456",
        "601 123 456",
        "601-123-456",
        "601.123.456",
        "(601) 123 456",
        "[601] 123-456",
        "601/123/456",
        " 601 123 456 ",
        "601\u{2013}123\u{2013}456", // en dashes from a word processor
        "+420601123456",
        "+420 601 123 456",
        "+420 (601) 123-456",
        "00420601123456",
        "00 420 601 123 456",
        "00420.601.123.456",
        "+ 420 601 123 456",
    ] {
        assert_eq!(normalize(input, "CZ").as_deref(), Ok(cz), "{input:?}");
    }
    let us = "+1 201 555 0123"; // US fixedLine exampleNumber 2015550123
    for input in [
        "(201) 555-0123",
        "201.555.0123",
        "1 (201) 555-0123",
        "+1 (201) 555-0123",
        "011 1 201 555 0123",
    ] {
        assert_eq!(normalize(input, "us").as_deref(), Ok(us), "{input:?}");
    }
    // `00` is no international prefix in the US (011 is): refused, as libphonenumber does.
    assert!(normalize("001 201 555 0123", "US").is_err());
    let gb = "+44 121 234 5678"; // GB fixedLine exampleNumber 1212345678
    for input in [
        "0121 234 5678",
        "(0121) 234-5678",
        "+44 (0) 121 234 5678",
        "0044 121 234 5678",
    ] {
        assert_eq!(normalize(input, "GB").as_deref(), Ok(gb), "{input:?}");
    }
}

#[test]
fn near_misses_of_valid_numbers_are_refused() {
    // One digit short or long of the CZ example numbers: the CZ metadata accepts 9 digits only.
    for input in [
        "60112345",
        "6011234567",
        "21234567",
        "2123456789",
        "+420 60112345",
    ] {
        assert!(normalize(input, "CZ").is_err(), "{input}");
    }
    // Digits plus letters (an extension is no near miss: `601 123 456 x12` is
    // `+420 601 123 456 ext. 12`), and a second `+`.
    for input in [
        "601 123 456 xy12",
        "601 12E 456",
        "+420 +601123456",
        "tel:+420601123456",
    ] {
        assert!(normalize(input, "CZ").is_err(), "{input}");
    }
}
