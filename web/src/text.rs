//! String building without `core::fmt`: the formatting machinery is several
//! KB of wasm, and both modules count against size budgets.

/// Concatenates string slices (a `format!` without the formatting machinery).
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Decimal digits of `n` (`to_string` would pull in `core::fmt`).
pub fn decimal(mut n: u64) -> String {
    // Digits last to first in a fixed buffer, read with `get` (an indexing
    // bounds check's panic message formats integers: `core::fmt`).
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(len);
    for &d in digits.iter().take(len).rev() {
        s.push(char::from(d));
    }
    s
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn url_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(404), "404");
        assert_eq!(decimal(u64::MAX), u64::MAX.to_string());
    }

    #[test]
    fn cat_joins() {
        assert_eq!(cat(&["a", "", "bc"]), "abc");
        assert_eq!(cat(&[]), "");
    }
}
