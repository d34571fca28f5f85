#!/usr/bin/env bash
# Prints benchmark figures; never fails on a budget (the first paint's
# budget is asserted by tests/e2e/tests/suite/first_paint.rs, goal 32 KB gzip
# with the configuration answer, issue 11). Builds pkg/ first.
set -euo pipefail
cd "$(dirname "$0")/.."
# The exactness reference (npm, installed into ~/.cache, never committed).
LIBPHONENUMBER_JS_VERSION=1.13.16
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null 2>&1 || bash scripts/setup.sh
bash scripts/build-wasm.sh 2>/dev/null

size_row() { # name file
  local raw gz
  raw=$(wc -c <"$2"); gz=$(gzip -9 -c "$2" | wc -c)
  printf '  %-28s %9d B raw %9d B gzip\n' "$1" "$raw" "$gz"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
}

echo "First-paint payload (loader + glue + core wasm + CSS; the CSS is compiled into the wasm;"
echo "gzip -9 here, the server's gzip with the configuration answer: owidget-bench onload below):"
total_raw=0; total_gz=0
size_row "pkg/owidget-loader.js (loader)" pkg/owidget-loader.js
size_row "pkg/owidget.js (glue)" pkg/owidget.js
size_row "pkg/owidget_bg.wasm (core)" pkg/owidget_bg.wasm
for f in www/*.css pkg/snippets/*/*.js pkg/snippets/*/*/*.js; do [ -e "$f" ] && size_row "$f" "$f"; done
printf '  %-28s %9d B raw %9d B gzip  (goal 32768 B gzip with the config answer: %s)\n' "TOTAL" \
  "$total_raw" "$total_gz" "$([ "$total_gz" -le 32768 ] && echo within || echo OVER)"

echo
echo "Chat window module (fetched when the page is idle after the first status, on the first open, or at once to restore a chat):"
total_raw=0; total_gz=0
size_row "pkg/owidget_chat.js (glue)" pkg/owidget_chat.js
size_row "pkg/owidget_chat_bg.wasm" pkg/owidget_chat_bg.wasm
printf '  %-28s %9d B raw %9d B gzip\n' "TOTAL" "$total_raw" "$total_gz"
echo
echo "Chat and status on loopback (server in this process, release build, SQLite in a temp dir):"
cargo build -q --release -p owidget-bench -p owidget-server
bench_bin="${CARGO_TARGET_DIR:-target}/release/owidget-bench"
"$bench_bin" latency "${OWIDGET_BENCH_CHATS:-1000}"

echo
echo "App Plugins on loopback (demo connector over HTTP, server in this process, release build):"
"$bench_bin" plugins "${OWIDGET_BENCH_PLUGIN_CALLS:-500}"

echo
echo "Webhooks (issue 9): event → delivery latency and throughput on loopback, chat acks next to a dead receiver:"
"$bench_bin" webhooks "${OWIDGET_BENCH_WEBHOOK_EVENTS:-10000}"

echo
echo "Hardening (issue 10): chat acks during a login flood; status fan-out next to slow readers:"
"$bench_bin" loginflood 100
"$bench_bin" slowreaders 500 1000

echo
echo "Scale-out (issue 13): one instance on SQLite beside two instances (A: visitors and widgets, B: operators)"
echo "on PostgreSQL + Redis and on PostgreSQL alone, all in this process (release build):"
svc=$(mktemp -d)
eval "$(bash scripts/services.sh start "$svc")"
OWIDGET_BENCH_PG_URL=$OWIDGET_TEST_PG_URL OWIDGET_BENCH_REDIS_URL=$OWIDGET_TEST_REDIS_URL RUST_LOG=owidget_server=error \
  "$bench_bin" cluster "${OWIDGET_BENCH_CLUSTER_CHATS:-200}" "${OWIDGET_BENCH_CLUSTER_SOCKETS:-2000}" || true
bash scripts/services.sh stop "$svc"; rm -rf "$svc"

# Status fan-out against a separate server process (demo mode), so that each
# process holds one descriptor per socket: 19,000 sockets fit under a
# 20,000 open-files limit (`ulimit -n`), 20,000 would not.
sockets=${OWIDGET_BENCH_SOCKETS:-19000}
limit=$(ulimit -n)
if [ "$limit" != unlimited ] && [ "$limit" -lt $((sockets + 500)) ]; then
  sockets=$((limit - 500)); echo "(open-files limit $limit: using $sockets sockets)"
fi
tmp=$(mktemp -d)
"${CARGO_TARGET_DIR:-target}/release/owidget-server" --listen 127.0.0.1:0 --data-dir "$tmp" >"$tmp/out" 2>/dev/null &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; rm -rf "$tmp"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^owidget-server listening on \(http:[^ ]*\).*/\1/p' "$tmp/out" | head -n1)
  [ -n "$url" ] && break; sleep 0.1
done
[ -n "$url" ] || { echo "server did not start"; exit 1; }
"$bench_bin" fanout "$sockets" "$url" "$server_pid"
kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null || true
echo
echo "Status fan-out floor: the same load generator and sockets against a minimal server process"
echo "(plain threads, one per core, writing one prepared frame per socket; no runtime, no channels):"
"$bench_bin" fanout-floor "$sockets"

echo
"$bench_bin" onload "${OWIDGET_BENCH_ONLOAD_RUNS:-3}"

echo
echo "Phone numbers: ours (owidget-phone, what GET /api/widget/phone answers) beside Google's"
echo "libphonenumber-js $LIBPHONENUMBER_JS_VERSION (max bundle, from npm into ~/.cache), in one run: exactness on the"
echo "corpus, bytes, first normalization and per number in headless Chromium (cold = new profile):"
lpn_dir="$HOME/.cache/owidget-tools/libphonenumber-js-$LIBPHONENUMBER_JS_VERSION"
[ -d "$lpn_dir/node_modules/libphonenumber-js" ] ||
  npm install --prefix "$lpn_dir" --no-save --no-audit --no-fund --loglevel=error \
    "libphonenumber-js@$LIBPHONENUMBER_JS_VERSION" >&2
lpn="$lpn_dir/node_modules/libphonenumber-js"
# The fixed-line and toll-free example numbers: Google's metadata XML as the phonenumber crate ships it.
phonenumber_dir=$(cargo metadata --format-version 1 | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const p = JSON.parse(s).packages.find((p) => p.name === "phonenumber");
    console.log(require("path").dirname(p.manifest_path));
  });')
"$bench_bin" phone "${OWIDGET_BENCH_PHONE_RUNS:-3}" "$lpn" "$phonenumber_dir/assets/PhoneNumberMetadata.xml"
echo "Natively, 12 countries alternating:"
cargo run -q --release -p owidget-phone --example timing
