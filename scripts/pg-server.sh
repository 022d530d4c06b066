#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, CI and the consistency benchmark.
#   scripts/pg-server.sh start DIR   → initdb in DIR/data, start on a free 127.0.0.1 port,
#                                      print the server's URL (postgres://postgres:…@127.0.0.1:PORT/postgres)
#   scripts/pg-server.sh stop DIR    → stop it and remove DIR
# PostgreSQL refuses to run as root, so as root the server runs as `nobody` (DIR is chowned).
# Password auth on TCP (scram-sha-256), so a wrong password is refused as it would be in production.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data folder}
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do PATH="$d:$PATH"; break; done
run=()
if [ "$(id -u)" = 0 ]; then run=(runuser -u nobody --); fi
case "$cmd" in
  start)
    if ! command -v initdb >/dev/null 2>&1 || ! command -v pg_ctl >/dev/null 2>&1; then
      echo "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): apt-get install postgresql" >&2
      exit 3
    fi
    mkdir -p "$dir"
    printf 'h2doctor\n' > "$dir/pw"
    if [ ${#run[@]} -gt 0 ]; then chown -R nobody "$dir"; fi
    "${run[@]}" initdb -D "$dir/data" -U postgres --pwfile="$dir/pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    "${run[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "-p $port -h 127.0.0.1 -k $dir -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres:h2doctor@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -d "$dir/data" ]; then "${run[@]}" pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
