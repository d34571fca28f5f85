//! Allowed web origins of a company, and matching an `Origin` header.

use std::fmt;

/// One `allowed_origins` entry: an exact origin (`https://shop.example`) or
/// one with any port (`http://localhost:*`, which also matches no port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRule {
    scheme: String,
    host: String,
    /// `None` = any port (or none).
    port: Option<Option<u16>>,
}

impl OriginRule {
    /// Parses an entry; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("{s:?} is not an origin like https://example.com"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!("{s:?}: scheme must be http or https"));
        }
        if rest.contains('/') {
            return Err(format!(
                "{s:?}: an origin has no path (remove the trailing '/')"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, "*")) => (h, None),
            Some((h, p)) => {
                let p: u16 = p.parse().map_err(|_| format!("{s:?}: bad port {p:?}"))?;
                (h, Some(Some(p)))
            }
            None => (rest, Some(None)),
        };
        if host.is_empty() || host.contains('*') {
            return Err(format!("{s:?}: host must be a plain host name"));
        }
        Ok(OriginRule {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// True when the browser's `Origin` header value matches this rule.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, rest)) = origin.split_once("://") else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case(&self.scheme) || rest.contains('/') {
            return false;
        }
        // `[::1]` has colons but no port; a port always follows the last `:`.
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !rest.ends_with(']') => match p.parse::<u16>() {
                Ok(p) => (h, Some(p)),
                Err(_) => return false,
            },
            _ => (rest, None),
        };
        if !host.eq_ignore_ascii_case(&self.host) {
            return false;
        }
        match self.port {
            None => true,
            Some(want) => want == port,
        }
    }
}

impl fmt::Display for OriginRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            None => write!(f, ":*"),
            Some(Some(p)) => write!(f, ":{p}"),
            Some(None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_wildcard() {
        let exact = OriginRule::parse("https://Shop.example").unwrap();
        assert!(exact.matches("https://shop.example"));
        assert!(!exact.matches("https://shop.example:8443"));
        assert!(!exact.matches("http://shop.example"));
        assert!(!exact.matches("https://evil.example"));
        assert!(!exact.matches("https://shop.example.evil.example"));
        let any = OriginRule::parse("http://localhost:*").unwrap();
        assert!(any.matches("http://localhost"));
        assert!(any.matches("http://localhost:5173"));
        assert!(!any.matches("http://localhost.evil:80"));
        assert!(!any.matches("null"));
        let port = OriginRule::parse("http://127.0.0.1:8080").unwrap();
        assert!(port.matches("http://127.0.0.1:8080"));
        assert!(!port.matches("http://127.0.0.1:8081"));
        assert_eq!(any.to_string(), "http://localhost:*");
    }

    #[test]
    fn bad_rules() {
        assert!(OriginRule::parse("localhost").is_err());
        assert!(OriginRule::parse("ftp://x").is_err());
        assert!(OriginRule::parse("https://x/").is_err());
        assert!(OriginRule::parse("https://*.x").is_err());
        assert!(OriginRule::parse("https://x:abc").is_err());
    }
}
