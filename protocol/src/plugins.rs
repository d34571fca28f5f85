//! App Plugins payloads: what connectors answer (iAdvize's contract, read
//! leniently), what the operator API serves, and the product card of a chat
//! message.
//!
//! The connector-facing shapes are the Rust view of the JSON Schema files in
//! [`schemas`] (served by the server under `/schemas/…`): ids arrive as
//! integers or strings and become strings, optional fields may be `null` or
//! absent. The operator API serializes them back with string ids and
//! explicit `null`s.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The published JSON Schemas, byte for byte as served under `/schemas/`.
pub mod schemas {
    /// `/schemas/product-list/category.json`: the categories answer.
    pub const CATEGORY: &str = include_str!("../schemas/product-list/category.json");
    /// `/schemas/product-list/product.json`: the products answer.
    pub const PRODUCT: &str = include_str!("../schemas/product-list/product.json");
    /// `/schemas/customer/information.json`: the customer information answer.
    pub const CUSTOMER_INFORMATION: &str = include_str!("../schemas/customer/information.json");
    /// `/schemas/customer/action.json`: the customer action answer.
    pub const CUSTOMER_ACTION: &str = include_str!("../schemas/customer/action.json");
    /// `/schemas/conversation-closing-form/field.json`: the closing form answer.
    pub const CLOSING_FORM_FIELD: &str =
        include_str!("../schemas/conversation-closing-form/field.json");

    /// `/schemas/bot/external-bots.json`: `GET /external-bots`.
    pub const BOT_EXTERNAL_BOTS: &str = include_str!("../schemas/bot/external-bots.json");
    /// `/schemas/bot/bot.json`: `PUT` and `GET /bots/:idOperator`.
    pub const BOT_BOT: &str = include_str!("../schemas/bot/bot.json");
    /// `/schemas/bot/availability-strategies.json`: `GET /availability-strategies`.
    pub const BOT_AVAILABILITY: &str = include_str!("../schemas/bot/availability-strategies.json");
    /// `/schemas/bot/conversation-first-messages.json`.
    pub const BOT_FIRST_MESSAGES: &str =
        include_str!("../schemas/bot/conversation-first-messages.json");
    /// `/schemas/bot/conversation.json`: `POST /conversations` and
    /// `POST /conversations/:id/messages` (each reply then against `reply.json`).
    pub const BOT_CONVERSATION: &str = include_str!("../schemas/bot/conversation.json");
    /// `/schemas/bot/reply.json`: one reply object.
    pub const BOT_REPLY: &str = include_str!("../schemas/bot/reply.json");

    /// `(path under /schemas/, schema text)` of every schema.
    pub const ALL: [(&str, &str); 11] = [
        ("product-list/category.json", CATEGORY),
        ("product-list/product.json", PRODUCT),
        ("customer/information.json", CUSTOMER_INFORMATION),
        ("customer/action.json", CUSTOMER_ACTION),
        ("conversation-closing-form/field.json", CLOSING_FORM_FIELD),
        ("bot/external-bots.json", BOT_EXTERNAL_BOTS),
        ("bot/bot.json", BOT_BOT),
        ("bot/availability-strategies.json", BOT_AVAILABILITY),
        ("bot/conversation-first-messages.json", BOT_FIRST_MESSAGES),
        ("bot/conversation.json", BOT_CONVERSATION),
        ("bot/reply.json", BOT_REPLY),
    ];
}

/// An id given by a connector as a JSON string or integer, kept as a string.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        I(i64),
        U(u64),
    }
    Ok(
        match Id::deserialize(d)
            .map_err(|_| de::Error::custom("id must be a string or an integer"))?
        {
            Id::S(s) => s,
            Id::I(i) => i.to_string(),
            Id::U(u) => u.to_string(),
        },
    )
}

fn lenient_opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "lenient_id")] String);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

fn lenient_opt_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "lenient_id")] String);
    Ok(Option::<Vec<W>>::deserialize(d)?.map(|v| v.into_iter().map(|w| w.0).collect()))
}

