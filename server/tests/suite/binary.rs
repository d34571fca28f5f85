//! The `owidget-server` binary alone: copied into an empty directory and
//! started there, it serves the demo, the desk and the wasm package built
//! into it (issue 12, part 3); `--www-dir` / `--pkg-dir` still override.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary cargo built for these tests (debug, or release under
/// `cargo test --release`).
const BIN: &str = env!("CARGO_BIN_EXE_owidget-server");

/// A server process; killed when dropped.
struct Proc {
    child: Child,
    base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bin` in `dir` on port 0 and waits (bounded) for its address.
fn start(bin: &Path, dir: &Path, extra: &[&str]) -> Proc {
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("owidget-server listening on ") {
                let _ = tx.send(rest.to_string());
            }
        }
    });
    let mut proc = Proc {
        child,
        base: String::new(),
    };
    proc.base = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server prints its address within 30 s");
    proc
}

fn repo(path: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

async fn get(base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = reqwest::get(format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = r.status().as_u16();
    let ty = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ty, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_binary_alone_in_an_empty_directory_serves_demo_desk_and_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("owidget-server");
    std::fs::copy(BIN, &bin).expect("copy the binary");
    let server = start(&bin, dir.path(), &[]);
    let base = server.base.clone();

    let (status, ty, body) = get(&base, "/demo/").await;
    assert_eq!((status, ty.as_str()), (200, "text/html; charset=utf-8"));
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<h1>owidget demo</h1>"), "{page}");
    assert!(
        page.contains(&format!("{base}/widget/owidget.js")),
        "the snippet points at this server"
    );

    let (status, ty, body) = get(&base, "/desk/").await;
    assert_eq!((status, ty.as_str()), (200, "text/html"));
    assert_eq!(body, repo("www/desk/index.html"));
    let (status, ty, body) = get(&base, "/desk/main.js").await;
    assert_eq!((status, ty.as_str()), (200, "text/javascript"));
    assert_eq!(body, repo("www/desk/main.js"));
    let (status, ty, _) = get(&base, "/desk/desk.css").await;
    assert_eq!((status, ty.as_str()), (200, "text/css"));

    let (status, ty, body) = get(&base, "/widget/owidget.js").await;
    assert_eq!((status, ty.as_str()), (200, "text/javascript"));
    let loader = String::from_utf8(body).unwrap();
    let names = assets(&loader);
    let repo_loader = String::from_utf8(repo("pkg/owidget-loader.js")).unwrap();
    assert_eq!(
        loader,
        repo_loader.replacen("\"@owidget-assets\"", &names.to_string(), 1),
        "the minified loader of pkg/, with the current hashed names"
    );
    assert!(!loader.contains("/*"), "no comments: {loader}");
    hashed_names_are_immutable_and_current(&base, &names, &repo_loader_dir("pkg")).await;
    for wasm in ["owidget_bg.wasm", "owidget_chat_bg.wasm"] {
        let (status, ty, body) = get(&base, &format!("/widget/pkg/{wasm}")).await;
        assert_eq!((status, ty.as_str()), (200, "application/wasm"), "{wasm}");
        assert_eq!(
            body,
            repo(&format!("pkg/{wasm}")),
            "{wasm} is the built one"
        );
    }
    let (status, ty, _) = get(&base, "/widget/pkg/owidget_chat.js").await;
    assert_eq!((status, ty.as_str()), (200, "text/javascript"));

    for missing in [
        "/widget/pkg/missing.wasm",
        "/desk/nothing.js",
        "/demo/nothing.css",
    ] {
        let (status, ty, body) = get(&base, missing).await;
        assert_eq!(status, 404, "{missing}");
        assert_eq!(ty, "application/json", "{missing}");
        assert!(String::from_utf8_lossy(&body).contains("\"message\""));
    }

    // Demo mode: the desk learns the demo login.
    let (status, _, body) = get(&base, "/api/demo").await;
    assert_eq!(status, 200);
    let demo: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(demo["company"], owidget_server::demo::COMPANY);
    assert_eq!(demo["username"], "demo");

    // The database went where it was told: ./data of the empty directory.
    assert!(dir.path().join("data").is_dir());
}

#[tokio::test]
async fn www_and_pkg_dirs_override_the_embedded_files_and_configs_have_no_demo_login() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("owidget.toml");
    std::fs::write(
        &config,
        format!(
            "[[companies]]\nid = \"0f0e0d0c-0b0a-4908-8706-050403020100\"\nallowed_origins = [\"https://shop.example\"]\n\
             [[companies.presets]]\nname = \"main\"\ngroups = [\"support\"]\n\
             [[companies.operators]]\nusername = \"eva\"\npassword_hash = \"{}\"\ngroups = [\"support\"]\n",
            owidget_server::demo::hash_password("eva")
        ),
    )
    .unwrap();
    let www = fixtures.join("www");
    let pkg = fixtures.join("pkg");
    let server = start(
        Path::new(BIN),
        dir.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--www-dir",
            www.to_str().unwrap(),
            "--pkg-dir",
            pkg.to_str().unwrap(),
        ],
    );
    let base = server.base.clone();
    let (_, _, body) = get(&base, "/desk/").await;
    assert!(String::from_utf8_lossy(&body).contains("desk fixture"));
    let (_, _, body) = get(&base, "/widget/pkg/owidget_bg.wasm").await;
    assert_eq!(body, std::fs::read(pkg.join("owidget_bg.wasm")).unwrap());
    let (_, _, body) = get(&base, "/widget/owidget.js").await;
    let loader = String::from_utf8(body).unwrap();
    assert!(loader.starts_with("/* loader fixture */"), "{loader}");
    let names = assets(&loader);
    assert_eq!(
        names.as_object().map(|m| m.len()),
        Some(2),
        "only the files the --pkg-dir has: {names}"
    );
    hashed_names_are_immutable_and_current(&base, &names, &pkg).await;
    let (status, _, body) = get(&base, "/api/demo").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("own configuration"));
}

fn repo_loader_dir(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir)
}

/// The JSON object the server wrote into the loader in place of
/// `"@owidget-assets"` (`{"owidget.js":…}`, a flat object).
fn assets(loader: &str) -> serde_json::Value {
    let start = loader
        .find("{\"owidget")
        .expect("the hashed names in the loader");
    let end = start + loader[start..].find('}').expect("end of the names") + 1;
    serde_json::from_str(&loader[start..end]).unwrap_or_else(|e| panic!("{e}: {loader}"))
}

/// Every hashed name of the loader serves the file of `pkg` with a year of
/// `immutable` caching; the stable name is revalidated (`no-cache`); a
/// name with another hash is 404.
async fn hashed_names_are_immutable_and_current(base: &str, names: &serde_json::Value, pkg: &Path) {
    let names = names.as_object().expect("an object");
    assert!(names.contains_key("owidget_bg.wasm"), "{names:?}");
    for (name, hashed) in names {
        let hashed = hashed.as_str().unwrap();
        assert_ne!(hashed, name);
        let r = reqwest::get(format!("{base}/widget/pkg/{hashed}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{hashed}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{hashed}"
        );
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let body = r.bytes().await.unwrap();
        assert_eq!(body, std::fs::read(pkg.join(name)).unwrap(), "{hashed}");
        let stable = reqwest::get(format!("{base}/widget/pkg/{name}"))
            .await
            .unwrap();
        assert_eq!(stable.headers()["cache-control"], "no-cache", "{name}");
        let (stem, ext) = name.rsplit_once('.').unwrap();
        let stale = format!("/widget/pkg/{stem}.0000000000000000.{ext}");
        assert_eq!(get(base, &stale).await.0, 404, "{stale}");
    }
}
