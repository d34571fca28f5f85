//! What the network tests (`network_faults`, `slow_network`) share: the
//! visitor's window as rows, the operator's queue and the stored
//! conversation to compare it with.

use owidget_e2e::{Operator, WAIT};
use reqwest::Method;
use serde_json::Value;

/// JS: the conversation in the window, `[author class, text, mark]` per row.
pub const WINDOW: &str = "return Array.from(document.querySelector('owidget-root').shadowRoot \
     .querySelectorAll('.log .m')).map((li) => [li.className, \
     li.querySelector('.txt').textContent, li.querySelector('.mark').textContent]);";

/// Waits until the operator's queue holds a chat; the queue.
pub async fn wait_queue(operator: &Operator) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queue = operator
            .call(Method::GET, "/api/operator/queue", None)
            .await;
        if queue.as_array().is_some_and(|q| !q.is_empty()) {
            return queue;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no chat in the queue"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// The stored conversation: `(author class, text)` in `seq` order.
pub async fn stored(operator: &Operator, id: &str) -> Vec<(String, String)> {
    let detail = operator
        .call(Method::GET, &format!("/api/operator/chats/{id}"), None)
        .await;
    detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let class = match m["author"].as_str() {
                Some("visitor") => "m v",
                Some("operator") => "m o",
                _ => "m s",
            };
            (
                class.to_string(),
                m["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}
