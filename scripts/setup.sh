#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already there:
# the wasm32 target, wasm-bindgen-cli at the exact version Cargo.toml pins,
# wasm-opt (binaryen), Chromium and ChromeDriver, and esbuild (from npm, the
# version build-wasm.sh pins, into ~/.cache/owidget-tools). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[setup] $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly, or the glue it writes
# does not fit the wasm.
want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (have: ${have:-none}); this takes a few minutes"
  # --locked first (reproducible); the crates.io mirror may lack a locked
  # transitive version, then resolve afresh within the same semver ranges.
  cargo install wasm-bindgen-cli --version "$want" --locked --force \
    || cargo install wasm-bindgen-cli --version "$want" --force
fi

missing=()
command -v wasm-opt >/dev/null || missing+=(binaryen)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# node runs esbuild and scripts/shorten-imports.mjs in scripts/build-wasm.sh.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# esbuild bundles and minifies the wasm-bindgen glue, and node runs
# scripts/shorten-imports.mjs (both in scripts/build-wasm.sh).
command -v node >/dev/null || { log "node is needed by scripts/build-wasm.sh: install Node.js 18+"; exit 1; }
esbuild_version=$(sed -n 's/^ESBUILD_VERSION=\([0-9.]*\)$/\1/p' scripts/build-wasm.sh)
esbuild_dir="$HOME/.cache/owidget-tools/esbuild-$esbuild_version"
if ! "$esbuild_dir/node_modules/.bin/esbuild" --version >/dev/null 2>&1; then
  command -v npm >/dev/null || { log "npm is needed for esbuild: install Node.js 18+"; exit 1; }
  log "installing esbuild $esbuild_version into $esbuild_dir"
  mkdir -p "$esbuild_dir"
  npm install --prefix "$esbuild_dir" --no-save --no-audit --no-fund --loglevel=error \
    "esbuild@$esbuild_version"
fi

# zopfli (@gfx/zopfli, wasm) precompresses the modules the server sends.
zopfli_version=$(sed -n 's/^ZOPFLI_VERSION=\([0-9.]*\)$/\1/p' scripts/build-wasm.sh)
zopfli_dir="$HOME/.cache/owidget-tools/zopfli-$zopfli_version"
if [ ! -d "$zopfli_dir/node_modules/@gfx/zopfli" ]; then
  command -v npm >/dev/null || { log "npm is needed for zopfli: install Node.js 18+"; exit 1; }
  log "installing @gfx/zopfli $zopfli_version into $zopfli_dir"
  mkdir -p "$zopfli_dir"
  npm install --prefix "$zopfli_dir" --no-save --no-audit --no-fund --loglevel=error \
    "@gfx/zopfli@$zopfli_version"
fi

log "tools ready: $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | head -n1), esbuild $("$esbuild_dir/node_modules/.bin/esbuild" --version)"
