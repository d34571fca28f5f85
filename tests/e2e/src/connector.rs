//! A company connector for end-to-end tests: a real HTTP service on port 0
//! that answers the App Plugins calls as a connector written for iAdvize
//! would (bare JSON arrays, ids as integers and strings, nullable optional
//! fields), with a hostile streak: `<img src=x onerror=alert(1)>` as a
//! product title, a category label, a customer field's label and value,
//! and a closing form label; a `javascript:` URL field; and a category
//! whose subcategories answer HTTP 500. It records every call it gets, so
//! that tests can check what the server really sent.
//!
//! Catalog: root categories `1` "Shoes" (23 products, subcategory `11`
//! "Trail" with products 1–12), `"2"` (hostile label, one hostile
//! product), `"broken"` (its subcategories fail). Product pages and SVG
//! images are served under `/shop/<id>` and `/img/<id>.svg`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the connector returns where a connector must not be trusted.
pub const EVIL: &str = "<img src=x onerror=alert(1)>";
/// The e-mail the connector knows a customer for.
pub const KNOWN_EMAIL: &str = "visitor@example.com";
/// Products in category 1 ("Shoes").
pub const SHOES: usize = 23;

/// One call the connector received: path, query parameters (or the JSON
/// body of a POST).
#[derive(Debug, Clone)]
pub struct Call {
    /// `/products`, `/customer/action`, ...
    pub path: String,
    /// Query parameters of a GET.
    pub query: HashMap<String, String>,
    /// Body of a POST.
    pub body: Value,
}

struct Inner {
    base: String,
    calls: Mutex<Vec<Call>>,
    /// Actions wait for a permit (see [`TestConnector::hold_actions`]).
    hold: AtomicBool,
    permits: tokio::sync::Semaphore,
    /// The closing form's "notes" field is required from now on.
    notes_required: AtomicBool,
    /// Paths that answer HTTP 500 for now.
    failing: Mutex<HashSet<String>>,
}

impl Inner {
    fn fails(&self, path: &str) -> bool {
        self.failing.lock().expect("failing lock").contains(path)
    }
}

fn failure() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "connector down").into_response()
}

/// The running connector; stops with the test's runtime.
pub struct TestConnector {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    inner: Arc<Inner>,
}

impl TestConnector {
    /// Binds port 0 and serves.
    pub async fn start() -> TestConnector {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let inner = Arc::new(Inner {
            base: base.clone(),
            calls: Mutex::default(),
            hold: AtomicBool::new(false),
            permits: tokio::sync::Semaphore::new(0),
            notes_required: AtomicBool::new(false),
            failing: Mutex::default(),
        });
        let app = Router::new()
            .route("/categories", get(categories))
            .route("/products", get(products))
            .route("/customer", get(customer))
            .route("/customer/action", post(action))
            .route("/form", get(form))
            .route("/health", get(|| async { Json(json!({"status": "UP"})) }))
            .route("/shop/{id}", get(shop))
            .route("/img/{file}", get(image))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestConnector { base, inner }
    }

    /// From now on each action waits until [`TestConnector::release_action`]
    /// (so that a test can see the desk while the call runs).
    pub fn hold_actions(&self) {
        self.inner.hold.store(true, Ordering::SeqCst);
    }

    /// Lets one held action answer.
    pub fn release_action(&self) {
        self.inner.permits.add_permits(1);
    }

    /// The closing form's "notes" field becomes required (a form that
    /// changed between the desk's load and its save).
    pub fn require_notes(&self) {
        self.inner.notes_required.store(true, Ordering::SeqCst);
    }

    /// `path` (`/customer`, `/form`, ...) answers HTTP 500 until
    /// [`TestConnector::heal`].
    pub fn fail(&self, path: &str) {
        self.inner
            .failing
            .lock()
            .expect("failing lock")
            .insert(path.into());
    }

    /// `path` answers again.
    pub fn heal(&self, path: &str) {
        self.inner
            .failing
            .lock()
            .expect("failing lock")
            .remove(path);
    }

    /// Every call to `path` so far, oldest first.
    pub fn calls(&self, path: &str) -> Vec<Call> {
        let calls = self.inner.calls.lock().expect("calls lock");
        calls.iter().filter(|c| c.path == path).cloned().collect()
    }
}

fn record(inner: &Inner, path: &str, query: HashMap<String, String>, body: Value) {
    let call = Call {
        path: path.to_string(),
        query,
        body,
    };
    inner.calls.lock().expect("calls lock").push(call);
}

type Q = Query<HashMap<String, String>>;

async fn categories(State(inner): State<Arc<Inner>>, Query(q): Q) -> Response {
    record(&inner, "/categories", q.clone(), Value::Null);
    let all = match q.get("idParent").map(String::as_str) {
        None | Some("") => vec![
            json!({"id": 1, "idParent": null, "label": "Shoes", "productsCount": SHOES, "products": null}),
            json!({"id": "2", "idParent": null, "label": EVIL, "productsCount": 1}),
            json!({"id": "broken", "label": "Broken", "productsCount": 0}),
        ],
        Some("1") => vec![
            json!({"id": 11, "idParent": 1, "label": "Trail", "productsCount": 12, "products": []}),
        ],
        Some("broken") => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
        }
        Some(_) => vec![],
    };
    Json(page(all, &q)).into_response()
}

