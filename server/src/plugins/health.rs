//! Health-check polling (reference §1.3): `GET <healthCheckUrl>` without
//! parameters, signed like every call, must answer 200 `{"status":"UP"}`.
//! Polled at start and then every `health_check_interval_secs`; the state
//! shows in `GET /api/operator/plugins` and every poll in the call log.

use std::sync::Arc;

use owidget_protocol::plugins::{Health, PluginKind};
use serde::Deserialize;
use tokio::sync::watch;

use super::{Call, Connectors};

#[derive(Debug, Deserialize)]
struct Status {
    status: String,
}

/// Polls one connector once and stores the result.
pub async fn check_once(connectors: &Connectors, company: usize) -> Health {
    let Some(c) = connectors.of(company) else {
        return Health::None;
    };
    let Some(url) = c.config.health_check_url.as_deref() else {
        return Health::None;
    };
    let call = Call {
        plugin: PluginKind::Health,
        url,
        params: Vec::new(),
        post: false,
        schema: None,
        // A healthy connector that stays healthy is not news.
        quiet_when_ok: c.health() == Health::Up,
    };
    let health = match connectors.call::<Status>(company, call).await {
        Ok(s) if s.status == "UP" => Health::Up,
        Ok(s) => {
            tracing::warn!(company = %c.company, status = %s.status, "connector unhealthy");
            Health::Down
        }
        Err(e) => {
            tracing::warn!(company = %c.company, error = %e, "connector health check failed");
            Health::Down
        }
    };
    c.set_health(health);
    health
}

/// One polling task per connector with a health-check URL, until `closing`
/// turns true.
pub fn spawn_health_checks(connectors: Arc<Connectors>, closing: watch::Receiver<bool>) {
    let companies: Vec<usize> = connectors
        .all()
        .filter(|(_, c)| c.config.health_check_url.is_some())
        .map(|(i, _)| i)
        .collect();
    for company in companies {
        let connectors = connectors.clone();
        let mut closing = closing.clone();
        tokio::spawn(async move {
            let every = connectors
                .of(company)
                .map(|c| c.config.health_check_interval)
                .unwrap_or_default();
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => { check_once(&connectors, company).await; }
                    _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => break,
                }
            }
        });
    }
}
