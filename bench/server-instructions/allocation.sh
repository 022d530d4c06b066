#!/bin/bash
# Bytes allocated, surviving a scavenge and promoted per request, from V8's --trace-gc-nvp
# (each GC line says how much was allocated since the previous one), over REQUESTS requests
# after 100,000 warm-up requests. Young generation fixed at 16 MB semi-spaces (steady state).
#   bench/server-instructions/allocation.sh MODE [REQUESTS=300000] [DIST]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=$1; N=${2:-300000}; DIST=${3:-$HERE/../../dist}
LOG=$(mktemp)
DIST=$DIST node --trace-gc-nvp --min-semi-space-size=16 --max-semi-space-size=16 "$HERE/child.mjs" "$MODE" > "$LOG" 2>&1 < /dev/null &
PID=$!
for _ in $(seq 1 100); do grep -q '^[0-9]*$' "$LOG" && break; sleep 0.2; done
URL=http://127.0.0.1:$(grep -m1 '^[0-9]*$' "$LOG")/orders/42
TP='traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
h2load -t 1 -c 10 -m 10 -n 100000 -H "$TP" "$URL" > /dev/null
FROM=$(wc -l < "$LOG")
h2load -t 1 -c 10 -m 10 -n "$N" -H "$TP" "$URL" > /dev/null
sleep 0.3
TO=$(wc -l < "$LOG")
kill $PID
sed -n "$((FROM + 1)),${TO}p" "$LOG" | awk -v N="$N" -v M="$MODE" '
{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "allocated") a += kv[2]; if (kv[1] == "new_space_survived") s += kv[2]; if (kv[1] == "promoted") p += kv[2]; if (kv[1] == "gc") { if (kv[2] == "s") sc++; else mc++ } } }
END { printf "%-14s allocated %6.0f B/request  survived a scavenge %5.0f  promoted %5.0f  scavenges %d  other GCs %d\n", M, a / N, s / N, p / N, sc, mc }'
rm -f "$LOG"
