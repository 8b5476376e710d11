#!/usr/bin/env bash
# Lighthouse mobile performance (issue 9: score >= 98 on home, /signin and each service's first
# page) against the release server with the demo data: each page as a visitor who has not signed
# in, and the pages a resident uses signed in (a real-name-bound resident of the demo district,
# born in 1950, whose session the script writes into the throw-away database).
# Lighthouse's defaults: a Moto G Power-sized phone, simulated slow 4G and a 4x slower CPU.
# Writes bench/lighthouse.md (the median run of each page: score, FCP, LCP, TBT, CLS, Speed Index,
# and what Lighthouse suggests for a page under 98); the JSON reports stay in target/lighthouse/.
#
# Usage: scripts/lighthouse.sh [--no-build]
#   --no-build            measure target/release/server and target/site as they are
#   LIGHTHOUSE_RUNS=n     runs per page, the median kept (3)
#   LIGHTHOUSE_PAGES="/ /signin"  other pages as a visitor
#   LIGHTHOUSE_RESIDENT_PAGES="/meals"  other pages signed in as the resident ("" for none)
#   LIGHTHOUSE_LANG=en    the pages in English (zh-CN, as most residents see them)
#
# Lighthouse (about 190 MB of node_modules, 200 packages) is installed on first use into
# target/lighthouse/, not with end2end's devDependencies: the normal test run does not need it,
# and one of its dependencies asks for another package at "latest", which makes a lock file go
# stale whenever that package publishes. Chromium is Debian's; no browser is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# 12.8.x is the newest Lighthouse that runs on Node 20 (13 needs Node 22.19).
LH_VERSION=12.8.2
LH_DIR=target/lighthouse
lh="$LH_DIR/node_modules/.bin/lighthouse"
if [ "$("$lh" --version 2>/dev/null)" != "$LH_VERSION" ]; then
  echo "lighthouse.sh: installing lighthouse@$LH_VERSION into $LH_DIR (about a minute)"
  mkdir -p "$LH_DIR"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$LH_DIR" "lighthouse@$LH_VERSION"
fi

[ "${1:-}" = --no-build ] || scripts/build.sh
[ -x target/release/server ] && [ -f target/site/pkg/mz.wasm ] || {
  echo "lighthouse.sh: no release build; run scripts/build.sh" >&2
  exit 1
}

runs=${LIGHTHOUSE_RUNS:-3}
lang=${LIGHTHOUSE_LANG:-zh-CN}
# As a visitor, /after-death, /meals and /timebank are /signin after a redirect: they are
# measured signed in instead.
pages=${LIGHTHOUSE_PAGES-"/ /signin /marriage /divorce"}
resident_pages=${LIGHTHOUSE_RESIDENT_PAGES-"/ /marriage /divorce /after-death /meals /timebank"}
reports="$LH_DIR/reports"
rm -rf "$reports"
mkdir -p "$reports"

port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });")
dir=$(mktemp -d)
# Production settings (as deployed), the demo units and menus, a throw-away SQLite database.
APP_ENV=production DEMO_DATA=true DATABASE_URL="sqlite://$dir/mz.db" FILES_DIR="$dir/files" \
  BIND_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
  ./target/release/server >"$dir/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
  sleep 0.2
done

# A signed-in resident: a real-name-bound account and a session, written as the sign-in desk
# writes them (only the SHA-256 of the token is stored).
token=$(python3 - "$dir/mz.db" <<'PY'
import hashlib, secrets, sqlite3, sys, time
body = "33020319500101002"
weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
token, now = secrets.token_hex(32), int(time.time())
db = sqlite3.connect(sys.argv[1], timeout=10)
with db:
    db.execute("INSERT INTO residents (id, phone, real_name, id_number, created_at, bound_at) "
               "VALUES ('lighthouse', '13800138000', '王秀英', ?, ?, ?)", (body + check, now, now))
    db.execute("INSERT INTO sessions (token_hash, kind, subject_id, created_at, expires_at) "
               "VALUES (?, 'resident', 'lighthouse', ?, ?)",
               (hashlib.sha256(token.encode()).hexdigest(), now, now + 86400))
print(token)
PY
)

# The flags that work for headless Chromium here (../shared/TOOLCHAIN.md), in the new headless mode.
flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
failed=0
# A page signed in is written "~/path" (its reports' names and the report's rows tell them apart).
all_pages="$pages $(for p in $resident_pages; do printf '~%s ' "$p"; done)"
for page in $all_pages; do
  name=$(printf '%s' "$page" | tr -c 'a-z0-9-' '_')
  path=${page#\~}
  headers="{\"Accept-Language\": \"$lang\""
  [ "$path" = "$page" ] || headers="$headers, \"Cookie\": \"mz_session=$token\""
  headers="$headers}"
  for i in $(seq "$runs"); do
    echo "lighthouse.sh: $page, run $i of $runs"
    CHROME_PATH=/usr/bin/chromium "$lh" "http://127.0.0.1:$port$path" \
      --only-categories=performance --output=json --output-path="$reports/$name.$i.json" \
      --chrome-flags="$flags" --extra-headers="$headers" --quiet || { echo "lighthouse.sh: $page run $i failed" >&2; failed=1; }
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || commit="$commit plus uncommitted changes"
LIGHTHOUSE_LANG="$lang" node scripts/lighthouse-report.cjs "$reports" "$runs" "$all_pages" \
  "scripts/lighthouse.sh $*" "$commit" "$load_before" "$load_after" "$(chromium --version 2>/dev/null || echo Chromium)" \
  >bench/lighthouse.md
cat bench/lighthouse.md
echo "lighthouse.sh: written to bench/lighthouse.md; the JSON reports are in $reports/"
exit $failed
