#!/usr/bin/env bash
# Measures how fast the release server serves the main WASM brotli-compressed (the copy made at
# build time), beside the home page's rate in the same run, with wrk on loopback; writes
# bench/assets.md with the figures, the machine, the date and the command. Not part of the tests.
# Usage: scripts/bench-assets.sh   (env: DURATION=15s THREADS=1 CONNECTIONS=16 PORT=3178)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
DURATION=${DURATION:-15s} THREADS=${THREADS:-1} CONNECTIONS=${CONNECTIONS:-16} PORT=${PORT:-3178}

scripts/setup.sh --bench
# A build from before the site's files were compressed at build time has no .br copies.
[ -f target/release/server ] && [ -f target/site/pkg/mz.wasm.br ] || scripts/build.sh

dir=$(mktemp -d)
APP_ENV=production DATABASE_URL="sqlite://$dir/mz.db" BIND_ADDR=127.0.0.1:$PORT LEPTOS_SITE_ROOT=target/site \
  RUST_LOG=warn ./target/release/server >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
base=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

# The main WASM at the address the home page links it from (/v/<build>/pkg/mz.wasm).
wasm=$(curl -s "$base/" | grep -o '/v/[0-9a-f]*/pkg/mz\.wasm' | head -1)
[ -n "$wasm" ] || { echo "bench-assets.sh: no main WASM linked from the home page" >&2; exit 1; }
headers=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: br' "$base$wasm" | tr -d '\r')
grep -qi '^content-encoding: br' <<<"$headers" || { echo "not served brotli: $headers" >&2; exit 1; }
wasm_br=$(curl -s -H 'Accept-Encoding: br' "$base$wasm" | wc -c)
home_br=$(curl -s -H 'Accept-Encoding: br' "$base/" | wc -c)

run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Accept-Encoding: br' "$@"; }
echo "== main WASM ($wasm, brotli)"; wasm_out=$(run "$base$wasm"); echo "$wasm_out"
echo "== home page (brotli per request)"; home_out=$(run "$base/"); echo "$home_out"
# A small file on one connection shows whether answers wait for delayed ACKs (40 ms each).
css=${wasm%mz.wasm}mz.css
echo "== stylesheet ($css, brotli), one connection"
css_out=$(wrk -t1 -c1 -d5s --latency -H 'Accept-Encoding: br' "$base$css"); echo "$css_out"
rate() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$1"; }
field() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }
errors() { grep -E 'Non-2xx|Socket errors' <<<"$1" || echo none; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mkdir -p bench
cat >bench/assets.md <<MD
# Static assets: the main WASM served brotli-compressed

Measured by \`scripts/bench-assets.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit
\`$(git rev-parse --short HEAD)\`$(git diff --quiet HEAD -- server app || echo ' (with local changes)').

- machine: $(nproc) cores ($cpu), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); wrk and the server share the cores
- server: \`target/release/server\`, production mode, SQLite, \`RUST_LOG=warn\`, on 127.0.0.1
- command, each for $DURATION: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'Accept-Encoding: br' <url>\`

| what | requests/s | latency p50 / p99 | bytes per answer |
|---|---|---|---|
| **main WASM** (\`$wasm\`, the \`.br\` copy made at build time) | **$(rate "$wasm_out")** | $(field "$wasm_out" 50%) / $(field "$wasm_out" 99%) | $wasm_br |
| home page (rendered and brotli-compressed per request), same run | $(rate "$home_out") | $(field "$home_out" 50%) / $(field "$home_out" 99%) | $home_br |
| stylesheet, one connection (\`-c1\`, 5 s): a small file must not wait 40 ms for a delayed ACK | $(rate "$css_out") | $(field "$css_out" 50%) / $(field "$css_out" 99%) | $(curl -s -H 'Accept-Encoding: br' "$base$css" | wc -c) |

Errors: main WASM $(errors "$wasm_out"); home page $(errors "$home_out").

Before (issue 11), when every request compressed the file again: 69 /s for the main WASM with
brotli on 2 cores. Goal: 2,000 /s.

<details><summary>wrk output</summary>

\`\`\`
$wasm_out

$home_out

$css_out
\`\`\`
</details>
MD
echo "wrote bench/assets.md"
