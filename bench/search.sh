#!/usr/bin/env bash
# Search at scale: 100 000 versions in a SQLite metadata store (on /dev/shm when there is one), then the
# median and p95 of typical searches over 20 runs each. Takes about a minute; numbers go in bench/SEARCH.md.
#   ARCA_BENCH_VERSIONS=N   another size (default 100000)
#   ARCA_BENCH_DB=PATH      keep the database at PATH and reuse it on the next run
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p arca-store-sql --example search_bench
exec target/debug/examples/search_bench
