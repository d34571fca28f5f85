//! Cards in the conversation: a product the operator shared from the
//! company's catalog (App Plugins, product list), a content card or a
//! carousel of cards pushed by a Custom App or a bot (see
//! `cards-contract.md`). The card arrives with an operator message
//! (`message.card` or `message.carousel`) whose `text` is the plain-text
//! fallback for transcripts and old widgets.
//!
//! Two steps: [`decode`] / [`decode_carousel`] read the protocol's types
//! from the socket frame (the server's serde types, checked by the native
//! tests); [`attachment`] makes them what the visitor sees, and
//! [`render()`] draws that into the message's row.
//!
//! Everything in a card came from a connector, a bot or a Custom App: it is
//! set as text, and only `http(s)` URLs become the image or links (the
//! server checks them too; the widget does not rely on it).

use owidget_protocol::plugins::{Card as WireCard, CardAction, CardKind, Carousel};
use owidget_web::Json;

use crate::linkify::is_http_url;

mod render;

pub(crate) use render::render;

/// A card as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Card {
    /// A product (availability, prices, "view product") or a content card.
    pub product: bool,
    /// Title; `None` for a content card without one.
    pub title: Option<String>,
    /// Body text (a content card's text, a product's description).
    pub text: Option<String>,
    /// Picture (`http(s)` only).
    pub image_url: Option<String>,
    /// Alt text of the picture (empty: decorative).
    pub image_alt: Option<String>,
    /// Product page (`http(s)` only): the "view product" link of a product
    /// without actions.
    pub url: Option<String>,
    /// In stock; `None` when the connector did not say.
    pub available: Option<bool>,
    /// The catalog price, preformatted by the connector ("99.90 €").
    pub price: Option<String>,
    /// The promotion (else special) price, shown as the offer.
    pub offer_price: Option<String>,
    /// LINK buttons `(label, http(s) URL)`.
    pub actions: Vec<(String, String)>,
}

/// What a message shows instead of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attachment {
    /// One card.
    Card(Card),
    /// A horizontally scrolling row of cards, with an optional title.
    Carousel {
        /// Title above the row.
        title: Option<String>,
        /// At least one card.
        cards: Vec<Card>,
    },
}

/// Reads one card as the protocol has it (`None` for a kind this widget
/// does not know, or a product without a title: the text is shown instead).
pub(crate) fn decode<J: Json>(v: &J) -> Option<WireCard> {
    let s = |key: &str| v.get(key).and_then(|x| x.string());
    let kind = match s("kind")?.as_str() {
        "product" => CardKind::Product,
        "content" => CardKind::Content,
        _ => return None,
    };
    let title = match kind {
        CardKind::Product => s("title")?,
        CardKind::Content => s("title").unwrap_or_default(),
    };
    Some(WireCard {
        kind,
        title,
        image_url: s("imageUrl"),
        url: s("url"),
        available: v.get("available").and_then(|x| x.boolean()),
        price: s("price"),
        offer_price: s("offerPrice"),
        text: s("text"),
        image_alt: s("imageAlt"),
        actions: v
            .get("actions")
            .map(|a| a.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| {
                Some(CardAction {
                    title: a.get("title")?.string()?,
                    url: a.get("url")?.string()?,
                })
            })
            .collect(),
    })
}

/// Reads `message.carousel` (cards of unknown kinds are skipped).
pub(crate) fn decode_carousel<J: Json>(v: &J) -> Option<Carousel> {
    let cards = v.get("cards")?.items();
    Some(Carousel {
        title: v.get("title").and_then(|t| t.string()),
        cards: cards.iter().filter_map(decode).collect(),
    })
}

fn some(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.trim().is_empty())
}

fn http(s: &Option<String>) -> Option<String> {
    some(s).filter(|u| is_http_url(u))
}

