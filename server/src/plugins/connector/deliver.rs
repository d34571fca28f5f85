//! Webhook deliveries through the connector client: the same signing,
//! size cap and call log as every connector call, with the webhook's own
//! content type, timeout and delivery headers.

use std::time::Instant;

use owidget_protocol::plugins::{ConnectorCall, PluginKind};
use reqwest::header::{HeaderValue, ACCEPT};
use reqwest::{Method, Url};

use super::{CallError, Connectors};
use crate::ids::now_ms;

/// How a webhook delivery went.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Status, when an answer came.
    pub status: Option<u16>,
    /// Request to answer (or failure).
    pub latency_ms: u64,
    /// `None` when delivered (2xx), else why not.
    pub error: Option<String>,
}

impl Connectors {
    /// POSTs one webhook delivery: `body` signed like every call
    /// (`x-iadvize-signature` over the raw body, our v2 signature), plus
    /// `extra` headers (`x-iadvize-delivery`, `x-iadvize-correlationid`),
    /// within the webhook's timeout (else the connector's) and the answer
    /// cap, logged in the call log. Delivered means a 2xx status; the
    /// answer's body is read (up to the cap) and ignored.
    pub async fn deliver(
        &self,
        company: usize,
        hook: &crate::webhooks::config::WebhookConfig,
        body: Vec<u8>,
        extra: &[(&'static str, String)],
    ) -> Delivery {
        let started = Instant::now();
        let mut record = ConnectorCall {
            at: now_ms(),
            plugin: PluginKind::Webhook,
            method: "POST".into(),
            url: hook.url.clone(),
            status: None,
            latency_ms: 0,
            ok: false,
            error: None,
        };
        let Some(connector) = self.of(company) else {
            return Delivery {
                status: None,
                latency_ms: 0,
                error: Some("no connector".into()),
            };
        };
        let result = match Url::parse(&hook.url) {
            Ok(url) => {
                let mut headers =
                    Self::headers(connector, &Method::POST, &url, &body, hook.content_type());
                headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
                for (name, value) in extra {
                    if let Ok(v) = HeaderValue::from_str(value) {
                        headers.insert(*name, v);
                    }
                }
                let timeout = hook.timeout.unwrap_or(connector.config.timeout);
                self.send(
                    &connector.config,
                    &Method::POST,
                    url,
                    headers,
                    (true, body),
                    timeout,
                    &mut record,
                )
                .await
                .map(|_| ())
            }
            Err(e) => Err(CallError(format!("bad URL: {e}"))),
        };
        record.latency_ms = started.elapsed().as_millis() as u64;
        let delivered = record.status.is_some_and(|s| (200..300).contains(&s));
        record.ok = delivered;
        record.error = match (delivered, result) {
            (true, _) | (false, Ok(())) => None,
            (false, Err(e)) => Some(e.0),
        };
        let out = Delivery {
            status: record.status,
            latency_ms: record.latency_ms,
            error: if delivered {
                None
            } else {
                Some(
                    record
                        .error
                        .clone()
                        .unwrap_or_else(|| "not delivered".into()),
                )
            },
        };
        self.log.record(&connector.company, record);
        out
    }
}
