//! Cards in the conversation: a product the operator shared from the
//! company's catalog (App Plugins, product list). The card arrives with an
//! operator message (`message.card`, see the plugin contract) whose `text`
//! is the product's title, the fallback for transcripts and old widgets.
//!
//! Two steps: [`decode`] reads the protocol's card from the socket frame
//! (the server's serde types, checked by the native tests); [`view`] makes
//! it what the visitor sees.
//!
//! Everything in a card came from the company's connector: it is set as
//! text, and only `http(s)` URLs become the image or the "view product"
//! link (the server checks them too; the widget does not rely on it).

use owidget_protocol::plugins::{Card as WireCard, CardKind};
use owidget_protocol::Texts;
use owidget_web::dom::{attr, child, text};
use owidget_web::Json;
use web_sys::Element;

use crate::linkify::is_http_url;

/// A shared product, as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    /// Product title.
    pub title: String,
    /// Picture (`http(s)` only).
    pub image_url: Option<String>,
    /// Product page (`http(s)` only): the "view product" link.
    pub url: Option<String>,
    /// In stock; `None` when the connector did not say.
    pub available: Option<bool>,
    /// The catalog price, preformatted by the connector ("99.90 €").
    pub price: Option<String>,
    /// The promotion (else special) price, shown as the offer.
    pub offer_price: Option<String>,
}

/// Reads `message.card` as the protocol has it (`None` for a kind this
/// widget does not know: the message text is shown instead).
pub(crate) fn decode<J: Json>(v: &J) -> Option<WireCard> {
    let s = |key: &str| v.get(key).and_then(|x| x.string());
    Some(WireCard {
        kind: match s("kind")?.as_str() {
            "product" => CardKind::Product,
            _ => return None,
        },
        title: s("title")?,
        image_url: s("imageUrl"),
        url: s("url"),
        available: v.get("available").and_then(|x| x.boolean()),
        price: s("price"),
        offer_price: s("offerPrice"),
    })
}

/// What the visitor is shown of a card: blank parts dropped, URLs kept only
/// when they are whole `http(s)` URLs, the message `text` as the title when
/// the card has none. `None` when nothing is left to show as a card.
pub(crate) fn view(card: &WireCard, text: &str) -> Option<Card> {
    let CardKind::Product = card.kind;
    let some = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let url = |s: &Option<String>| some(s).filter(|u| is_http_url(u));
    let title = Some(card.title.clone())
        .filter(|t| !t.trim().is_empty())
        .or_else(|| (!text.trim().is_empty()).then(|| text.to_string()))?;
    Some(Card {
        title,
        image_url: url(&card.image_url),
        url: url(&card.url),
        available: card.available,
        price: some(&card.price),
        offer_price: some(&card.offer_price),
    })
}

/// Builds the card into `parent` (the message's list item).
///
/// ```text
/// <article class=card part=card aria-label=title>
///   <img class=ci src alt="">           (http(s) only)
///   <p class=ct>title</p>
///   <p class="ca on|off">In stock</p>   (when known)
///   <p class=cp><b>offer</b> <s><span class=sr>Original price </span>price</s></p>
///   <a class=cg href target=_blank rel="noopener noreferrer">View product</a>
/// </article>
/// ```
pub(crate) fn render(parent: &Element, card: &Card, texts: &Texts) {
    let root = child(parent, "article", "card");
    attr(&root, "part", "card");
    attr(&root, "aria-label", &card.title);
    if let Some(src) = &card.image_url {
        let img = child(&root, "img", "ci");
        // Decorative: the title follows as text.
        attr(&img, "alt", "");
        attr(&img, "loading", "lazy");
        attr(&img, "referrerpolicy", "no-referrer");
        attr(&img, "src", src);
    }
    text(&child(&root, "p", "ct"), &card.title);
    if let Some(available) = card.available {
        let (class, label) = if available {
            ("ca on", &texts.in_stock)
        } else {
            ("ca off", &texts.out_of_stock)
        };
        text(&child(&root, "p", class), label);
    }
    let offer = card.offer_price.as_deref();
    if offer.is_some() || card.price.is_some() {
        let p = child(&root, "p", "cp");
        match (offer, card.price.as_deref()) {
            (Some(offer), price) => {
                text(&child(&p, "b", ""), offer);
                if let Some(price) = price.filter(|p| *p != offer) {
                    let _ = p.append_with_str_1(" ");
                    let was = child(&p, "s", "");
                    // `<s>` alone is not announced: say what the number is.
                    text(
                        &child(&was, "span", "sr"),
                        &owidget_web::cat(&[&texts.original_price, " "]),
                    );
                    let _ = was.append_with_str_1(price);
                }
            }
            (None, Some(price)) => text(&child(&p, "b", ""), price),
            (None, None) => {}
        }
    }
    if let Some(href) = &card.url {
        let a = child(&root, "a", "cg");
        attr(&a, "href", href);
        attr(&a, "target", "_blank");
        attr(&a, "rel", "noopener noreferrer");
        text(&a, &texts.view_product);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(v: serde_json::Value, text: &str) -> Option<Card> {
        view(&decode(&v)?, text)
    }

    #[test]
    fn decodes_what_serde_encodes() {
        let card = WireCard {
            kind: CardKind::Product,
            title: "Trail shoe X".into(),
            image_url: Some("https://shop.example/x.png".into()),
            url: Some("https://shop.example/x".into()),
            available: Some(false),
            price: Some("99.90 €".into()),
            offer_price: Some("79.90 €".into()),
        };
        let v = serde_json::to_value(&card).unwrap();
        assert_eq!(decode(&v), Some(card.clone()));
        let bare = WireCard {
            image_url: None,
            url: None,
            available: None,
            price: None,
            offer_price: None,
            ..card
        };
        assert_eq!(decode(&serde_json::to_value(&bare).unwrap()), Some(bare));
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
                title: "Trail shoe X".into(),
                image_url: Some("https://shop.example/x.png".into()),
                url: Some("https://shop.example/x".into()),
                available: Some(true),
                price: Some("99.90 €".into()),
                offer_price: Some("79.90 €".into()),
            })
        );
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
        assert_eq!(c.title, "Shoe");
        assert_eq!(shown(json!({"kind": "product", "title": " "}), ""), None);
    }

    #[test]
    fn only_http_urls_survive() {
        let v = json!({
            "kind": "product", "title": "<img src=x onerror=alert(1)>",
            "imageUrl": "javascript:alert(1)", "url": "data:text/html,<script>alert(1)</script>"
        });
        let c = shown(v, "").unwrap();
        assert_eq!(c.title, "<img src=x onerror=alert(1)>");
        assert_eq!((c.image_url, c.url), (None, None));
        let v = json!({"kind": "product", "title": "T", "url": "HTTP://shop.example/a b"});
        assert_eq!(shown(v, "").unwrap().url, None, "no whitespace in a URL");
    }

    #[test]
    fn unknown_kinds_fall_back_to_the_text() {
        assert_eq!(decode(&json!({"kind": "content", "text": "x"})), None);
        assert_eq!(decode(&json!({"title": "x"})), None);
        assert_eq!(decode(&json!({"kind": "product"})), None);
        assert_eq!(decode(&json!("product")), None);
    }
}

