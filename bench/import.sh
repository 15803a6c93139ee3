#!/usr/bin/env bash
# The CSV import at scale: generates ROWS leads (bench/leadcsv), starts a
# fresh SQLite server (journal on) and runs `localsquared import` against
# it with PARALLEL calls of 50 rows in flight. Prints the wall time, the
# CLI's and the server's peak RSS and the database's size; figures go into
# BENCHMARKS.md by hand. Loopback only; the import is bounded by ROWS.
#
#   bench/import.sh                      # 1,000,000 rows, the CLI's default --parallel
#   ROWS=100000 PARALLEL=16 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
PARALLEL="${PARALLEL:-}"
work="$(mktemp -d)"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/localsquared" ./cmd/localsquared
go run ./bench/leadcsv -rows "$ROWS" > "$work/leads.csv"
port=18790
"$work/localsquared" serve --addr "127.0.0.1:$port" --data-dir "$work/data" --log-level warn > /dev/null 2> "$work/server.log" &
pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
flags=()
[ -z "$PARALLEL" ] || flags+=(--parallel "$PARALLEL")
/usr/bin/time -f "import: %e s, CLI peak RSS %M KiB, CLI CPU %U s user + %S s system" "$work/localsquared" import "$work/leads.csv" \
  --data-dir "$work/data" --url "http://127.0.0.1:$port" --report "$work/rejected.csv" --quiet "${flags[@]}"
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status"), CPU $(awk '{printf "%.1f s user + %.1f s system", $14/100, $15/100}' "/proc/$pid/stat")"
kill -INT "$pid"; wait "$pid" || true
echo "data: $(du -sh "$work/data" | cut -f1)"
