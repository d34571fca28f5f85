//! The one door out: every call to a company's connector goes through
//! [`Connectors::call`], which builds the request (query parameters in the
//! documented order, or a JSON body), signs it (iAdvize's signature and our
//! v2 signatures), bounds it (timeout over the whole exchange, answer size
//! cap while streaming), checks the answer (2xx, JSON, the published
//! schema, then the Rust type) and records the call in the log (written
//! off the request path, see `logger`). Plugin modules only say what to
//! ask and what the answer means.

use std::time::{Duration, Instant};

use owidget_protocol::plugins::{ConnectorCall, Health, PluginKind};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::ConnectorConfig;
use super::logger::CallLogger;
use super::schemas::{Schema, Validators};
use super::sign;
use crate::ids::now_ms;
use crate::storage::Store;

mod deliver;
pub use deliver::Delivery;

/// A company's connector and its last known health.
#[derive(Debug)]
pub struct Connector {
    /// Company GUID (the call log is per company).
    pub company: String,
    /// Its configuration.
    pub config: ConnectorConfig,
    health: std::sync::Mutex<Health>,
}

impl Connector {
    /// Health as last polled (`None` without a health-check URL).
    pub fn health(&self) -> Health {
        if self.config.health_check_url.is_none() {
            return Health::None;
        }
        *self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn set_health(&self, h: Health) {
        *self.health.lock().unwrap_or_else(|e| e.into_inner()) = h;
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// Plugin served (for the log).
    pub plugin: PluginKind,
    /// Endpoint URL from the configuration.
    pub url: &'a str,
    /// GET: query parameters in order; `None` values are left out.
    /// POST: the JSON body's members.
    pub params: Vec<(&'static str, Option<String>)>,
    /// `POST` with a JSON body instead of a GET.
    pub post: bool,
    /// Schema the answer must match (`None`: checked by the caller).
    pub schema: Option<Schema>,
    /// Leave a successful call out of the log (repeated healthy health
    /// checks would bury the calls a connector's author looks for).
    pub quiet_when_ok: bool,
}

/// What to send, in general: [`Connectors::request`].
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Plugin served (for the log).
    pub plugin: PluginKind,
    /// `GET`, `PUT`, `POST`.
    pub method: Method,
    /// URL (an existing query is kept, ours appended).
    pub url: &'a str,
    /// Query parameters in order; `None` values are left out.
    pub query: Vec<(&'static str, Option<String>)>,
    /// JSON body (signed as sent).
    pub body: Option<Value>,
    /// Schema the answer must match.
    pub schema: Option<Schema>,
    /// Overrides the connector's timeout.
    pub timeout: Option<Duration>,
    /// Leave a successful call out of the log.
    pub quiet_when_ok: bool,
}

/// Why a call gave nothing usable; the text is meant for the operator and
/// the connector's author ("timed out after 5000 ms", "HTTP 500", …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CallError(pub String);

/// All companies' connectors and the shared HTTP client.
#[derive(Debug)]
pub struct Connectors {
    client: reqwest::Client,
    log: CallLogger,
    validators: Validators,
    by_company: Vec<Option<Connector>>,
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `base` with our parameters appended after any query it already has.
fn with_query(base: &str, params: &[(&'static str, Option<String>)]) -> Result<Url, CallError> {
    let ours: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .map(|v| format!("{k}={}", sign::encode_component(v)))
        })
        .collect();
    let mut url = Url::parse(base).map_err(|e| CallError(format!("bad URL: {e}")))?;
    if !ours.is_empty() {
        let query = match url.query() {
            Some(q) if !q.is_empty() => format!("{q}&{}", ours.join("&")),
            _ => ours.join("&"),
        };
        url.set_query(Some(&query));
    }
    Ok(url)
}

fn transport_error(e: reqwest::Error) -> CallError {
    use std::error::Error as _;
    let mut why = if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = e.source();
    let mut last = String::new();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    if !last.is_empty() {
        why = format!("{why}: {last}");
    }
    CallError(why)
}

impl Connectors {
    /// One entry per company of the configuration.
    pub fn new(store: Store, companies: Vec<(String, Option<ConnectorConfig>)>) -> Connectors {
        let client = reqwest::Client::builder()
            // A redirect would resend a signed request elsewhere; connectors
            // answer at the URL they declared.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client without TLS roots to load builds");
        Connectors {
            client,
            log: CallLogger::start(store),
            validators: Validators::new(),
            by_company: companies
                .into_iter()
                .map(|(company, c)| {
                    c.map(|config| Connector {
                        company,
                        config,
                        health: std::sync::Mutex::new(Health::Unknown),
                    })
                })
                .collect(),
        }
    }

    /// The connector of a company, if it has one.
    pub fn of(&self, company: usize) -> Option<&Connector> {
        self.by_company.get(company)?.as_ref()
    }

    /// Every configured connector with its company index.
    pub fn all(&self) -> impl Iterator<Item = (usize, &Connector)> {
        self.by_company
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
    }

    /// Waits until every call made so far is in the log (before reading it).
    pub async fn flush_log(&self) {
        self.log.flush().await;
    }

    /// The validators (the benchmark times them).
    pub fn validators(&self) -> &Validators {
        &self.validators
    }

    /// Calls `company`'s connector and returns the answer as `T` (checked
    /// against `call.schema` first). Every call is logged (failed or not;
    /// successful `quiet_when_ok` calls excepted).
    pub async fn call<T: DeserializeOwned>(
        &self,
        company: usize,
        call: Call<'_>,
    ) -> Result<T, CallError> {
        let (method, url, body) = if call.post {
            let body: serde_json::Map<String, Value> = call
                .params
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        v.clone().map(Value::String).unwrap_or(Value::Null),
                    )
                })
                .collect();
            (
                Method::POST,
                call.url.to_string(),
                Some(Value::Object(body)),
            )
        } else {
            (Method::GET, call.url.to_string(), None)
        };
        let params = if call.post { Vec::new() } else { call.params };
        self.request(
            company,
            Request {
                plugin: call.plugin,
                method,
                url: &url,
                query: params,
                body,
                schema: call.schema,
                timeout: None,
                quiet_when_ok: call.quiet_when_ok,
            },
        )
        .await
    }

    /// The general form of [`Connectors::call`]: any method, query
    /// parameters and a JSON body together, a timeout of its own (the bot
    /// contract's 2 s and 10 s). Signed, bounded, validated and logged the
    /// same way.
    pub async fn request<T: DeserializeOwned>(
        &self,
        company: usize,
        req: Request<'_>,
    ) -> Result<T, CallError> {
        let value = self.request_value(company, req).await?;
        T::deserialize(&value.0)
            .map_err(|e| CallError(format!("answer does not match {}: {e}", value.1)))
    }

    async fn request_value(
        &self,
        company: usize,
        req: Request<'_>,
    ) -> Result<(Value, &'static str), CallError> {
        let connector = self
            .of(company)
            .ok_or_else(|| CallError("no connector".into()))?;
        let at = now_ms();
        let started = Instant::now();
        let url = with_query(req.url, &req.query)?;
        let body = req
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).expect("JSON values serialize"))
            .unwrap_or_default();
        let mut record = ConnectorCall {
            at,
            plugin: req.plugin,
            method: req.method.to_string(),
            url: url.to_string(),
            status: None,
            latency_ms: 0,
            ok: false,
            error: None,
        };
        let timeout = req.timeout.unwrap_or(connector.config.timeout);
        let has_body = req.body.is_some();
        let exchanged = self
            .exchange(
                connector,
                &req.method,
                url,
                (has_body, body),
                timeout,
                &mut record,
            )
            .await;
        // The connector's time: request sent to last byte read (or failure).
        record.latency_ms = started.elapsed().as_millis() as u64;
        let name = req.schema.map(Schema::path).unwrap_or("the expected shape");
        let result = exchanged.and_then(|bytes| self.check(&bytes, req.schema).map(|v| (v, name)));
        match &result {
            Ok(_) => record.ok = true,
            Err(e) => record.error = Some(e.0.clone()),
        }
        if record.ok && req.quiet_when_ok {
            return result;
        }
        self.log.record(&connector.company, record);
        result
    }

    /// Adds an entry to the call log that is not an HTTP exchange of its
    /// own: a part of an answer that was skipped (an unknown bot reply type,
    /// a reply that does not match its schema), with the call it came from.
    pub fn note(&self, company: usize, plugin: PluginKind, method: &str, url: &str, error: String) {
        let Some(connector) = self.of(company) else {
            return;
        };
        self.log.record(
            &connector.company,
            ConnectorCall {
                at: now_ms(),
                plugin,
                method: method.to_string(),
                url: url.to_string(),
                status: None,
                latency_ms: 0,
                ok: false,
                error: Some(error),
            },
        );
    }

    /// Logs a call the company's app made to us (the External Bot's
    /// GraphQL API, `bot::api`) in the same call log as our calls to it.
    pub fn inbound(&self, company: usize, call: ConnectorCall) {
        let Some(connector) = self.of(company) else {
            return;
        };
        self.log.record(&connector.company, call);
    }

    fn headers(
        connector: &Connector,
        method: &Method,
        url: &Url,
        body: &[u8],
        content_type: &'static str,
    ) -> HeaderMap {
        let secrets = &connector.config.secrets;
        let query = url.query().unwrap_or("");
        let signed: &[u8] = if method == Method::GET {
            query.as_bytes()
        } else {
            body
        };
        let ts = unix_secs();
        let v2 = sign::v2_header(secrets, method.as_str(), url.path(), query, ts, body);
        let mut h = HeaderMap::new();
        let value = |s: String| HeaderValue::from_str(&s).expect("hex and digits are header-safe");
        h.insert(
            sign::IADVIZE_SIGNATURE,
            value(sign::iadvize(&secrets[0], signed)),
        );
        h.insert(sign::TIMESTAMP, value(ts.to_string()));
        h.insert(sign::SIGNATURE_V2, value(v2));
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("owidget/", env!("CARGO_PKG_VERSION"))),
        );
        if method != Method::GET {
            h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        h
    }

    /// Sends and reads the answer body within the timeout and the cap.
    async fn exchange(
        &self,
        connector: &Connector,
        method: &Method,
        url: Url,
        (has_body, body): (bool, Vec<u8>),
        timeout: Duration,
        record: &mut ConnectorCall,
    ) -> Result<Vec<u8>, CallError> {
        let cfg = &connector.config;
        let headers = Self::headers(connector, method, &url, &body, "application/json");
        self.send(cfg, method, url, headers, (has_body, body), timeout, record)
            .await
    }

    /// Sends a signed request and reads the answer within `timeout` and the
    /// size cap.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        cfg: &ConnectorConfig,
        method: &Method,
        url: Url,
        headers: HeaderMap,
        (has_body, body): (bool, Vec<u8>),
        timeout: Duration,
        record: &mut ConnectorCall,
    ) -> Result<Vec<u8>, CallError> {
        let mut req = self.client.request(method.clone(), url).headers(headers);
        if has_body {
            req = req.body(body);
        }
        let cap = cfg.max_answer_bytes;
        let too_big = || CallError(format!("answer over {cap} bytes"));
        let work = async {
            let mut resp = req.send().await.map_err(transport_error)?;
            record.status = Some(resp.status().as_u16());
            if !resp.status().is_success() {
                return Err(CallError(format!("HTTP {}", resp.status().as_u16())));
            }
            if resp.content_length().is_some_and(|n| n > cap as u64) {
                return Err(too_big());
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
                if bytes.len() + chunk.len() > cap {
                    return Err(too_big());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(CallError(format!(
                "timed out after {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// JSON, then the schema.
    fn check(&self, bytes: &[u8], schema: Option<Schema>) -> Result<Value, CallError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|_| CallError("answer is not JSON".into()))?;
        let name = schema.map(Schema::path).unwrap_or("the expected shape");
        if let Some(s) = schema {
            self.validators
                .check(s, &value)
                .map_err(|e| CallError(format!("answer does not match {name}: {e}")))?;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_parameters_follow_the_configured_query_in_order() {
        let p = |k: &'static str, v: Option<&str>| (k, v.map(str::to_string));
        let url = with_query(
            "https://c.example/p?key=a%20b",
            &[
                p("idParent", None),
                p("limit", Some("10")),
                p("searchQuery", Some("a&b c")),
            ],
        )
        .unwrap();
        assert_eq!(
            url.query(),
            Some("key=a%20b&limit=10&searchQuery=a%26b%20c")
        );
        let bare = with_query("https://c.example/health", &[]).unwrap();
        assert_eq!(bare.as_str(), "https://c.example/health");
        assert_eq!(bare.query(), None);
    }
}
