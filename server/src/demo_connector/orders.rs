//! The demo Custom App "Orders" (reference §5), served by the demo
//! connector on its own port: another origin than the desk, so the desk's
//! postMessage bridge and CSP are the real cross-origin ones.
//!
//! - `GET /apps/orders/` (the iframe URL, `?jwt=` appended by the desk):
//!   the page, which loads `idzcpa.js` from the desk and allows framing by
//!   the desk only (`Content-Security-Policy: frame-ancestors <desk>`, not
//!   the obsolete `X-Frame-Options: ALLOW-FROM`).
//! - `GET /apps/orders/api/orders` with `Authorization: Bearer <jwt>` (from
//!   `client.getJWT()`): the demo customer's orders, after checking the
//!   token as an app author would (HS256 with the connector secret, `iss`,
//!   `aud` = the app URL, `exp`), with this module's own code.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{data, Shared};

const INDEX: &str = include_str!("orders/index.html");
const APP_JS: &str = include_str!("orders/app.js");
const APP_CSS: &str = include_str!("orders/app.css");

/// Path of the app under the connector's base URL.
pub const PATH: &str = "/apps/orders/";

/// `(order number, product, status, date)` of the demo customer.
const ORDERS: [(u32, u32, &str, &str); 3] = [
    (1042, 4, "Shipped", "2026-11-28"),
    (1043, 25, "Being prepared", "2026-11-30"),
    (1037, 53, "Delivered", "2026-11-12"),
];

/// The app's routes (public: the browser loads them; the API checks the
/// token itself).
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(PATH, get(index))
        .route(
            "/apps/orders/app.js",
            get(|s| file(s, APP_JS, "text/javascript")),
        )
        .route(
            "/apps/orders/app.css",
            get(|s| file(s, APP_CSS, "text/css")),
        )
        .route("/apps/orders/api/orders", get(orders))
}

fn desk(demo: &Shared) -> Option<&str> {
    demo.desk.get().map(String::as_str)
}

/// The app's CSP: its own files, the desk's script, framed by the desk only.
fn csp(desk: Option<&str>) -> HeaderValue {
    let policy = match desk {
        Some(d) => format!(
            "default-src 'self'; script-src 'self' {d}; img-src 'self'; style-src 'self'; \
             connect-src 'self'; frame-ancestors {d}"
        ),
        None => "default-src 'self'; frame-ancestors 'none'".to_string(),
    };
    HeaderValue::from_str(&policy).expect("an origin is ASCII")
}

async fn index(State(demo): State<Shared>) -> Response {
    let d = desk(&demo);
    let page = INDEX.replace(
        "{{DESK}}",
        &d.unwrap_or("").replace('"', "%22").replace('<', "%3C"),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp(d)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        page,
    )
        .into_response()
}

async fn file(State(demo): State<Shared>, body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_SECURITY_POLICY, csp(desk(&demo))),
        ],
        body,
    )
        .into_response()
}

/// Why a token was refused.
fn check_token(
    token: &str,
    secrets: &[String],
    aud: &str,
    now: i64,
) -> Result<Value, &'static str> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT");
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("bad header")?;
    if header["alg"] != "HS256" {
        return Err("not HS256");
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| "bad signature")?;
    let signed = secrets.iter().any(|secret| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{h}.{c}").as_bytes());
        mac.verify_slice(&signature).is_ok()
    });
    if !signed {
        return Err("bad signature");
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("bad claims")?;
    if claims["iss"] != "iadvize" {
        return Err("wrong issuer");
    }
    if claims["aud"] != aud {
        return Err("wrong audience");
    }
    match claims["exp"].as_i64() {
        Some(exp) if exp > now => Ok(claims),
        _ => Err("expired"),
    }
}

async fn orders(State(demo): State<Shared>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let aud = format!("{}{PATH}", demo.base);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let claims = match token.map(|t| check_token(t, &demo.secrets, &aud, now)) {
        Some(Ok(c)) => c,
        Some(Err(why)) => {
            return (StatusCode::UNAUTHORIZED, Json(json!({"message": why}))).into_response()
        }
        None => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"message": "missing bearer token"})),
            )
                .into_response()
        }
    };
    let base = &demo.base;
    let orders: Vec<Value> = ORDERS
        .iter()
        .map(|(id, n, status, date)| {
            json!({
                "id": id, "title": data::product_title(*n), "status": status, "date": date,
                "url": format!("{base}/shop/{n}"), "image": format!("{base}/images/{n}.svg"),
            })
        })
        .collect();
    Json(json!({
        "operator": claims["sub"], "email": claims["email"],
        "customer": data::DEMO_EMAIL, "orders": orders,
    }))
    .into_response()
}

/// The desk's origin, told by the server once it listens.
pub type Desk = OnceLock<String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secret: &str, claims: &Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{h}.{c}").as_bytes());
        format!(
            "{h}.{c}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn checks_tokens_like_an_app_author() {
        let secrets = vec!["s3cret-0123456789abcdef".to_string()];
        let good = json!({"iss": "iadvize", "sub": "demo", "aud": "http://x/apps/orders/",
                          "iat": 100, "exp": 160});
        let ok = |t: &str, now| check_token(t, &secrets, "http://x/apps/orders/", now);
        assert_eq!(ok(&token(&secrets[0], &good), 120).unwrap()["sub"], "demo");
        assert_eq!(ok(&token(&secrets[0], &good), 161), Err("expired"));
        assert_eq!(
            ok(&token("another-secret-0123456", &good), 120),
            Err("bad signature")
        );
        let mut other = good.clone();
        other["aud"] = json!("http://evil/");
        assert_eq!(ok(&token(&secrets[0], &other), 120), Err("wrong audience"));
        assert_eq!(ok("a.b", 120), Err("not a JWT"));
    }
}
