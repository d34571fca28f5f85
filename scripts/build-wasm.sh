#!/usr/bin/env bash
# Builds the wasm modules into pkg/: the SDK (owidget) and the lazily loaded
# phone module (owidget-phone). Each goes through wasm-bindgen (--target web)
# and wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Debian's binaryen 108 does not enable these by default, but today's rustc emits them.
WASM_OPT_FLAGS=(-Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --strip-debug --strip-producers)

target_dir=${CARGO_TARGET_DIR:-target}
mkdir -p pkg
for crate in owidget owidget-phone; do
  lib=${crate//-/_}
  echo "[build] $crate → pkg/${lib}_bg.wasm" >&2
  cargo build -q --target wasm32-unknown-unknown --profile wasm-release -p "$crate"
  wasm-bindgen --target web --out-dir pkg "$target_dir/wasm32-unknown-unknown/wasm-release/$lib.wasm"
  wasm-opt "${WASM_OPT_FLAGS[@]}" "pkg/${lib}_bg.wasm" -o "pkg/${lib}_bg.wasm"
done
ls -l pkg >&2
