//! `[[companies.connector.webhooks]]`: the webhooks a company's connector
//! declares (reference §6: URL, events, content type), raw and checked.

use std::time::Duration;

use serde::Deserialize;

use super::EventType;
use crate::{Error, Result};

/// One `[[companies.connector.webhooks]]` table as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    /// Receiver URL (http or https; POSTed to).
    pub url: String,
    /// Event names, `"*"` for all, or a domain (`"v2.conversation.*"`,
    /// `"user.*"`, `"closing_form.*"`).
    pub events: Vec<String>,
    /// `"application/json"` (default) or `"application/x-www-form-urlencoded"`.
    pub content_type: Option<String>,
    /// `platform` of the payloads (default: the `id_website` prefix, `ha`).
    pub platform: Option<String>,
    /// `projectId` (default: the number of `id_website`, `ha-123` → 123).
    pub project_id: Option<u64>,
    /// `clientId` (default: the project id).
    pub client_id: Option<u64>,
    /// How long an event is retried before it is given up (default 86400 s).
    pub retry_for_secs: Option<u64>,
    /// Pause after the first failure (default 10000 ms), doubled after each
    /// further one.
    pub backoff_first_ms: Option<u64>,
    /// Longest pause between two attempts (default 3600000 ms).
    pub backoff_max_ms: Option<u64>,
    /// Timeout of one delivery (default: the connector's `timeout_ms`).
    pub timeout_ms: Option<u64>,
}

/// A checked webhook.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Receiver URL.
    pub url: String,
    /// The events it receives.
    pub events: Vec<EventType>,
    /// Form-encoded bodies instead of JSON.
    pub form: bool,
    /// `platform`.
    pub platform: String,
    /// `projectId`.
    pub project_id: u64,
    /// `clientId`.
    pub client_id: u64,
    /// Retry period of an event (from its creation).
    pub retry_for: Duration,
    /// First backoff pause.
    pub backoff_first: Duration,
    /// Backoff cap.
    pub backoff_max: Duration,
    /// Delivery timeout (`None`: the connector's).
    pub timeout: Option<Duration>,
}

impl WebhookConfig {
    /// Whether the webhook receives `t`.
    pub fn wants(&self, t: EventType) -> bool {
        self.events.contains(&t)
    }

    /// The `Content-Type` of its bodies.
    pub fn content_type(&self) -> &'static str {
        if self.form {
            FORM
        } else {
            JSON
        }
    }
}

/// JSON bodies.
pub const JSON: &str = "application/json";
/// Form-encoded bodies.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// Default retry period: 24 h.
pub const DEFAULT_RETRY_FOR: Duration = Duration::from_secs(24 * 3600);

fn bad(key: &str, why: impl std::fmt::Display) -> Error {
    Error::Config(format!("{key}: {why}"))
}

