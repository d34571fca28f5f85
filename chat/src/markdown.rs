//! The Markdown subset of bot messages (External Bot contract §4.6), parsed
//! into a small tree that the view draws with DOM calls and text nodes:
//! nothing is ever parsed as HTML (`<b>` stays the four characters).
//!
//! Blocks: paragraphs (a single newline is a line break), headings (all one
//! level), fenced code blocks, block quotes (nested by `>` count), ordered,
//! unordered and task lists, horizontal rules, tables. Inline: `**bold**`,
//! `*italic*` / `_italic_`, `***both***`, `~~strike~~`, `` `code` ``,
//! `<https://…>` autolinks, bare http(s) URLs, `[text](url)` and
//! `![alt](url)` (images are links, contract: "rendered as links"). Only
//! http(s) targets become links; anything else stays text.

use crate::linkify::is_http_url;

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// Lines of a paragraph (drawn with line breaks between them).
    Para(Vec<Vec<Span>>),
    /// A heading (one level).
    Heading(Vec<Span>),
    /// A fenced code block, verbatim.
    Code(String),
    /// A block quote.
    Quote(Vec<Block>),
    /// A list; each item with its task state (`Some(done)` for `[ ]`/`[x]`).
    List {
        /// Numbered.
        ordered: bool,
        /// Items.
        items: Vec<(Option<bool>, Vec<Span>)>,
    },
    /// `---`.
    Rule,
    /// Rows of cells; the first row is the header.
    Table(Vec<Vec<Vec<Span>>>),
}

/// A run of text with its style.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Span {
    /// The text.
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Struck through.
    pub strike: bool,
    /// Inline code.
    pub code: bool,
    /// An http(s) link target.
    pub link: Option<String>,
}

fn is_rule(l: &str) -> bool {
    let t: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    t.len() >= 3
        && (t.chars().all(|c| c == '-')
            || t.chars().all(|c| c == '*')
            || t.chars().all(|c| c == '_'))
}

fn list_item(l: &str) -> Option<(bool, &str)> {
    let t = l.trim_start();
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(m) {
            return Some((false, rest));
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &t[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, r));
        }
    }
    None
}

fn task(item: &str) -> (Option<bool>, &str) {
    if let Some(r) = item.strip_prefix("[ ] ") {
        (Some(false), r)
    } else if let Some(r) = item
        .strip_prefix("[x] ")
        .or_else(|| item.strip_prefix("[X] "))
    {
        (Some(true), r)
    } else {
        (None, item)
    }
}

fn cells(l: &str) -> Vec<&str> {
    let t = l.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(str::trim).collect()
}

fn is_table_rule(l: &str) -> bool {
    l.contains('-') && l.contains('|') && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Parses a message into blocks.
pub(crate) fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    blocks(&lines)
}

fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim();
        if t.is_empty() {
            i += 1;
        } else if t.starts_with("```") {
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim().starts_with("```") {
                code.push(lines[i]);
                i += 1;
            }
            i += 1;
            out.push(Block::Code(code.join("\n")));
        } else if t.starts_with('>') {
            let mut inner = Vec::new();
            while i < lines.len() && lines[i].trim().starts_with('>') {
                let s = lines[i].trim().strip_prefix('>').unwrap_or("");
                inner.push(s.strip_prefix(' ').unwrap_or(s));
                i += 1;
            }
            out.push(Block::Quote(blocks(&inner)));
        } else if t.starts_with('#') {
            let h = t.trim_start_matches('#').trim();
            out.push(Block::Heading(inline(h)));
            i += 1;
        } else if is_rule(t) {
            out.push(Block::Rule);
            i += 1;
        } else if t.starts_with('|') && i + 1 < lines.len() && is_table_rule(lines[i + 1]) {
            let mut rows = vec![cells(t).into_iter().map(inline).collect()];
            i += 2;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                rows.push(cells(lines[i]).into_iter().map(inline).collect());
                i += 1;
            }
            out.push(Block::Table(rows));
        } else if let Some((ordered, _)) = list_item(l) {
            let mut items = Vec::new();
            while i < lines.len() {
                match list_item(lines[i]) {
                    Some((o, item)) if o == ordered => {
                        let (done, item) = task(item);
                        items.push((done, inline(item)));
                        i += 1;
                    }
                    _ => break,
                }
            }
            out.push(Block::List { ordered, items });
        } else {
            let mut para = Vec::new();
            while i < lines.len() {
                let t = lines[i].trim();
                if t.is_empty()
                    || t.starts_with("```")
                    || t.starts_with('>')
                    || t.starts_with('#')
                    || is_rule(t)
                    || (!para.is_empty() && list_item(lines[i]).is_some())
                {
                    break;
                }
                para.push(inline(t));
                i += 1;
            }
            out.push(Block::Para(para));
        }
    }
    out
}

