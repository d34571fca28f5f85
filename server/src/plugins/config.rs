//! `[companies.connector]`: a company's App Plugins connector, raw (as
//! serde reads it) and checked.

use std::time::Duration;

use owidget_protocol::normalize_guid;
use serde::Deserialize;

use crate::{Error, Result};

/// `[companies.connector]` as written in the TOML file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnector {
    /// Connector version UUID (`idConnectorVersion`).
    pub id_connector_version: String,
    /// Website id (`idWebsite`), e.g. `"ha-123"`.
    pub id_website: String,
    /// Secret token: signs `x-iadvize-signature` and the first v2 signature.
    pub secret: String,
    /// Second active secret during a rotation (second v2 signature).
    pub second_secret: Option<String>,
    /// Product list: categories URL.
    pub categories_url: Option<String>,
    /// Product list: products URL.
    pub products_url: Option<String>,
    /// Customer information URL.
    pub customer_information_url: Option<String>,
    /// Customer information action URL.
    pub customer_action_url: Option<String>,
    /// Conversation closing form URL.
    pub closing_form_url: Option<String>,
    /// Health-check URL (`{"status":"UP"}`).
    pub health_check_url: Option<String>,
    /// Per-call timeout in milliseconds (default 5000).
    pub timeout_ms: Option<u64>,
    /// Largest answer accepted, in bytes (default 1 MiB).
    pub max_answer_bytes: Option<usize>,
    /// Seconds between health checks (default 30).
    pub health_check_interval_secs: Option<u64>,
    /// External Bot base URL; the bot endpoints are relative to it.
    pub bot_url: Option<String>,
    /// Bot calls in flight at once, all conversations together (default 64).
    pub bot_max_concurrent_calls: Option<usize>,
    /// Milliseconds between availability polls (default 1000).
    pub bot_poll_interval_ms: Option<u64>,
    /// Seconds without a message after which a bot conversation closes
    /// (default 300, the contract's 5 minutes).
    pub bot_inactivity_close_secs: Option<u64>,
    /// Custom Apps (`[[companies.connector.custom_apps]]`).
    #[serde(default)]
    pub custom_apps: Vec<super::custom_app::RawCustomApp>,
    /// `[[companies.connector.webhooks]]` (see `crate::webhooks::config`).
    #[serde(default)]
    pub webhooks: Vec<crate::webhooks::config::RawWebhook>,
}

/// A checked connector.
#[derive(Clone)]
pub struct ConnectorConfig {
    /// Canonical (lower-case) UUID.
    pub id_connector_version: String,
    /// Website id.
    pub id_website: String,
    /// Active secrets, the primary first (one or two).
    pub secrets: Vec<String>,
    /// Categories URL (set together with `products_url`).
    pub categories_url: Option<String>,
    /// Products URL.
    pub products_url: Option<String>,
    /// Customer information URL.
    pub customer_information_url: Option<String>,
    /// Customer action URL (only with `customer_information_url`).
    pub customer_action_url: Option<String>,
    /// Closing form URL.
    pub closing_form_url: Option<String>,
    /// Health-check URL.
    pub health_check_url: Option<String>,
    /// Per-call timeout.
    pub timeout: Duration,
    /// Answer size cap in bytes.
    pub max_answer_bytes: usize,
    /// Time between health checks.
    pub health_check_interval: Duration,
    /// External Bot base URL, without a trailing `/`.
    pub bot_url: Option<String>,
    /// Bot calls in flight at once.
    pub bot_max_concurrent_calls: usize,
    /// Time between availability polls.
    pub bot_poll_interval: Duration,
    /// Inactivity after which a bot conversation closes.
    pub bot_inactivity_close: Duration,
    /// Custom Apps of the desk's conversation panel.
    pub custom_apps: Vec<super::custom_app::CustomApp>,
    /// Declared webhooks.
    pub webhooks: Vec<crate::webhooks::config::WebhookConfig>,
}