/// What the visitor is shown of a card: blank parts dropped, URLs kept only
/// when they are whole `http(s)` URLs, the message `text` as the title of a
/// product that has none. `None` when nothing is left to show.
pub(crate) fn view(card: &WireCard, text: &str) -> Option<Card> {
    let product = card.kind == CardKind::Product;
    let title = some(&Some(card.title.clone()))
        .or_else(|| some(&Some(text.to_string())).filter(|_| product));
    if product && title.is_none() {
        return None;
    }
    let actions: Vec<_> = card
        .actions
        .iter()
        .filter(|a| is_http_url(&a.url))
        .map(|a| {
            let label = some(&Some(a.title.clone())).unwrap_or_else(|| a.url.clone());
            (label, a.url.clone())
        })
        .collect();
    let shown = Card {
        product,
        title,
        text: some(&card.text),
        image_url: http(&card.image_url),
        image_alt: some(&card.image_alt),
        url: http(&card.url),
        available: card.available.filter(|_| product),
        price: some(&card.price).filter(|_| product),
        offer_price: some(&card.offer_price).filter(|_| product),
        actions,
    };
    let empty = shown.title.is_none()
        && shown.text.is_none()
        && shown.image_url.is_none()
        && shown.actions.is_empty();
    (!empty).then_some(shown)
}

