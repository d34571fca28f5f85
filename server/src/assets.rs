//! Static files: the loader, the wasm package, the demo page and the desk.
//!
//! They are built into the binary ([`embedded`], from `www/` and `pkg/` at
//! compile time), so that `owidget-server` runs alone; `--www-dir` /
//! `--pkg-dir` ([`Dirs`]) serve a directory on disk instead, for
//! development without recompiling.
//!
//! Cache policy: the loader URL is pasted into customers' pages and never
//! changes, so it gets a short `max-age` (a new release reaches pages within
//! minutes) and carries the content-hashed names of the current glue and
//! wasm ([`hashed`]), which are cached for a year as `immutable`; the
//! stable names under `/widget/pkg/` are revalidated on every use
//! (`no-cache` + `Last-Modified` from disk or `ETag` when embedded, answered
//! `304` when unchanged).
//! Content types come from the file extension (`.wasm` → `application/wasm`,
//! `.js` → `text/javascript`), which WebAssembly streaming compilation
//! requires.

mod embedded;
mod hashed;

use std::path::PathBuf;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// Where static files come from: a directory on disk, or (`None`, the
/// default) the copy built into the binary.
#[derive(Debug, Clone, Default)]
pub struct Dirs {
    /// `www/`: `owidget.js`, `demo/`, `desk/`.
    pub www: Option<PathBuf>,
    /// `pkg/`: wasm-bindgen output.
    pub pkg: Option<PathBuf>,
}

/// A file of `www/` or `pkg/` from disk or from the binary: `name` is the
/// path below the directory, already checked to be a plain relative path.
async fn serve(dir: Option<PathBuf>, embedded_dir: &str, name: &str, request: Request) -> Response {
    let not_found = || crate::Error::NotFound("no such file".into()).into_response();
    if let Some(dir) = dir {
        return match ServeFile::new(dir.join(name)).oneshot(request).await {
            Ok(resp) => resp.into_response(),
            Err(never) => match never {},
        };
    }
    embedded::respond(&format!("{embedded_dir}/{name}"), request.headers())
        .unwrap_or_else(not_found)
}

/// A file of the `www/` or `pkg/` directory given, by name, as text.
async fn read_text(dir: Option<PathBuf>, embedded_dir: &str, name: &str) -> Option<String> {
    match dir {
        Some(dir) => tokio::fs::read_to_string(dir.join(name)).await.ok(),
        None => embedded::get(&format!("{embedded_dir}/{name}"))
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::to_owned),
    }
}

/// `path` is plain: no `..`, no absolute paths, no backslashes, no empty
/// segments.
fn plain(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

/// The desk's own Content-Security-Policy: its scripts, styles and API are
/// same-origin files (`'self'` also covers its `ws(s)://` socket), nothing
/// inline or evaluated. Images may come from connectors (product images),
/// hence `http:`/`https:` there only. This is the policy of a server
/// without Custom Apps: nothing may be framed; [`desk_csp`] lets in the
/// configured app origins.
pub const DESK_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; img-src 'self' data: http: https:; frame-src 'none'; font-src 'self'; \
form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

/// [`DESK_CSP`] with `frame-src` limited to `origins` (the Custom Apps'
/// origins, `scheme://host[:port]`), or `'none'` when there are none.
pub fn desk_csp(origins: &[String]) -> String {
    if origins.is_empty() {
        return DESK_CSP.to_string();
    }
    DESK_CSP.replace(
        "frame-src 'none'",
        &format!("frame-src {}", origins.join(" ")),
    )
}

fn cache(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(value))
}

/// Routes for `/`, `/widget/*`, `/demo/*`, `/desk/*`.
pub fn routes(dirs: &Dirs, desk_csp: &str) -> Router<AppState> {
    let desk_csp = HeaderValue::from_str(desk_csp).expect("origins are ASCII");
    // The loader and the SDK run inside customers' pages on other origins:
    // the module import and the wasm fetch are cross-origin, so they need
    // CORS. They are public files, hence `*`.
    let public = CorsLayer::new().allow_origin(tower_http::cors::Any);
    let widget = Router::new()
        .route("/owidget.js", get(loader))
        .layer(cache("public, max-age=300"))
        .nest(
            "/pkg",
            Router::new()
                .route("/{*path}", get(pkg_file))
                // Content-hashed names say `immutable` themselves.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                )),
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
            match &dirs.www {
                Some(www) => Router::new().fallback_service(ServeDir::new(www.join("desk"))),
                None => Router::new()
                    .route("/", get(desk_file))
                    .route("/{*path}", get(desk_file)),
            }
            .layer(cache("no-cache"))
            .layer(SetResponseHeaderLayer::overriding(
                header::CONTENT_SECURITY_POLICY,
                desk_csp,
            )),
        )
        .layer(axum::middleware::from_fn(desk_slash))
}

/// The loader, with the current content-hashed names of the package in
/// it; `ETag` over that text, so a revalidation after a deploy gets the
/// new names.
async fn loader(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // `www/owidget.js` from `--www-dir` as it is (development); else the
    // minified build of it (`pkg/owidget-loader.js`, from `--pkg-dir` or
    // embedded), else the embedded `www/owidget.js`.
    let minified = match state.dirs.www {
        Some(_) => None,
        None => read_text(state.dirs.pkg.clone(), "pkg", "owidget-loader.js").await,
    };
    let text = match minified {
        Some(text) => Some(text),
        None => read_text(state.dirs.www, "www", "owidget.js").await,
    };
    let Some(text) = text else {
        return crate::Error::NotFound("no loader".into()).into_response();
    };
    let pkg = state.dirs.pkg;
    let text = tokio::task::spawn_blocking(move || hashed::loader(&text, pkg.as_deref()))
        .await
        .unwrap_or_default();
    let tag = format!("\"{}\"", hashed::hash(text.as_bytes()));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript".to_owned()),
            (header::ETAG, tag),
        ],
        text,
    )
        .into_response()
}

/// A file of the package: by content-hashed name (immutable, only while
/// current) or by its stable name.
async fn pkg_file(
    State(state): State<AppState>,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    let not_found = || crate::Error::NotFound("no such file".into()).into_response();
    if !plain(&path) {
        return not_found();
    }
    if hashed::split(&path).is_some() {
        let pkg = state.dirs.pkg;
        let gzip = hashed::accepts_gzip(request.headers());
        return tokio::task::spawn_blocking(move || hashed::respond(pkg.as_ref(), &path, gzip))
            .await
            .ok()
            .flatten()
            .unwrap_or_else(not_found);
    }
    serve(state.dirs.pkg, "pkg", &path, request).await
}

/// The embedded desk: `/desk/` is its `index.html`.
async fn desk_file(path: Option<Path<String>>, request: Request) -> Response {
    let name = match path {
        Some(Path(p)) if p.is_empty() || p.ends_with('/') => format!("{p}index.html"),
        Some(Path(p)) => p,
        None => "index.html".into(),
    };
    if !plain(&name) {
        return crate::Error::NotFound("no such file".into()).into_response();
    }
    serve(None, "www", &format!("desk/{name}"), request).await
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
    if !plain(&name) {
        return not_found();
    }
    let name = format!("demo/{name}");
    if !name.ends_with(".html") {
        let mut resp = serve(state.dirs.www, "www", &name, request).await;
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return resp;
    }
    let Some(text) = read_text(state.dirs.www, "www", &name).await else {
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
