//! A headless Chromium driven through its own ChromeDriver process.

use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

/// How long any awaited page condition may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Chromium flags: headless as root on a closed network (without the
/// background-networking flags Chromium stalls on refused connections).
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1200,900",
];

/// One ChromeDriver process with one browser session. Dropping it kills the
/// driver (and with it the browser).
pub struct Browser {
    client: Option<Client>,
    driver: Child,
}

impl Browser {
    /// Starts ChromeDriver on a free port and opens a session.
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// [`Browser::start`] with more Chromium flags (`--js-flags=--expose-gc`).
    pub async fn start_with(extra_args: &[&str]) -> Browser {
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e} (run scripts/setup.sh)"));
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = Capabilities::new();
        let args: Vec<&str> = CHROME_ARGS.iter().chain(extra_args).copied().collect();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "args": args, "binary": chromium_bin() }),
        );
        let deadline = Instant::now() + WAIT;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => {
                    panic!("ChromeDriver at {url} did not accept a session within {WAIT:?}: {e}")
                }
            }
        };
        Browser {
            client: Some(client),
            driver,
        }
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("browser is open")
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) {
        self.client()
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script` (a function body) that calls its last argument with
    /// the result, once its own awaited work is done.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Evaluates `expr` in the page until it is truthy, returning its value;
    /// fails the test with `what` after [`WAIT`].
    pub async fn wait_js(&self, what: &str, expr: &str) -> Value {
        let script = format!("return ({expr});");
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.js(&script, vec![]).await;
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!(0) && v != json!("");
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let log = self
                    .js(
                        "return document.body ? document.body.innerText : ''",
                        vec![],
                    )
                    .await;
                panic!("timed out after {WAIT:?} waiting for {what}: `{expr}` was {v}\npage text:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for `inner` (CSS) inside the shadow root of the first element
    /// matching `host` (CSS) and returns it, for real WebDriver clicks.
    pub async fn shadow_find(&self, host: &str, inner: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(h) = self.client().find(Locator::Css(host)).await {
                if let Ok(root) = h.shadow_root().await {
                    if let Ok(e) = root.find(Locator::Css(inner)).await {
                        if e.is_displayed().await.unwrap_or(false) {
                            return e;
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                panic!("timed out after {WAIT:?} waiting for a visible `{inner}` in the shadow root of `{host}`");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Registers `source` to run before any script of every later document
    /// (Chrome DevTools `Page.addScriptToEvaluateOnNewDocument`).
    pub async fn before_page_scripts(&self, source: &str) {
        self.client()
            .issue_cmd(Cdp {
                cmd: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": source }),
            })
            .await
            .expect("CDP command");
    }

    /// Sends a Chrome DevTools Protocol command to the page's target (as
    /// `Network.emulateNetworkConditions`); returns its result.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client()
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Takes the page off the network (DevTools network emulation) or
    /// brings it back.
    pub async fn offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await;
    }

    /// Closes the session.
    pub async fn close(mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
        let _ = self.driver.kill().await;
    }
}

/// A Chrome DevTools Protocol command sent through ChromeDriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

fn chromium_bin() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// A port that was free a moment ago (ChromeDriver only takes a number).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local addr").port()
}
