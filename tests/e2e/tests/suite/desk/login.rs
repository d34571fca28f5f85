//! Logging in and out of the desk.

use owidget_e2e::{Browser, TestServer, DEMO_COMPANY};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors_session_reload_and_logout() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    // The desk runs under its own strict policy: count what it blocks.
    browser
        .before_page_scripts(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
        )
        .await;

    // Demo mode: company and username come filled in, and the form says so.
    browser.goto(&format!("{}/desk/", server.url)).await;
    let hint = browser
        .wait_js(
            "demo login hint",
            "!document.getElementById('login-demo').hidden && document.getElementById('login-demo').textContent",
        )
        .await;
    assert_eq!(
        hint,
        "Demo mode: the demo company is filled in. Log in as demo with the password demo."
    );
    let filled = browser
        .wait_js(
            "prefilled and focused on the password",
            "document.activeElement.id === 'login-password' && [document.getElementById('login-company').value, document.getElementById('login-username').value]",
        )
        .await;
    assert_eq!(filled, serde_json::json!([DEMO_COMPANY, "demo"]));

    desk_login(&browser, &server, "not-the-password").await;
    let error = browser
        .wait_js(
            "login error shown",
            "!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent",
        )
        .await;
    assert_eq!(error, "wrong company, username or password");
    assert_eq!(
        browser
            .js("return document.getElementById('desk').hidden", vec![])
            .await,
        true
    );

    type_into(&browser, "#login-company", "not-a-guid").await;
    type_into(&browser, "#login-password", "demo").await;
    click(&browser, "#login-submit").await;
    browser
        .wait_js(
            "GUID error",
            "document.getElementById('login-error').textContent === 'company must be a GUID'",
        )
        .await;

    type_into(&browser, "#login-company", DEMO_COMPANY).await;
    type_into(&browser, "#login-password", "demo").await;
    click(&browser, "#login-submit").await;
    browser
        .wait_js(
            "desk after login",
            "!document.getElementById('desk').hidden && document.getElementById('me').textContent.includes('Demo Operator')",
        )
        .await;
    browser
        .wait_js(
            "own load shown",
            "document.getElementById('load').textContent === '0 / 2 chats'",
        )
        .await;

    // A reload keeps the session (token in sessionStorage).
    browser.client().refresh().await.expect("reload");
    browser
        .wait_js(
            "desk again after reload",
            "!document.getElementById('desk').hidden && document.getElementById('conn').dataset.state === 'open'",
        )
        .await;
    let token = browser
        .js(
            "return sessionStorage.getItem('owidget.desk.token')",
            vec![],
        )
        .await;
    let token = token.as_str().expect("token kept").to_string();
    let csp = reqwest::get(format!("{}/desk/", server.url))
        .await
        .expect("desk page");
    assert_eq!(
        csp.headers()["content-security-policy"],
        owidget_server::assets::DESK_CSP
    );
    assert_eq!(
        browser.js("return window.__csp", vec![]).await,
        serde_json::json!([]),
        "no CSP violation in the desk"
    );

    click(&browser, "#logout").await;
    browser
        .wait_js(
            "login form after logout",
            "!document.getElementById('login').hidden && sessionStorage.getItem('owidget.desk.token') === null",
        )
        .await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/operator/me", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me request");
    assert_eq!(res.status(), 401, "the logged-out token is revoked");
    browser.close().await;
}
