//! Callback numbers are re-validated by the server with owidget-phone and
//! stored, pushed and listed in international format.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn callback(phone: &str) -> Value {
    json!({"type": "callbackRequest", "name": "Jana", "phone": phone,
           "language": "cs", "pageUrl": "http://localhost:5173/contact"})
}

/// All callback requests of the demo company, open and done.
async fn all_callbacks(s: &Server, token: &str) -> Vec<Value> {
    let (st, list) = s
        .call(
            Method::GET,
            "/api/operator/callbacks?status=all",
            token,
            None,
        )
        .await;
    assert_eq!(st, 200, "{list}");
    list.as_array().expect("a JSON array").clone()
}

/// Sends a callback request that must be stored; returns the stored phone
/// after checking that the desk event and the operator API carry the same.
async fn stored_phone(s: &Server, token: &str, d: &mut Ws, w: &mut Ws, raw: &str) -> String {
    send(w, callback(raw)).await;
    let frame = next_json(w).await;
    assert_eq!(frame["type"], "stored", "{raw:?} answered {frame}");
    assert_eq!(frame["kind"], "callbackRequest");
    let phone = frame["phone"].as_str().expect("stored phone").to_string();
    let ev = next_of(d, "callbackRequest").await;
    assert_eq!(
        ev["request"]["phone"],
        phone.as_str(),
        "desk event of {raw:?}"
    );
    let list = all_callbacks(s, token).await;
    assert_eq!(list[0]["phone"], phone.as_str(), "newest listed of {raw:?}");
    phone
}

/// Sends a callback request that must be refused; returns the message.
async fn refused(w: &mut Ws, raw: &str) -> String {
    send(w, callback(raw)).await;
    let frame = next_json(w).await;
    assert_eq!(frame["type"], "error", "{raw:?} answered {frame}");
    assert_eq!(frame["code"], "invalid", "{frame}");
    frame["message"]
        .as_str()
        .expect("error message")
        .to_string()
}

#[tokio::test]
async fn national_number_is_stored_in_international_format() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    // The default preset's phone country is CZ (the config default).
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "777 666 555").await,
        "+420 777 666 555"
    );
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "(777) 666-555").await,
        "+420 777 666 555"
    );
    let list = all_callbacks(&s, &demo).await;
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|c| c["phone"] == "+420 777 666 555"));
    s.stop().await;
}

#[tokio::test]
async fn international_prefixes_are_accepted() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "00420 777 666 555").await,
        "+420 777 666 555"
    );
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "+420777666555").await,
        "+420 777 666 555"
    );
    s.stop().await;
}

/// libphonenumber-js's INTERNATIONAL format (issue 11): spaces only, also where
/// the region's metadata format has dashes (US, RU, JP…); an extension kept as
/// ` ext. N`; a national prefix typed after the country code dropped; `00`
/// only where it is the region's international prefix.
#[tokio::test]
async fn numbers_are_stored_as_libphonenumber_js_formats_them() {
    let toml = test_toml().replacen(
        "name = \"sales\"\n",
        "name = \"sales\"\nphone_country = \"US\"\n",
        1,
    );
    let config = owidget_server::Config::from_toml(&toml).expect("config with US preset");
    let s = Server::start_with(config, None).await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    for (raw, stored) in [
        ("777 666 555 ext. 12", "+420 777 666 555 ext. 12"),
        ("+420 777 666 555 x12", "+420 777 666 555 ext. 12"),
        ("+1 (201) 555-0123", "+1 201 555 0123"),
        ("+7 8 800 123-45-67", "+7 800 123 45 67"),
        ("+81 90-1234-5678", "+81 90 1234 5678"),
    ] {
        assert_eq!(stored_phone(&s, &demo, &mut d, &mut w, raw).await, stored);
    }
    // Stored as the answer, so a second check of a stored number is a no-op.
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "+420 777 666 555 ext. 12").await,
        "+420 777 666 555 ext. 12"
    );
    let solo = s.login(DEMO, "solo").await;
    let mut d = desk(&s, &solo).await;
    let mut w = s.widget("sales").await;
    expect_status(&mut w, 0).await;
    assert_eq!(
        stored_phone(&s, &solo, &mut d, &mut w, "011 420 777 666 555").await,
        "+420 777 666 555"
    );
    // `00` is no international prefix in the US (011 is), as in libphonenumber.
    assert_eq!(
        refused(&mut w, "00420 777 666 555").await,
        "not a valid phone number"
    );
    s.stop().await;
}

