//! GUID syntax, as `init(companyId)` requires.

/// True when `s` is a GUID in the 8-4-4-4-12 hex form, optionally wrapped in
/// braces (`{...}`), any letter case.
pub fn is_guid(s: &str) -> bool {
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The canonical (lower-case, no braces) form of a GUID, or `None`.
pub fn normalize_guid(s: &str) -> Option<String> {
    if !is_guid(s) {
        return None;
    }
    // The braces `is_guid` allows, stripped as it strips them (no
    // `trim_matches`: its char iterators cost the SDK's first paint ~1 KB
    // of wasm).
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    Some(s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        assert!(is_guid("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11"));
        assert!(is_guid("{0B8A7B1E-4C1F-4F3E-9A52-5D6F0C2D9E11}"));
        assert!(!is_guid("0b8a7b1e4c1f4f3e9a525d6f0c2d9e11"));
        assert!(!is_guid("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e1"));
        assert!(!is_guid("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e1g"));
        assert!(!is_guid(""));
        assert_eq!(
            normalize_guid("{0B8A7B1E-4C1F-4F3E-9A52-5D6F0C2D9E11}").as_deref(),
            Some("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11")
        );
    }
}