#[derive(Clone, Copy, Default)]
struct Style {
    bold: bool,
    italic: bool,
    strike: bool,
}

/// Inline spans of one line.
pub(crate) fn inline(s: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut st = Style::default();
    let mut buf = String::new();
    let flush = |buf: &mut String, out: &mut Vec<Span>, st: Style| {
        if !buf.is_empty() {
            out.push(Span {
                text: std::mem::take(buf),
                bold: st.bold,
                italic: st.italic,
                strike: st.strike,
                ..Default::default()
            });
        }
    };
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        // Inline code: literal up to the closing backtick.
        if c == '`' {
            if let Some(end) = after.find('`') {
                flush(&mut buf, &mut out, st);
                out.push(Span {
                    text: after[..end].to_string(),
                    code: true,
                    ..Default::default()
                });
                rest = &after[end + 1..];
                continue;
            }
        }
        // Autolink <https://…> (mail autolinks stay text: only http(s) links).
        if c == '<' {
            if let Some(end) = after.find('>') {
                let target = &after[..end];
                if is_http_url(target) {
                    flush(&mut buf, &mut out, st);
                    out.push(link_span(target, target, st));
                    rest = &after[end + 1..];
                    continue;
                }
            }
        }
        // [text](url) and ![alt](url).
        let (is_img, body) = match (c, after.strip_prefix('[')) {
            ('!', Some(b)) => (true, Some(b)),
            ('[', _) => (false, Some(after)),
            _ => (false, None),
        };
        if let Some(body) = body {
            if let Some(close) = body.find("](") {
                if let Some(end) = body[close + 2..].find(')') {
                    let label = &body[..close];
                    let target = body[close + 2..close + 2 + end]
                        .split_whitespace()
                        .next()
                        .unwrap_or("");
                    flush(&mut buf, &mut out, st);
                    let label = if label.is_empty() && is_img {
                        target
                    } else {
                        label
                    };
                    if is_http_url(target) {
                        out.push(link_span(label, target, st));
                    } else {
                        buf.push_str(label);
                    }
                    rest = &body[close + 2 + end + 1..];
                    continue;
                }
            }
        }
        // Emphasis markers, only when the same marker closes later.
        let marker = ["***", "**", "~~", "*", "_"]
            .into_iter()
            .find(|m| rest.starts_with(m));
        if let Some(m) = marker {
            let open = match m {
                "***" => st.bold && st.italic,
                "**" => st.bold,
                "~~" => st.strike,
                _ => st.italic,
            };
            let word_inner = m == "_" && {
                let prev = buf.chars().last();
                let next = rest[1..].chars().next();
                prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)
            };
            if !word_inner && (open || rest[m.len()..].contains(m)) {
                flush(&mut buf, &mut out, st);
                match m {
                    "***" => {
                        st.bold = !open;
                        st.italic = !open;
                    }
                    "**" => st.bold = !st.bold,
                    "~~" => st.strike = !st.strike,
                    _ => st.italic = !st.italic,
                }
                rest = &rest[m.len()..];
                continue;
            }
        }
        buf.push(c);
        rest = after;
    }
    flush(&mut buf, &mut out, st);
    // Bare URLs in plain runs become links too.
    out.into_iter().flat_map(split_urls).collect()
}

