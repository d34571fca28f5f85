//! Our normalization against Google's libphonenumber on a stored corpus.
//!
//! `libphonenumber-js-corpus.jsonl` is what `bench/phone-corpus.mjs` printed with
//! libphonenumber-js 1.13.16 ("max" metadata, the version `scripts/bench.sh` pins) and the
//! `PhoneNumberMetadata.xml` of the `phonenumber` 0.3.10 crate: the mobile, fixed-line and
//! toll-free example numbers of 48 regions, each typed 13 ways (international, E.164, `00`,
//! national, digits only, dashes, dots, brackets, `+CC-` with dashes, too short, too long, with
//! an extension, `++`), and the cases issue 11 names, each with libphonenumber-js's
//! `formatInternational()` when it finds the number valid, else `null`. The expected answers
//! are libphonenumber's, never ours; `scripts/bench.sh` rebuilds the corpus from the npm
//! package and compares again (`owidget-bench phone`).
//!
//! Every case must be exactly libphonenumber's answer: no documented difference remains
//! (README, "Phone numbers: differences from libphonenumber").

use std::collections::BTreeMap;

use owidget_phone::normalize;
use serde_json::Value;

const CORPUS: &str = include_str!("libphonenumber-js-corpus.jsonl");

#[test]
fn every_case_equals_libphonenumber_js() {
    let mut per_way: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut regions = std::collections::BTreeSet::new();
    let mut diffs = Vec::new();
    for line in CORPUS.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("a JSON line");
        let field = |k: &str| case[k].as_str().unwrap_or_else(|| panic!("{k} in {line}"));
        let (region, way, input) = (field("region"), field("way"), field("input"));
        regions.insert(region.to_string());
        let expected = case["expected"].as_str();
        let ours = normalize(input, region).ok();
        let row = per_way.entry(way.to_string()).or_default();
        row.0 += 1;
        if ours.as_deref() == expected {
            row.1 += 1;
        } else {
            diffs.push(format!(
                "{region} {way}: {input:?} → libphonenumber {expected:?}, ours {ours:?}"
            ));
        }
    }
    let total: usize = per_way.values().map(|r| r.0).sum();
    assert!(regions.len() >= 40, "{} regions", regions.len());
    assert!(total >= 1800, "{total} cases");
    for way in [
        "extension",
        "double plus",
        "international 00",
        "too short",
        "too long",
    ] {
        assert!(
            per_way.get(way).is_some_and(|r| r.0 >= 100),
            "way {way} in the corpus"
        );
    }
    assert!(
        diffs.is_empty(),
        "{} of {total} cases differ from libphonenumber-js:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
