#!/usr/bin/env bash
# OpenHTM benchmarks (a harness, not timed tests; see BENCHMARKS.md).
#
#   scripts/bench.sh                     1,000,000 assets × 5 years (≈ 10 M work orders), both back ends
#   ASSETS=100000 YEARS=5 scripts/bench.sh   a smaller dataset
#   BACKENDS=sqlite scripts/bench.sh     one back end only (sqlite, postgres or both — the default)
#
# Builds the release binary, generates the synthetic hospital with `htm gen` into a fresh SQLite
# file and a fresh PostgreSQL database (`htm_bench` on the private cluster of
# scripts/pg-test-env.sh), then runs `htm bench pm-generate` and `htm bench pm-compliance` on
# each and prints their JSON lines (also appended to $OUT, default target/bench/results.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS=${ASSETS:-1000000}
YEARS=${YEARS:-5}
SEED=${SEED:-42}
RUNS=${RUNS:-5}
BACKENDS=${BACKENDS:-both}
DIR=${BENCH_DIR:-target/bench}
OUT=${OUT:-$DIR/results.jsonl}
mkdir -p "$DIR"

cargo build --release -p htm-cli
HTM=target/release/htm

# The last month of history is last month; pm-generate runs on this month and the next ones,
# the compliance report on the last complete month of history (two months ago, fully worked).
END=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)
REPORT=$(date -u -d "$(date -u +%Y-%m-01) -2 month" +%Y-%m)
THIS=$(date -u +%Y-%m)

run() { # backend url
  local name=$1 url=$2
  echo "== $name: htm gen --assets $ASSETS --years $YEARS --seed $SEED (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$HTM" --db "$url" gen --assets "$ASSETS" --years "$YEARS" --seed "$SEED" --end "$END" \
    2>"$DIR/gen-$name.log" | tee "$DIR/gen-$name.json" >&2
  echo "== $name: benches (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$HTM" --db "$url" bench pm-compliance --month "$REPORT" --runs "$RUNS" | tee -a "$OUT"
  "$HTM" --db "$url" bench pm-generate --month "$THIS" --runs "$RUNS" | tee -a "$OUT"
  "$HTM" --db "$url" audit verify >&2
}

if [[ $BACKENDS == sqlite || $BACKENDS == both ]]; then
  rm -f "$DIR/bench.db" "$DIR/bench.db-wal" "$DIR/bench.db-shm"
  run sqlite "sqlite://$DIR/bench.db"
fi
if [[ $BACKENDS == postgres || $BACKENDS == both ]]; then
  eval "$(scripts/pg-test-env.sh)"
  scripts/pg-test-env.sh psql -q -c "DROP DATABASE IF EXISTS htm_bench" -c "CREATE DATABASE htm_bench OWNER htm" >&2
  run postgres "postgres://htm:htm@127.0.0.1:${HTM_TEST_PG_PORT}/htm_bench"
fi
