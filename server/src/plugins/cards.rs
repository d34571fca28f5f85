//! Content cards and carousels from iAdvize payloads (cards-contract.md):
//! a Custom App's `pushCardInConversationThread` /
//! `pushCardBundleInConversationThread` (reference §5.3) and a bot's
//! `card/content` / `bundle/card` (§4.4) become a [`Card`] / [`Carousel`]
//! of a chat message.
//!
//! The payload is read as untrusted JSON: every string is kept as text
//! (the widget and the desk render it as text), an image is kept only with
//! an http(s) URL, actions other than http(s) `LINK`s are dropped, and a
//! card left without the one action the contract requires is refused with
//! a sentence saying why.

use owidget_protocol::plugins::{Card, CardAction, CardKind, Carousel};
use serde_json::Value;

use super::is_http_url;

/// Longest title, image description or action title, in characters.
pub const MAX_TITLE_CHARS: usize = 256;
/// Longest card text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Most actions on one card.
pub const MAX_ACTIONS: usize = 10;
/// Most cards in one carousel.
pub const MAX_CARDS: usize = 10;

fn opt_text(v: &Value, key: &str, what: &str, max: usize) -> Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(format!("{what} must be at most {max} characters"))
        }
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{what} must be a string")),
    }
}

/// The LINK actions of `v.actions` with http(s) URLs (others are dropped);
/// an action's label is its `title` (or `name`, the bot contract's word).
fn actions(v: &Value, what: &str) -> Result<Vec<CardAction>, String> {
    let list = match v.get("actions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(format!("{what}.actions must be an array")),
    };
    if list.len() > MAX_ACTIONS {
        return Err(format!("{what}.actions: at most {MAX_ACTIONS} actions"));
    }
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let at = format!("{what}.actions[{i}]");
        if !a.is_object() {
            return Err(format!("{at} must be an object"));
        }
        match a.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t.eq_ignore_ascii_case("LINK") => {}
            Some(Value::String(_)) => continue,
            Some(_) => return Err(format!("{at}.type must be a string")),
        }
        let title = match opt_text(a, "title", &format!("{at}.title"), MAX_TITLE_CHARS)? {
            Some(t) => Some(t),
            None => opt_text(a, "name", &format!("{at}.name"), MAX_TITLE_CHARS)?,
        };
        let url = match a.get("url") {
            Some(Value::String(u)) => u.trim().to_string(),
            _ => return Err(format!("{at}.url must be a string")),
        };
        if !is_http_url(&url) {
            continue;
        }
        out.push(CardAction {
            title: title.unwrap_or_else(|| url.clone()),
            url,
        });
    }
    Ok(out)
}

/// `image: {url, description}`: the URL when http(s), and its alt text.
fn image(v: &Value, what: &str) -> Result<(Option<String>, Option<String>), String> {
    let img = match v.get("image") {
        None | Some(Value::Null) => return Ok((None, None)),
        Some(img @ Value::Object(_)) => img,
        Some(_) => return Err(format!("{what}.image must be an object")),
    };
    let url = match img.get("url") {
        Some(Value::String(u)) => u.trim().to_string(),
        _ => return Err(format!("{what}.image.url must be a string")),
    };
    let alt = opt_text(
        img,
        "description",
        &format!("{what}.image.description"),
        MAX_TITLE_CHARS,
    )?;
    Ok(match is_http_url(&url) {
        true => (Some(url), alt),
        false => (None, None),
    })
}

/// A content card `{title?, text?, image?: {url, description?}, actions:
/// [{type: "LINK", title, url}]}` (≥ 1 action with an http(s) URL).
pub fn content_card(v: &Value, what: &str) -> Result<Card, String> {
    if !v.is_object() {
        return Err(format!("{what} must be an object"));
    }
    let title = opt_text(v, "title", &format!("{what}.title"), MAX_TITLE_CHARS)?;
    let text = opt_text(v, "text", &format!("{what}.text"), MAX_TEXT_CHARS)?;
    let (image_url, image_alt) = image(v, what)?;
    let actions = actions(v, what)?;
    if actions.is_empty() {
        return Err(format!(
            "{what} needs at least one LINK action with an http(s) URL"
        ));
    }
    Ok(Card {
        kind: CardKind::Content,
        title: title.unwrap_or_default(),
        image_url,
        text,
        image_alt,
        actions,
        ..Default::default()
    })
}