/// What a message with `card` and/or `carousel` shows instead of its
/// `text`; `None` to show the text (nothing displayable, unknown kinds).
pub(crate) fn attachment(
    card: Option<&WireCard>,
    carousel: Option<&Carousel>,
    text: &str,
) -> Option<Attachment> {
    if let Some(c) = carousel {
        let cards: Vec<_> = c.cards.iter().filter_map(|c| view(c, "")).collect();
        if !cards.is_empty() {
            return Some(Attachment::Carousel {
                title: some(&c.title),
                cards,
            });
        }
    }
    card.and_then(|c| view(c, text)).map(Attachment::Card)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(v: serde_json::Value, text: &str) -> Option<Card> {
        view(&decode(&v)?, text)
    }

    fn product() -> WireCard {
        WireCard {
            kind: CardKind::Product,
            title: "Trail shoe X".into(),
            image_url: Some("https://shop.example/x.png".into()),
            url: Some("https://shop.example/x".into()),
            available: Some(false),
            price: Some("99.90 €".into()),
            offer_price: Some("79.90 €".into()),
            ..Default::default()
        }
    }

    fn content() -> WireCard {
        WireCard {
            kind: CardKind::Content,
            title: "Order 1042".into(),
            text: Some("Shipped on Monday".into()),
            image_url: Some("https://shop.example/parcel.png".into()),
            image_alt: Some("A parcel".into()),
            actions: vec![CardAction {
                title: "Track".into(),
                url: "https://shop.example/track".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn decodes_what_serde_encodes() {
        for card in [product(), content()] {
            let v = serde_json::to_value(&card).unwrap();
            assert_eq!(decode(&v), Some(card.clone()));
        }
        let bare = WireCard {
            image_url: None,
            url: None,
            available: None,
            price: None,
            offer_price: None,
            ..product()
        };
        assert_eq!(decode(&serde_json::to_value(&bare).unwrap()), Some(bare));
        let untitled = WireCard {
            kind: CardKind::Content,
            text: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            decode(&serde_json::to_value(&untitled).unwrap()),
            Some(untitled)
        );
        let carousel = Carousel {
            title: Some("Orders".into()),
            cards: vec![content(), product()],
        };
        let v = serde_json::to_value(&carousel).unwrap();
        assert_eq!(decode_carousel(&v), Some(carousel));
    }

    #[test]
    fn shows_the_contract_card() {
        let v = json!({
            "kind": "product", "title": "Trail shoe X",
            "imageUrl": "https://shop.example/x.png", "url": "https://shop.example/x",
            "available": true, "price": "99.90 €", "offerPrice": "79.90 €"
        });
        assert_eq!(
            shown(v, "Trail shoe X"),
            Some(Card {
                product: true,
                title: Some("Trail shoe X".into()),
                image_url: Some("https://shop.example/x.png".into()),
                url: Some("https://shop.example/x".into()),
                available: Some(true),
                price: Some("99.90 €".into()),
                offer_price: Some("79.90 €".into()),
                ..Default::default()
            })
        );
    }

    #[test]
    fn shows_a_content_card() {
        let v = json!({
            "kind": "content", "text": "Shipped", "imageUrl": "https://shop.example/p.png",
            "imageAlt": "A parcel", "price": "ignored",
            "actions": [{"title": "Track", "url": "https://shop.example/t"},
                        {"title": "Evil", "url": "javascript:alert(1)"},
                        {"title": " ", "url": "http://shop.example/u"},
                        {"title": "no url"}]
        });
        assert_eq!(
            shown(v, "Shipped"),
            Some(Card {
                product: false,
                title: None,
                text: Some("Shipped".into()),
                image_url: Some("https://shop.example/p.png".into()),
                image_alt: Some("A parcel".into()),
                actions: vec![
                    ("Track".into(), "https://shop.example/t".into()),
                    (
                        "http://shop.example/u".into(),
                        "http://shop.example/u".into()
                    )
                ],
                ..Default::default()
            })
        );
        // Nothing to show: the text instead.
        assert_eq!(shown(json!({"kind": "content", "title": " "}), "x"), None);
    }

    #[test]
    fn optional_parts_may_be_missing_null_or_blank() {
        let v = json!({"kind": "product", "title": "T", "available": null, "offerPrice": null,
                       "price": " "});
        let c = shown(v, "T").unwrap();
        assert_eq!(
            (c.image_url, c.url, c.available, c.price, c.offer_price),
            (None, None, None, None, None)
        );
        // A blank title: the message text is the title.
        let c = shown(json!({"kind": "product", "title": ""}), "Shoe").unwrap();
        assert_eq!(c.title.as_deref(), Some("Shoe"));
        assert_eq!(shown(json!({"kind": "product", "title": " "}), ""), None);
    }

    #[test]
    fn only_http_urls_survive() {
        let v = json!({
            "kind": "product", "title": "<img src=x onerror=alert(1)>",
            "imageUrl": "javascript:alert(1)", "url": "data:text/html,<script>alert(1)</script>"
        });
        let c = shown(v, "").unwrap();
        assert_eq!(c.title.as_deref(), Some("<img src=x onerror=alert(1)>"));
        assert_eq!((c.image_url, c.url), (None, None));
        let v = json!({"kind": "product", "title": "T", "url": "HTTP://shop.example/a b"});
        assert_eq!(shown(v, "").unwrap().url, None, "no whitespace in a URL");
    }

    #[test]
    fn unknown_kinds_fall_back_to_the_text() {
        assert_eq!(decode(&json!({"kind": "video", "text": "x"})), None);
        assert_eq!(decode(&json!({"title": "x"})), None);
        assert_eq!(decode(&json!({"kind": "product"})), None);
        assert_eq!(decode(&json!("product")), None);
    }

    #[test]
    fn a_carousel_wins_over_the_text_when_it_has_cards() {
        let carousel = Carousel {
            title: Some(" ".into()),
            cards: vec![
                content(),
                WireCard {
                    kind: CardKind::Content,
                    ..Default::default()
                },
                product(),
            ],
        };
        let Some(Attachment::Carousel { title, cards }) =
            attachment(None, Some(&carousel), "Orders")
        else {
            panic!("a carousel")
        };
        assert_eq!(title, None);
        assert_eq!(cards.len(), 2, "the empty card is dropped");
        assert!(!cards[0].product && cards[1].product);
        let empty = Carousel {
            title: Some("T".into()),
            cards: vec![],
        };
        assert_eq!(attachment(None, Some(&empty), "T"), None);
        assert!(matches!(
            attachment(Some(&content()), Some(&empty), "T"),
            Some(Attachment::Card(_))
        ));
    }
}
