//! `phone [runs] <libphonenumber-js dir> [PhoneNumberMetadata.xml]`: our phone normalization beside
//! libphonenumber-js (the peer a site would otherwise ship, its "max"
//! bundle), in one run:
//!
//! - exactness on the corpus `bench/phone-corpus.mjs` builds with that
//!   libphonenumber-js (node; see `exact.rs`);
//! - bytes: the peer's bundle (gzip -9) against ours per normalization, a
//!   `GET /api/widget/phone` counted on the wire (request and answer with
//!   their headers) by a counting TCP proxy in front of the server;
//! - time, in headless Chromium (`www/demo/phone-bench.html`): the first
//!   normalization once the widget has its configuration, as the callback
//!   form has it when it opens (ours: one request to the server; the peer:
//!   its bundle loaded by a script tag from a server in this process, then
//!   the first call), and per number afterwards, numbers of one country and
//!   of 12 countries alternating. `runs` fresh browser profiles, each
//!   loading the page twice (cold: empty cache; warm: the peer's bundle
//!   from the HTTP cache). The server runs in this process over loopback, so
//!   a request costs no network delay here; run 1 meets a server that has
//!   not normalized anything yet.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use owidget_e2e::{workspace_root, Browser, TestServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Numbers each timed round normalizes (the page's `N`).
const ROUND: f64 = 200.0;