/// A bundle `{title?, cards: [card, …]}` (1 to [`MAX_CARDS`] cards, each a
/// valid [`content_card`]).
pub fn carousel(v: &Value, what: &str) -> Result<Carousel, String> {
    if !v.is_object() {
        return Err(format!("{what} must be an object"));
    }
    let title = opt_text(v, "title", &format!("{what}.title"), MAX_TITLE_CHARS)?;
    let cards = match v.get("cards") {
        Some(Value::Array(a)) => a,
        _ => return Err(format!("{what}.cards must be an array")),
    };
    if cards.is_empty() || cards.len() > MAX_CARDS {
        return Err(format!("{what}.cards: 1 to {MAX_CARDS} cards"));
    }
    let cards = cards
        .iter()
        .enumerate()
        .map(|(i, c)| content_card(c, &format!("{what}.cards[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Carousel { title, cards })
}

/// The plain-text fallback of a card: its title, else its text, else its
/// first action's label (always non-empty for a valid card).
pub fn fallback_text(card: &Card) -> String {
    [Some(&card.title), card.text.as_ref()]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .cloned()
        .or_else(|| card.actions.first().map(|a| a.title.clone()))
        .unwrap_or_default()
}

/// The plain-text fallback of a carousel: its title, else its first card's.
pub fn carousel_text(c: &Carousel) -> String {
    c.title
        .clone()
        .or_else(|| c.cards.first().map(fallback_text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_reference_card() {
        let c = content_card(
            &json!({"title": "Order 1042", "text": "Shipped <b>Monday</b>",
                    "image": {"url": "https://shop.example/p.png", "description": "A parcel"},
                    "actions": [{"type": "LINK", "title": "Track", "url": "https://shop.example/t"}]}),
            "card",
        )
        .unwrap();
        assert_eq!(c.kind, CardKind::Content);
        assert_eq!(c.title, "Order 1042");
        assert_eq!(
            c.text.as_deref(),
            Some("Shipped <b>Monday</b>"),
            "text, as is"
        );
        assert_eq!(c.image_url.as_deref(), Some("https://shop.example/p.png"));
        assert_eq!(c.image_alt.as_deref(), Some("A parcel"));
        assert_eq!(
            c.actions,
            vec![CardAction {
                title: "Track".into(),
                url: "https://shop.example/t".into()
            }]
        );
        assert_eq!(fallback_text(&c), "Order 1042");
    }

    #[test]
    fn other_schemes_are_dropped_and_a_card_needs_a_link() {
        let v = json!({"text": "x", "image": {"url": "javascript:alert(1)"},
            "actions": [{"type": "LINK", "title": "Evil", "url": "javascript:alert(1)"},
                        {"type": "CALL", "title": "Call", "url": "https://x.example/"},
                        {"name": "Bot style", "url": "http://shop.example/b"}]});
        let c = content_card(&v, "card").unwrap();
        assert_eq!(c.image_url, None);
        assert_eq!(c.actions.len(), 1);
        assert_eq!(c.actions[0].title, "Bot style");
        assert_eq!(fallback_text(&c), "x");
        let err = content_card(
            &json!({"title": "T", "actions": [{"title": "E", "url": "data:text/html,x"}]}),
            "card",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "card needs at least one LINK action with an http(s) URL"
        );
        assert!(content_card(&json!({"title": "T"}), "card").is_err());
    }

    #[test]
    fn bad_shapes_name_the_field() {
        let link = json!([{"title": "A", "url": "https://a.example/"}]);
        for (v, want) in [
            (json!("x"), "card must be an object"),
            (
                json!({"title": 3, "actions": link}),
                "card.title must be a string",
            ),
            (
                json!({"text": "x".repeat(MAX_TEXT_CHARS + 1), "actions": link}),
                "card.text must be at most 2000 characters",
            ),
            (json!({"actions": "x"}), "card.actions must be an array"),
            (
                json!({"actions": [{"title": "A"}]}),
                "card.actions[0].url must be a string",
            ),
            (
                json!({"image": "https://x/", "actions": link}),
                "card.image must be an object",
            ),
        ] {
            assert_eq!(content_card(&v, "card").unwrap_err(), want, "{v}");
        }
    }

    #[test]
    fn a_bundle_of_cards() {
        let card = json!({"title": "A", "actions": [{"type": "LINK", "title": "Go", "url": "https://a.example/"}]});
        let c = carousel(&json!({"title": "Orders", "cards": [card, card]}), "bundle").unwrap();
        assert_eq!((c.title.as_deref(), c.cards.len()), (Some("Orders"), 2));
        assert_eq!(carousel_text(&c), "Orders");
        let untitled = carousel(&json!({"cards": [card]}), "bundle").unwrap();
        assert_eq!(carousel_text(&untitled), "A");
        assert_eq!(
            carousel(&json!({"cards": []}), "bundle").unwrap_err(),
            "bundle.cards: 1 to 10 cards"
        );
        let err =
            carousel(&json!({"cards": [card, {"title": "no action"}]}), "bundle").unwrap_err();
        assert!(err.starts_with("bundle.cards[1] needs"), "{err}");
    }
}
