#!/usr/bin/env bash
# Prints the size figures the README records: the WASM (raw and gzip), and the bytes a phone
# downloads for the home page, measured in Chromium (all requests, compressed as served).
# With --cold, first times a cold release build in a scratch target folder (minutes on 2 cores).
# With --check, only checks the main WASM module against its budget (the test command runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--cold" ]; then
  scratch=$(mktemp -d)
  start=$(date +%s)
  CARGO_TARGET_DIR="$scratch" cargo leptos build --release --split >/dev/null 2>&1
  echo "cold release build: $(( $(date +%s) - start )) s"
  rm -rf "$scratch"
fi

[ -f target/site/pkg/mz.wasm ] || scripts/build.sh
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
main=target/site/pkg/mz.wasm
# As served: the copy build.sh compressed (zopfli), else gzip -9 now.
if [ -f $main.gz ]; then main_gz=$(stat -c %s $main.gz); else main_gz=$(gzip -9 -c $main | wc -c); fi
echo "main WASM: $(kb "$(stat -c %s $main)") raw, $(kb "$main_gz") gzip"
# The main module's budget, a ratchet: lower it when the module shrinks, never raise it to let a
# change in. The home page's budget (all it loads) is 250 KB gzip (the shape issue).
MAIN_BUDGET_KB=${MAIN_BUDGET_KB:-230}
if [ "${1:-}" = "--check" ]; then
  if [ "$main_gz" -gt $((MAIN_BUDGET_KB * 1024)) ]; then
    echo "figures.sh: the main WASM module is $(kb "$main_gz") gzip, over its budget of $MAIN_BUDGET_KB KB" >&2
    exit 1
  fi
  echo "main WASM within its budget of $MAIN_BUDGET_KB KB gzip"
  exit 0
fi
all_raw=0; all_gz=0
for f in target/site/pkg/*.wasm; do
  all_raw=$((all_raw + $(stat -c %s "$f"))); all_gz=$((all_gz + $(gzip -9 -c "$f" | wc -c)))
done
echo "all WASM (main + lazily loaded chunks): $(kb $all_raw) raw, $(kb $all_gz) gzip"

port=3177
dir=$(mktemp -d)
APP_ENV=production DATABASE_URL="sqlite://$dir/mz.db" BIND_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site \
  ./target/release/server >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
html=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/")
echo "home page HTML alone (usable before any WASM): $(kb "$html") gzip"
gz_total=0
for path in / /pkg/mz.css /pkg/mz.js "/pkg/__wasm_split.______________________.js" /pkg/mz.wasm /icons/icon.svg; do
  gz_total=$((gz_total + $(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$path")))
done
echo "home page, every resource Chromium loads, gzip only: $(kb $gz_total) (budget 250 KB)"
echo "home page in Chromium as served (brotli where the browser accepts it):"
node scripts/page-weight.cjs "http://127.0.0.1:$port/"