// Secrets never reach logs, not even through `{:?}`.
impl std::fmt::Debug for ConnectorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorConfig")
            .field("id_connector_version", &self.id_connector_version)
            .field("id_website", &self.id_website)
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .field("categories_url", &self.categories_url)
            .field("products_url", &self.products_url)
            .field("customer_information_url", &self.customer_information_url)
            .field("customer_action_url", &self.customer_action_url)
            .field("closing_form_url", &self.closing_form_url)
            .field("health_check_url", &self.health_check_url)
            .field("timeout", &self.timeout)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field("bot_url", &self.bot_url)
            .field("custom_apps", &self.custom_apps)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

/// Default per-call timeout (reference §7).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default answer size cap.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 1024 * 1024;

fn bad(key: &str, why: impl std::fmt::Display) -> Error {
    Error::Config(format!("{key}: {why}"))
}

/// An absolute http(s) URL without fragment; an existing query is kept
/// (our parameters are appended after it).
fn check_url(key: &str, url: Option<String>) -> Result<Option<String>> {
    let Some(url) = url else { return Ok(None) };
    let parsed = reqwest::Url::parse(&url).map_err(|e| bad(key, format!("{url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad(key, format!("{url:?} is not an http(s) URL")));
    }
    if parsed.fragment().is_some() {
        return Err(bad(key, "must not have a #fragment"));
    }
    Ok(Some(parsed.to_string()))
}

fn check_secret(key: &str, s: &str) -> Result<()> {
    if s.len() < 16 {
        return Err(bad(key, "must be at least 16 characters"));
    }
    if s.trim() != s {
        return Err(bad(key, "must not start or end with white space"));
    }
    Ok(())
}

/// Raw → checked; `key` is the table's path for error messages.
pub fn check(key: &str, raw: RawConnector) -> Result<ConnectorConfig> {
    let id_connector_version = normalize_guid(&raw.id_connector_version).ok_or_else(|| {
        bad(
            &format!("{key}.id_connector_version"),
            format!("{:?} is not a UUID", raw.id_connector_version),
        )
    })?;
    if raw.id_website.is_empty() || raw.id_website.len() > 128 {
        return Err(bad(
            &format!("{key}.id_website"),
            "must be 1 to 128 characters",
        ));
    }
    check_secret(&format!("{key}.secret"), &raw.secret)?;
    let mut secrets = vec![raw.secret];
    if let Some(second) = raw.second_secret {
        check_secret(&format!("{key}.second_secret"), &second)?;
        if second == secrets[0] {
            return Err(bad(&format!("{key}.second_secret"), "equals secret"));
        }
        secrets.push(second);
    }
    let url = |name: &str, v| check_url(&format!("{key}.{name}"), v);
    let categories_url = url("categories_url", raw.categories_url)?;
    let products_url = url("products_url", raw.products_url)?;
    if categories_url.is_some() != products_url.is_some() {
        return Err(bad(
            key,
            "categories_url and products_url go together (the product list needs both)",
        ));
    }
    let customer_information_url = url("customer_information_url", raw.customer_information_url)?;
    let customer_action_url = url("customer_action_url", raw.customer_action_url)?;
    if customer_action_url.is_some() && customer_information_url.is_none() {
        return Err(bad(
            &format!("{key}.customer_action_url"),
            "needs customer_information_url",
        ));
    }
    let timeout = match raw.timeout_ms {
        Some(0) => return Err(bad(&format!("{key}.timeout_ms"), "must be greater than 0")),
        Some(ms) => Duration::from_millis(ms),
        None => DEFAULT_TIMEOUT,
    };
    let max_answer_bytes = match raw.max_answer_bytes {
        Some(0) => {
            return Err(bad(
                &format!("{key}.max_answer_bytes"),
                "must be greater than 0",
            ))
        }
        Some(n) => n,
        None => DEFAULT_MAX_ANSWER_BYTES,
    };
    let health_check_interval = match raw.health_check_interval_secs {
        Some(0) => {
            return Err(bad(
                &format!("{key}.health_check_interval_secs"),
                "must be greater than 0",
            ))
        }
        Some(s) => Duration::from_secs(s),
        None => Duration::from_secs(30),
    };
    let webhooks = crate::webhooks::config::check_all(key, &raw.id_website, raw.webhooks)?;
    let bot_url = url("bot_url", raw.bot_url)?.map(|u| {
        let mut u = u;
        while u.ends_with('/') {
            u.pop();
        }
        u
    });
    if bot_url.as_deref().is_some_and(|u| u.contains('?')) {
        return Err(bad(&format!("{key}.bot_url"), "must not have a query"));
    }
    let bot_max_concurrent_calls = match raw.bot_max_concurrent_calls {
        Some(0) => {
            return Err(bad(
                &format!("{key}.bot_max_concurrent_calls"),
                "must be greater than 0",
            ))
        }
        Some(n) => n,
        None => 64,
    };
    let bot_poll_interval = match raw.bot_poll_interval_ms {
        Some(ms) if ms < 100 => {
            return Err(bad(
                &format!("{key}.bot_poll_interval_ms"),
                "must be at least 100",
            ))
        }
        Some(ms) => Duration::from_millis(ms),
        None => Duration::from_secs(1),
    };
    let bot_inactivity_close = match raw.bot_inactivity_close_secs {
        Some(0) => {
            return Err(bad(
                &format!("{key}.bot_inactivity_close_secs"),
                "must be greater than 0",
            ))
        }
        Some(s) => Duration::from_secs(s),
        None => Duration::from_secs(300),
    };
    Ok(ConnectorConfig {
        bot_inactivity_close,
        bot_url,
        bot_max_concurrent_calls,
        bot_poll_interval,
        webhooks,
        id_connector_version,
        id_website: raw.id_website,
        secrets,
        categories_url,
        products_url,
        customer_information_url,
        customer_action_url,
        closing_form_url: url("closing_form_url", raw.closing_form_url)?,
        health_check_url: url("health_check_url", raw.health_check_url)?,
        timeout,
        max_answer_bytes,
        health_check_interval,
        custom_apps: super::custom_app::check_all(key, raw.custom_apps)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConnector {
        RawConnector {
            id_connector_version: "C008849D-7CB1-40CA-9503-D6DF2C5CDDD8".into(),
            id_website: "ha-123".into(),
            secret: "0123456789abcdef0123".into(),
            categories_url: Some("https://shop.example/cat?key=1".into()),
            products_url: Some("https://shop.example/products".into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_canonical_uuid() {
        let c = check("c", raw()).unwrap();
        assert_eq!(
            c.id_connector_version,
            "c008849d-7cb1-40ca-9503-d6df2c5cddd8"
        );
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.max_answer_bytes, 1 << 20);
        assert_eq!(c.secrets.len(), 1);
        assert_eq!(
            c.categories_url.as_deref(),
            Some("https://shop.example/cat?key=1")
        );
        assert!(
            !format!("{c:?}").contains("0123456789abcdef"),
            "secret hidden"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let err = |r: RawConnector| check("companies[0].connector", r).unwrap_err().to_string();
        let mut r = raw();
        r.id_connector_version = "nope".into();
        assert!(err(r).contains("companies[0].connector.id_connector_version"));
        let mut r = raw();
        r.secret = "short".into();
        assert!(err(r).contains(".secret: must be at least 16"));
        let mut r = raw();
        r.products_url = None;
        assert!(err(r).contains("go together"));
        let mut r = raw();
        r.closing_form_url = Some("ftp://x/form".into());
        assert!(err(r).contains("closing_form_url"));
        let mut r = raw();
        r.customer_action_url = Some("https://x/a".into());
        assert!(err(r).contains("needs customer_information_url"));
        let mut r = raw();
        r.second_secret = Some(r.secret.clone());
        assert!(err(r).contains("equals secret"));
        let mut r = raw();
        r.timeout_ms = Some(0);
        assert!(err(r).contains("timeout_ms"));
    }
}
