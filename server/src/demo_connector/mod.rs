//! The demo company's App Plugins connector: a separate HTTP service with
//! its own router and listener, which the server calls over HTTP exactly
//! like any company's connector. It knows nothing of the server's insides:
//! it reads the documented query and body parameters, verifies the
//! signatures itself (with its own HMAC code, not the server's), and
//! answers the documented JSON. The README walks through it as the worked
//! example of writing a connector.
//!
//! Endpoints (the paths are ours to choose; the server is told them in
//! `[companies.connector]`):
//! - `GET /categories`, `GET /products`: a catalog of nested categories and
//!   60 products, with SVG images under `/images/` and product pages under
//!   `/shop/` (both public: browsers load them).
//! - `GET /customer`: information about `visitor@example.com` (or external
//!   id `demo-customer-1`); `POST /customer/action`: `OPEN_CASE` records a
//!   case, which then shows in the customer's fields.
//! - `GET /closing-form`: all six field types and a dependent field.
//! - `GET /health`: `{"status":"UP"}` (public, as iAdvize requires).
//! - `/bot/…`: the demo bot app (External Bot contract, see [`bot`]).
//! - `GET /apps/orders/`: the demo Custom App "Orders" (see [`orders`]).
//! - `POST /webhooks`: the demo webhook receiver (every event, signed);
//!   `GET /webhooks` (a page) and `GET /webhooks.json` show what arrived.

pub mod bot;
mod data;
pub mod orders;
mod verify;
mod webhooks;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub use data::{DEMO_EMAIL, DEMO_EXTERNAL_ID};

/// A case opened through the `OPEN_CASE` action.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case number.
    pub number: u32,
    /// `idVisitorUnique` of the visitor.
    pub visitor: String,
    /// `idConversation`.
    pub conversation: String,
    /// `idOperator` who clicked.
    pub operator: String,
}

#[derive(Debug)]
struct Demo {
    /// Secrets accepted (the server's active ones).
    secrets: Vec<String>,
    /// `http://127.0.0.1:<port>`: for image and product page URLs.
    base: String,
    cases: Mutex<Vec<Case>>,
    /// The desk's origin, for the Orders app's script and `frame-ancestors`.
    desk: Arc<orders::Desk>,
    webhooks: webhooks::Inbox,
    /// The demo bot app's memory.
    bot: bot::BotMemory,
}

type Shared = Arc<Demo>;

/// A running demo connector.
#[derive(Debug)]
pub struct Running {
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub base: String,
    /// The serving task.
    pub task: tokio::task::JoinHandle<()>,
    /// Where the desk is (`http://host:port`), once the server listens: the
    /// Orders app loads `idzcpa.js` from there and allows framing by it.
    pub desk: Arc<orders::Desk>,
}

impl Running {
    /// Tells the Orders app where the desk is (the server's base URL).
    pub fn set_desk(&self, server: &str) {
        let origin = reqwest::Url::parse(server)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| server.trim_end_matches('/').to_string());
        let _ = self.desk.set(origin);
    }
}

/// Binds `127.0.0.1:0` and serves the demo connector, accepting requests
/// signed with `secret`.
pub async fn start(secret: String) -> std::io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let desk = Arc::new(orders::Desk::new());
    let router = router_with(secret, base.clone(), desk.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "demo connector stopped");
        }
    });
    Ok(Running { base, task, desk })
}

/// The connector's router (`base` is where it is reachable).
pub fn router(secret: String, base: String) -> Router {
    router_with(secret, base, Arc::new(orders::Desk::new()))
}

/// [`router`], with the desk's origin given later through `desk`.
pub fn router_with(secret: String, base: String, desk: Arc<orders::Desk>) -> Router {
    let demo = Arc::new(Demo {
        secrets: vec![secret],
        base,
        cases: Mutex::new(Vec::new()),
        desk,
        webhooks: webhooks::Inbox::default(),
        bot: bot::BotMemory::default(),
    });
    let signed = Router::new()
        .route("/categories", get(categories))
        .route("/products", get(products))
        .route("/customer", get(customer))
        .route("/customer/action", post(action))
        .route("/closing-form", get(closing_form))
        .route("/webhooks", post(webhooks::receive))
        .merge(bot::routes())
        .layer(middleware::from_fn_with_state(
            demo.clone(),
            check_signature,
        ));
    Router::new()
        .merge(signed)
        .route("/health", get(|| async { Json(json!({"status": "UP"})) }))
        .route("/webhooks", get(webhooks::page))
        .route("/webhooks.json", get(webhooks::list))
        .route("/images/{name}", get(image))
        .route("/shop/{id}", get(shop_page))
        .merge(orders::routes())
        .with_state(demo)
}

