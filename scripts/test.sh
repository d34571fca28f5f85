#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit and integration tests
# (protocol, server, phone, SDK logic), the end-to-end tests that drive real
# Chromium through the real server, and the SDK's wasm-bindgen tests in
# headless Chromium against a real server. Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
started=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - started ))s] $*" >&2; }

step "setup"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

# Before any native build: owidget-server embeds pkg/ (server/build.rs
# stops with a hint when it is missing, as on a fresh clone).
step "build wasm modules into pkg/"
bash scripts/build-wasm.sh

step "clippy (native, all targets)"
cargo clippy -q --workspace --all-targets -- -D warnings

tmp=$(mktemp -d)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null
  bash scripts/services.sh stop "$tmp/services" || true
  rm -rf "$tmp" || true
}
trap cleanup EXIT

# The scale-out tests use a real PostgreSQL and a real redis-server (never
# skipped: a service that cannot start fails the run here).
step "start PostgreSQL and redis-server on free ports"
services_env=$(bash scripts/services.sh start "$tmp/services")
eval "$services_env"

step "native tests (protocol, server, phone, SDK logic, end-to-end in Chromium)"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
cargo test --workspace -- --test-threads="${OWIDGET_TEST_THREADS:-2}"

step "wasm-bindgen tests in headless Chromium (SDK against a real server, chat module DOM)"
cargo build -q -p owidget-server
target_dir=${CARGO_TARGET_DIR:-target}
"$target_dir/debug/owidget-server" --listen 127.0.0.1:0 --data-dir "$tmp/data" >"$tmp/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 300); do   # up to 30 s for the listening line
  url=$(sed -n 's/^owidget-server listening on \(http:[^ ]*\).*/\1/p' "$tmp/server.log" | head -n1)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log"; echo "server died" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/server.log"; echo "server did not print its address" >&2; exit 1; }
echo "test server at $url" >&2
OWIDGET_TEST_SERVER="$url" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-60} \
  cargo test --target wasm32-unknown-unknown -p owidget -p owidget-chat

step "all tests passed in $(( $(date +%s) - started ))s"
