#!/usr/bin/env bash
# Builds the wasm modules into pkg/: the SDK (owidget) and the lazily loaded
# phone module (owidget-phone). Each goes through wasm-opt -Oz, then
# wasm-bindgen (--target web). wasm-opt runs BEFORE wasm-bindgen: binaryen 108
# run on wasm-bindgen 0.2.130 output re-points the `__wbindgen_externrefs`
# export at the funcref table and the module then fails to instantiate.
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
  built="$target_dir/wasm32-unknown-unknown/wasm-release/$lib.wasm"
  if [ "$crate" = owidget ]; then
    mkdir -p "$target_dir/wasm-opt"
    wasm-opt "${WASM_OPT_FLAGS[@]}" "$built" -o "$target_dir/wasm-opt/$lib.wasm"
    built="$target_dir/wasm-opt/$lib.wasm"
  fi
  # The phone module skips wasm-opt: on its regex/metadata-heavy code every
  # level measured 13-15 KB larger after gzip than rustc's own opt-level=z.
  wasm-bindgen --target web --out-dir pkg "$built"
done
ls -l pkg >&2
