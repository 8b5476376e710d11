#!/usr/bin/env bash
# Release build of the server and the WASM (cargo-leptos), with wasm-opt from end2end/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release
