#!/usr/bin/env bash
# Installs what the project needs on a fresh machine of this kind, skipping what is present.
# Usage: scripts/setup.sh [--browser] [--bench]
#   --browser also installs Chromium and CJK fonts for the end-to-end tests
#   --bench   also installs wrk for scripts/bench-assets.sh
# Versions are pinned for a reason: see ../shared/TOOLCHAIN.md.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
want_browser=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --bench) want_bench=1 ;;
  esac
done

# brotli and zopfli (gzip): scripts/build.sh compresses the site's files once, at build time.
need_apt=()
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
command -v zopfli >/dev/null 2>&1 || need_apt+=(zopfli)
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
fi
if [ "$want_bench" = 1 ]; then
  command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "0.2.130"; then
  log "cargo install wasm-bindgen-cli 0.2.130 (about 2 min)"
  # No --locked: its lock file names a webpki-roots release the registry does not serve.
  cargo install wasm-bindgen-cli --version 0.2.130
fi

if ! cargo leptos --version 2>/dev/null | grep -q "0.3.10"; then
  log "cargo install cargo-leptos 0.3.10 (about 12 min cold)"
  cargo install --locked cargo-leptos --version 0.3.10
fi

# Project-local npm tools: wasm-opt (binaryen 132), Playwright's runner, axe-core. No browser download.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@axe-core/playwright ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  log "npm ci in end2end/ (binaryen, @playwright/test, @axe-core/playwright)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
log "toolchain ready"
