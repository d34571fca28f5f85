//! Steps in the operator desk (`/desk/`) through real WebDriver input.

use fantoccini::elements::Element;
use fantoccini::Locator;

use crate::{Browser, TestServer, DEMO_COMPANY};

/// The WebDriver code of the Enter key.
pub const ENTER: &str = "\u{E007}";

/// Makes `alert` observable: the page records calls instead of blocking.
pub const ALERT_TRAP: &str =
    "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));";

/// The element matching `css`; fails the test when there is none.
pub async fn find(browser: &Browser, css: &str) -> Element {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
}

/// A real click on `css` once it is visible and enabled.
pub async fn click(browser: &Browser, css: &str) {
    let js_css = serde_json::to_string(css).expect("css as JSON");
    browser
        .wait_js(
            &format!("`{css}` visible and enabled"),
            &format!(
                "(() => {{ const e = document.querySelector({js_css}); \
                 return !!e && !e.disabled && e.offsetParent !== null; }})()"
            ),
        )
        .await;
    find(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

/// Clears the field `css` and types `text` into it (real key events).
pub async fn type_into(browser: &Browser, css: &str, text: &str) {
    let e = find(browser, css).await;
    e.clear()
        .await
        .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
}

/// Opens the desk and logs in through the form.
pub async fn desk_login(browser: &Browser, server: &TestServer, password: &str) {
    browser.goto(&format!("{}/desk/", server.url)).await;
    browser
        .wait_js("login form", "!document.getElementById('login').hidden")
        .await;
    // The demo server prefills the form; typing before that could mix.
    browser
        .wait_js(
            "demo login hint",
            "!document.getElementById('login-demo').hidden",
        )
        .await;
    type_into(browser, "#login-company", DEMO_COMPANY).await;
    type_into(browser, "#login-username", "demo").await;
    type_into(browser, "#login-password", password).await;
    click(browser, "#login-submit").await;
}

/// Logs in and waits for the live feed.
pub async fn desk_ready(browser: &Browser, server: &TestServer) {
    desk_login(browser, server, "demo").await;
    browser
        .wait_js(
            "desk connected",
            "document.getElementById('conn').dataset.state === 'open'",
        )
        .await;
}

/// Sets the availability through the desk's own selector.
pub async fn choose_availability(browser: &Browser, value: &str) {
    find(browser, "#availability")
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value}: {e}"));
    browser
        .wait_js(
            &format!("availability {value} confirmed"),
            &format!("document.getElementById('availability').dataset.value === '{value}'"),
        )
        .await;
}

/// CSS of a chat's section.
pub fn chat_css(id: &str) -> String {
    format!("section.chat[data-id=\"{id}\"]")
}
