//! Conformance audit against the public contract
//! (`app-plugins-spec.md`), from the side of an app that knows only it:
//!
//! - a Custom App token's `aud` is "the CPA URL" (§2.3) as the app declared
//!   it, so that an app checking `aud` against its own URL accepts it.
//!
//! The test apps compute everything here from the contract, not from the
//! server's code.

mod common;
mod connector;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use connector::hmac_hex;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn a_custom_app_token_names_the_url_exactly_as_declared() {
    const SECRET: &str = "custom-app-secret-0123456789";
    // Declared the way people type it: no path, upper-case letters.
    const DECLARED: &str = "https://Apps.Example.com";
    let connector = format!(
        r#"
[companies.connector]
id_connector_version = "0b6f5c1e-9a2d-4e3f-8c7b-6d5e4f3a2b1c"
id_website = "ha-123"
secret = "{SECRET}"
[[companies.connector.custom_apps]]
id = "orders"
name = {{ default = "Orders" }}
icon = "ORDER"
url = "{DECLARED}"
use_authentication = true
"#
    );
    let marker = format!("\n[[companies]]\nid = \"{OTHER}\"");
    let toml = test_toml().replacen(&marker, &format!("{connector}{marker}"), 1);
    let config = owidget_server::Config::from_toml(&toml).expect("valid config");
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    let (st, v) = s
        .call(
            Method::GET,
            "/api/operator/custom-apps/orders/token",
            &token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let jwt = v["jwt"].as_str().unwrap();
    // What the app does: HS256 with its secret, then the claims.
    let (signed, sig) = jwt.rsplit_once('.').unwrap();
    let expected = hex::decode(hmac_hex(SECRET, signed.as_bytes())).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(sig).unwrap(), expected, "HS256");
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signed.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], "iadvize");
    assert_eq!(claims["aud"], DECLARED, "aud is the URL as declared");
    // The frame loads that URL with ?jwt= appended.
    assert_eq!(v["src"], format!("https://apps.example.com/?jwt={jwt}"));
    s.stop().await;
}
