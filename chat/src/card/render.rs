//! The DOM of cards and carousels, drawn once into the message's row (the
//! view draws rows by the item's key, so a card is never redrawn).
//!
//! ```text
//! <article class=card part=card aria-label=title>
//!   <img class=ci src alt>               (http(s) only; alt = image description)
//!   <p class=ct>title</p>
//!   <p class=cx>text</p>
//!   <p class="ca on|off">In stock</p>    (product, when known)
//!   <p class=cp><b>offer</b> <s><span class=sr>Original price </span>price</s></p>
//!   <a class=cg href target=_blank rel="noopener noreferrer">action</a>   (each, http(s))
//! </article>
//!
//! <section class=cc part=carousel aria-label=title>
//!   <p class=ch>title</p>
//!   <ul class=cr tabindex=0 aria-label=title><li class=cl><article class=card>…</li>…</ul>
//! </section>
//! ```

use owidget_protocol::Texts;
use owidget_web::dom::{attr, child, text};
use web_sys::Element;

use super::{Attachment, Card};

/// Builds the attachment into `parent` (the message's list item); `fallback`
/// (the message text) names a carousel without a title.
pub(crate) fn render(parent: &Element, shown: &Attachment, fallback: &str, texts: &Texts) {
    match shown {
        Attachment::Card(card) => card_into(parent, card, texts),
        Attachment::Carousel { title, cards } => {
            let root = child(parent, "section", "cc");
            attr(&root, "part", "carousel");
            let name = title.as_deref().unwrap_or(fallback);
            if !name.trim().is_empty() {
                attr(&root, "aria-label", name);
            }
            if let Some(title) = title {
                text(&child(&root, "p", "ch"), title);
            }
            let row = child(&root, "ul", "cr");
            // A scrolling region is reachable and scrollable by keyboard.
            attr(&row, "tabindex", "0");
            if !name.trim().is_empty() {
                attr(&row, "aria-label", name);
            }
            for card in cards {
                card_into(&child(&row, "li", "cl"), card, texts);
            }
        }
    }
}

fn card_into(parent: &Element, card: &Card, texts: &Texts) {
    let root = child(parent, "article", "card");
    attr(&root, "part", "card");
    if let Some(title) = &card.title {
        attr(&root, "aria-label", title);
    }
    if let Some(src) = &card.image_url {
        let img = child(&root, "img", "ci");
        // Without a description the image is decorative: the title follows.
        attr(&img, "alt", card.image_alt.as_deref().unwrap_or(""));
        attr(&img, "loading", "lazy");
        attr(&img, "referrerpolicy", "no-referrer");
        attr(&img, "src", src);
    }
    if let Some(title) = &card.title {
        text(&child(&root, "p", "ct"), title);
    }
    if let Some(body) = &card.text {
        text(&child(&root, "p", "cx"), body);
    }
    if let Some(available) = card.available {
        let (class, label) = if available {
            ("ca on", &texts.in_stock)
        } else {
            ("ca off", &texts.out_of_stock)
        };
        text(&child(&root, "p", class), label);
    }
    prices(&root, card, texts);
    let view_product = card
        .url
        .as_ref()
        .filter(|_| card.product && card.actions.is_empty())
        .map(|url| (texts.view_product.clone(), url.clone()));
    for (label, href) in card.actions.iter().chain(view_product.iter()) {
        let a = child(&root, "a", "cg");
        attr(&a, "href", href);
        attr(&a, "target", "_blank");
        attr(&a, "rel", "noopener noreferrer");
        text(&a, label);
    }
}

fn prices(root: &Element, card: &Card, texts: &Texts) {
    let offer = card.offer_price.as_deref();
    if offer.is_none() && card.price.is_none() {
        return;
    }
    let p = child(root, "p", "cp");
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

/// The card's DOM in a real browser: text only, safe links, offer prices.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn rendered(shown: &Attachment) -> Element {
        let doc = owidget_web::dom::document().unwrap();
        let li = owidget_web::dom::el(&doc, "li", "m o");
        let _ = doc.body().unwrap().append_child(&li);
        render(&li, shown, "fallback", &Texts::default());
        li
    }

    fn one(card: Card) -> Element {
        let li = rendered(&Attachment::Card(card));
        li.query_selector("[part=card]").unwrap().unwrap()
    }

    fn q(e: &Element, css: &str) -> Option<Element> {
        e.query_selector(css).unwrap()
    }

    fn content(title: &str) -> Card {
        Card {
            title: Some(title.into()),
            text: Some("Shipped on Monday".into()),
            image_url: Some("https://shop.example/p.png".into()),
            image_alt: Some("A parcel".into()),
            actions: vec![("Track".into(), "https://shop.example/track".into())],
            ..Default::default()
        }
    }

    #[wasm_bindgen_test]
    fn a_product_on_offer() {
        let card = one(Card {
            product: true,
            title: Some("Trail shoe X".into()),
            image_url: Some("https://shop.example/x.png".into()),
            url: Some("https://shop.example/x".into()),
            available: Some(true),
            price: Some("99.90 €".into()),
            offer_price: Some("79.90 €".into()),
            ..Default::default()
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
        let card = one(Card {
            product: true,
            title: Some(evil.into()),
            available: Some(false),
            price: Some(evil.into()),
            ..Default::default()
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

    #[wasm_bindgen_test]
    fn a_content_card_with_its_actions() {
        let evil = "<b>bold</b>";
        let mut c = content(evil);
        c.actions
            .push(("Help".into(), "http://shop.example/help".into()));
        let card = one(c);
        assert_eq!(
            q(&card, "img").unwrap().get_attribute("alt").unwrap(),
            "A parcel"
        );
        assert_eq!(q(&card, ".ct").unwrap().text_content().unwrap(), evil);
        assert!(q(&card, "b").is_none(), "markup is text");
        assert_eq!(
            q(&card, ".cx").unwrap().text_content().unwrap(),
            "Shipped on Monday"
        );
        assert!(q(&card, "a:nth-of-type(3)").is_none(), "two links");
        let a = q(&card, "a:nth-of-type(2)").unwrap();
        assert_eq!(a.text_content().unwrap(), "Help");
        assert_eq!(a.get_attribute("rel").unwrap(), "noopener noreferrer");
        assert_eq!(a.get_attribute("target").unwrap(), "_blank");
    }

    #[wasm_bindgen_test]
    fn a_carousel_is_a_keyboard_reachable_row() {
        let li = rendered(&Attachment::Carousel {
            title: Some("Your orders".into()),
            cards: vec![content("Order 1"), content("Order 2")],
        });
        let c = q(&li, "[part=carousel]").unwrap();
        assert_eq!(c.get_attribute("aria-label").unwrap(), "Your orders");
        assert_eq!(q(&c, ".ch").unwrap().text_content().unwrap(), "Your orders");
        let row = q(&c, "ul.cr").unwrap();
        assert_eq!(row.get_attribute("tabindex").unwrap(), "0");
        assert_eq!(row.child_element_count(), 2);
        assert!(q(&row, "li:nth-child(2) > [part=card]").is_some());
        let untitled = rendered(&Attachment::Carousel {
            title: None,
            cards: vec![content("A")],
        });
        let c = q(&untitled, "[part=carousel]").unwrap();
        assert_eq!(c.get_attribute("aria-label").unwrap(), "fallback");
        assert!(q(&c, ".ch").is_none());
    }
}
