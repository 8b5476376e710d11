#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit and integration (cargo), then the
# end-to-end journeys (Playwright on Debian's Chromium against the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
stage() { echo; echo "== $1 ($(date +%T))"; }
t0=$(date +%s)

stage "unit and integration tests"
cargo test --workspace --no-fail-fast

stage "release build for the end-to-end tests"
t1=$(date +%s)
scripts/build.sh
echo "release build took $(( $(date +%s) - t1 )) s"

stage "end-to-end tests"
(cd end2end && npx playwright test)

echo "all tests passed in $(( $(date +%s) - t0 )) s"
