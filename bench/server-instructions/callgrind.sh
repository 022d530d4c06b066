#!/bin/bash
# Instructions per request of one warmed server under callgrind (see bench/RESULTS.md, #20 instructions).
#   bench/server-instructions/callgrind.sh MODE [REQUESTS=20000] [DIST]
# Env: WARM (warm-up requests, default 150000), OUT (directory, default /tmp/h2doctor-callgrind).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=$1; N=${2:-20000}; DIST=${3:-$HERE/../../dist}; OUT=${OUT:-/tmp/h2doctor-callgrind}
mkdir -p "$OUT"
LOG=$OUT/$MODE.stdout
TP='traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
# One thread (GC and compilers on the main thread: counted, and the same on every run); the
# young generation fixed at its steady-state size (16 MB semi-spaces, what continuous traffic
# grows it to); a perf map to name JIT code; GC lines to count collections.
DIST=$DIST valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$MODE.callgrind" \
  node --single-threaded --perf-basic-prof --trace-gc --min-semi-space-size=16 --max-semi-space-size=16 \
  "$HERE/child.mjs" "$MODE" < /dev/null > "$LOG" 2> "$OUT/$MODE.valgrind" &
PID=$!
for _ in $(seq 1 600); do grep -q '^[0-9]*$' "$LOG" 2>/dev/null && break; sleep 0.5; done
URL=http://127.0.0.1:$(grep -m1 '^[0-9]*$' "$LOG")/orders/42
h2load -t 1 -c 10 -m 10 -n "${WARM:-150000}" -H "$TP" "$URL" > /dev/null
callgrind_control --instr=on $PID > /dev/null 2>&1
h2load -t 1 -c 10 -m 10 -n 2000 -H "$TP" "$URL" > /dev/null
callgrind_control -z $PID > /dev/null 2>&1
GC0=$(grep -c 'ms: ' "$LOG")
h2load -t 1 -c 10 -m 10 -n "$N" -H "$TP" "$URL" | grep 'finished in'
callgrind_control -d $PID > /dev/null 2>&1
echo "$MODE: $(( $(grep -c 'ms: ' "$LOG") - GC0 )) GCs in the measured window; pid $PID"
sleep 1
kill $PID; wait $PID 2>/dev/null
node "$HERE/symbolize.mjs" "$OUT/$MODE.callgrind.1" "$PID" "$N" > "$OUT/$MODE.json"
echo "$OUT/$MODE.json"
