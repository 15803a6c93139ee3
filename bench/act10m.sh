#!/usr/bin/env bash
# Activities at scale: seeds one org with LEADS leads and ACTIVITIES
# activities on SQLite (bench/lsqseed, in process), then starts the server
# with the call journal on and off and runs the activity operations of
# bench/lsqload against it. Prints one JSON line per run; figures go into
# BENCHMARKS.md by hand. Loopback only; every run is bounded.
#
#   bench/act10m.sh                          # 1M leads, 10M activities, 10 s a run
#   DATA=/tmp/lsq10m KEEP=1 bench/act10m.sh  # keep (and reuse) the seeded data
#   LEADS=10000 ACTIVITIES=100000 DURATION=3s bench/act10m.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LEADS="${LEADS:-1000000}"
ACTIVITIES="${ACTIVITIES:-10000000}"
DURATION="${DURATION:-10s}"
DATA="${DATA:-}"
KEEP="${KEEP:-}"
work="$(mktemp -d)"
[ -n "$DATA" ] || DATA="$work/data"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$work"
  [ -n "$KEEP" ] || rm -rf "$DATA"
}
trap cleanup EXIT

go build -o "$work/localsquared" ./cmd/localsquared
go build -o "$work/lsqload" ./bench/lsqload
go build -o "$work/lsqseed" ./bench/lsqseed
if [ ! -f "$DATA/lsqseed-sample.json" ]; then
  /usr/bin/time -f "seeded in %e s, peak RSS %M KiB" "$work/lsqseed" -data-dir "$DATA" -leads "$LEADS" -activities "$ACTIVITIES" >&2
fi
echo "data: $(du -sh "$DATA" | cut -f1)" >&2

port=18700
for journal in on off; do
  port=$((port + 1))
  env=()
  [ "$journal" = off ] && env+=("LOCALSQUARED_BENCH_NO_JOURNAL=1")
  cat "$DATA/localsquared.db" > /dev/null # into the page cache, where a running server's data would be
  env "${env[@]}" "$work/localsquared" serve --addr "127.0.0.1:$port" --data-dir "$DATA" --log-level warn > /dev/null 2> "$work/server-$journal.log" &
  pid=$!
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
  load() { "$work/lsqload" -url "http://127.0.0.1:$port" -data-dir "$DATA" -sample "$DATA/lsqseed-sample.json" -d "$DURATION" -label "sqlite/$journal" "$@"; }
  for op in activity-get activity-details; do
    load -op "$op" -c 4
    load -op "$op" -c 32
  done
  load -op activity-create -c 32
  load -op activity-bulk -c 32
  kill -INT "$pid"; wait "$pid" || true
done