/// Runs the benchmark with `runs` fresh browsers.
///
/// `xml`: the `PhoneNumberMetadata.xml` the corpus takes fixed-line and
/// toll-free example numbers from (without it, mobile examples only).
pub async fn run(runs: usize, lpn_dir: Option<String>, xml: Option<String>) {
    let dir = lpn_dir.expect(
        "phone [runs] <libphonenumber-js dir>: scripts/bench.sh installs it into ~/.cache/owidget-tools",
    );
    let lpn = Path::new(&dir);
    let version = package_version(lpn);
    println!(
        "exactness (corpus built now by bench/phone-corpus.mjs with libphonenumber-js {version}):"
    );
    let corpus = tempfile::NamedTempFile::new().expect("a temp file");
    let out = std::process::Command::new("node")
        .arg(workspace_root().join("bench/phone-corpus.mjs"))
        .arg(lpn)
        .args(xml)
        .output()
        .expect("node runs bench/phone-corpus.mjs");
    assert!(
        out.status.success(),
        "phone-corpus.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(corpus.path(), &out.stdout).expect("corpus written");
    let exact = crate::exact::run(&corpus.path().to_string_lossy());

    let bundle = std::fs::read(lpn.join("bundle/libphonenumber-max.js"))
        .unwrap_or_else(|e| panic!("{}: {e}", lpn.display()));
    let peer_url = serve_bundle(bundle.clone()).await;
    let server = TestServer::start().await;
    let (proxy_url, wire) = counting_proxy(&server.url).await;
    let page = format!("{proxy_url}/demo/phone-bench.html?peer={peer_url}");

    let mut loads = Vec::new();
    for run in 0..runs.max(1) {
        // A new ChromeDriver session starts from a new, empty profile.
        let browser = Browser::start().await;
        for (seed, warm) in [false, true].into_iter().enumerate() {
            let url = format!("{page}&seed={seed}");
            loads.push(load(&browser, &url, &wire, run + 1, warm).await);
        }
        browser.close().await;
    }

    let (raw, gz) = (bundle.len(), gzip_len(&bundle));
    let per_request: Vec<f64> = loads.iter().map(|l| l.wire_bytes).collect();
    let response = loads
        .iter()
        .filter_map(|l| l.ours["responseBytes"].as_f64());
    let response: Vec<f64> = response.collect();
    println!();
    println!(
        "side by side ({} browser runs × cold + warm load):",
        runs.max(1)
    );
    row(
        "",
        "ours (GET /api/widget/phone)",
        &format!("libphonenumber-js {version} max"),
    );
    row(
        "exactly libphonenumber's answer",
        &format!(
            "{} / {} ({:.2} %, {} undocumented)",
            exact.equal,
            exact.total,
            100.0 * exact.equal as f64 / exact.total.max(1) as f64,
            exact.undocumented
        ),
        "the reference",
    );
    row(
        "bytes downloaded before normalizing",
        "0 (no phone code in the widget)",
        &format!("{gz} B gzip ({raw} B raw), once per cache"),
    );
    row(
        "bytes per normalization",
        &format!(
            "{:.0} B on the wire (answer {:.0} B incl. headers)",
            mean(&per_request),
            mean(&response)
        ),
        "0",
    );
    for (label, warm) in [
        ("first normalization, cold", false),
        ("first normalization, warm", true),
    ] {
        let of = |f: &dyn Fn(&Load) -> f64| {
            let mut v: Vec<f64> = loads.iter().filter(|l| l.warm == warm).map(f).collect();
            median(&mut v)
        };
        row(
            label,
            &format!("{:.2} ms (median)", of(&|l| num(&l.ours, "firstMs"))),
            &format!(
                "{:.2} ms (median: script load {:.2} + first call {:.2})",
                of(&|l| num(&l.peer, "firstMs")),
                of(&|l| num(&l.peer, "loadMs")),
                of(&|l| num(&l.peer, "firstCallMs"))
            ),
        );
    }
    let labels: Vec<String> = loads[0].ours["rounds"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|o| o["label"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    for (i, label) in labels.iter().enumerate() {
        let us = |side: &dyn Fn(&Load) -> &Value| {
            let mut v: Vec<f64> = loads
                .iter()
                .map(|l| num(&side(l)["rounds"][i], "us"))
                .collect();
            median(&mut v)
        };
        row(
            &format!("per number, {label}"),
            &format!("{:.1} µs (median)", us(&|l| &l.ours)),
            &format!("{:.1} µs (median)", us(&|l| &l.peer)),
        );
    }
}

/// What one page load measured.
struct Load {
    warm: bool,
    ours: Value,
    peer: Value,
    /// Bytes browser ↔ server per normalization request, both ways.
    wire_bytes: f64,
}

/// Loads the page, waits for the widget's configuration, runs both sides.
async fn load(browser: &Browser, url: &str, wire: &Wire, run: usize, warm: bool) -> Load {
    browser.goto(url).await;
    browser
        .wait_js(
            "the widget's first status on the phone benchmark page",
            "window.phoneBenchWidget !== null && typeof window.runPhoneBench === 'function'",
        )
        .await;
    let side = |which: &str| {
        format!("const done = arguments[arguments.length - 1]; window.runPhoneBench('{which}').then(done);")
    };
    let before = wire.total();
    let ours = browser.js_async(&side("ours"), vec![]).await;
    let bytes = wire.total() - before;
    let peer = browser.js_async(&side("peer"), vec![]).await;
    for r in [&ours, &peer] {
        if let Some(e) = r.get("error") {
            panic!("the phone benchmark page failed: {e}");
        }
        assert_eq!(r["first"], "+420 777 666 555", "first normalization: {r}");
    }
    let requests = ours["requests"].as_f64().unwrap_or(0.0);
    assert!(
        requests >= 1.0 + 3.0 * ROUND,
        "one request per normalization expected, the page saw {requests}"
    );
    let what = if warm { "warm" } else { "cold" };
    println!(
        "  run {run} {what}: ours first {:.2} ms, peer first {:.2} ms (load {:.2} + call {:.2}); per number ours {}, peer {}",
        num(&ours, "firstMs"),
        num(&peer, "firstMs"),
        num(&peer, "loadMs"),
        num(&peer, "firstCallMs"),
        rounds(&ours),
        rounds(&peer)
    );
    Load {
        warm,
        wire_bytes: bytes as f64 / requests,
        ours,
        peer,
    }
}

/// `a / b / c µs` of a side's rounds, with how many numbers were valid.
fn rounds(side: &Value) -> String {
    let us: Vec<String> = side["rounds"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|o| format!("{:.1} ({} valid)", num(o, "us"), o["valid"]))
                .collect()
        })
        .unwrap_or_default();
    format!("{} µs", us.join(" / "))
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn row(what: &str, ours: &str, peer: &str) {
    println!("  {what:<46} {ours:<52} {peer}");
}

/// Byte counts through [`counting_proxy`], both ways, all connections.
struct Wire(Arc<AtomicU64>);

impl Wire {
    fn total(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A TCP proxy on loopback in front of `upstream` (`http://host:port`)
/// that counts every byte it passes; returns its URL.
async fn counting_proxy(upstream: &str) -> (String, Wire) {
    let to: SocketAddr = upstream
        .trim_start_matches("http://")
        .parse()
        .expect("the test server's address");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let url = format!("http://{}", listener.local_addr().expect("proxy address"));
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let count = counted.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(to).await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::join!(pump(cr, sw, &count), pump(sr, cw, &count));
            });
        }
    });
    (url, Wire(count))
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: &AtomicU64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        count.fetch_add(n as u64, Ordering::SeqCst);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Serves the peer's bundle at `/libphonenumber-max.js` (cacheable for a
/// day, like a CDN copy); returns its URL.
async fn serve_bundle(bundle: Vec<u8>) -> String {
    use axum::http::header;
    let bundle: &'static [u8] = Box::leak(bundle.into_boxed_slice());
    let app = axum::Router::new().route(
        "/libphonenumber-max.js",
        axum::routing::get(move || async move {
            (
                [
                    (header::CONTENT_TYPE, "text/javascript"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                bundle,
            )
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/libphonenumber-max.js",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn package_version(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("package.json"))
        .unwrap_or_else(|e| panic!("{}/package.json: {e}", dir.display()));
    let v: Value = serde_json::from_str(&text).expect("package.json is JSON");
    v["version"].as_str().unwrap_or("?").to_string()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Sorts `v` and returns its median.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory").len()
}
