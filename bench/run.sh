#!/usr/bin/env bash
# Runs the standard load set against a freshly started LocalSquared on
# SQLite and on PostgreSQL, each with the call journal on and off, and
# writes BENCHMARKS.md. Loopback only; every run is bounded.
#
# The journal-on and journal-off servers run side by side (an idle one
# costs nothing) and every operation runs ROUNDS times on each, the two
# taking turns, so that the machine's swings between runs land on both;
# bench/mkreport reports the medians and the median of the rounds' on/off
# ratios.
#
#   bench/run.sh                       # 3 rounds of 10 s per operation and server
#   DURATION=30s CLIENTS=32 ROUNDS=5 bench/run.sh
#   PG_DSN=postgres://postgres@127.0.0.1:5432/postgres bench/run.sh   # admin DSN; a database is created and dropped
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CLIENTS="${CLIENTS:-32}"
SEED="${SEED:-5000}"
PG_DSN="${PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
ROUNDS="${ROUNDS:-3}"
OPS="${OPS:-create get get-email search-like recent bulk-create activity-create mix}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/localsquared" ./cmd/localsquared
go build -o "$work/lsqload" ./bench/lsqload
go build -o "$work/mkreport" ./bench/mkreport
results="$work/results.jsonl"
: > "$results"

port=18500
start_server() { # backend journal: starts it; its pid, port and database go to srv_pid_$journal, srv_port_$journal, srv_db_$journal
  local backend="$1" journal="$2" data="$work/data-$1-$2" url="" env=() db=""
  port=$((port + 1))
  if [ "$backend" = postgres ]; then
    db="lsq_bench_$$_$port"
    psql "$PG_DSN" -qc "CREATE DATABASE $db" || return 1
    url="$(echo "$PG_DSN" | sed -E "s#/[^/?]+(\?|$)#/$db\1#")"
    env+=("LOCALSQUARED_DATABASE_URL=$url")
  fi
  [ "$journal" = off ] && env+=("LOCALSQUARED_BENCH_NO_JOURNAL=1")
  env "${env[@]}" "$work/localsquared" serve --addr "127.0.0.1:$port" --data-dir "$data" --log-level warn > /dev/null 2> "$work/server-$backend-$journal.log" &
  printf -v "srv_pid_$journal" %s $!
  printf -v "srv_port_$journal" %s "$port"
  printf -v "srv_db_$journal" %s "$db"
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
}

run_backend() { # backend
  local backend="$1"
  srv_pid_on="" srv_pid_off="" srv_db_on="" srv_db_off=""
  if start_server "$backend" on && start_server "$backend" off; then
  for op in $OPS; do
    local c="$CLIENTS"
    case "$op" in recent|search-like) c=4 ;; esac
    for round in $(seq 1 "$ROUNDS"); do
      local order="on off"
      [ $((round % 2)) = 0 ] && order="off on"
      for journal in $order; do
        local p="srv_port_$journal"
        "$work/lsqload" -url "http://127.0.0.1:${!p}" -data-dir "$work/data-$backend-$journal" -op "$op" -c "$c" -d "$DURATION" -seed "$SEED" \
          -label "$backend/$journal" >> "$results" || echo "lsqload $op failed" >&2
      done
    done
  done
  fi
  for journal in on off; do
    local pid="srv_pid_$journal" db="srv_db_$journal"
    if [ -n "${!pid}" ]; then kill -INT "${!pid}"; wait "${!pid}" || true; fi
    if [ -n "${!db}" ]; then psql "$PG_DSN" -qc "DROP DATABASE IF EXISTS ${!db} WITH (FORCE)"; fi
  done
}

for backend in sqlite postgres; do
  run_backend "$backend"
done

{
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "- $(go version)"
  echo "- PostgreSQL: $(psql "$PG_DSN" -tAc 'SHOW server_version' 2>/dev/null || echo n/a)"
  echo "- SQLite: modernc.org/sqlite $(go list -m -f '{{.Version}}' modernc.org/sqlite)"
  echo "- Each operation ran ${ROUNDS} rounds of ${DURATION} on each server with ${CLIENTS} clients (4 for search-like and recent), after seeding ${SEED} leads a run;"
  echo "  the load generator (bench/lsqload, with its own HTTP/1.1 client) shares the cores with the server, so compare figures within one run."
  echo "- The journal-on and journal-off servers ran side by side and took turns; figures are the medians of the rounds, on/off the median of the rounds' ratios."
  echo "- Every row was verified by the load tool (-check); \"n/a\" means the operation is not served."
} > "$work/header.md"
# The hand-written "At scale" section (bench/act10m.sh and the large runs) is kept.
[ -f BENCHMARKS.md ] && sed -n '/^## At scale/,$p' BENCHMARKS.md > "$work/kept.md" || : > "$work/kept.md"
"$work/mkreport" -header "$work/header.md" < "$results" > BENCHMARKS.md
if [ -s "$work/kept.md" ]; then { echo; cat "$work/kept.md"; } >> BENCHMARKS.md; fi
echo "wrote BENCHMARKS.md"
