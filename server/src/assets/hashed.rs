//! Content-hashed names for the wasm package, so that repeat page views
//! load glue and wasm from the browser cache without asking.
//!
//! Every file of [`MODULES`] is also served as `<stem>.<hash>.<ext>`
//! (`owidget_bg.0123456789abcdef.wasm`, the hash being the first 16 hex
//! digits of its SHA-256) with `Cache-Control: public, max-age=31536000,
//! immutable`, but only while that is its current content: a name whose
//! hash does not match is `404`, so that a cached name never stands for
//! other bytes. The loader (stable URL, short cache) is served with the
//! current names written into it ([`manifest`]), and hands them to the
//! core, which loads the chat module by them: one loader
//! answer names one release's glue and wasm together.
//!
//! The stable names (`owidget.js`, …) stay, revalidated on every use, for
//! the npm package and for a loader served as a plain file.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::embedded;

/// The files the loader and the core load by content-hashed name.
pub(crate) const MODULES: &[&str] = &[
    "owidget.js",
    "owidget_bg.wasm",
    "owidget_chat.js",
    "owidget_chat_bg.wasm",
];

/// `Cache-Control` of a content-hashed name.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The placeholder in the loader that [`manifest`] replaces (a string
/// literal: it survives the loader's minification).
pub(crate) const PLACEHOLDER: &str = "\"@owidget-assets\"";

/// First 16 hex digits of the SHA-256 of `bytes`.
pub(crate) fn hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// `owidget_bg.wasm` + hash → `owidget_bg.<hash>.wasm`.
fn hashed_name(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// `owidget_bg.<hash>.wasm` → (`owidget_bg.wasm`, hash), for names of
/// [`MODULES`] only.
pub(crate) fn split(name: &str) -> Option<(&'static str, &str)> {
    let (rest, ext) = name.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    MODULES
        .iter()
        .copied()
        .find(|m| m.rsplit_once('.') == Some((stem, ext)))
        .map(|m| (m, hash))
}

/// The current bytes of the package file `name`: from `dir`, or embedded.
fn read(dir: Option<&Path>, name: &str) -> Option<Vec<u8>> {
    match dir {
        Some(dir) => std::fs::read(dir.join(name)).ok(),
        None => embedded::get(&format!("pkg/{name}")).map(<[u8]>::to_vec),
    }
}

/// The hash of the package file `name`; embedded ones are hashed once.
fn current_hash(dir: Option<&Path>, name: &str) -> Option<String> {
    match dir {
        Some(_) => read(dir, name).map(|b| hash(&b)),
        None => embedded::hash(&format!("pkg/{name}")).map(str::to_owned),
    }
}

/// `{"owidget.js":"owidget.<hash>.js",…}` for the files of [`MODULES`]
/// that exist: the JSON object the loader gets.
pub(crate) fn manifest(dir: Option<&Path>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = MODULES
        .iter()
        .filter_map(|name| {
            let h = current_hash(dir, name)?;
            Some(((*name).to_owned(), hashed_name(name, &h).into()))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The loader text with the current names in place of [`PLACEHOLDER`].
pub(crate) fn loader(text: &str, pkg: Option<&Path>) -> String {
    text.replacen(PLACEHOLDER, &manifest(pkg), 1)
}

/// Answers `/widget/pkg/<stem>.<hash>.<ext>`: the file, immutable, when
/// `hash` is its current hash; `None` (a `404`) otherwise.
pub(crate) fn respond(pkg: Option<&PathBuf>, name: &str, gzip: bool) -> Option<Response> {
    let (file, want) = split(name)?;
    let dir = pkg.map(PathBuf::as_path);
    let bytes = read(dir, file)?;
    let have = match dir {
        Some(_) => hash(&bytes),
        None => current_hash(None, file)?,
    };
    if !have.eq_ignore_ascii_case(want) {
        return None;
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(embedded::content_type(file)),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (header::VARY, HeaderValue::from_static("Accept-Encoding")),
    ];
    // The precompressed body (`scripts/build-wasm.sh`: zopfli, ~6 % fewer
    // bytes than the compression layer's gzip), when it is this file's.
    let gz = gzip
        .then(|| read(dir, &format!("{file}.gz")))
        .flatten()
        .filter(|gz| inflates_to(gz, &bytes));
    Some(match gz {
        Some(gz) => (
            headers,
            [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))],
            gz,
        )
            .into_response(),
        None => (headers, bytes).into_response(),
    })
}

/// Whether the gzip data `gz` inflates to `bytes` (a `.gz` left from
/// another build is not sent).
fn inflates_to(gz: &[u8], bytes: &[u8]) -> bool {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len());
    flate2::read::GzDecoder::new(gz)
        .take(bytes.len() as u64 + 1)
        .read_to_end(&mut out)
        .is_ok()
        && out == bytes
}

/// Whether `Accept-Encoding` takes gzip (a `gzip` or `*` entry whose
/// `q` is not 0).
pub(crate) fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|entry| {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_accepted_unless_q_is_zero() {
        let h = |v: &str| {
            let mut m = axum::http::HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&axum::http::HeaderMap::new()));
    }

    #[test]
    fn names_split_only_for_package_modules_with_a_16_digit_hash() {
        assert_eq!(
            split("owidget_bg.0123456789abcdef.wasm"),
            Some(("owidget_bg.wasm", "0123456789abcdef"))
        );
        assert_eq!(
            split("owidget_chat.0123456789abcdef.js"),
            Some(("owidget_chat.js", "0123456789abcdef"))
        );
        assert_eq!(split("owidget_bg.wasm"), None);
        assert_eq!(split("owidget_bg.0123.wasm"), None);
        assert_eq!(split("other.0123456789abcdef.wasm"), None);
        assert_eq!(split("owidget_bg.0123456789abcdeg.wasm"), None);
    }

    #[test]
    fn the_loader_names_every_embedded_module_by_its_current_hash() {
        let text = loader("var A = \"@owidget-assets\";", None);
        let json = text
            .strip_prefix("var A = ")
            .and_then(|t| t.strip_suffix(';'))
            .expect("placeholder replaced");
        let map: serde_json::Value = serde_json::from_str(json).expect("JSON");
        for name in MODULES {
            let hashed = map[*name].as_str().expect("named");
            let bytes = embedded::get(&format!("pkg/{name}")).expect("embedded");
            assert_eq!(hashed, hashed_name(name, &hash(bytes)));
            let resp = respond(None, hashed, false).expect("served");
            assert_eq!(resp.headers()[header::CACHE_CONTROL], IMMUTABLE);
            assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
            // Precompressed when gzip is accepted: the same bytes inflated.
            let resp = respond(None, hashed, true).expect("served");
            assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip");
            let gz = embedded::get(&format!("pkg/{name}.gz")).expect("pkg/*.gz embedded");
            assert!(inflates_to(gz, bytes), "{name}.gz is {name}");
        }
        // A stale or made-up hash is not served.
        assert!(respond(None, "owidget_bg.0000000000000000.wasm", true).is_none());
        assert!(!inflates_to(b"not gzip", b""));
    }
}
