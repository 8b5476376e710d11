#!/usr/bin/env bash
# Sets up what is missing, builds in release mode and serves http://127.0.0.1:3000 on SQLite
# (./data/mz.db) with the demo data, in development mode (the sign-in code is shown on the page).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export APP_ENV="${APP_ENV:-development}" DEMO_DATA="${DEMO_DATA:-true}" LEPTOS_SITE_ROOT=target/site
export BIND_ADDR="${BIND_ADDR:-127.0.0.1:3000}" DATABASE_URL="${DATABASE_URL:-sqlite://data/mz.db}"
exec ./target/release/server
