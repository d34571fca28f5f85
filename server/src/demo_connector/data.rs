//! The demo connector's data: a generated catalog (three root categories,
//! six leaves, ten products each), the demo customer and the closing form.
//! Ids are integers on purpose in places: iAdvize's documentation types
//! them so, and the platform must accept both.

use serde_json::{json, Value};

use super::Case;

/// The demo visitor's e-mail (the demo page sets it as `oo1_guest_email`).
pub const DEMO_EMAIL: &str = "visitor@example.com";
/// The demo visitor's external id (`oo1_guest_external_id`).
pub const DEMO_EXTERNAL_ID: &str = "demo-customer-1";

const PER_LEAF: u32 = 10;

/// (id, parent, label, product noun, colour).
const LEAVES: [(u32, u32, &str, &str, &str); 6] = [
    (11, 1, "Running shoes", "runner", "#d1495b"),
    (12, 1, "Hiking boots", "boot", "#8f5e3b"),
    (21, 2, "Jackets", "jacket", "#2e86ab"),
    (22, 2, "T-shirts", "tee", "#3bb273"),
    (31, 3, "Bags", "backpack", "#7768ae"),
    (32, 3, "Hats", "cap", "#e1bc29"),
];
const ROOTS: [(u32, &str); 3] = [(1, "Shoes"), (2, "Clothing"), (3, "Accessories")];
const ADJECTIVES: [&str; 10] = [
    "Trail", "Summit", "Urban", "Coastal", "Alpine", "Forest", "Desert", "Storm", "Breeze",
    "Glacier",
];
const BRANDS: [&str; 3] = ["Northpeak", "Rivermoss", "Stonefield"];

fn leaf_of(n: u32) -> Option<&'static (u32, u32, &'static str, &'static str, &'static str)> {
    LEAVES.get(n.checked_sub(1)? as usize / PER_LEAF as usize)
}

/// True for an existing product number.
pub fn product_exists(n: u32) -> bool {
    leaf_of(n).is_some()
}

/// The product's title.
pub fn product_title(n: u32) -> Option<String> {
    let leaf = leaf_of(n)?;
    let adjective = ADJECTIVES[((n - 1) % PER_LEAF) as usize];
    Some(format!("{adjective} {} {n}", leaf.3))
}

fn price(cents: u32) -> String {
    format!("{}.{:02} €", cents / 100, cents % 100)
}

pub(super) fn product(base: &str, n: u32) -> Value {
    let leaf = leaf_of(n).expect("caller checks");
    let cents = 1990 + n * 350;
    let title = product_title(n).expect("exists");
    json!({
        "id": n.to_string(),
        "title": title,
        "productUrl": format!("{base}/shop/{n}"),
        "brand": if n.is_multiple_of(7) { Value::Null } else { json!(BRANDS[(n % 3) as usize]) },
        "description": format!("{title}: a demo {} from the {} range, made for days outside.", leaf.3, leaf.2.to_lowercase()),
        "shortDescription": if n.is_multiple_of(2) { json!(format!("Demo {}", leaf.3)) } else { Value::Null },
        "available": if n.is_multiple_of(11) { Value::Null } else { json!(!n.is_multiple_of(6)) },
        "imageUrl": format!("{base}/images/{n}.svg"),
        "reference": if n.is_multiple_of(9) { Value::Null } else { json!(format!("REF-{n:04}")) },
        "priceCatalog": price(cents),
        "pricePromotion": if n.is_multiple_of(4) { json!(price(cents * 4 / 5)) } else { Value::Null },
        "priceSpecial": if n.is_multiple_of(5) && !n.is_multiple_of(4) { json!(price(cents * 9 / 10)) } else { Value::Null },
    })
}

/// Categories under `parent` (roots when `None`).
pub fn categories(parent: Option<&str>) -> Vec<Value> {
    match parent {
        None => ROOTS
            .iter()
            .map(|(id, label)| {
                json!({"id": id, "idParent": null, "label": label,
                       "productsCount": 2 * PER_LEAF, "products": null})
            })
            .collect(),
        Some(p) => LEAVES
            .iter()
            .filter(|l| l.1.to_string() == p)
            .map(|(id, parent, label, ..)| {
                let first =
                    (LEAVES.iter().position(|l| l.0 == *id).expect("listed") as u32) * PER_LEAF + 1;
                let ids: Vec<String> = (first..first + PER_LEAF).map(|n| n.to_string()).collect();
                json!({"id": id, "idParent": parent, "label": label,
                       "productsCount": PER_LEAF, "products": ids})
            })
            .collect(),
    }
}

/// Products of a category (a root includes its leaves), matching `search`
/// (case-insensitive, in title, brand and description).
pub fn products(base: &str, category: Option<&str>, search: Option<&str>) -> Vec<Value> {
    let needle = search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    (1..=LEAVES.len() as u32 * PER_LEAF)
        .filter(|n| {
            let leaf = leaf_of(*n).expect("in range");
            category.is_none_or(|c| leaf.0.to_string() == c || leaf.1.to_string() == c)
        })
        .map(|n| product(base, n))
        .filter(|p| {
            needle.as_ref().is_none_or(|needle| {
                ["title", "brand", "description"]
                    .iter()
                    .filter_map(|k| p[k].as_str())
                    .any(|v| v.to_lowercase().contains(needle))
            })
        })
        .collect()
}