/// One product category (`GET <categoriesUrl>` answers an array of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Unique id (integer or string on the wire).
    #[serde(deserialize_with = "lenient_id")]
    pub id: String,
    /// Parent category; `null` or absent for a root category.
    #[serde(default, deserialize_with = "lenient_opt_id")]
    pub id_parent: Option<String>,
    /// Label.
    pub label: String,
    /// Number of products in the category.
    pub products_count: u64,
    /// Ids of its products, when the connector lists them.
    #[serde(default, deserialize_with = "lenient_opt_ids")]
    pub products: Option<Vec<String>>,
}

/// One product (`GET <productsUrl>` answers an array of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// Unique id (integer or string on the wire).
    #[serde(deserialize_with = "lenient_id")]
    pub id: String,
    /// Title.
    pub title: String,
    /// The product page.
    pub product_url: String,
    /// Brand.
    #[serde(default)]
    pub brand: Option<String>,
    /// Description.
    pub description: String,
    /// Short description.
    #[serde(default)]
    pub short_description: Option<String>,
    /// Availability; `null` = unknown.
    #[serde(default)]
    pub available: Option<bool>,
    /// Image URL.
    pub image_url: String,
    /// Reference (documented as required, `null` in iAdvize's own example).
    #[serde(default)]
    pub reference: Option<String>,
    /// Catalog price, preformatted (`"99.9 €"`).
    pub price_catalog: String,
    /// Promotion price, preformatted.
    #[serde(default)]
    pub price_promotion: Option<String>,
    /// Special price, preformatted.
    #[serde(default)]
    pub price_special: Option<String>,
}

/// Type of a customer information field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerFieldType {
    /// `value` is text.
    Text,
    /// `value` is a URL (a link only when http(s)).
    Url,
    /// `value` is an action code, POSTed to the action URL on click.
    Action,
}

/// One customer information field (`GET <informationUrl>` answers an array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerField {
    /// Unique id.
    #[serde(deserialize_with = "lenient_id")]
    pub id: String,
    /// Label (in the operator's locale).
    pub label: String,
    /// Text, URL or action code.
    pub value: String,
    /// What `value` is.
    pub field_type: CustomerFieldType,
}

/// Answer of `POST <actionUrl>`, passed on by the operator API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResult {
    /// Whether the action succeeded.
    pub success: bool,
    /// Message to show the operator.
    #[serde(default)]
    pub message: Option<String>,
}

/// Type of a closing form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FormFieldType {
    /// One line of text.
    Text,
    /// `"true"` / `"false"`.
    Checkbox,
    /// One of `options`.
    Select,
    /// Several lines of text.
    Textarea,
    /// `-?\d+`.
    Integer,
    /// `-?\d+([.,]\d+)?`.
    Decimal,
}

/// An option of a `SELECT` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOption {
    /// Shown to the operator.
    pub label: String,
    /// Saved when chosen.
    #[serde(deserialize_with = "lenient_id")]
    pub value: String,
}

/// One closing form field (`GET <formUrl>` answers an array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    /// Unique id.
    #[serde(deserialize_with = "lenient_id")]
    pub id: String,
    /// The field it depends on: shown and required only while that one is
    /// active (checkbox checked, select chosen, text non-empty).
    #[serde(default, deserialize_with = "lenient_opt_id")]
    pub id_parent: Option<String>,
    /// Label (may contain `\n`).
    pub label: String,
    /// Input type.
    pub field_type: FormFieldType,
    /// Whether an answer is required (while the field is shown).
    pub is_required: bool,
    /// Options of a `SELECT`.
    #[serde(default)]
    pub options: Option<Vec<FormOption>>,
}

/// Kind of a [`Card`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CardKind {
    /// A product shared from the catalog (or a bot's `product-offer`).
    #[default]
    Product,
    /// A content card: optional title, text, image and LINK actions (a
    /// Custom App's `pushCardInConversationThread`, a bot's `card/content`).
    Content,
}

