#!/usr/bin/env bash
# Measures marriage booking throughput and burst latency (issues 3 and 10, "Figures"): bookings/s
# through the full HTTP stack, the bare guarded UPDATE on the same database and their ratio, and
# p50/p99 latency under 1,000 concurrent attempts for 50 places — on SQLite and, beside it, on a
# throw-away PostgreSQL cluster (scripts/pg.sh; set MZ_BENCH_SQLITE_ONLY=1 to skip it). Prints the
# table and writes bench/booking.md; then the time-bank ledger (bench/ledger.md) and elder meals
# (bench/meals.md) the same way. Not part of scripts/test.sh. A minute once built (the first
# build takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if [ -z "${MZ_BENCH_SQLITE_ONLY:-}" ] && [ -z "${MZ_BENCH_POSTGRES:-}" ]; then
  eval "$(scripts/pg.sh start)"
  trap 'scripts/pg.sh stop "$MZ_PG_DIR"' EXIT
  export MZ_BENCH_POSTGRES="$MZ_TEST_POSTGRES"
fi
cargo bench -p server --bench booking "$@"
# The time bank's ledger (issue 14): commands/s through HTTP, p99 of 100 concurrent spends.
cargo bench -p server --bench ledger
# Elder meals (issue 13): orders/s through HTTP for one canteen's lunch, p99 of a 500-order burst.
cargo bench -p server --bench meals
