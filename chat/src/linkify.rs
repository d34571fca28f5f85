//! Splits message text into plain text and `http(s)` URLs, so the view can
//! build text nodes and `<a>` elements with DOM calls (never HTML).

/// A piece of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Plain text.
    Text(&'a str),
    /// An `http://` or `https://` URL.
    Link(&'a str),
}

/// Splits `text` into pieces; URLs end at whitespace, and trailing
/// punctuation (`.`, `,`, `)`...) stays text as in prose.
pub(crate) fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    // `split_at_checked` cannot fail at these ASCII/whitespace offsets; it
    // keeps the str panic machinery out of the wasm.
    while let Some((before, from)) = find_url(rest).and_then(|i| rest.split_at_checked(i)) {
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        let Some((url, after)) = from.split_at_checked(end) else {
            break;
        };
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"']);
        let Some((url, tail)) = url.split_at_checked(trimmed.len()) else {
            break;
        };
        if !before.is_empty() {
            out.push(Piece::Text(before));
        }
        if url.len() > scheme_len(url) {
            out.push(Piece::Link(url));
        } else {
            out.push(Piece::Text(url));
        }
        if !tail.is_empty() {
            out.push(Piece::Text(tail));
        }
        rest = after;
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// Whether `s` is one whole `http://` or `https://` URL (ASCII
/// case-insensitive scheme, a host part, no whitespace or control
/// characters): what a card may use as its image or link.
pub(crate) fn is_http_url(s: &str) -> bool {
    find_url(s) == Some(0)
        && s.len() > scheme_len(s)
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn scheme_len(url: &str) -> usize {
    if url
        .as_bytes()
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"https://"))
    {
        8
    } else {
        7
    }
}

/// Byte offset of the next `http://` or `https://` (ASCII case-insensitive).
fn find_url(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        let rest = &b[i..];
        let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
        // Not in the middle of a word ("xhttp://").
        (i == 0 || !b[i - 1].is_ascii_alphanumeric()) && (starts(b"http://") || starts(b"https://"))
    })
}

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Text};
    use super::*;

    #[test]
    fn plain_text_stays_text() {
        assert_eq!(pieces("hello <b>x</b>"), [Text("hello <b>x</b>")]);
        assert_eq!(pieces(""), []);
    }

    #[test]
    fn urls_become_links() {
        assert_eq!(
            pieces("see https://example.com/a?b=1#c, then http://x.cz."),
            [
                Text("see "),
                Link("https://example.com/a?b=1#c"),
                Text(","),
                Text(" then "),
                Link("http://x.cz"),
                Text("."),
            ]
        );
        assert_eq!(pieces("HTTPS://A.CZ"), [Link("HTTPS://A.CZ")]);
    }

    #[test]
    fn only_http_and_https() {
        assert_eq!(
            pieces("javascript:alert(1) ftp://x data:text/html,x"),
            [Text("javascript:alert(1) ftp://x data:text/html,x")]
        );
        assert_eq!(pieces("xhttp://a.cz"), [Text("xhttp://a.cz")]);
        assert_eq!(pieces("http://"), [Text("http://")]);
        assert_eq!(
            pieces("(https://a.cz/\"onmouseover=x)"),
            [Text("("), Link("https://a.cz/\"onmouseover=x"), Text(")")]
        );
    }

    #[test]
    fn whole_http_urls() {
        for ok in [
            "https://a.cz/x.png",
            "HTTP://a.cz",
            "http://127.0.0.1:8080/p?q=1",
        ] {
            assert!(is_http_url(ok), "{ok}");
        }
        for bad in [
            "",
            "https://",
            "javascript:alert(1)",
            " https://a.cz",
            "https://a.cz/a b",
            "ftp://a.cz",
            "//a.cz/x",
            "https://a.cz/\u{0}",
            "data:image/png;base64,x",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn unicode_around_urls() {
        assert_eq!(
            pieces("čau https://ř.cz/ž ok"),
            [Text("čau "), Link("https://ř.cz/ž"), Text(" ok")]
        );
    }
}
