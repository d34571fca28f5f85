//! Product list plugin: categories and products from the connector
//! (reference §3.1), and sharing a product into a chat as a card.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use owidget_protocol::plugins::{
    Card, CardKind, Category, Page, PluginKind, Product, ShareProduct,
};
use owidget_protocol::{SessionState, WireMessage};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::config::ConnectorConfig;
use super::schemas::Schema;
use super::{connector, is_http_url, operator_id, Call};
use crate::error::JsonBody;
use crate::limits::check_text;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plugins/product-list/categories", get(categories))
        .route("/plugins/product-list/products", get(products))
        .route("/chats/{id}/share-product", post(share))
}

const UNAVAILABLE: &str = "the catalog is unavailable";

/// The desk gets this much of a product's `description` (the contract sets
/// no limit and catalogs hold long HTML there; the desk does not show it,
/// and a product sent back to be shared must fit a request body).
pub const DESCRIPTION_MAX_CHARS: usize = 2000;

fn cut(s: &mut String, max: usize) {
    if let Some((at, _)) = s.char_indices().nth(max) {
        s.truncate(at);
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CategoriesQuery {
    id_parent: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductsQuery {
    id_category: Option<String>,
    search_query: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Default 20, at most 100 (reference §7).
fn bounds(limit: Option<u32>, offset: Option<u32>) -> Result<(u32, u32)> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Error::BadRequest("limit must be 1 to 100".into()));
    }
    Ok((limit, offset.unwrap_or(0)))
}

fn short(name: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    match v {
        Some(v) if v.chars().count() > max => Err(Error::BadRequest(format!(
            "{name} must be at most {max} characters"
        ))),
        Some(v) if v.is_empty() => Ok(None),
        v => Ok(v),
    }
}

async fn categories(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(q): Query<CategoriesQuery>,
) -> Result<Json<Page<Category>>> {
    let bounds = bounds(q.limit, q.offset)?;
    let id_parent = short("idParent", q.id_parent, 256)?;
    let url: fn(&ConnectorConfig) -> Option<&str> = |c| c.categories_url.as_deref();
    let filter = ("idParent", id_parent);
    list(&state, &who, url, Schema::Category, bounds, filter, vec![]).await
}

async fn products(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(q): Query<ProductsQuery>,
) -> Result<Json<Page<Product>>> {
    let bounds = bounds(q.limit, q.offset)?;
    let id_category = short("idCategory", q.id_category, 256)?;
    let search = short(
        "searchQuery",
        q.search_query.map(|s| s.trim().to_string()),
        256,
    )?;
    let url: fn(&ConnectorConfig) -> Option<&str> = |c| c.products_url.as_deref();
    let filter = ("idCategory", id_category);
    let more = vec![("searchQuery", search)];
    let mut page: Json<Page<Product>> =
        list(&state, &who, url, Schema::Product, bounds, filter, more).await?;
    for p in &mut page.0.items {
        cut(&mut p.description, DESCRIPTION_MAX_CHARS);
    }
    Ok(page)
}

/// A page of the product list from the connector's endpoint `url`: the
/// parameters every such call has, with `filter` (the parent or category)
/// among them and `more` after them.
async fn list<T: DeserializeOwned>(
    state: &AppState,
    who: &CurrentOperator,
    url: fn(&ConnectorConfig) -> Option<&str>,
    schema: Schema,
    (limit, offset): (u32, u32),
    filter: (&'static str, Option<String>),
    more: Vec<(&'static str, Option<String>)>,
) -> Result<Json<Page<T>>> {
    let c = connector(state, who, "product list", |c| url(c).is_some())?;
    let mut params = vec![
        (
            "idConnectorVersion",
            Some(c.config.id_connector_version.clone()),
        ),
        filter,
        ("idWebsite", Some(c.config.id_website.clone())),
        ("idOperator", Some(operator_id(state, who))),
        ("limit", Some(limit.to_string())),
        ("offset", Some(offset.to_string())),
    ];
    params.extend(more);
    let call = Call {
        plugin: PluginKind::ProductList,
        url: url(&c.config).expect("filtered"),
        params,
        post: false,
        schema: Some(schema),
        quiet_when_ok: false,
    };
    let items: Vec<T> = state
        .plugins
        .call(who.op.company, call)
        .await
        .map_err(|e| Error::BadGateway(format!("{UNAVAILABLE}: {e}")))?;
    Ok(Json(Page {
        items,
        limit,
        offset,
    }))
}

/// The card of a product: http(s) URLs only (a product page that is not
/// one is refused, an image that is not one is left out), the promotion
/// price else the special price as the offer.
pub fn card_of(p: &Product) -> Result<Card> {
    if !is_http_url(&p.product_url) {
        return Err(Error::BadRequest(
            "productUrl must be an http(s) URL".into(),
        ));
    }
    let nonblank = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    Ok(Card {
        kind: CardKind::Product,
        title: p.title.trim().to_string(),
        image_url: Some(p.image_url.clone()).filter(|u| is_http_url(u)),
        url: Some(p.product_url.clone()),
        available: p.available,
        price: Some(p.price_catalog.clone()).filter(|s| !s.trim().is_empty()),
        offer_price: nonblank(&p.price_promotion).or_else(|| nonblank(&p.price_special)),
        ..Default::default()
    })
}

/// Shares a product into my active chat: stored as an operator message
/// (text = title) with its card, pushed to the visitor and the desks.
async fn share(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ShareProduct>,
) -> Result<(StatusCode, Json<WireMessage>)> {
    // The product comes back from the desk: check it as if the connector
    // had just sent it.
    let value = serde_json::to_value([&body.product]).expect("a product serializes");
    state
        .plugins
        .validators()
        .check(Schema::Product, &value)
        .map_err(|e| Error::BadRequest(format!("the product does not match product.json: {e}")))?;
    let card = card_of(&body.product)?;
    check_text(&card.title, state.config.limits.message_max_chars)
        .map_err(|e| Error::BadRequest(format!("title: {e}")))?;
    match state.hub.live_chat(who.op, &id) {
        Some(chat)
            if chat.state == SessionState::Active
                && chat.operator.as_deref() == Some(operator_id(&state, &who).as_str()) => {}
        _ => {
            return Err(Error::Conflict(
                "products can be shared only in your active chats".into(),
            ))
        }
    }
    let stored = state
        .hub
        .operator_card(who.op, &id, None, card.title.clone(), Some(Box::new(card)))
        .await?;
    Ok((StatusCode::CREATED, Json(stored.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> Product {
        serde_json::from_value(serde_json::json!({
            "id": 1, "title": " Trail shoe ", "productUrl": "https://shop/x", "description": "",
            "imageUrl": "javascript:alert(1)", "priceCatalog": "99.90 €",
            "pricePromotion": "", "priceSpecial": "79.90 €"
        }))
        .unwrap()
    }

    #[test]
    fn descriptions_are_cut_on_a_character_boundary() {
        let mut s = "é".repeat(5);
        cut(&mut s, 3);
        assert_eq!(s, "ééé");
        let mut short = "ab".to_string();
        cut(&mut short, 3);
        assert_eq!(short, "ab");
    }

    #[test]
    fn card_keeps_only_http_urls_and_picks_the_offer() {
        let c = card_of(&product()).unwrap();
        assert_eq!(c.title, "Trail shoe");
        assert_eq!(c.image_url, None);
        assert_eq!(c.offer_price.as_deref(), Some("79.90 €"));
        assert_eq!(c.available, None);
        let mut p = product();
        p.product_url = "javascript:alert(1)".into();
        assert!(card_of(&p).is_err());
    }
}
