#!/usr/bin/env bash
# Prints the size figures the README records: the WASM (raw and gzip), and the bytes a phone
# downloads for the home page (gzip, as served). With --cold, first times a cold release build
# in a scratch target folder (takes several minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--cold" ]; then
  scratch=$(mktemp -d)
  start=$(date +%s)
  CARGO_TARGET_DIR="$scratch" cargo leptos build --release >/dev/null 2>&1
  echo "cold release build: $(( $(date +%s) - start )) s"
  rm -rf "$scratch"
fi

[ -f target/site/pkg/mz_bg.wasm ] || scripts/build.sh
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
raw=$(stat -c %s target/site/pkg/mz_bg.wasm)
gz=$(gzip -9 -c target/site/pkg/mz_bg.wasm | wc -c)
echo "WASM: $(kb "$raw") raw, $(kb "$gz") gzip"

port=3177
dir=$(mktemp -d)
APP_ENV=production DATABASE_URL="sqlite://$dir/mz.db" BIND_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site \
  ./target/release/server >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

total=0
printf '%-28s %10s\n' "home page resource" "gzip bytes"
for path in / /pkg/mz.css /pkg/mz.js /pkg/mz_bg.wasm; do
  n=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$path")
  printf '%-28s %10s\n' "$path" "$n"
  total=$((total + n))
done
echo "home page total: $(kb "$total") gzip (budget 300 KB); usable before the WASM: $(kb $((total - $(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/pkg/mz_bg.wasm")))) without it"