/// The card's DOM in a real browser: text only, safe links, offer prices.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn rendered(card: &Card) -> Element {
        let doc = owidget_web::dom::document().unwrap();
        let li = owidget_web::dom::el(&doc, "li", "m o");
        let _ = doc.body().unwrap().append_child(&li);
        render(&li, card, &Texts::default());
        li.query_selector("[part=card]").unwrap().unwrap()
    }

    fn q(e: &Element, css: &str) -> Option<Element> {
        e.query_selector(css).unwrap()
    }

    #[wasm_bindgen_test]
    fn a_product_on_offer() {
        let card = rendered(&Card {
            title: "Trail shoe X".into(),
            image_url: Some("https://shop.example/x.png".into()),
            url: Some("https://shop.example/x".into()),
            available: Some(true),
            price: Some("99.90 €".into()),
            offer_price: Some("79.90 €".into()),
        });
        assert_eq!(card.get_attribute("aria-label").unwrap(), "Trail shoe X");
        let img = q(&card, "img").unwrap();
        assert_eq!(
            img.get_attribute("src").unwrap(),
            "https://shop.example/x.png"
        );
        assert_eq!(img.get_attribute("alt").unwrap(), "");
        assert_eq!(
            q(&card, ".ct").unwrap().text_content().unwrap(),
            "Trail shoe X"
        );
        assert_eq!(q(&card, ".ca").unwrap().text_content().unwrap(), "In stock");
        assert_eq!(
            q(&card, ".cp b").unwrap().text_content().unwrap(),
            "79.90 €"
        );
        assert_eq!(
            q(&card, ".cp s").unwrap().text_content().unwrap(),
            "Original price 99.90 €"
        );
        let a = q(&card, "a").unwrap();
        assert_eq!(a.get_attribute("href").unwrap(), "https://shop.example/x");
        assert_eq!(a.get_attribute("target").unwrap(), "_blank");
        assert_eq!(a.get_attribute("rel").unwrap(), "noopener noreferrer");
        assert_eq!(a.text_content().unwrap(), "View product");
    }

    #[wasm_bindgen_test]
    fn connector_markup_stays_text() {
        let evil = "<img src=x onerror=alert(1)>";
        let card = rendered(&Card {
            title: evil.into(),
            image_url: None,
            url: None,
            available: Some(false),
            price: Some(evil.into()),
            offer_price: None,
        });
        assert!(q(&card, "img").is_none(), "no image without an http(s) URL");
        assert!(q(&card, "a").is_none(), "no link without an http(s) URL");
        assert!(q(&card, "s").is_none(), "nothing struck without an offer");
        assert_eq!(q(&card, ".ct").unwrap().text_content().unwrap(), evil);
        assert_eq!(q(&card, ".cp b").unwrap().text_content().unwrap(), evil);
        assert_eq!(
            q(&card, ".ca").unwrap().text_content().unwrap(),
            "Out of stock"
        );
        assert_eq!(card.child_element_count(), 3, "title, availability, price");
    }
}
