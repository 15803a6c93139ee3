#!/usr/bin/env bash
# Operations at scale: seeds one org with LEADS leads and ACTIVITIES
# activities (bench/lsqseed, in process), then starts the server with the
# call journal on and off and runs RUNS (op:clients ...) of bench/lsqload
# against it. Prints one JSON line per run; figures go into BENCHMARKS.md
# by hand. Loopback only; every run is bounded.
#
#   bench/act10m.sh                          # 1M leads, 10M activities, the activity set, 10 s a run
#   DATA=/tmp/lsq10m KEEP=1 bench/act10m.sh  # keep (and reuse) the seeded data
#   LEADS=10000 ACTIVITIES=100000 DURATION=3s bench/act10m.sh
#   ACTIVITIES=0 RUNS="$LEAD_RUNS" bench/act10m.sh   # the lead set at 1M leads (LEAD_RUNS below)
#   DATABASE_URL=postgres://… bench/act10m.sh        # on PostgreSQL (a database of its own)
#   PIN=1 RUNS="get:4 activity-get:4" bench/act10m.sh  # server on CPU 0, lsqload on CPU 1 (taskset)
set -euo pipefail
cd "$(dirname "$0")/.."
LEADS="${LEADS:-1000000}"
ACTIVITIES="${ACTIVITIES:-10000000}"
DURATION="${DURATION:-10s}"
DATA="${DATA:-}"
KEEP="${KEEP:-}"
PIN="${PIN:-}"
DATABASE_URL="${DATABASE_URL:-}"
ACT_RUNS="activity-get:4 activity-get:32 activity-details:4 activity-details:32 activity-create:32 activity-bulk:32"
LEAD_RUNS="get:4 get:32 get-email:4 get-email:32 get-phone:4 get-phone:32 search-like:4 search-eq:4 recent:4 create:32 bulk-create:32"
RUNS="${RUNS:-$ACT_RUNS}"
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
dbflag=()
# PIN: latency without the two processes taking turns on the same cores
# (see bench/README.md, "floor"); the server then has one core.
spin=() lpin=()
[ -n "$PIN" ] && spin=(taskset -c 0) lpin=(taskset -c 1)
backend=sqlite
if [ -n "$DATABASE_URL" ]; then
  dbflag=(-database-url "$DATABASE_URL")
  backend=postgres
fi
if [ ! -f "$DATA/lsqseed-sample.json" ]; then
  /usr/bin/time -f "seeded in %e s, peak RSS %M KiB" "$work/lsqseed" -data-dir "$DATA" "${dbflag[@]}" -leads "$LEADS" -activities "$ACTIVITIES" >&2
fi
echo "data: $(du -sh "$DATA" | cut -f1)" >&2

port=18700
for journal in on off; do
  port=$((port + 1))
  env=()
  [ "$journal" = off ] && env+=("LOCALSQUARED_BENCH_NO_JOURNAL=1")
  # into the page cache, where a running server's data would be
  [ -f "$DATA/localsquared.db" ] && cat "$DATA/localsquared.db" > /dev/null
  env "${env[@]}" "${spin[@]}" "$work/localsquared" serve --addr "127.0.0.1:$port" --data-dir "$DATA" "${dbflag[@]/#-/--}" --log-level warn > /dev/null 2> "$work/server-$journal.log" &
  pid=$!
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
  for run in $RUNS; do
    op="${run%%:*}"
    # get and the activity operations read the seeded sample; the other
    # reads seed their own 2,000 leads (among the big set) through the API.
    src=(-seed 2000)
    case "$op" in
      get|activity-*) src=(-sample "$DATA/lsqseed-sample.json") ;;
      search-eq) src+=(-eq-names seed) ;; # lsqseed's names: 1,000 leads each in a million
    esac
    "${lpin[@]}" "$work/lsqload" -url "http://127.0.0.1:$port" -data-dir "$DATA" "${src[@]}" -d "$DURATION" \
      -label "$backend/$journal${PIN:+/pinned}" -op "$op" -c "${run##*:}"
  done
  kill -INT "$pid"; wait "$pid" || true
done
