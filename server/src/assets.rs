//! Static files: the loader, the wasm package, the demo page and the desk.
//!
//! Cache policy: the loader URL is pasted into customers' pages and never
//! changes, so it gets a short `max-age` (a new release reaches pages within
//! minutes); everything under `/widget/pkg/` is revalidated on every use
//! (`no-cache` + `Last-Modified`, answered `304` when unchanged) because the
//! file names carry no content hash. Content types come from the file
//! extension (`.wasm` → `application/wasm`, `.js` → `text/javascript`), which
//! WebAssembly streaming compilation requires.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// Where static files come from.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// `www/`: `owidget.js`, `demo/`, `desk/`.
    pub www: PathBuf,
    /// `pkg/`: wasm-bindgen output.
    pub pkg: PathBuf,
}

fn cache(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(value))
}

/// Routes for `/`, `/widget/*`, `/demo/*`, `/desk/*`.
pub fn routes(dirs: &Dirs) -> Router<AppState> {
    // The loader and the SDK run inside customers' pages on other origins:
    // the module import and the wasm fetch are cross-origin, so they need
    // CORS. They are public files, hence `*`.
    let public = CorsLayer::new().allow_origin(tower_http::cors::Any);
    let widget = Router::new()
        .route_service("/owidget.js", ServeFile::new(dirs.www.join("owidget.js")))
        .layer(cache("public, max-age=300"))
        .nest_service(
            "/pkg",
            Router::new()
                .fallback_service(ServeDir::new(&dirs.pkg))
                .layer(cache("no-cache")),
        )
        .layer(public);
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo/") }))
        .nest("/widget", widget)
        .nest(
            "/demo",
            Router::new()
                .route("/", get(demo_page))
                .route("/{page}", get(demo_page))
                .fallback_service(ServeDir::new(dirs.www.join("demo")))
                .layer(cache("no-cache")),
        )
        .nest_service(
            "/desk",
            Router::new()
                .fallback_service(ServeDir::new(dirs.www.join("desk")))
                .layer(cache("no-cache")),
        )
}

/// The origin the demo pages' snippets are written with (the README's
/// default `--listen`).
const DEMO_ORIGIN: &str = "http://127.0.0.1:8080";

/// Serves an HTML page of `www/demo/` with the snippet's documented origin
/// replaced by the origin this request reached, so the verbatim snippet
/// works whatever `--listen` says (tests use port 0).
async fn demo_page(
    State(state): State<AppState>,
    page: Option<Path<String>>,
    headers: HeaderMap,
) -> Response {
    let name = page.map(|Path(p)| p).unwrap_or_else(|| "index.html".into());
    let valid = name.ends_with(".html")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.contains("..");
    if !valid {
        return crate::Error::NotFound("no such demo page".into()).into_response();
    }
    let Ok(text) = tokio::fs::read_to_string(state.dirs.www.join("demo").join(&name)).await else {
        return crate::Error::NotFound("no such demo page".into()).into_response();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    match host {
        Some(host) => Html(text.replace(DEMO_ORIGIN, &format!("http://{host}"))).into_response(),
        None => Html(text).into_response(),
    }
}
