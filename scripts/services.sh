#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis servers on 127.0.0.1 for the test suite.
# usage: services.sh start DIR   → prints TEST_POSTGRES_URL=… and TEST_REDIS_URL=… lines
#        services.sh stop DIR
# A per-run DIR and free ports, so two test runs at once never stop each other's servers.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
action=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$action" in
start)
  mkdir -p "$dir"; chmod 755 "$dir"
  if [ -x "$PGBIN/initdb" ]; then
    pgport=$(free_port)
    mkdir -p "$dir/pg"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
      chown postgres:postgres "$dir/pg"; as_pg=(runuser -u postgres --)
    else
      as_pg=()
    fi
    chmod 700 "$dir/pg"
    "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/pg" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 30 \
      -o "-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    "$PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres test
    echo "$pgport" >"$dir/pg.port"
    echo "TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$pgport/test"
  fi
  if command -v redis-server >/dev/null; then
    rport=$(free_port)
    redis-server --daemonize yes --bind 127.0.0.1 --port "$rport" --save '' --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$rport" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    echo "TEST_REDIS_URL=redis://127.0.0.1:$rport/0"
  fi
  ;;
stop)
  [ -d "$dir" ] || exit 0
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  if [ -f "$dir/pg/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    else "$PGBIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
  fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2;;
esac
