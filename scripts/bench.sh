#!/usr/bin/env bash
# Runs every benchmark and prints its figures (`make bench`). Benchmarks measure; tests assert.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
svc=$(mktemp -d /tmp/tdb-bench-services.XXXXXX)
trap 'bash scripts/services.sh stop "$svc"' EXIT INT TERM
while IFS= read -r line; do export "$line"; done < <(bash scripts/services.sh start "$svc")
for script in benchmarks/bench_*.py; do
  echo "== $script"
  $PY "$script" || echo "(échec de $script)"
done
