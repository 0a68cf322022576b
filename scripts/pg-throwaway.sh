#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the storage seam's tests (Debian's postgresql package), on a local
# port with trust auth and fsync off, and prints its URL. As root it runs the server as the postgres user.
# Usage: url=$(scripts/pg-throwaway.sh [port]) (default: the first free port from 54329); export PAYDESK_TEST_PG="$url".
# The cluster lives in $PAYDESK_PG_DIR (default: a new /tmp/paydesk-pg.* folder); stop it with
# pg_ctl -D <dir>/data stop (as the postgres user when root).
set -euo pipefail
port="${1:-}"
if [ -z "$port" ]; then
  # The first free local port from 54329: a developer's own cluster or another run may hold one.
  for p in $(seq 54329 54429); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port="$p"; break; fi
  done
fi
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
dir="${PAYDESK_PG_DIR:-$(mktemp -d /tmp/paydesk-pg.XXXXXX)}"
mkdir -p "$dir"
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
echo "postgres://postgres@127.0.0.1:$port/postgres"
