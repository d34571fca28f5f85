//! Delivery: one task per receiver (company × declared webhook) takes the
//! receiver's pending events from the outbox in order and POSTs them one
//! at a time; the head of the line waits for its retry, so a receiver
//! sees its events in the order they happened. A failure (no 2xx within
//! the timeout) is retried after `backoff_first · 2^(n-1)` (capped at
//! `backoff_max`), jittered to a random point in its upper half, until
//! `retry_for` after the event was written; then the event is given up
//! (`failed` in the delivery log) and the next one goes.
//!
//! A receiver's task only ever waits on its own receiver: chats write
//! their events in their own transaction and never wait for a delivery,
//! and other receivers go on.

use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::WebhookConfig;
use super::outbox::{Attempt, Outcome, Pending};
use super::{encode, uuid_v4};
use crate::ids::now_ms;
use crate::AppState;

/// Pending events read at a time.
const BATCH: u32 = 64;
/// Deliveries between two prunes of the delivery log.
const PRUNE_EVERY: u32 = 1000;

/// The pause after the `n`-th failure (n ≥ 1), before jitter.
pub fn backoff(hook: &WebhookConfig, n: u32) -> Duration {
    let factor = 1u32
        .checked_shl(n.saturating_sub(1).min(30))
        .unwrap_or(u32::MAX);
    hook.backoff_first
        .checked_mul(factor)
        .unwrap_or(hook.backoff_max)
        .min(hook.backoff_max)
}

/// `d` jittered to a random point of `[d/2, d]`.
fn jitter(d: Duration) -> Duration {
    let ms = d.as_millis() as u64;
    let half = ms / 2;
    Duration::from_millis(half + rand::thread_rng().gen_range(0..=ms - half))
}

/// Starts one task per declared webhook; they end when `closing` flips
/// (an attempt under way is finished first).
pub fn spawn(state: &AppState, closing: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    for (company, c) in state.config.companies.iter().enumerate() {
        let Some(k) = &c.connector else { continue };
        for index in 0..k.webhooks.len() {
            tasks.push(tokio::spawn(receiver(
                state.clone(),
                company,
                index,
                closing.clone(),
            )));
        }
    }
    tasks
}

/// Waits for `d`, a wake-up or the end; false at the end.
async fn pause(
    d: Duration,
    wake: &tokio::sync::Notify,
    closing: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = wake.notified() => true,
        _ = closing.changed() => false,
    }
}

async fn receiver(
    state: AppState,
    company: usize,
    index: usize,
    mut closing: watch::Receiver<bool>,
) {
    let guid = state.config.companies[company].id.clone();
    let hook = state.config.companies[company]
        .connector
        .as_ref()
        .expect("spawned for a connector")
        .webhooks[index]
        .clone();
    let wake = state.hub.webhooks().of(company, index);
    let store = state.hub.store().clone();
    let mut since_prune = 0;
    loop {
        if *closing.borrow() {
            return;
        }
        let pending = match store.webhook_pending(&guid, &hook.url, BATCH).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                // Another instance delivers this receiver's events; take
                // over if its lease runs out.
                if !pause(Duration::from_secs(5), &wake, &mut closing).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, url = %hook.url, "cannot read the webhook outbox");
                if !pause(Duration::from_secs(1), &wake, &mut closing).await {
                    return;
                }
                continue;
            }
        };
        if pending.is_empty() {
            // Nothing until a new event is committed.
            if !pause(Duration::from_secs(3600), &wake, &mut closing).await {
                return;
            }
            continue;
        }
        for ev in pending {
            let wait = ev.next_at - now_ms();
            if wait > 0 {
                // The head waits for its retry; a wake-up re-reads the outbox.
                if !pause(Duration::from_millis(wait as u64), &wake, &mut closing).await {
                    return;
                }
                break;
            }
            let delivered = attempt(&state, company, &hook, ev).await;
            if !delivered {
                break;
            }
            since_prune += 1;
            if since_prune >= PRUNE_EVERY {
                since_prune = 0;
                if let Err(e) = store.prune_webhooks(&guid).await {
                    tracing::warn!(error = %e, "pruning the webhook log failed");
                }
            }
            if *closing.borrow() {
                return;
            }
        }
    }
}

/// One attempt at the head event, recorded; true when delivered.
async fn attempt(state: &AppState, company: usize, hook: &WebhookConfig, ev: Pending) -> bool {
    let delivery_id = uuid_v4();
    let at = now_ms();
    let body = encode::body(&ev.payload, &crate::ids::iso8601(at), hook.form);
    let extra = [
        ("x-iadvize-delivery", delivery_id.clone()),
        ("x-iadvize-correlationid", ev.correlation_id.clone()),
    ];
    let d = state.plugins.deliver(company, hook, body, &extra).await;
    let n = ev.attempts + 1;
    let outcome = if d.error.is_none() {
        Outcome::Delivered
    } else {
        let next = now_ms() + jitter(backoff(hook, n)).as_millis() as i64;
        if next > ev.created_at + hook.retry_for.as_millis() as i64 {
            Outcome::GaveUp
        } else {
            Outcome::Retry(next)
        }
    };
    match outcome {
        Outcome::Delivered => {
            tracing::debug!(event = %ev.event_id, url = %hook.url, attempt = n, "webhook delivered")
        }
        Outcome::Retry(next) => tracing::info!(
            event = %ev.event_id, url = %hook.url, attempt = n, error = ?d.error,
            retry_in_ms = next - now_ms(), "webhook not delivered; will retry"
        ),
        Outcome::GaveUp => tracing::warn!(
            event = %ev.event_id, url = %hook.url, attempts = n, error = ?d.error,
            "webhook given up: the retry period is over"
        ),
    }
    let record = Attempt {
        row: ev.row,
        delivery_id,
        at,
        status: d.status,
        latency_ms: d.latency_ms,
        error: d.error,
        outcome,
    };
    if let Err(e) = state.hub.store().webhook_attempted(record).await {
        // Not recorded: the event stays pending and is sent again (same
        // eventId and correlation id, so the receiver can tell).
        tracing::warn!(error = %e, "webhook attempt not recorded");
        return false;
    }
    outcome == Outcome::Delivered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let hook = &crate::webhooks::config::check_all(
            "c",
            "ha-1",
            vec![crate::webhooks::config::RawWebhook {
                url: "http://x/".into(),
                events: vec!["*".into()],
                backoff_first_ms: Some(100),
                backoff_max_ms: Some(1000),
                ..Default::default()
            }],
        )
        .unwrap()[0];
        let ms: Vec<u128> = (1..=6).map(|n| backoff(hook, n).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(hook, 500).as_millis(), 1000);
        for _ in 0..100 {
            let j = jitter(Duration::from_millis(400)).as_millis();
            assert!((200..=400).contains(&j), "{j}");
        }
    }
}
