#!/usr/bin/env bash
# The call journal's cost on PostgreSQL, in pairs: every server gets a
# database and a data directory of its own, fresh, and the servers take
# turns (MODES, each ROUNDS times), so the machine's swings land on both.
# Each run prints lsqload's JSON line with the CPU each side used a call,
# read from /proc around it: pg_cpu_us (every PostgreSQL process, the
# backends that ended included), server_cpu_us, rest_cpu_us (lsqload, the
# kernel's own work, anything else) and idle_pct of the machine. lsqload
# seeds its 2,000 leads inside that window, the same for every server.
# Loopback only; every run is bounded.
#
#   bench/pgpair.sh                                       # GetById at 32 clients: off, on, on, off; 3 rounds
#   RUNS="get:32 create:32" ROUNDS=2 bench/pgpair.sh
#   PIN=1 bench/pgpair.sh    # PostgreSQL held to CPU 0 (as root), the server and lsqload to CPU 1
set -euo pipefail
cd "$(dirname "$0")/.."
PG_DSN="${PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
MODES="${MODES:-off on on off}"
RUNS="${RUNS:-get:32}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
PIN="${PIN:-}"
work="$(mktemp -d)"
pin=()
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ -n "$PIN" ] && for p in $(pgrep -x postgres); do taskset -a -p -c "0-$(($(nproc) - 1))" "$p" > /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$PIN" ]; then
  for p in $(pgrep -x postgres); do taskset -a -p -c 0 "$p" > /dev/null; done
  pin=(taskset -c 1)
fi

go build -o "$work/localsquared" ./cmd/localsquared
go build -o "$work/lsqload" ./bench/lsqload
hz="$(getconf CLK_TCK)"

ticks() { # pid...: CPU ticks of those processes and of their children that ended
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" 2> /dev/null | awk '{print $12 + $13 + $14 + $15}' || echo 0)))
  done
  echo "$t"
}
snapshot() { # server pid: pg server idle total
  local idle_total
  idle_total="$(awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)"
  echo "$(ticks $(pgrep -x postgres)) $(ticks "$1") $idle_total"
}

port=18600
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    port=$((port + 1))
    db="lsq_pair_$$_$port"
    psql "$PG_DSN" -qc "CREATE DATABASE $db"
    url="$(echo "$PG_DSN" | sed -E "s#/[^/?]+(\?|$)#/$db\1#")"
    env=()
    [ "$mode" = off ] && env+=("LOCALSQUARED_BENCH_NO_JOURNAL=1")
    env "${env[@]}" "${pin[@]}" "$work/localsquared" serve --addr "127.0.0.1:$port" --data-dir "$work/data-$port" \
      --database-url "$url" --log-level warn > /dev/null 2> "$work/server-$port.log" &
    pid=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
    for run in $RUNS; do
      read -r pg0 srv0 idle0 total0 <<< "$(snapshot "$pid")"
      line="$("${pin[@]}" "$work/lsqload" -url "http://127.0.0.1:$port" -data-dir "$work/data-$port" -seed 2000 \
        -d "$DURATION" -label "postgres/$mode/round$round" -op "${run%%:*}" -c "${run##*:}")"
      read -r pg1 srv1 idle1 total1 <<< "$(snapshot "$pid")"
      calls="$(echo "$line" | sed -E 's/.*"requests":([0-9]+).*/\1/')"
      [ "$calls" -gt 0 ] || calls=1
      echo "$line" | sed -E "s/\}$/$(awk -v pg=$((pg1 - pg0)) -v srv=$((srv1 - srv0)) -v idle=$((idle1 - idle0)) \
        -v total=$((total1 - total0)) -v n="$calls" -v hz="$hz" 'BEGIN {
          u = 1e6 / hz / n; busy = total - idle
          printf ",\"pg_cpu_us\":%.0f,\"server_cpu_us\":%.0f,\"rest_cpu_us\":%.0f,\"idle_pct\":%.0f}", pg * u, srv * u, (busy - pg - srv) * u, 100 * idle / total
        }')/"
    done
    kill -INT "$pid"; wait "$pid" || true
    psql "$PG_DSN" -qc "DROP DATABASE $db"
  done
done
