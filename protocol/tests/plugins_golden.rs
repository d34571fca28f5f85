//! Golden JSON of the App Plugins payloads, and the same payloads checked
//! against the published schema files (`protocol/schemas/`), so that the
//! Rust types and the schemas cannot drift apart.

use owidget_protocol::plugins::*;
use owidget_protocol::{Author, WireMessage};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, json: &str) {
    let expected: Value = serde_json::from_str(json).expect("golden is JSON");
    assert_eq!(serde_json::to_value(&value).unwrap(), expected, "serialize");
    let back: T = serde_json::from_str(json).expect("golden deserializes");
    assert_eq!(back, value, "deserialize");
}

fn validates(schema: &str, instance: &Value) -> bool {
    let schema: Value = serde_json::from_str(schema).expect("schema is JSON");
    jsonschema::validator_for(&schema)
        .expect("schema compiles")
        .is_valid(instance)
}

/// iAdvize's documented example answers (ids as strings, nulls where the
/// doc's own examples have them) validate and read into our types.
#[test]
fn seed_examples_validate_and_deserialize() {
    let categories = json!([
        {"id": "123", "idParent": null, "label": "Shoes", "products": ["1", "2"], "productsCount": 2},
        {"id": 124, "idParent": 123, "label": "Trail", "products": null, "productsCount": 0}
    ]);
    assert!(validates(schemas::CATEGORY, &categories));
    let parsed: Vec<Category> = serde_json::from_value(categories).unwrap();
    assert_eq!(parsed[1].id, "124");
    assert_eq!(parsed[1].id_parent.as_deref(), Some("123"));

    let products = json!([{
        "id": "1", "title": "Shoe", "productUrl": "https://shop.example/1", "brand": null,
        "description": "A shoe", "shortDescription": null, "available": true,
        "imageUrl": "https://shop.example/1.png", "reference": null, "priceCatalog": "99.9 €",
        "pricePromotion": "79.9 €", "priceSpecial": null
    }]);
    assert!(validates(schemas::PRODUCT, &products));
    let parsed: Vec<Product> = serde_json::from_value(products).unwrap();
    assert_eq!(parsed[0].reference, None);

    let info = json!([
        {"id": "name", "label": "Name", "value": "Jana", "fieldType": "TEXT"},
        {"id": "crm", "label": "CRM", "value": "https://crm.example/1", "fieldType": "URL"},
        {"id": "case", "label": "Create a case", "value": "OPEN_CASE", "fieldType": "ACTION"}
    ]);
    assert!(validates(schemas::CUSTOMER_INFORMATION, &info));
    let _: Vec<CustomerField> = serde_json::from_value(info).unwrap();

    let action = json!({"success": true, "message": "Case 42 opened"});
    assert!(validates(schemas::CUSTOMER_ACTION, &action));

    let form = json!([
        {"id": "create_crm_ticket", "label": "Create a CRM ticket", "fieldType": "CHECKBOX", "isRequired": false},
        {"id": "ticket_priority", "idParent": "create_crm_ticket", "label": "Ticket\npriority",
         "fieldType": "SELECT", "isRequired": true,
         "options": [{"label": "High", "value": "high"}, {"label": "Low", "value": "low"}]}
    ]);
    assert!(validates(schemas::CLOSING_FORM_FIELD, &form));
    let parsed: Vec<FormField> = serde_json::from_value(form).unwrap();
    assert_eq!(parsed[1].field_type, FormFieldType::Select);
}

#[test]
fn schemas_refuse_what_the_types_refuse() {
    assert!(!validates(
        schemas::PRODUCT,
        &json!([{"id": 1, "title": "no url"}])
    ));
    assert!(!validates(schemas::CATEGORY, &json!({"id": 1})));
    assert!(!validates(
        schemas::CUSTOMER_INFORMATION,
        &json!([{"id": "a", "label": "l", "value": "v", "fieldType": "HTML"}])
    ));
    assert!(!validates(
        schemas::CUSTOMER_ACTION,
        &json!({"message": "no success"})
    ));
    assert!(!validates(
        schemas::CLOSING_FORM_FIELD,
        &json!([{"id": "x", "label": "l", "fieldType": "DATE", "isRequired": true}])
    ));
    assert!(serde_json::from_value::<Category>(
        json!({"id": 1.5, "label": "l", "productsCount": 1})
    )
    .is_err());
}

