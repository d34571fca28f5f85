//! Embeds `www/` (loader, demo pages, desk) and `pkg/` (the wasm modules
//! built by `scripts/build-wasm.sh`) into the server, so that the binary
//! runs alone. Writes `$OUT_DIR/embedded.rs`: a table of
//! `(path, include_bytes!(file))` sorted by path, `www/…` and `pkg/…`.
//!
//! The wasm is not built by cargo (it needs another target, wasm-opt and
//! wasm-bindgen): without it the build stops with a message saying what to
//! run first.

use std::path::{Path, PathBuf};

/// Files the widget cannot run without.
const REQUIRED_PKG: &[&str] = &[
    "owidget.js",
    "owidget_bg.wasm",
    "owidget_chat.js",
    "owidget_chat_bg.wasm",
    "owidget-loader.js",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("..");
    let root = root.canonicalize().unwrap_or(root);
    let www = root.join("www");
    let pkg = root.join("pkg");
    // A directory is scanned recursively for changes.
    println!("cargo:rerun-if-changed={}", www.display());
    println!("cargo:rerun-if-changed={}", pkg.display());

    let missing: Vec<&str> = REQUIRED_PKG
        .iter()
        .copied()
        .filter(|f| !pkg.join(f).is_file())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "\nerror: owidget-server embeds the wasm package, but {} lacks {}.\n\
             Build the wasm modules first, then build the server again:\n\n    \
             bash scripts/build-wasm.sh\n\n\
             (scripts/test.sh does this before clippy and the tests.)\n",
            pkg.display(),
            missing.join(", ")
        );
        std::process::exit(1);
    }

    let mut files = Vec::new();
    collect(&www, "www", &mut files);
    collect(&pkg, "pkg", &mut files);
    files.sort();
    let mut out =
        String::from("/// Embedded files: (path under `www/` or `pkg/`, bytes), sorted.\n");
    out.push_str("pub(crate) static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        out.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
}

/// Every regular file under `dir` (not hidden ones), as `prefix/relative`.
fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel = format!("{prefix}/{name}");
        if path.is_dir() {
            collect(&path, &rel, out);
        } else if path.is_file() {
            let abs = path.canonicalize().unwrap_or(path);
            out.push((rel, abs));
        }
    }
}
