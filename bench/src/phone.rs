//! `phone [runs]`: the lazily loaded phone module in headless Chromium.
//!
//! Prints the module's raw and gzip size, then for `runs` fresh browser
//! profiles: the time from `import()` of the glue to the first
//! `normalize('777 666 555', 'CZ')` (glue import, download + compile +
//! instantiate, first call, which also parses the metadata), cold (empty
//! cache) and warm (second load of the page, HTTP cache), and the time per
//! number over 1,000 numbers of several countries afterwards. The page that
//! measures is `www/demo/phone-bench.html`; the server is the demo server in
//! this process, serving the real `pkg/` over loopback (no network delay, so
//! "download" here is the server's read + compression + Chromium's fetch).

use std::io::Write;
use std::path::Path;

use owidget_e2e::{workspace_root, Browser, TestServer};

/// What the page measured in one load.
struct Load {
    import_ms: f64,
    init_ms: f64,
    first_ms: f64,
    total_ms: f64,
    rounds: Vec<Round>,
    transfer_bytes: Option<u64>,
}

/// One timed loop of `normalize` calls after the first.
struct Round {
    label: String,
    us_per_number: f64,
    valid: u64,
    numbers: u64,
    countries: u64,
}

/// Runs the benchmark with `runs` fresh browsers.
pub async fn run(runs: usize) {
    let pkg = workspace_root().join("pkg");
    let wasm = pkg.join("owidget_phone_bg.wasm");
    assert!(
        wasm.exists(),
        "{} is missing: run `bash scripts/build-wasm.sh` first",
        wasm.display()
    );
    println!("phone module (gzip -9):");
    for file in ["owidget_phone_bg.wasm", "owidget_phone.js"] {
        let (raw, gz) = sizes(&pkg.join(file));
        println!("  pkg/{file:<24} {raw:>9} B raw {gz:>9} B gzip");
    }

    let server = TestServer::start().await;
    let url = format!("{}/demo/phone-bench.html", server.url);
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..runs.max(1) {
        // A new ChromeDriver session starts from a new, empty profile: cold.
        let browser = Browser::start().await;
        cold.push(load(&browser, &url).await);
        warm.push(load(&browser, &url).await);
        browser.close().await;
    }
    report("cold (new profile, empty cache)", &cold);
    report("warm (second load, HTTP cache)", &warm);
    let every: Vec<&Load> = cold.iter().chain(&warm).collect();
    println!("per number afterwards (all {} loads):", every.len());
    for (i, r) in every[0].rounds.iter().enumerate() {
        let mut us: Vec<f64> = every.iter().map(|l| l.rounds[i].us_per_number).collect();
        println!(
            "  {} ({} numbers, {} default countries, {} valid): median {:.1} µs/number (min {:.1}, max {:.1})",
            r.label,
            r.numbers,
            r.countries,
            r.valid,
            median(&mut us),
            us.first().copied().unwrap_or(0.0),
            us.last().copied().unwrap_or(0.0)
        );
    }
}

/// Loads the page and waits for its figures.
async fn load(browser: &Browser, url: &str) -> Load {
    browser.goto(url).await;
    let r = browser
        .wait_js(
            "the phone benchmark page's result",
            "window.phoneBenchResult",
        )
        .await;
    if let Some(e) = r.get("error") {
        panic!("the phone benchmark page failed: {e}");
    }
    assert_eq!(
        r["first"], "+420 777 666 555",
        "first normalization result: {r}"
    );
    let f = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("{k} in {r}"));
    Load {
        import_ms: f("importMs"),
        init_ms: f("initMs"),
        first_ms: f("firstNormalizeMs"),
        total_ms: f("totalMs"),
        rounds: r["rounds"]
            .as_array()
            .unwrap_or_else(|| panic!("rounds in {r}"))
            .iter()
            .map(|o| Round {
                label: o["label"].as_str().unwrap_or("?").to_string(),
                us_per_number: o["us"].as_f64().unwrap_or_else(|| panic!("us in {o}")),
                valid: o["valid"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("valid in {o}")),
                numbers: o["numbers"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("numbers in {o}")),
                countries: o["countries"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("countries in {o}")),
            })
            .collect(),
        transfer_bytes: r["wasmTransferBytes"].as_u64(),
    }
}

fn report(what: &str, loads: &[Load]) {
    let mut total: Vec<f64> = loads.iter().map(|l| l.total_ms).collect();
    println!(
        "time to first normalization, {what}: median {:.1} ms over {} runs",
        median(&mut total),
        loads.len()
    );
    for (i, l) in loads.iter().enumerate() {
        let transfer = l
            .transfer_bytes
            .map_or("?".to_string(), |b| format!("{b} B"));
        println!(
            "  run {}: {:.1} ms = glue import {:.1} + download/compile/instantiate {:.1} + first normalize {:.1}; wasm transferred {transfer}",
            i + 1,
            l.total_ms,
            l.import_ms,
            l.init_ms,
            l.first_ms
        );
    }
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

/// Raw and gzip -9 size of a file.
fn sizes(path: &Path) -> (usize, usize) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).expect("gzip in memory");
    (bytes.len(), gz.finish().expect("gzip in memory").len())
}