/// The demo customer's fields, with the cases opened for this visitor.
pub fn customer_fields(base: &str, cases: &[Case], czech: bool) -> Value {
    let l = |en: &'static str, cs: &'static str| if czech { cs } else { en };
    let open = if cases.is_empty() {
        l("none", "žádné").to_string()
    } else {
        cases
            .iter()
            .map(|c| {
                format!(
                    "#{} (conversation {}, by {})",
                    c.number, c.conversation, c.operator
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    json!([
        {"id": "name", "label": l("Name", "Jméno"), "value": "Jana Nováková", "fieldType": "TEXT"},
        {"id": "tier", "label": l("Loyalty tier", "Věrnostní úroveň"), "value": "Gold (since 2021)", "fieldType": "TEXT"},
        {"id": "orders", "label": l("Orders", "Objednávky"), "value": "12 (last: 2026-11-20)", "fieldType": "TEXT"},
        {"id": "last_order", "label": l("Last order item", "Poslední položka"), "value": format!("{base}/shop/7"), "fieldType": "URL"},
        {"id": "cases", "label": l("Open cases", "Otevřené případy"), "value": open, "fieldType": "TEXT"},
        {"id": "open_case", "label": l("Create a case", "Založit případ"), "value": "OPEN_CASE", "fieldType": "ACTION"}
    ])
}

/// The closing form: all six field types; the ticket priority depends on
/// the "create a ticket" checkbox.
pub fn closing_form(czech: bool) -> Value {
    let l = |en: &'static str, cs: &'static str| if czech { cs } else { en };
    json!([
        {"id": "reason", "label": l("Contact reason", "Důvod kontaktu"), "fieldType": "SELECT", "isRequired": true,
         "options": [
            {"label": l("Product question", "Dotaz na produkt"), "value": "product"},
            {"label": l("Order or delivery", "Objednávka nebo doručení"), "value": "order"},
            {"label": l("Complaint", "Reklamace"), "value": "complaint"}
         ]},
        {"id": "summary", "label": l("Summary", "Shrnutí"), "fieldType": "TEXT", "isRequired": true},
        {"id": "create_ticket", "label": l("Create a CRM ticket", "Založit tiket v CRM"), "fieldType": "CHECKBOX", "isRequired": false},
        {"id": "ticket_priority", "idParent": "create_ticket", "label": l("Ticket\npriority", "Priorita\ntiketu"),
         "fieldType": "SELECT", "isRequired": true,
         "options": [{"label": l("High", "Vysoká"), "value": "high"}, {"label": l("Low", "Nízká"), "value": "low"}]},
        {"id": "items", "label": l("Items discussed", "Počet probraných položek"), "fieldType": "INTEGER", "isRequired": false},
        {"id": "basket", "label": l("Basket value (€)", "Hodnota košíku (€)"), "fieldType": "DECIMAL", "isRequired": false},
        {"id": "notes", "label": l("Notes", "Poznámky"), "fieldType": "TEXTAREA", "isRequired": false}
    ])
}

/// A product image: a coloured tile with the product number.
pub fn svg(n: u32) -> String {
    let leaf = leaf_of(n).expect("caller checks");
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240"><rect width="240" height="240" rx="24" fill="{}"/><circle cx="120" cy="100" r="56" fill="#ffffff" fill-opacity="0.25"/><text x="120" y="200" font-family="sans-serif" font-size="28" fill="#ffffff" text-anchor="middle">{} {n}</text></svg>"##,
        leaf.4, leaf.3
    )
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The demo shop's product page (what "view product" opens).
pub fn shop_html(n: u32, title: &str) -> String {
    let t = escape(title);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Demo shop</title></head>\
         <body><h1>{t}</h1><img src=\"/images/{n}.svg\" alt=\"\" width=\"240\" height=\"240\">\
         <p>Product {n} of the demo shop.</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_shape() {
        assert_eq!(categories(None).len(), 3);
        assert_eq!(categories(Some("1")).len(), 2);
        assert!(categories(Some("11")).is_empty());
        let all = products("http://x", None, None);
        assert_eq!(all.len(), 60);
        assert_eq!(products("http://x", Some("1"), None).len(), 20);
        assert_eq!(products("http://x", Some("12"), None).len(), 10);
        let found = products("http://x", None, Some("GLACIER"));
        assert_eq!(found.len(), 6, "one per leaf");
        assert_eq!(products("http://x", Some("21"), Some("glacier")).len(), 1);
        assert!(all.iter().any(|p| !p["pricePromotion"].is_null()));
        assert!(all.iter().any(|p| !p["priceSpecial"].is_null()));
        assert!(all.iter().any(|p| p["available"] == false));
    }
}
