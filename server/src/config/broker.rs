//! `[broker]`: the bus between instances (`url = "memory"`, the default,
//! `"redis://…"` or `"postgres://…"`); `--broker` overrides it.

use serde::Deserialize;

use crate::bus::Broker;
use crate::Result;

/// `[broker]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBroker {
    /// `"memory"`, `"redis://host:port"` or `"postgres://user@host/db"`.
    pub url: Option<String>,
}

/// Checks `[broker]`: no `url` is the in-process bus.
pub fn check(raw: RawBroker) -> Result<Broker> {
    match raw.url {
        None => Ok(Broker::Memory),
        Some(url) => url.parse().map_err(|why| super::bad("broker.url", why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_checked() {
        let raw = |url: &str| RawBroker {
            url: Some(url.into()),
        };
        assert_eq!(check(RawBroker::default()).unwrap(), Broker::Memory);
        assert_eq!(
            check(raw("redis://127.0.0.1:6380")).unwrap(),
            Broker::Redis("redis://127.0.0.1:6380".into())
        );
        let e = check(raw("amqp://mq")).unwrap_err().to_string();
        assert!(e.starts_with("invalid configuration: broker.url: "), "{e}");
        assert!(e.contains("\"memory\""), "{e}");
    }
}
