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

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
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
        // The demo pages get their snippet origin rewritten (see
        // `demo_page`); other files of www/demo/ are served as they are.
        .route("/demo/", get(demo_page))
        .route("/demo/{*path}", get(demo_page))
        .route("/demo", get(|| async { Redirect::permanent("/demo/") }))
        .nest_service(
            "/desk",
            Router::new()
                .fallback_service(ServeDir::new(dirs.www.join("desk")))
                .layer(cache("no-cache")),
        )
        .layer(axum::middleware::from_fn(desk_slash))
}

/// `/desk` → `/desk/`: the desk's relative module and CSS URLs only resolve
/// under the slash (the nested service would answer `/desk` with the page).
async fn desk_slash(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.uri().path() == "/desk" {
        return Redirect::permanent("/desk/").into_response();
    }
    next.run(req).await
}

/// The origin the demo pages' snippets are written with (the README's
/// default `--listen`).
const DEMO_ORIGIN: &str = "http://127.0.0.1:8080";

/// Serves an HTML page of `www/demo/` with the snippet's documented origin
/// replaced by the origin this request reached, so the verbatim snippet
/// works whatever `--listen` says (tests use port 0).
async fn demo_page(
    State(state): State<AppState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let name = path.map(|Path(p)| p).unwrap_or_else(|| "index.html".into());
    let not_found = || crate::Error::NotFound("no such demo file".into()).into_response();
    // Only plain relative names: no `..`, no absolute paths, no backslashes.
    let valid = !name.is_empty()
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    if !valid {
        return not_found();
    }
    let file = state.dirs.www.join("demo").join(&name);
    if !name.ends_with(".html") {
        let served = ServeFile::new(file).oneshot(request).await;
        return match served {
            Ok(resp) => {
                let mut resp = resp.into_response();
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                resp
            }
            Err(never) => match never {},
        };
    }
    let Ok(text) = tokio::fs::read_to_string(file).await else {
        return not_found();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let text = match host {
        Some(host) => text.replace(DEMO_ORIGIN, &format!("http://{host}")),
        None => text,
    };
    ([(header::CACHE_CONTROL, "no-cache")], Html(text)).into_response()
}
