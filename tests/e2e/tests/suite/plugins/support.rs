//! A conversation between the demo page (widget) and the desk, ready for
//! the plugin panels.

use owidget_e2e::desk::{chat_css, choose_availability, click, desk_ready, ALERT_TRAP};
use owidget_e2e::{demo, Browser, TestServer};
use serde_json::Value;

/// JS expression: the widget's shadow root on the demo page.
pub const ROOT: &str = "document.querySelector('owidget-root').shadowRoot";

/// Both pages of one conversation.
pub struct Conversation {
    /// The demo page with the widget.
    pub visitor: Browser,
    /// The desk.
    pub operator: Browser,
    /// Session id.
    pub id: String,
    /// CSS of the chat's section in the desk.
    pub chat: String,
}

/// Opens the desk (online) and the demo page, where the visitor writes
/// `first`; the operator accepts. `alert` is trapped on both pages.
pub async fn converse(server: &TestServer, first: &str) -> Conversation {
    let (visitor, operator) = tokio::join!(Browser::start(), Browser::start());
    visitor.before_page_scripts(ALERT_TRAP).await;
    operator.before_page_scripts(ALERT_TRAP).await;
    desk_ready(&operator, server).await;
    choose_availability(&operator, "online").await;

    visitor.goto(&format!("{}/demo/", server.url)).await;
    demo::wait_status(&visitor, 1).await;
    visitor
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    visitor
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await
        .send_keys(&format!("{first}{}", owidget_e2e::desk::ENTER))
        .await
        .expect("type into the chat window");
    demo::wait_event(&visitor, "chatSessionCreated").await;

    let id = operator
        .wait_js(
            "the visitor in the desk's queue",
            "document.querySelector('#queue-list li[data-id]')?.dataset.id",
        )
        .await;
    let id = id.as_str().expect("session id").to_string();
    click(
        &operator,
        &format!("#queue-list li[data-id=\"{id}\"] button.accept"),
    )
    .await;
    demo::wait_event(&visitor, "chatSessionStarted").await;
    let chat = chat_css(&id);
    Conversation {
        visitor,
        operator,
        id,
        chat,
    }
}

/// `document.querySelector(css)` as a JS expression (CSS quoted as JSON).
pub fn q(css: &str) -> String {
    format!(
        "document.querySelector({})",
        serde_json::to_string(css).expect("css")
    )
}

/// The text of `css` in the page once it is non-empty.
pub async fn text_of(page: &Browser, css: &str) -> String {
    let v = page
        .wait_js(
            &format!("text of `{css}`"),
            &format!("{}?.textContent", q(css)),
        )
        .await;
    v.as_str().unwrap_or_default().to_string()
}

/// Calls recorded by the page's alert trap (none: no script from data ran).
pub async fn alerts(page: &Browser) -> Value {
    page.js("return window.__alerts", vec![]).await
}
