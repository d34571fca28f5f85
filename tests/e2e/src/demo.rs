//! Reading the demo page (`www/demo/index.html`): its `#status[data-code]`
//! shows the last status code, its `#events` list every app event.

use serde_json::Value;

use crate::Browser;

/// Waits until the demo page shows status `code`.
pub async fn wait_status(browser: &Browser, code: u8) {
    browser
        .wait_js(
            &format!("status {code} on the demo page"),
            &format!("document.getElementById('status').dataset.code === '{code}'"),
        )
        .await;
}

/// Waits until the demo page has listed the app event `ty`.
pub async fn wait_event(browser: &Browser, ty: &str) {
    browser
        .wait_js(
            &format!("the app event {ty}"),
            &format!(
                "Array.from(document.querySelectorAll('#events li')).some(li => li.textContent === '{ty}')"
            ),
        )
        .await;
}

/// Every app event type the demo page has listed, in order.
pub async fn events(browser: &Browser) -> Value {
    browser
        .js(
            "return Array.from(document.querySelectorAll('#events li')).map(li => li.textContent)",
            vec![],
        )
        .await
}
