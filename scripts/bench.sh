#!/usr/bin/env bash
# Measures marriage booking throughput and burst latency (issue 3, "Figures"): bookings/s through
# the full HTTP stack on SQLite, the bare guarded UPDATE on the same database and their ratio, and
# p50/p99 latency under 1,000 concurrent attempts. Prints the table and writes bench/booking.md.
# Not part of scripts/test.sh. Takes a few seconds once built (the first build takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo bench -p server --bench booking "$@"
