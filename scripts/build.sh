#!/usr/bin/env bash
# Release build of the server and the WASM (cargo-leptos), with wasm-opt from end2end/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# --split: each lazily loaded page becomes its own WASM chunk (see app/src/ui/mod.rs `lazy_page!`).
cargo leptos build --release --split