#[tokio::test]
async fn number_of_another_country_needs_its_country_code() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let mut d = desk(&s, &demo).await;
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    // A Berlin number: valid in Germany, not a Czech number when typed
    // nationally in the CZ preset.
    let msg = refused(&mut w, "030 1234567").await;
    assert_eq!(msg, "not a valid phone number");
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "+49 30 1234567").await,
        "+49 30 1234567"
    );
    assert_eq!(
        stored_phone(&s, &demo, &mut d, &mut w, "0049 30 1234567").await,
        "+49 30 1234567"
    );
    assert_eq!(all_callbacks(&s, &demo).await.len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn preset_phone_country_is_the_default_country() {
    let toml = test_toml().replacen(
        "name = \"sales\"\n",
        "name = \"sales\"\nphone_country = \"de\"\n",
        1,
    );
    assert_ne!(toml, test_toml(), "the sales preset is in the test config");
    let config = owidget_server::Config::from_toml(&toml).expect("config with DE preset");
    let s = Server::start_with(config, None).await;
    let solo = s.login(DEMO, "solo").await;
    let mut d = desk(&s, &solo).await;
    let mut w = s.widget("sales").await;
    expect_status(&mut w, 0).await;
    assert_eq!(
        stored_phone(&s, &solo, &mut d, &mut w, "030 1234567").await,
        "+49 30 1234567"
    );
    s.stop().await;
}

#[tokio::test]
async fn invalid_numbers_are_refused_and_nothing_is_stored() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let long = "7".repeat(65);
    for (raw, message) in [
        ("777 666 55", "not a valid phone number"),
        ("12", "not a valid phone number"),
        ("1", "phone number is too short"),
        ("7776665551234567890", "phone number is too long"),
        (long.as_str(), "phone number is too long"),
        ("   ", "no phone number given"),
        (
            "777 666 555 xy12",
            "unexpected character 'x' in phone number",
        ),
        ("+999 777 666 555", "unknown country calling code"),
        (
            "<b>777666555</b>",
            "unexpected character '<' in phone number",
        ),
    ] {
        // A socket per case: refusals count toward the per-socket rate limit.
        let mut w = s.widget("default").await;
        expect_status(&mut w, 0).await;
        assert_eq!(refused(&mut w, raw).await, message, "message for {raw:?}");
        // Nothing was stored.
        assert_eq!(all_callbacks(&s, &demo).await, Vec::<Value>::new());
    }
    let mut w = s.widget("default").await;
    expect_status(&mut w, 0).await;
    send(&mut w, callback("777 666 555")).await;
    let frame = next_json(&mut w).await;
    assert_eq!(frame["phone"], "+420 777 666 555", "{frame}");
    assert_eq!(all_callbacks(&s, &demo).await.len(), 1);
    s.stop().await;
}

/// `GET /api/widget/phone`: the widget's default normalization, with the
/// preset's phone country (demo: CZ), readable by allowed origins only.
#[tokio::test]
async fn the_widget_phone_endpoint_normalizes_like_the_callback_check() {
    let s = Server::start().await;
    let ask = |number: &str, origin: &str| {
        let url = s.url(&format!(
            "/api/widget/phone?company={DEMO}&number={}",
            number
                .replace('+', "%2B")
                .replace(' ', "%20")
                .replace('#', "%23")
        ));
        let req = s.http.get(url).header("origin", origin.to_string());
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let allow = r
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_string());
            (status, allow, r.json::<Value>().await.unwrap())
        }
    };
    let (status, allow, body) = ask("777 666 555", ORIGIN).await;
    assert_eq!(status, 200);
    assert_eq!(allow.as_deref(), Some(ORIGIN));
    assert_eq!(body, json!({"number": "+420 777 666 555"}));
    assert_eq!(
        ask("00420 777-666-555", ORIGIN).await.2["number"],
        "+420 777 666 555"
    );
    for (raw, answer) in [
        ("+1 201-555-0123", "+1 201 555 0123"),
        ("777 666 555 #12", "+420 777 666 555 ext. 12"),
        ("+44 7400 123456 ext 3", "+44 7400 123456 x3"),
    ] {
        assert_eq!(ask(raw, ORIGIN).await.2["number"], answer, "{raw}");
    }
    let (status, _, body) = ask("777 666 55", ORIGIN).await;
    assert_eq!(status, 200);
    assert_eq!(body["number"], Value::Null);
    assert!(body["message"].is_string(), "{body}");
    let long = "7".repeat(100);
    assert_eq!(ask(&long, ORIGIN).await.2["number"], Value::Null);
    // Another site may not read the answer.
    assert_eq!(ask("777 666 555", "https://evil.example").await.1, None);

    let r = s
        .http
        .get(s.url(&format!("/api/widget/phone?company={DEMO}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("number"));
    let r = s
        .http
        .get(s.url("/api/widget/phone?company=00000000-0000-4000-8000-000000000000&number=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    s.stop().await;
}
