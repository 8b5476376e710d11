#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit and integration (cargo), then the
# end-to-end journeys (Playwright on Debian's Chromium against the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "== unit and integration tests"
cargo test --workspace --no-fail-fast

echo "== release build for the end-to-end tests"
scripts/build.sh

echo "== end-to-end tests"
(cd end2end && CI="${CI:-}" npx playwright test)
