//! A bot's message in the window: Markdown text drawn from the
//! [`crate::markdown`] tree with DOM calls and text nodes, a file (an
//! image inline with its name as alt text, other files as a download link)
//! and quick replies (buttons; a click sends the value as the visitor's
//! message). URLs are http(s) only.

use owidget_protocol::{BotContent, BotFile};
use owidget_web::dom::{attr, child, text, Listener};
use owidget_web::Json;
use web_sys::Element;

use crate::linkify::is_http_url;
use crate::markdown::{parse, Block, Span};
use crate::view::{Action, OnAction};

/// Decodes `WireMessage.bot`.
pub(crate) fn decode<J: Json>(v: &J) -> Option<BotContent> {
    let file = v.get("file").and_then(|f| {
        Some(BotFile {
            name: f.get("name")?.string()?,
            mime_type: f.get("mimeType")?.string()?,
            url: f.get("url")?.string()?,
        })
    });
    Some(BotContent {
        markdown: v.get("markdown").and_then(|m| m.boolean()).unwrap_or(false),
        quick_replies: v
            .get("quickReplies")
            .map(|q| q.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|q| q.string())
            .collect(),
        file,
    })
}

fn spans(parent: &Element, spans: &[Span]) {
    for s in spans {
        let mut at = parent.clone();
        if let Some(url) = &s.link {
            at = child(&at, "a", "");
            attr(&at, "href", url);
            attr(&at, "rel", "noopener noreferrer");
            attr(&at, "target", "_blank");
        }
        for (on, tag) in [
            (s.code, "code"),
            (s.bold, "strong"),
            (s.italic, "em"),
            (s.strike, "s"),
        ] {
            if on {
                at = child(&at, tag, "");
            }
        }
        let _ = at.append_with_str_1(&s.text);
    }
}

fn draw(parent: &Element, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Para(lines) => {
                let p = child(parent, "p", "");
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        child(&p, "br", "");
                    }
                    spans(&p, l);
                }
            }
            Block::Heading(h) => spans(&child(parent, "p", "h"), h),
            Block::Code(c) => text(&child(&child(parent, "pre", ""), "code", ""), c),
            Block::Quote(inner) => draw(&child(parent, "blockquote", ""), inner),
            Block::List { ordered, items } => {
                let list = child(parent, if *ordered { "ol" } else { "ul" }, "");
                for (done, item) in items {
                    let li = child(&list, "li", "");
                    if let Some(done) = done {
                        let _ = li.append_with_str_1(if *done { "☑ " } else { "☐ " });
                    }
                    spans(&li, item);
                }
            }
            Block::Rule => {
                child(parent, "hr", "");
            }
            Block::Table(rows) => {
                let table = child(parent, "table", "");
                for (r, row) in rows.iter().enumerate() {
                    let tr = child(&table, "tr", "");
                    for cell in row {
                        spans(&child(&tr, if r == 0 { "th" } else { "td" }, ""), cell);
                    }
                }
            }
        }
    }
}

/// Draws a bot message into its row; returns the quick replies' listeners
/// (kept with the row).
pub(crate) fn render(
    li: &Element,
    text_value: &str,
    bot: &BotContent,
    act: &OnAction,
) -> Vec<Listener> {
    let body = child(li, "div", "txt md");
    match &bot.file {
        Some(f) if is_http_url(&f.url) => file(&body, f),
        Some(_) => text(&body, text_value),
        None if bot.markdown => draw(&body, &parse(text_value)),
        None => text(&body, text_value),
    }
    let mut listeners = Vec::new();
    if !bot.quick_replies.is_empty() {
        let row = child(li, "div", "qr");
        attr(&row, "role", "group");
        for q in &bot.quick_replies {
            let b = child(&row, "button", "");
            attr(&b, "type", "button");
            text(&b, q);
            let (a, value) = (act.clone(), q.clone());
            listeners.push(Listener::new(&b, "click", move |_| {
                a(Action::Send(value.clone()))
            }));
        }
    }
    listeners
}

fn file(body: &Element, f: &BotFile) {
    if f.mime_type.starts_with("image/") {
        let a = child(body, "a", "");
        attr(&a, "href", &f.url);
        attr(&a, "rel", "noopener noreferrer");
        attr(&a, "target", "_blank");
        let img = child(&a, "img", "bot-img");
        attr(&img, "src", &f.url);
        attr(&img, "alt", &f.name);
        attr(&img, "loading", "lazy");
    } else {
        let a = child(body, "a", "file");
        attr(&a, "href", &f.url);
        attr(&a, "rel", "noopener noreferrer");
        attr(&a, "target", "_blank");
        attr(&a, "download", &f.name);
        text(&a, &f.name);
    }
}
