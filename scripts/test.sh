#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit and integration (cargo) on SQLite, the
# integration tests again on a throw-away PostgreSQL cluster (scripts/pg.sh), then the
# end-to-end journeys (Playwright on Debian's Chromium against the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
stage() { echo; echo "== $1 ($(date +%T), $(df -h --output=avail . | tail -1 | tr -d ' ') free)"; }
t0=$(date +%s)

stage "formatting and lints (cargo fmt --check, clippy -D warnings)"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

stage "build the unit and integration tests"
cargo test --workspace --no-run

stage "unit and integration tests (SQLite)"
env -u MZ_TEST_POSTGRES cargo test --workspace --no-fail-fast

stage "integration tests on PostgreSQL (a throw-away cluster, scripts/pg.sh)"
t1=$(date +%s)
eval "$(scripts/pg.sh start)"
trap 'scripts/pg.sh stop "$MZ_PG_DIR"' EXIT
# The same test binary as above: `--workspace` keeps the feature selection of the build (with
# `-p server` cargo builds the binary again). MZ_TEST_POSTGRES gives each test its own database.
cargo test --workspace --test api --no-fail-fast
scripts/pg.sh stop "$MZ_PG_DIR"
trap - EXIT
echo "integration tests on PostgreSQL took $(( $(date +%s) - t1 )) s"
# CI (.ci/run) sets MZ_FREE_DISK: the end-to-end stage needs only the release build.
if [ "${MZ_FREE_DISK:-}" = 1 ]; then echo "dropping the debug build ($(du -sh target/debug | cut -f1))"; rm -rf target/debug; fi

stage "release build for the end-to-end tests"
t1=$(date +%s)
scripts/build.sh
echo "release build took $(( $(date +%s) - t1 )) s"

stage "the main WASM module within its budget (scripts/figures.sh --check)"
scripts/figures.sh --check

stage "end-to-end tests"
(cd end2end && npx playwright test)

echo "all tests passed in $(( $(date +%s) - t0 )) s"
