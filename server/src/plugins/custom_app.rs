//! Custom Apps (reference §5): `[[companies.connector.custom_apps]]`, the
//! apps a connector declares for the desk's conversation panel, and their
//! HS256 tokens (reference §2.3).
//!
//! ```toml
//! [[companies.connector.custom_apps]]
//! id = "orders"                     # ours: names the app in the operator API
//! name = { default = "Orders", fr = "Commandes" }
//! icon = "ORDER"
//! url = "https://apps.example.com/orders/"
//! use_authentication = true         # ?jwt=<token> on the iframe URL
//! ```

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Error, Result};

/// The icon names of iAdvize's Custom App settings (reference §5.2).
pub const ICONS: &[&str] = &[
    "COUPON",
    "DOLLAR",
    "PERCENTAGE",
    "TICKETS",
    "STAMP",
    "TARGET",
    "CARD",
    "DELIVERY",
    "PACKAGE",
    "ORDER",
    "BOXES",
    "STOCK",
    "WAREHOUSE",
    "RECOMMENDATION",
    "FILES",
    "FOLDERS",
    "SEARCH",
    "PROFILE",
    "TARGETING",
    "PROFILECARDS",
    "INVOICING",
    "PAYMENT",
    "SHOPPINGCART",
    "SEARCHSHOPPINGCART",
    "BAGQUESTION",
    "BAGSEARCH",
    "PACKAGESEARCH",
    "STORE",
    "LOCATION",
    "POSITION",
    "LOCATIONPIN",
    "TOOLS",
    "TOOLING",
    "HELP",
    "NOTE",
    "BOOKING",
    "TAG",
    "HOTELS",
    "HOTELOFFER",
    "SERVICES",
    "NOTEBOOK",
    "DIAMOND",
    "BOUSSOLE",
    "SHIRT",
    "GEAR",
    "FRAME45",
];

/// Lifetime of a token (iAdvize's example: 60 s).
pub const TOKEN_LIFETIME_SECS: i64 = 60;
/// The `iss` claim, as iAdvize sets it (apps written for iAdvize check it).
pub const ISSUER: &str = "iadvize";

/// `[[companies.connector.custom_apps]]` as written in the TOML file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomApp {
    /// Our id of the app: 1 to 32 of `a-z 0-9 - _`, unique on the connector.
    pub id: String,
    /// Name per language: `default` (required) and language codes.
    pub name: BTreeMap<String, String>,
    /// One of [`ICONS`] (any case).
    pub icon: String,
    /// The iframe URL, http(s).
    pub url: String,
    /// Append `?jwt=<token>` to the iframe URL.
    #[serde(default)]
    pub use_authentication: bool,
}

/// A checked Custom App.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomApp {
    /// Id (operator API paths).
    pub id: String,
    /// `default` and lower-case language codes → name.
    pub name: BTreeMap<String, String>,
    /// Upper-case icon name.
    pub icon: String,
    /// The iframe URL, normalized (`https://a.example` →
    /// `https://a.example/`): what the desk frames.
    pub url: String,
    /// The iframe URL exactly as configured (trimmed): the token's `aud`,
    /// as iAdvize sets it, so that an app checking `aud` against the URL it
    /// declared accepts the token.
    #[serde(skip)]
    pub aud: String,
    /// `scheme://host[:port]` of `url`: the only origin the desk frames and
    /// talks to for this app.
    pub origin: String,
    /// Whether the iframe URL gets `?jwt=`.
    pub use_authentication: bool,
}

fn bad(key: &str, why: impl std::fmt::Display) -> Error {
    Error::Config(format!("{key}: {why}"))
}

/// Raw → checked; `key` is the connector table's path.
pub fn check_all(key: &str, raw: Vec<RawCustomApp>) -> Result<Vec<CustomApp>> {
    let mut apps: Vec<CustomApp> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let key = format!("{key}.custom_apps[{i}]");
        let app = check(&key, r)?;
        if apps.iter().any(|a| a.id == app.id) {
            return Err(bad(
                &format!("{key}.id"),
                format!("{:?} is used twice", app.id),
            ));
        }
        apps.push(app);
    }
    Ok(apps)
}