/// The product `n` of category 1 (1-based); 1–12 are also in "Trail".
fn shoe(base: &str, n: usize) -> Value {
    let promotion = (n == 5).then_some("79.90 €");
    let special = (n == 7).then_some("85.00 €");
    let available = match n % 3 {
        0 => Value::Null,
        1 => Value::Bool(true),
        _ => Value::Bool(false),
    };
    let title = if n <= 12 {
        format!("Trail shoe {n}")
    } else {
        format!("Road shoe {n}")
    };
    json!({
        "id": n, "title": title, "productUrl": format!("{base}/shop/{n}"),
        "brand": if n.is_multiple_of(2) { Value::Null } else { json!("Acme") },
        "description": format!("Description of shoe {n}"), "shortDescription": null,
        "available": available, "imageUrl": format!("{base}/img/{n}.svg"),
        "reference": if n == 1 { Value::Null } else { json!(format!("REF-{n:03}")) },
        "priceCatalog": "99.90 €", "pricePromotion": promotion, "priceSpecial": special
    })
}

fn hostile(base: &str) -> Value {
    json!({
        "id": "evil", "title": EVIL, "productUrl": format!("{base}/shop/evil"),
        "brand": EVIL, "description": EVIL, "shortDescription": EVIL, "available": true,
        "imageUrl": format!("{base}/img/evil.svg"), "reference": EVIL,
        "priceCatalog": EVIL, "pricePromotion": null, "priceSpecial": null
    })
}

async fn products(State(inner): State<Arc<Inner>>, Query(q): Q) -> Response {
    record(&inner, "/products", q.clone(), Value::Null);
    let base = &inner.base;
    let shoes = |range: std::ops::RangeInclusive<usize>| range.map(|n| shoe(base, n)).collect();
    let mut all: Vec<Value> = match q.get("idCategory").map(String::as_str) {
        Some("1") => shoes(1..=SHOES),
        Some("11") => shoes(1..=12),
        Some("2") => vec![hostile(base)],
        Some(_) => vec![],
        None => {
            let mut v: Vec<Value> = shoes(1..=SHOES);
            v.push(hostile(base));
            v
        }
    };
    if let Some(s) = q.get("searchQuery").filter(|s| !s.is_empty()) {
        let s = s.to_lowercase();
        all.retain(|p| {
            p["title"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains(&s)
        });
    }
    Json(page(all, &q)).into_response()
}

/// `limit` / `offset` as iAdvize documents them: a bare array.
fn page(all: Vec<Value>, q: &HashMap<String, String>) -> Value {
    let n = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (limit, offset) = (n("limit", 10), n("offset", 0));
    Value::Array(all.into_iter().skip(offset).take(limit).collect())
}

async fn customer(State(inner): State<Arc<Inner>>, Query(q): Q) -> Response {
    record(&inner, "/customer", q.clone(), Value::Null);
    if inner.fails("/customer") {
        return failure();
    }
    if q.get("emailVisitor").map(String::as_str) != Some(KNOWN_EMAIL) {
        return Json(json!([])).into_response();
    }
    Json(json!([
        {"id": "name", "label": "Name", "value": "Jana Nováková", "fieldType": "TEXT"},
        {"id": "evil", "label": EVIL, "value": EVIL, "fieldType": "TEXT"},
        {"id": "crm", "label": "CRM record", "value": "https://crm.example/jana", "fieldType": "URL"},
        {"id": "bad", "label": "Bad link", "value": "javascript:alert(1)", "fieldType": "URL"},
        {"id": "case", "label": "Create a case", "value": "OPEN_CASE", "fieldType": "ACTION"}
    ]))
    .into_response()
}

async fn action(State(inner): State<Arc<Inner>>, Json(body): Json<Value>) -> Json<Value> {
    record(&inner, "/customer/action", HashMap::new(), body.clone());
    if inner.hold.load(Ordering::SeqCst) {
        if let Ok(permit) = inner.permits.acquire().await {
            permit.forget();
        }
    }
    let calls = inner.calls.lock().expect("calls lock");
    let n = calls
        .iter()
        .filter(|c| c.path == "/customer/action")
        .count();
    Json(json!({"success": true, "message": format!("Case #{n} created {EVIL}")}))
}

async fn form(State(inner): State<Arc<Inner>>, Query(q): Q) -> Response {
    record(&inner, "/form", q, Value::Null);
    if inner.fails("/form") {
        return failure();
    }
    let notes_required = inner.notes_required.load(Ordering::SeqCst);
    Json(json!([
        {"id": "reason", "label": "Reason\n(pick one)", "fieldType": "SELECT", "isRequired": true,
         "options": [{"label": "Question", "value": "q"}, {"label": EVIL, "value": "evil"}]},
        {"id": "ticket", "label": "Create a CRM ticket", "fieldType": "CHECKBOX", "isRequired": false},
        {"id": "priority", "idParent": "ticket", "label": "Ticket priority", "fieldType": "SELECT",
         "isRequired": true, "options": [{"label": "Low", "value": "low"}, {"label": "High", "value": "high"}]},
        {"id": "summary", "label": EVIL, "fieldType": "TEXT", "isRequired": false},
        {"id": "notes", "label": "Notes", "fieldType": "TEXTAREA", "isRequired": notes_required},
        {"id": "items", "label": "Items sold", "fieldType": "INTEGER", "isRequired": false},
        {"id": "amount", "label": "Amount", "fieldType": "DECIMAL", "isRequired": false}
    ]))
    .into_response()
}

async fn shop(Path(id): Path<String>) -> Html<String> {
    // The id is ours (digits or "evil"); nothing else reaches this page.
    let id: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    Html(format!(
        "<!doctype html><title>Product {id}</title><h1 id=product>Product {id}</h1>"
    ))
}

async fn image(Path(_file): Path<String>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'>\
         <rect width='64' height='64' fill='#1f6feb'/></svg>",
    )
}