#[test]
fn operator_api_shapes() {
    let product = Product {
        id: "1".into(),
        title: "Shoe".into(),
        product_url: "https://shop.example/1".into(),
        brand: None,
        description: "d".into(),
        short_description: None,
        available: Some(false),
        image_url: "https://shop.example/1.png".into(),
        reference: Some("R1".into()),
        price_catalog: "9 €".into(),
        price_promotion: None,
        price_special: Some("8 €".into()),
    };
    let text = r#"{"id":"1","title":"Shoe","productUrl":"https://shop.example/1","brand":null,
        "description":"d","shortDescription":null,"available":false,
        "imageUrl":"https://shop.example/1.png","reference":"R1","priceCatalog":"9 €",
        "pricePromotion":null,"priceSpecial":"8 €"}"#;
    golden(product.clone(), text);
    // What we serve (and what the desk sends back to share) still matches the schema.
    assert!(validates(schemas::PRODUCT, &json!([product.clone()])));
    golden(
        Page {
            items: vec![Category {
                id: "7".into(),
                id_parent: None,
                label: "Hats".into(),
                products_count: 3,
                products: None,
            }],
            limit: 20,
            offset: 0,
        },
        r#"{"items":[{"id":"7","idParent":null,"label":"Hats","productsCount":3,"products":null}],
            "limit":20,"offset":0}"#,
    );
    golden(
        PluginsInfo {
            product_list: true,
            customer_information: true,
            customer_action: false,
            closing_form: true,
            health: Health::Unknown,
        },
        r#"{"productList":true,"customerInformation":true,"customerAction":false,
            "closingForm":true,"health":"unknown"}"#,
    );
    golden(
        ConnectorCall {
            at: 5,
            plugin: PluginKind::ProductList,
            method: "GET".into(),
            url: "http://c/p?limit=20".into(),
            status: Some(500),
            latency_ms: 12,
            ok: false,
            error: Some("HTTP 500".into()),
        },
        r#"{"at":5,"plugin":"productList","method":"GET","url":"http://c/p?limit=20",
            "status":500,"latencyMs":12,"ok":false,"error":"HTTP 500"}"#,
    );
    golden(
        CustomerInformation {
            fields: vec![CustomerField {
                id: "case".into(),
                label: "Create a case".into(),
                value: "OPEN_CASE".into(),
                field_type: CustomerFieldType::Action,
            }],
            identified: true,
        },
        r#"{"fields":[{"id":"case","label":"Create a case","value":"OPEN_CASE","fieldType":"ACTION"}],
            "identified":true}"#,
    );
}

#[test]
fn card_on_a_message() {
    golden(
        WireMessage {
            seq: 3,
            author: Author::Operator,
            name: Some("Eva".into()),
            text: "Trail shoe X".into(),
            at: 9,
            client_id: None,
            bot: None,
            card: Some(Box::new(Card {
                kind: CardKind::Product,
                title: "Trail shoe X".into(),
                image_url: Some("https://shop/x.png".into()),
                url: Some("https://shop/x".into()),
                available: Some(true),
                price: Some("99.90 €".into()),
                offer_price: Some("79.90 €".into()),
                ..Default::default()
            })),
            carousel: None,
        },
        r#"{"seq":3,"author":"operator","name":"Eva","text":"Trail shoe X","at":9,
            "card":{"kind":"product","title":"Trail shoe X","imageUrl":"https://shop/x.png",
            "url":"https://shop/x","available":true,"price":"99.90 €","offerPrice":"79.90 €"}}"#,
    );
    // Optional card parts are left out, not null.
    golden(
        Card {
            kind: CardKind::Product,
            title: "T".into(),
            image_url: None,
            url: Some("https://shop/t".into()),
            available: None,
            price: None,
            offer_price: None,
            ..Default::default()
        },
        r#"{"kind":"product","title":"T","url":"https://shop/t"}"#,
    );
}

#[test]
fn content_cards_and_carousels_on_a_message() {
    let content = Card {
        kind: CardKind::Content,
        title: "Order 1042".into(),
        text: Some("Shipped on Monday".into()),
        image_url: Some("https://shop/parcel.png".into()),
        image_alt: Some("A parcel".into()),
        actions: vec![CardAction {
            title: "Track".into(),
            url: "https://shop/track/1042".into(),
        }],
        ..Default::default()
    };
    golden(
        content.clone(),
        r#"{"kind":"content","title":"Order 1042","imageUrl":"https://shop/parcel.png",
            "text":"Shipped on Monday","imageAlt":"A parcel",
            "actions":[{"title":"Track","url":"https://shop/track/1042"}]}"#,
    );
    golden(
        WireMessage {
            seq: 4,
            author: Author::Operator,
            name: None,
            text: "Your orders".into(),
            at: 10,
            client_id: None,
            bot: None,
            card: None,
            carousel: Some(Box::new(Carousel {
                title: Some("Your orders".into()),
                cards: vec![Card {
                    kind: CardKind::Content,
                    title: String::new(),
                    text: Some("No title".into()),
                    ..Default::default()
                }],
            })),
        },
        r#"{"seq":4,"author":"operator","text":"Your orders","at":10,
            "carousel":{"title":"Your orders","cards":[{"kind":"content","title":"","text":"No title"}]}}"#,
    );
    // A card stored before content cards (no text, alt or actions) parses.
    let old: Card = serde_json::from_str(r#"{"kind":"product","title":"T"}"#).unwrap();
    assert_eq!((old.text, old.image_alt, old.actions), (None, None, vec![]));
    let untitled: Carousel = serde_json::from_str(r#"{"cards":[]}"#).unwrap();
    assert_eq!(untitled.title, None);
}
