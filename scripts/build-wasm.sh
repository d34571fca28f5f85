#!/usr/bin/env bash
# Builds the wasm modules into pkg/: the SDK core (owidget, first paint),
# and the lazily loaded chat window (owidget-chat); phone numbers are
# normalized by the server (owidget-phone, natively). Each goes through
# wasm-opt, then wasm-bindgen (--target web); the JS glue is then
# bundled and minified with esbuild (setup.sh installs the pinned version):
# the core's glue has an inline snippet (src/modules.rs) that wasm-bindgen
# writes to a separate file, and bundling saves that request. Before that,
# scripts/shorten-imports.mjs replaces wasm-bindgen's hashed import names
# (~2 KB gzip of the first paint) in the wasm and the glue together.
#
# wasm-opt runs BEFORE wasm-bindgen: binaryen 108 run on wasm-bindgen 0.2.130
# output re-points the `__wbindgen_externrefs` export at the funcref table
# and the module then fails to instantiate.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Pinned here; setup.sh installs these versions (and reads them from these lines).
ESBUILD_VERSION=0.28.2
ZOPFLI_VERSION=1.0.15
esbuild="$HOME/.cache/owidget-tools/esbuild-$ESBUILD_VERSION/node_modules/.bin/esbuild"
[ -x "$esbuild" ] || { echo "esbuild $ESBUILD_VERSION missing: run scripts/setup.sh" >&2; exit 1; }
zopfli_dir="$HOME/.cache/owidget-tools/zopfli-$ZOPFLI_VERSION"
[ -d "$zopfli_dir/node_modules/@gfx/zopfli" ] ||
  { echo "@gfx/zopfli $ZOPFLI_VERSION missing: run scripts/setup.sh" >&2; exit 1; }

# Debian's binaryen 108 does not enable these by default, but today's rustc emits them.
WASM_OPT_FLAGS=(-Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --strip-debug --strip-producers)

target_dir=${CARGO_TARGET_DIR:-target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p pkg
rm -rf pkg/snippets
for crate in owidget owidget-chat; do
  lib=${crate//-/_}
  echo "[build] $crate → pkg/${lib}.js + pkg/${lib}_bg.wasm" >&2
  cargo build -q --target wasm32-unknown-unknown --profile wasm-release -p "$crate"
  built="$target_dir/wasm32-unknown-unknown/wasm-release/$lib.wasm"
  mkdir -p "$target_dir/wasm-opt"
  wasm-opt "${WASM_OPT_FLAGS[@]}" "$built" -o "$target_dir/wasm-opt/$lib.wasm"
  built="$target_dir/wasm-opt/$lib.wasm"
  # Only the core's types are public (pkg/owidget.d.ts); the chat module
  # is internal to the SDK.
  flags=()
  [ "$crate" = owidget-chat ] && flags+=(--no-typescript)
  wasm-bindgen --target web "${flags[@]}" --remove-name-section --remove-producers-section \
    --out-dir "$tmp/$lib" "$built"
  node scripts/shorten-imports.mjs "$tmp/$lib" "$lib"
  # wasm-bindgen 0.2.130 imports an inline snippet once per function the
  # wasm imports from it directly (`import * as import1`, `import2` of the
  # same file) and lists each under the same key: harmless, silenced.
  # The core's glue is bundled from an entry that re-exports only what the
  # loader and npm/index.js use (the class and the async init): esbuild then
  # drops wasm-bindgen's `initSync` (~150 B gzip of the first paint), and
  # its declaration goes from the public types with it.
  entry="$tmp/$lib/$lib.js"
  if [ "$crate" = owidget ]; then
    entry="$tmp/$lib/entry.js"
    echo "export { Owidget, default } from './$lib.js';" >"$entry"
    node -e '
      const fs = require("fs"), f = process.argv[1];
      const s = fs.readFileSync(f, "utf8");
      const t = s.replace(/\nexport type SyncInitInput[^;]*;\n\n\/\*\*(?:(?!\*\/)[\s\S])*\*\/\nexport function initSync\([^;]*;\n/, "\n");
      if (t === s) { console.error(f + ": no initSync declaration to remove"); process.exit(1); }
      fs.writeFileSync(f, t);' "$tmp/$lib/$lib.d.ts"
  fi
  "$esbuild" "$entry" --bundle --format=esm --minify --target=es2020 \
    --log-level=warning --log-override:duplicate-object-key=silent --outfile="pkg/$lib.js"
  rm -f "$tmp/$lib/$lib.js" "$tmp/$lib/entry.js"
  rm -rf "$tmp/$lib/snippets"
  cp "$tmp/$lib"/* pkg/
done

# The loader as the server serves it (/widget/owidget.js): www/owidget.js
# minified (its comments alone are ~800 B gzip of the first paint), ES5
# kept but for its one import(); the server writes the content-hashed
# names in place of the "@owidget-assets" string.
"$esbuild" www/owidget.js --minify --target=es5 --supported:dynamic-import=true \
  --log-level=warning --outfile=pkg/owidget-loader.js
grep -q '"@owidget-assets"' pkg/owidget-loader.js ||
  { echo "pkg/owidget-loader.js: the \"@owidget-assets\" placeholder did not survive" >&2; exit 1; }

# The modules precompressed (pkg/<file>.gz, zopfli): the server sends these
# bodies for the content-hashed names (server/src/assets/hashed.rs) rather
# than gzipping on the fly (~1.9 KB gzip fewer in the first paint).
rm -f pkg/*.gz
node scripts/gzip-assets.mjs "$zopfli_dir" pkg/owidget.js pkg/owidget_bg.wasm \
  pkg/owidget_chat.js pkg/owidget_chat_bg.wasm

# pkg/ is also an npm-style package (README, "npm package"): the entry
# `load({ server })`, its types and package.json from npm/, with the SDK
# crate's version.
version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || { echo "no [package] version in Cargo.toml" >&2; exit 1; }
cp npm/index.js npm/index.d.ts npm/README.md pkg/
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" npm/package.json >pkg/package.json
grep -q "\"version\": \"$version\"" pkg/package.json || { echo "pkg/package.json: version not set" >&2; exit 1; }
ls -l pkg >&2
