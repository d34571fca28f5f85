#!/usr/bin/env bash
# Builds everything and runs owidget-server with its built-in demo on
# 127.0.0.1:8080 (override with OWIDGET_LISTEN). Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
bash scripts/build-wasm.sh
cargo build --release -p owidget-server
target_dir=${CARGO_TARGET_DIR:-target}
exec "$target_dir/release/owidget-server" --listen "${OWIDGET_LISTEN:-127.0.0.1:8080}" --data-dir "${OWIDGET_DATA_DIR:-data}" "$@"
