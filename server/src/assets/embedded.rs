//! The files built into the binary (see `server/build.rs`): `www/…` and
//! `pkg/…` as they were when the server was compiled. Each answer carries
//! a strong `ETag` (SHA-256 of the content), so that `no-cache` files
//! revalidate to `304 Not Modified`.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The bytes of the embedded file `name` (`www/owidget.js`, `pkg/…`).
pub(crate) fn get(name: &str) -> Option<&'static [u8]> {
    index(name).map(|i| FILES[i].1)
}

fn index(name: &str) -> Option<usize> {
    FILES.binary_search_by(|(n, _)| (*n).cmp(name)).ok()
}

/// The `Content-Type` of a file name, as `ServeDir` gives it for the same
/// file on disk.
pub(crate) fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "ts" | "txt" | "md" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Per file: its `ETag` (32 hex digits of the SHA-256, quoted) and its
/// content hash for hashed names (the first 16 of them), computed once.
fn digests() -> &'static [(String, String)] {
    static DIGESTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    DIGESTS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, bytes)| {
                let hex = hex::encode(Sha256::digest(bytes));
                (format!("\"{}\"", &hex[..32]), hex[..16].to_owned())
            })
            .collect()
    })
}

fn etag(i: usize) -> &'static str {
    &digests()[i].0
}

/// The content hash of the embedded file `name` (see `hashed`).
pub(crate) fn hash(name: &str) -> Option<&'static str> {
    index(name).map(|i| digests()[i].1.as_str())
}

/// Answers a request for the embedded file `name`: `200` with its type and
/// `ETag`, `304` when `If-None-Match` names that tag, `None` when there is
/// no such file.
pub(crate) fn respond(name: &str, request: &HeaderMap) -> Option<Response> {
    let i = index(name)?;
    let tag = etag(i);
    let tag_value = HeaderValue::from_static(tag);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if fresh {
        return Some((StatusCode::NOT_MODIFIED, [(header::ETAG, tag_value)]).into_response());
    }
    Some(
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type(name)),
                ),
                (header::ETAG, tag_value),
            ],
            FILES[i].1,
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_holds_the_loader_desk_demo_and_wasm() {
        assert!(
            FILES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        for name in [
            "www/owidget.js",
            "www/desk/index.html",
            "www/demo/index.html",
            "pkg/owidget_bg.wasm",
            "pkg/owidget_chat_bg.wasm",
        ] {
            assert!(get(name).is_some_and(|b| !b.is_empty()), "{name} embedded");
        }
        assert_eq!(
            get("pkg/owidget_bg.wasm").map(|b| &b[..4]),
            Some(&b"\0asm"[..])
        );
        assert_eq!(get("www/nothing.js"), None);
    }

    #[test]
    fn etags_revalidate() {
        let first = respond("www/owidget.js", &HeaderMap::new()).expect("embedded");
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CONTENT_TYPE], "text/javascript");
        let tag = first.headers()[header::ETAG].clone();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, tag);
        let second = respond("www/owidget.js", &again).expect("embedded");
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        let mut other = HeaderMap::new();
        other.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(
            respond("www/owidget.js", &other).map(|r| r.status()),
            Some(StatusCode::OK)
        );
    }
}
