//! The published JSON Schemas: served under `/schemas/…` byte for byte as
//! embedded in the binary (`owidget_protocol::plugins::schemas`), and
//! compiled once at start into the validators every connector answer goes
//! through.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use owidget_protocol::plugins::schemas::ALL;
use serde_json::Value;

use crate::{AppState, Error};

/// One of the published schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `product-list/category.json`.
    Category = 0,
    /// `product-list/product.json`.
    Product = 1,
    /// `customer/information.json`.
    CustomerInformation = 2,
    /// `customer/action.json`.
    CustomerAction = 3,
    /// `conversation-closing-form/field.json`.
    ClosingFormField = 4,
    /// `bot/external-bots.json`.
    BotExternalBots = 5,
    /// `bot/bot.json`.
    BotBot = 6,
    /// `bot/availability-strategies.json`.
    BotAvailability = 7,
    /// `bot/conversation-first-messages.json`.
    BotFirstMessages = 8,
    /// `bot/conversation.json`.
    BotConversation = 9,
    /// `bot/reply.json`.
    BotReply = 10,
}

impl Schema {
    /// Its path under `/schemas/`.
    pub fn path(self) -> &'static str {
        ALL[self as usize].0
    }
}

/// The compiled validators.
pub struct Validators {
    compiled: Vec<jsonschema::Validator>,
}

impl std::fmt::Debug for Validators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validators")
    }
}

impl Validators {
    /// Compiles every schema (they are part of the binary: a failure is a bug).
    pub fn new() -> Validators {
        let compiled = ALL
            .iter()
            .map(|(path, text)| {
                let schema: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("schema {path} is not JSON: {e}"));
                jsonschema::validator_for(&schema)
                    .unwrap_or_else(|e| panic!("schema {path} does not compile: {e}"))
            })
            .collect();
        Validators { compiled }
    }

    /// `Ok` when `value` matches `schema`, else the first violations (at
    /// most three) as `"/0/title: … is not of type \"string\""`.
    pub fn check(&self, schema: Schema, value: &Value) -> Result<(), String> {
        let errors: Vec<String> = self.compiled[schema as usize]
            .iter_errors(value)
            .take(3)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                let mut what = e.to_string();
                // Whole offending values can be long; the path says where.
                if what.chars().count() > 200 {
                    what = what.chars().take(200).collect::<String>() + "…";
                }
                format!("{at}: {what}")
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

impl Default for Validators {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /schemas/{*path}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/schemas/{*path}", get(schema))
}

async fn schema(Path(path): Path<String>) -> Response {
    match ALL.iter().find(|(p, _)| *p == path) {
        Some((_, text)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/schema+json"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ),
            ],
            *text,
        )
            .into_response(),
        None => Error::NotFound(format!("no schema {path:?}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_where_the_seed_examples_are() {
        let v = Validators::new();
        // iAdvize's own examples: string ids, null idParent and reference.
        v.check(
            Schema::Category,
            &json!([{"id": "123", "idParent": null, "label": "Shoes", "productsCount": 3, "products": null},
                    {"id": 7, "label": "Hats", "productsCount": 0}]),
        )
        .unwrap();
        v.check(
            Schema::Product,
            &json!([{"id": 1, "title": "T", "productUrl": "https://x/p", "description": "d",
                     "imageUrl": "https://x/i.png", "reference": null, "priceCatalog": "9 €",
                     "brand": null, "available": null, "extra": {"ignored": true}}]),
        )
        .unwrap();
        v.check(Schema::CustomerAction, &json!({"success": true}))
            .unwrap();
    }

    #[test]
    fn violations_name_the_place() {
        let v = Validators::new();
        let e = v
            .check(Schema::Product, &json!([{"id": 1, "title": 5}]))
            .unwrap_err();
        assert!(e.contains("/0"), "{e}");
        let e = v
            .check(
                Schema::CustomerInformation,
                &json!([{"id": "a", "label": "l", "value": "v", "fieldType": "HTML"}]),
            )
            .unwrap_err();
        assert!(e.contains("/0/fieldType"), "{e}");
        assert!(v
            .check(Schema::Category, &json!({"not": "an array"}))
            .is_err());
        assert!(v
            .check(
                Schema::ClosingFormField,
                &json!([{"id": "x", "label": "l", "fieldType": "TEXT"}])
            )
            .unwrap_err()
            .contains("isRequired"));
    }
}