/// A card attached to a chat message (`WireMessage.card`, or one of a
/// [`Carousel`]). Every string is text; URLs are http(s) only (the server
/// omits or refuses others). The fields after `offer_price` were added for
/// content cards: all optional, so cards stored before them still parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// What the card shows.
    pub kind: CardKind,
    /// Title (the product title; empty when a content card has none).
    pub title: String,
    /// Image, http(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Target of the "view product" button, http(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Availability; absent = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
    /// Catalog price (struck through when there is an offer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Promotion price, else special price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_price: Option<String>,
    /// Body text (a content card's `text`, a product offer's `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Alt text of the image (the iAdvize image `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_alt: Option<String>,
    /// LINK buttons, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<CardAction>,
}

/// A LINK action of a [`Card`]: a button opening `url` in a new tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardAction {
    /// Label of the button.
    pub title: String,
    /// Target, http(s) only (the server drops actions with other schemes).
    pub url: String,
}

/// A bundle of cards shown as a carousel (`WireMessage.carousel`): content
/// cards or product cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Carousel {
    /// Title above the cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The cards, in order.
    pub cards: Vec<Card>,
}

/// Health of a company's connector as last polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Health {
    /// The health check answered `{"status":"UP"}`.
    Up,
    /// The health check failed.
    Down,
    /// Not polled yet.
    Unknown,
    /// No health-check URL configured (or no connector).
    None,
}

/// `GET /api/operator/plugins`: which plugins my company's connector has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginsInfo {
    /// Categories and products URLs configured.
    pub product_list: bool,
    /// Customer information URL configured.
    pub customer_information: bool,
    /// Customer action URL configured.
    pub customer_action: bool,
    /// Closing form URL configured.
    pub closing_form: bool,
    /// Connector health.
    pub health: Health,
}

/// A page of categories or products (operator API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items as the connector answered them.
    pub items: Vec<T>,
    /// Page size asked for.
    pub limit: u32,
    /// Items skipped.
    pub offset: u32,
}

/// `POST /api/operator/chats/{id}/share-product` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareProduct {
    /// The product as listed.
    pub product: Product,
}

/// `GET /api/operator/chats/{id}/customer-information`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInformation {
    /// Fields from the connector (empty when not identified).
    pub fields: Vec<CustomerField>,
    /// False when the visitor has neither e-mail nor external id (no call).
    pub identified: bool,
}

/// `POST /api/operator/chats/{id}/customer-information/action` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRequest {
    /// The ACTION field's value.
    pub action: String,
}

/// `GET /api/operator/chats/{id}/closing-form`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosingForm {
    /// The connector's form.
    pub fields: Vec<FormField>,
    /// Answers stored so far.
    pub answers: Option<BTreeMap<String, String>>,
}

/// `PUT /api/operator/chats/{id}/closing-form` body and answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosingFormAnswers {
    /// Field id → answer (CHECKBOX `"true"`/`"false"`, SELECT the value).
    pub answers: BTreeMap<String, String>,
}

/// Which plugin a connector call served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PluginKind {
    /// Categories and products.
    ProductList,
    /// Customer information and actions.
    Customer,
    /// Closing form.
    ClosingForm,
    /// Health check.
    Health,
    /// A webhook delivery.
    Webhook,
    /// External Bot (configuration, availability, conversations).
    Bot,
}

/// One recorded connector call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorCall {
    /// Start of the call, Unix ms.
    pub at: i64,
    /// Plugin served.
    pub plugin: PluginKind,
    /// `GET` or `POST`.
    pub method: String,
    /// The URL as called (secrets travel in headers only).
    pub url: String,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Duration of the call.
    pub latency_ms: u64,
    /// Whether the answer was usable.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
}

/// `GET /api/operator/connector-log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorLog {
    /// Newest first.
    pub calls: Vec<ConnectorCall>,
}