fn check(key: &str, raw: RawCustomApp) -> Result<CustomApp> {
    let id_ok = (1..=32).contains(&raw.id.len())
        && raw
            .id
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'));
    if !id_ok {
        return Err(bad(
            &format!("{key}.id"),
            "must be 1 to 32 of a-z, 0-9, - and _",
        ));
    }
    let mut name = BTreeMap::new();
    for (lang, label) in raw.name {
        let lang = lang.to_ascii_lowercase();
        if label.trim().is_empty() || label.chars().count() > 64 {
            return Err(bad(
                &format!("{key}.name.{lang}"),
                "must be 1 to 64 characters",
            ));
        }
        name.insert(lang, label);
    }
    if !name.contains_key("default") {
        return Err(bad(&format!("{key}.name"), "needs a \"default\" name"));
    }
    let icon = raw.icon.to_ascii_uppercase();
    if !ICONS.contains(&icon.as_str()) {
        return Err(bad(
            &format!("{key}.icon"),
            format!("{:?} is not one of {}", raw.icon, ICONS.join(", ")),
        ));
    }
    let parsed = reqwest::Url::parse(&raw.url)
        .map_err(|e| bad(&format!("{key}.url"), format!("{:?}: {e}", raw.url)))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad(
            &format!("{key}.url"),
            format!("{:?} is not an http(s) URL", raw.url),
        ));
    }
    if parsed.fragment().is_some() || parsed.query_pairs().any(|(k, _)| k == "jwt") {
        return Err(bad(
            &format!("{key}.url"),
            "must have neither a #fragment nor a jwt parameter",
        ));
    }
    Ok(CustomApp {
        id: raw.id,
        name,
        icon,
        origin: parsed.origin().ascii_serialization(),
        url: parsed.to_string(),
        aud: raw.url.trim().to_string(),
        use_authentication: raw.use_authentication,
    })
}

/// The claims of a Custom App token (reference §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `"iadvize"`.
    pub iss: String,
    /// The operator (their login name, as `idOperator` for connectors).
    pub sub: String,
    /// The app's URL as configured.
    pub aud: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expiry, Unix seconds (`iat` + 60).
    pub exp: i64,
    /// The operator's e-mail, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Claims {
    /// Claims for `operator` opening `app` at Unix second `now`.
    pub fn new(app: &CustomApp, operator: &str, email: Option<&str>, now: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: operator.into(),
            aud: app.aud.clone(),
            iat: now,
            exp: now + TOKEN_LIFETIME_SECS,
            email: email.map(str::to_string),
        }
    }
}

/// `header.claims.signature`, HS256 with `secret` (RFC 7519 / 7515 compact
/// serialization, base64url without padding).
pub fn sign(claims: &Claims, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize to JSON"));
    let signing_input = format!("{header}.{body}");
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// The iframe URL: `url`, plus `jwt=<token>` in the query when the app
/// uses authentication.
pub fn frame_src(app: &CustomApp, token: &str) -> String {
    let mut url = reqwest::Url::parse(&app.url).expect("checked when configured");
    if app.use_authentication {
        url.query_pairs_mut().append_pair("jwt", token);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawCustomApp {
        RawCustomApp {
            id: "orders".into(),
            name: [("default", "Orders"), ("FR", "Commandes")]
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            icon: "order".into(),
            url: "https://apps.example.com/orders/?v=2".into(),
            use_authentication: true,
        }
    }

    #[test]
    fn checks_and_normalizes() {
        let a = &check_all("c", vec![raw()]).unwrap()[0];
        assert_eq!(a.icon, "ORDER");
        assert_eq!(a.origin, "https://apps.example.com");
        assert_eq!(a.name.get("fr").map(String::as_str), Some("Commandes"));
        let src = frame_src(a, "t.o.k");
        assert_eq!(src, "https://apps.example.com/orders/?v=2&jwt=t.o.k");
        let off = CustomApp {
            use_authentication: false,
            ..a.clone()
        };
        assert_eq!(frame_src(&off, "t"), "https://apps.example.com/orders/?v=2");
    }

    #[test]
    fn errors_name_the_key() {
        let err = |r: Vec<RawCustomApp>| check_all("conn", r).unwrap_err().to_string();
        let mut r = raw();
        r.icon = "ROCKET".into();
        assert!(err(vec![r]).contains("conn.custom_apps[0].icon"));
        let mut r = raw();
        r.url = "javascript:alert(1)".into();
        assert!(err(vec![r]).contains("custom_apps[0].url"));
        let mut r = raw();
        r.name.remove("default");
        assert!(err(vec![r]).contains("needs a \"default\" name"));
        let mut r = raw();
        r.id = "Orders!".into();
        assert!(err(vec![r]).contains(".id: must be"));
        assert!(err(vec![raw(), raw()]).contains("custom_apps[1].id"));
        let mut r = raw();
        r.url = "https://a.example/?jwt=x".into();
        assert!(err(vec![r]).contains("jwt parameter"));
    }

    #[test]
    fn the_audience_is_the_url_as_configured() {
        let mut r = raw();
        r.url = "https://Apps.Example.com".into();
        let a = &check_all("c", vec![r]).unwrap()[0];
        assert_eq!(a.url, "https://apps.example.com/", "normalized to frame");
        let claims = Claims::new(a, "demo", None, 1_000);
        assert_eq!(claims.aud, "https://Apps.Example.com", "aud as declared");
    }

    #[test]
    fn a_token_is_three_base64url_parts() {
        let a = &check_all("c", vec![raw()]).unwrap()[0];
        let claims = Claims::new(a, "demo", Some("op@example.com"), 1_000);
        let t = sign(&claims, "0123456789abcdef0123");
        let parts: Vec<_> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let body: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(body, claims);
        assert_eq!(body.exp - body.iat, 60);
        assert!(!t.contains('='), "no padding");
    }
}
