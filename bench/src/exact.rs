//! `phone-exact <corpus.jsonl>`: our normalization (`owidget_phone`, the
//! crate the server answers `/api/widget/phone` with) against Google's
//! libphonenumber on the corpus `bench/phone-corpus.mjs` builds: the share
//! of answers exactly equal to libphonenumber-js's INTERNATIONAL format
//! (or both "invalid"), per way of typing, and every difference, each put
//! to the documented choice it comes from (README, "Phone numbers:
//! differences from libphonenumber") or printed as UNDOCUMENTED.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// What [`compare`] found.
pub struct Exactness {
    /// Cases in the corpus.
    pub total: usize,
    /// Cases whose answer is exactly libphonenumber's.
    pub equal: usize,
    /// Differences that are no documented choice.
    pub undocumented: usize,
}

/// Reads the corpus at `path`, prints the comparison and returns its figures.
pub fn run(path: &str) -> Exactness {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut total, mut equal) = (0usize, 0usize);
    let mut by_way: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut diffs = Vec::new();
    let mut choices: BTreeMap<&str, usize> = BTreeMap::new();
    let mut regions = BTreeSet::new();
    let mut by_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("a JSON line");
        let (region, way, input) = (
            case["region"].as_str().unwrap_or_default(),
            case["way"].as_str().unwrap_or_default(),
            case["input"].as_str().unwrap_or_default(),
        );
        let expected = case["expected"].as_str();
        let ours = owidget_phone::normalize(input, region).ok();
        total += 1;
        regions.insert(region.to_owned());
        let kind = case["type"].as_str().unwrap_or("mobile");
        let same = ours.as_deref() == expected;
        for (map, key) in [(&mut by_way, way), (&mut by_type, kind)] {
            let row = map.entry(key.to_owned()).or_default();
            row.0 += 1;
            row.1 += usize::from(same);
        }
        if same {
            equal += 1;
            continue;
        }
        let choice = choice(input, expected, ours.as_deref());
        *choices.entry(choice.unwrap_or("UNDOCUMENTED")).or_default() += 1;
        diffs.push(format!(
            "    {region} {way:<22} {input:<28} libphonenumber {:<26} ours {:<24} {}",
            expected.unwrap_or("invalid"),
            ours.as_deref().unwrap_or("invalid"),
            choice.unwrap_or("UNDOCUMENTED")
        ));
    }
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!(
        "  {equal} of {total} cases ({} regions) exactly equal to libphonenumber-js's INTERNATIONAL format or both invalid: {:.2} % (goal >= 99.5 %); per way:",
        regions.len(),
        pct(equal, total)
    );
    for (way, (n, eq)) in &by_way {
        println!("    {way:<22} {eq:>4} / {n:>4}  {:>6.2} %", pct(*eq, *n));
    }
    println!("  per example number type:");
    for (kind, (n, eq)) in &by_type {
        println!("    {kind:<22} {eq:>4} / {n:>4}  {:>6.2} %", pct(*eq, *n));
    }
    let undocumented = choices.get("UNDOCUMENTED").copied().unwrap_or(0);
    println!(
        "  differences: {} ({undocumented} undocumented)",
        diffs.len()
    );
    for (c, n) in &choices {
        println!("    {c}: {n}");
    }
    for d in &diffs {
        println!("{d}");
    }
    Exactness {
        total,
        equal,
        undocumented,
    }
}

/// The documented choice (README) a difference comes from, if any.
fn choice(input: &str, expected: Option<&str>, ours: Option<&str>) -> Option<&'static str> {
    let _ = (input, expected, ours);
    None
}