fn link_span(label: &str, url: &str, st: Style) -> Span {
    Span {
        text: label.to_string(),
        bold: st.bold,
        italic: st.italic,
        strike: st.strike,
        code: false,
        link: Some(url.to_string()),
    }
}

fn split_urls(span: Span) -> Vec<Span> {
    if span.code || span.link.is_some() {
        return vec![span];
    }
    crate::linkify::pieces(&span.text)
        .into_iter()
        .map(|p| match p {
            crate::linkify::Piece::Text(t) => Span {
                text: t.to_string(),
                ..span.clone()
            },
            crate::linkify::Piece::Link(u) => Span {
                text: u.to_string(),
                link: Some(u.to_string()),
                ..span.clone()
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, bold, italic, strike, code, link)
    type Flat<'a> = (&'a str, bool, bool, bool, bool, Option<&'a str>);

    fn plain(spans: &[Span]) -> Vec<Flat<'_>> {
        spans
            .iter()
            .map(|s| {
                (
                    s.text.as_str(),
                    s.bold,
                    s.italic,
                    s.strike,
                    s.code,
                    s.link.as_deref(),
                )
            })
            .collect()
    }

    #[test]
    fn inline_styles() {
        let s = inline("a **b** *c* ***d*** ~~e~~ `f *g*` _h_ snake_case_name");
        assert_eq!(
            plain(&s),
            [
                ("a ", false, false, false, false, None),
                ("b", true, false, false, false, None),
                (" ", false, false, false, false, None),
                ("c", false, true, false, false, None),
                (" ", false, false, false, false, None),
                ("d", true, true, false, false, None),
                (" ", false, false, false, false, None),
                ("e", false, false, true, false, None),
                (" ", false, false, false, false, None),
                ("f *g*", false, false, false, true, None),
                (" ", false, false, false, false, None),
                ("h", false, true, false, false, None),
                (" snake_case_name", false, false, false, false, None),
            ]
        );
    }

    #[test]
    fn markup_is_text_and_only_http_links() {
        let s = inline("<b>hi</b> <https://x.example/a> [site](https://s.example) [bad](javascript:alert(1)) ![pic](https://i.example/p.png) <mail@x.example> 2 * 3");
        let p = plain(&s);
        assert!(p.iter().any(|x| x.0.contains("<b>hi</b>") && x.5.is_none()));
        assert!(p.contains(&(
            "https://x.example/a",
            false,
            false,
            false,
            false,
            Some("https://x.example/a")
        )));
        assert!(p.contains(&(
            "site",
            false,
            false,
            false,
            false,
            Some("https://s.example")
        )));
        assert!(p.contains(&(
            "pic",
            false,
            false,
            false,
            false,
            Some("https://i.example/p.png")
        )));
        assert!(!p
            .iter()
            .any(|x| x.5.is_some_and(|l| l.starts_with("javascript"))));
        assert!(p.iter().any(|x| x.0.contains("bad")));
        assert!(p.iter().any(|x| x.0.contains("<mail@x.example> 2 * 3")));
    }

    #[test]
    fn blocks() {
        let b = parse("# Title\nline one\nline two\n\n- [ ] a\n- [x] b\n1. one\n2. two\n> quote\n> > nested\n---\n```\n**raw**\n```\n| h1 | h2 |\n|---|---|\n| c1 | c2 |");
        assert!(matches!(&b[0], Block::Heading(h) if h[0].text == "Title"));
        assert!(matches!(&b[1], Block::Para(lines) if lines.len() == 2));
        assert!(
            matches!(&b[2], Block::List { ordered: false, items } if items[0].0 == Some(false) && items[1].0 == Some(true))
        );
        assert!(matches!(&b[3], Block::List { ordered: true, items } if items.len() == 2));
        assert!(matches!(&b[4], Block::Quote(inner) if matches!(&inner[1], Block::Quote(_))));
        assert_eq!(b[5], Block::Rule);
        assert_eq!(b[6], Block::Code("**raw**".into()));
        assert!(
            matches!(&b[7], Block::Table(rows) if rows.len() == 2 && rows[1][1][0].text == "c2")
        );
    }
}