/// Refuses any request with a missing or bad signature (iAdvize's app
/// review rule), before any handler runs.
async fn check_signature(
    State(demo): State<Shared>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"message": "body too large"})),
        )
            .into_response();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let request = verify::Signed {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        body: &body,
        iadvize: header("x-iadvize-signature"),
        timestamp: header("x-owidget-timestamp"),
        v2: header("x-owidget-signature"),
    };
    if let Err(why) = verify::verify(&demo.secrets, &request, now) {
        tracing::warn!(%why, path = %parts.uri.path(), "demo connector refused a request");
        return (StatusCode::UNAUTHORIZED, Json(json!({ "message": why }))).into_response();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(body),
    ))
    .await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CatalogQuery {
    id_parent: Option<String>,
    id_category: Option<String>,
    search_query: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn page<T: Clone>(items: &[T], q: &CatalogQuery) -> Vec<T> {
    let limit = q.limit.unwrap_or(20).min(100);
    items
        .iter()
        .skip(q.offset.unwrap_or(0))
        .take(limit)
        .cloned()
        .collect()
}

async fn categories(Query(q): Query<CatalogQuery>) -> Json<Vec<Value>> {
    let list = data::categories(q.id_parent.as_deref());
    Json(page(&list, &q))
}

async fn products(State(demo): State<Shared>, Query(q): Query<CatalogQuery>) -> Json<Vec<Value>> {
    let list = data::products(
        &demo.base,
        q.id_category.as_deref(),
        q.search_query.as_deref(),
    );
    Json(page(&list, &q))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerQuery {
    email_visitor: Option<String>,
    id_visitor_external: Option<String>,
    id_visitor_unique: Option<String>,
    operator_locale: Option<String>,
}

async fn customer(State(demo): State<Shared>, Query(q): Query<CustomerQuery>) -> Json<Value> {
    let known = q
        .email_visitor
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(DEMO_EMAIL))
        || q.id_visitor_external.as_deref() == Some(DEMO_EXTERNAL_ID);
    if !known {
        return Json(json!([]));
    }
    let cases: Vec<Case> = demo
        .cases
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|c| Some(&c.visitor) == q.id_visitor_unique.as_ref())
        .cloned()
        .collect();
    let czech = q.operator_locale.as_deref() == Some("cs");
    Json(data::customer_fields(&demo.base, &cases, czech))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionBody {
    action: String,
    id_visitor_unique: String,
    id_conversation: String,
    id_operator: String,
}

async fn action(State(demo): State<Shared>, body: Bytes) -> Response {
    let Ok(b) = serde_json::from_slice::<ActionBody>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "expected a JSON body with action, idVisitorUnique, idConversation, idOperator"})),
        )
            .into_response();
    };
    if b.action != "OPEN_CASE" {
        return Json(
            json!({"success": false, "message": format!("unknown action {:?}", b.action)}),
        )
        .into_response();
    }
    let mut cases = demo.cases.lock().unwrap_or_else(|e| e.into_inner());
    let number = 1001 + cases.len() as u32;
    cases.push(Case {
        number,
        visitor: b.id_visitor_unique,
        conversation: b.id_conversation,
        operator: b.id_operator,
    });
    Json(json!({"success": true, "message": format!("Case #{number} opened")})).into_response()
}

async fn closing_form(Query(q): Query<CustomerQuery>) -> Json<Value> {
    Json(data::closing_form(
        q.operator_locale.as_deref() == Some("cs"),
    ))
}

async fn image(Path(name): Path<String>) -> Response {
    match name
        .strip_suffix(".svg")
        .and_then(|n| n.parse::<u32>().ok())
    {
        Some(n) if data::product_exists(n) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            data::svg(n),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn shop_page(Path(id): Path<u32>) -> Response {
    match data::product_title(id) {
        Some(title) => Html(data::shop_html(id, &title)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
