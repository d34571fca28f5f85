//! `phone-exact <corpus.jsonl>`: our normalization (`owidget_phone`, the
//! crate the server answers `/api/widget/phone` with) against Google's
//! libphonenumber on the corpus `bench/phone-corpus.mjs` builds: the share
//! of equal answers, and every difference.
//!
//! libphonenumber-js writes its INTERNATIONAL format with spaces only
//! (`+1 201 555 0123`); Google's Java/C++ libphonenumber and we keep the
//! separators of the region's metadata format (`+1 201-555-0123`, see
//! `phone/tests/libphonenumber_examples.rs`). Every other difference is
//! put to the documented choice it comes from (README, "Phone numbers:
//! differences from libphonenumber") or printed as undocumented. Printed:
//! exactly equal, equal once dashes count as spaces, and equal or a
//! documented choice.

use std::collections::BTreeMap;

use serde_json::Value;

/// Reads the corpus at `path` and prints the comparison.
pub fn run(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut total, mut equal, mut spaced) = (0usize, 0usize, 0usize);
    let mut by_way: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut diffs = Vec::new();
    let mut choices: BTreeMap<&str, usize> = BTreeMap::new();
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
        let row = by_way.entry(way.to_owned()).or_default();
        row.0 += 1;
        let as_spaces = ours.as_ref().map(|o| o.replace('-', " "));
        if ours.as_deref() == expected {
            equal += 1;
            spaced += 1;
            row.1 += 1;
        } else if as_spaces.as_deref() == expected {
            spaced += 1;
            row.1 += 1;
        } else {
            let choice = choice(input, expected, ours.as_deref());
            *choices.entry(choice.unwrap_or("UNDOCUMENTED")).or_default() += 1;
            diffs.push(format!(
                "    {region} {way:<22} {input:<26} libphonenumber {:<24} ours {:<22} {}",
                expected.unwrap_or("invalid"),
                ours.as_deref().unwrap_or("invalid"),
                choice.unwrap_or("UNDOCUMENTED")
            ));
        }
    }
    let documented: usize = choices
        .iter()
        .filter(|(c, _)| **c != "UNDOCUMENTED")
        .map(|(_, n)| n)
        .sum();
    let pct = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    println!(
        "  {equal} of {total} exactly equal to libphonenumber-js's INTERNATIONAL format ({:.2} %)",
        pct(equal)
    );
    println!(
        "  {spaced} of {total} equal with dashes as spaces ({:.2} %, goal >= 99.5 %); per way:",
        pct(spaced)
    );
    for (way, (n, eq)) in &by_way {
        println!("    {way:<22} {eq:>3} / {n:>3}");
    }
    println!(
        "  {} of {total} equal or a documented choice ({:.2} %); undocumented differences: {}",
        spaced + documented,
        pct(spaced + documented),
        choices.get("UNDOCUMENTED").copied().unwrap_or(0)
    );
    for (c, n) in &choices {
        println!("    {c}: {n}");
    }
    println!("  differences beyond separators ({}):", diffs.len());
    for d in &diffs {
        println!("{d}");
    }
}

/// The documented choice (README) a difference comes from, if any.
fn choice(input: &str, expected: Option<&str>, ours: Option<&str>) -> Option<&'static str> {
    let typed = input.trim_start();
    match (expected, ours) {
        // `00` read as the international prefix in every region.
        (None, Some(_)) if typed.starts_with("00") => Some("00 leniency"),
        // Extensions are refused: a callback number is dialled by a person.
        (Some(e), None) if e.contains(" ext. ") => Some("extension refused"),
        _ => None,
    }
}