fn events(key: &str, names: &[String]) -> Result<Vec<EventType>> {
    let mut out = Vec::new();
    if names.is_empty() {
        return Err(bad(key, "must name at least one event"));
    }
    for name in names {
        let matched: Vec<EventType> = EventType::ALL
            .iter()
            .copied()
            .filter(|t| match name.strip_suffix('*') {
                Some("") => true,
                Some(domain) => domain.ends_with('.') && t.name().starts_with(domain),
                None => t.name() == name,
            })
            .collect();
        if matched.is_empty() {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            return Err(bad(
                key,
                format!(
                    "{name:?} is not an event (known: {}, \"*\" or a domain such as \"user.*\")",
                    known.join(", ")
                ),
            ));
        }
        for t in matched {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

fn millis(key: &str, v: Option<u64>, default: Duration) -> Result<Duration> {
    match v {
        Some(0) => Err(bad(key, "must be greater than 0")),
        Some(ms) => Ok(Duration::from_millis(ms)),
        None => Ok(default),
    }
}

/// Checks the webhooks of a connector (`key` = the connector's table path).
pub fn check_all(key: &str, id_website: &str, raw: Vec<RawWebhook>) -> Result<Vec<WebhookConfig>> {
    let mut out: Vec<WebhookConfig> = Vec::new();
    // `ha-123` → ("ha", 123).
    let website = id_website
        .split_once('-')
        .and_then(|(p, n)| Some((p.to_string(), n.parse::<u64>().ok()?)));
    for (i, w) in raw.into_iter().enumerate() {
        let key = format!("{key}.webhooks[{i}]");
        let parsed = reqwest::Url::parse(&w.url).map_err(|e| bad(&format!("{key}.url"), e))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(bad(&format!("{key}.url"), "must be an http(s) URL"));
        }
        let url = parsed.to_string();
        if out.iter().any(|o| o.url == url) {
            return Err(bad(&format!("{key}.url"), "declared twice"));
        }
        let form = match w.content_type.as_deref() {
            None | Some(JSON) => false,
            Some(FORM) => true,
            Some(other) => {
                return Err(bad(
                    &format!("{key}.content_type"),
                    format!("{other:?}: must be \"{JSON}\" or \"{FORM}\""),
                ))
            }
        };
        let project_id = match (w.project_id, &website) {
            (Some(p), _) => p,
            (None, Some((_, n))) => *n,
            (None, None) => {
                return Err(bad(
                    &format!("{key}.project_id"),
                    "required when id_website is not <platform>-<number>",
                ))
            }
        };
        let platform = w
            .platform
            .or_else(|| website.as_ref().map(|(p, _)| p.clone()))
            .unwrap_or_else(|| "ha".into());
        let retry_for = match w.retry_for_secs {
            Some(0) => {
                return Err(bad(
                    &format!("{key}.retry_for_secs"),
                    "must be greater than 0",
                ))
            }
            Some(s) => Duration::from_secs(s),
            None => DEFAULT_RETRY_FOR,
        };
        let backoff_first = millis(
            &format!("{key}.backoff_first_ms"),
            w.backoff_first_ms,
            Duration::from_secs(10),
        )?;
        let backoff_max = millis(
            &format!("{key}.backoff_max_ms"),
            w.backoff_max_ms,
            Duration::from_secs(3600),
        )?;
        if backoff_max < backoff_first {
            return Err(bad(
                &format!("{key}.backoff_max_ms"),
                "must not be below backoff_first_ms",
            ));
        }
        let timeout = match w.timeout_ms {
            Some(0) => return Err(bad(&format!("{key}.timeout_ms"), "must be greater than 0")),
            Some(ms) => Some(Duration::from_millis(ms)),
            None => None,
        };
        out.push(WebhookConfig {
            url,
            events: events(&format!("{key}.events"), &w.events)?,
            form,
            platform,
            project_id,
            client_id: w.client_id.unwrap_or(project_id),
            retry_for,
            backoff_first,
            backoff_max,
            timeout,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(events: &[&str]) -> RawWebhook {
        RawWebhook {
            url: "https://hooks.example/in".into(),
            events: events.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_come_from_the_website() {
        let w = &check_all("c", "ha-123", vec![raw(&["*"])]).unwrap()[0];
        assert_eq!(
            (w.platform.as_str(), w.project_id, w.client_id),
            ("ha", 123, 123)
        );
        assert_eq!(w.events.len(), EventType::ALL.len());
        assert_eq!(w.retry_for, Duration::from_secs(86400));
        assert_eq!(w.backoff_first, Duration::from_secs(10));
        assert_eq!(w.content_type(), JSON);
    }

    #[test]
    fn events_by_name_and_domain() {
        let w = &check_all(
            "c",
            "ha-1",
            vec![raw(&["v2.conversation.*", "user.availability.updated"])],
        )
        .unwrap()[0];
        assert_eq!(
            w.events,
            vec![
                EventType::ConversationPushed,
                EventType::ConversationClosed,
                EventType::AvailabilityUpdated
            ]
        );
    }

    #[test]
    fn errors_name_the_key() {
        let err = |website: &str, w: RawWebhook| {
            check_all("companies[0].connector", website, vec![w])
                .unwrap_err()
                .to_string()
        };
        assert!(err("ha-1", raw(&["conversation.started"])).contains("webhooks[0].events"));
        assert!(err("ha-1", raw(&[])).contains("at least one event"));
        assert!(err("site", raw(&["*"])).contains("webhooks[0].project_id"));
        let mut w = raw(&["*"]);
        w.content_type = Some("text/xml".into());
        assert!(err("ha-1", w).contains("content_type"));
        let mut w = raw(&["*"]);
        w.url = "ftp://x/y".into();
        assert!(err("ha-1", w).contains("webhooks[0].url"));
        let mut w = raw(&["*"]);
        w.backoff_first_ms = Some(5000);
        w.backoff_max_ms = Some(10);
        assert!(err("ha-1", w).contains("backoff_max_ms"));
        let twice = check_all("c", "ha-1", vec![raw(&["*"]), raw(&["*"])]).unwrap_err();
        assert!(twice.to_string().contains("declared twice"));
    }
}
