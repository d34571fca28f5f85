//! The demo page in real Chromium through the real server (issue 2): the
//! verbatim snippet loads the SDK, `$owidgetOnLoad` fires with
//! `isSupported === true`, the button follows the operator's availability
//! live, and the button opens and closes the chat window.

use owidget_e2e::{demo, Browser, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_page_follows_operator_status_and_toggles_the_window() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/demo/", server.url)).await;

    browser
        .wait_js(
            "$owidgetOnLoad with isSupported",
            "document.getElementById('supported').textContent === 'true'",
        )
        .await;
    // Nobody is available yet: the first status is 0 (offline).
    demo::wait_status(&browser, 0).await;

    let operator = server.demo_operator().await;
    operator.set_availability("online").await;
    demo::wait_status(&browser, 1).await;
    let label = browser
        .wait_js(
            "button label",
            "document.querySelector('owidget-root').shadowRoot.querySelector('.btn').textContent",
        )
        .await;
    assert_eq!(label, "Chat with us");

    operator.set_availability("away").await;
    demo::wait_status(&browser, 0).await;
    operator.set_availability("online").await;
    demo::wait_status(&browser, 1).await;

    // A real click on the button in the shadow root opens the window ...
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("click button");
    demo::wait_event(&browser, "chatWindowOpen").await;
    browser.shadow_find("owidget-root", ".win").await;
    // ... and a second click closes it.
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("click button");
    demo::wait_event(&browser, "chatWindowClosed").await;
    let events = demo::events(&browser).await;
    assert_eq!(
        events,
        serde_json::json!(["chatWindowOpen", "chatWindowClosed"])
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_webassembly_the_callback_still_fires_with_is_supported_false() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser
        .before_page_scripts("delete window.WebAssembly;")
        .await;
    browser.goto(&format!("{}/demo/", server.url)).await;
    browser
        .wait_js(
            "$owidgetOnLoad with isSupported false",
            "document.getElementById('supported').textContent === 'false'",
        )
        .await;
    let buttons = browser
        .js(
            "return document.querySelectorAll('owidget-root').length",
            vec![],
        )
        .await;
    assert_eq!(buttons, 0, "no widget is drawn in an unsupported browser");
    browser.close().await;
}
