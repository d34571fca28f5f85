//! `pkg/` as an npm-style package (issue 12, part 2): `npm pack` of it, the
//! tarball installed into an app, the README's example (`npm/example/`)
//! bundled by esbuild, and the bundle, served from another origin, loaded
//! in Chromium: a live status, and `destroy()` when its view unmounts.

use std::path::{Path, PathBuf};
use std::process::Command;

use owidget_e2e::site::Site;
use owidget_e2e::{workspace_root, Browser, TestServer};
use serde_json::Value;

/// Runs `cmd` in `dir`; fails the test with its output unless it succeeds.
fn run(dir: &Path, cmd: &mut Command) -> String {
    let out = cmd
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The esbuild that `scripts/setup.sh` installs (version pinned in
/// `scripts/build-wasm.sh`).
fn esbuild() -> PathBuf {
    let script = std::fs::read_to_string(workspace_root().join("scripts/build-wasm.sh"))
        .expect("scripts/build-wasm.sh");
    let version = script
        .lines()
        .find_map(|l| l.strip_prefix("ESBUILD_VERSION="))
        .expect("ESBUILD_VERSION in build-wasm.sh");
    let home = std::env::var("HOME").expect("HOME");
    let bin = PathBuf::from(home).join(format!(
        ".cache/owidget-tools/esbuild-{version}/node_modules/.bin/esbuild"
    ));
    assert!(
        bin.exists(),
        "{} missing: run scripts/setup.sh",
        bin.display()
    );
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_packed_package_bundled_by_esbuild_gets_a_live_status_and_destroys_on_unmount() {
    let pkg = workspace_root().join("pkg");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(pkg.join("package.json")).expect("pkg/package.json"),
    )
    .expect("package.json is JSON");
    assert_eq!(manifest["name"], "owidget");
    assert_eq!(manifest["type"], "module");
    let cargo = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let sdk_version = cargo
        .split("[package]")
        .nth(1)
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .expect("the SDK's version")
        .trim_matches('"');
    assert_eq!(manifest["version"], sdk_version, "the SDK crate's version");
    assert_eq!(manifest["exports"]["."]["types"], "./index.d.ts");
    for file in ["index.js", "index.d.ts", "owidget.d.ts", "owidget_bg.wasm"] {
        assert!(pkg.join(file).exists(), "pkg/{file}");
    }

    // npm pack, then install the tarball into a fresh app (no registry).
    let app = tempfile::tempdir().unwrap();
    let packed = run(
        &pkg,
        Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(app.path()),
    );
    let tarball = packed
        .lines()
        .last()
        .expect("npm pack names the tarball")
        .trim()
        .to_string();
    std::fs::write(
        app.path().join("package.json"),
        r#"{"name":"shop-app","private":true,"type":"module"}"#,
    )
    .unwrap();
    run(
        app.path(),
        Command::new("npm").args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--silent",
            &format!("./{tarball}"),
        ]),
    );
    assert!(app.path().join("node_modules/owidget/index.d.ts").exists());

    // The README's example, bundled exactly as the README says.
    let example = workspace_root().join("npm/example");
    std::fs::copy(example.join("app.js"), app.path().join("app.js")).unwrap();
    run(
        app.path(),
        Command::new(esbuild()).args([
            "app.js",
            "--bundle",
            "--format=esm",
            "--loader:.wasm=file",
            "--outdir=dist",
            "--log-level=warning",
        ]),
    );
    let dist = app.path().join("dist");
    let wasm_copied = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().ends_with(".wasm"));
    assert!(wasm_copied, "esbuild copied the package's wasm into dist/");

    let server = TestServer::start().await;
    let page = std::fs::read_to_string(example.join("index.html"))
        .unwrap()
        .replace("http://127.0.0.1:8080", &server.url);
    std::fs::write(dist.join("index.html"), page).unwrap();
    let site = Site::start(&dist, None).await;

    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/index.html#support", site.url))
        .await;
    let status = "document.getElementById('status')?.dataset.code";
    browser
        .wait_js("status 0", &format!("{status} === '0'"))
        .await;
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;
    browser
        .wait_js("live status 1", &format!("{status} === '1'"))
        .await;
    let wasm_from = browser
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/owidget_bg'))",
            vec![],
        )
        .await;
    let wasm_from = wasm_from.as_array().expect("resource list").clone();
    assert!(
        !wasm_from.is_empty()
            && wasm_from
                .iter()
                .all(|u| u.as_str().is_some_and(|u| u.starts_with(&site.url))),
        "the core wasm came from the app's bundle: {wasm_from:?}"
    );

    // Unmounting the view destroys the widget; mounting again makes a new one.
    browser.goto(&format!("{}/index.html#home", site.url)).await;
    browser
        .wait_js(
            "widget removed on unmount",
            "document.querySelectorAll('owidget-root').length === 0 && !document.getElementById('status')",
        )
        .await;
    browser
        .goto(&format!("{}/index.html#support", site.url))
        .await;
    browser
        .wait_js(
            "a new widget with the live status",
            &format!("{status} === '1' && document.querySelectorAll('owidget-root').length === 1"),
        )
        .await;

    // The default `wasm: 'server'`, with the entry imported from the server
    // itself (no bundler): SDK from the server, same kind of object.
    browser
        .js(
            "const server = arguments[0]; \
             import(server + '/widget/pkg/index.js').then(async (m) => { \
               window.badServer = await m.load({ server: 'chat.example' }).then(() => 'resolved', (e) => e.message); \
               const o = await m.load({ server }); \
               o.init(arguments[1]); \
               o.setStatusUpdateCallback((c) => { window.serverMode = c; }); \
               o.connectToServer(); \
               window.serverModeWidget = o; \
             });",
            vec![server.url.clone().into(), owidget_e2e::DEMO_COMPANY.into()],
        )
        .await;
    browser
        .wait_js(
            "status 1 from the server-loaded SDK, a second widget",
            "window.serverMode === 1 && document.querySelectorAll('owidget-root').length === 2",
        )
        .await;
    let bad = browser.js("return window.badServer", vec![]).await;
    assert!(
        bad.as_str()
            .is_some_and(|m| m.starts_with("[owidget] load: server must be")),
        "{bad}"
    );
    browser.close().await;
}
