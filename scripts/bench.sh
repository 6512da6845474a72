#!/usr/bin/env bash
# Runs every benchmark and prints its figures (`make bench`). Benchmarks measure; tests assert.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
svc=$(mktemp -d /tmp/tdb-bench-services.XXXXXX)
trap 'bash scripts/services.sh stop "$svc"' EXIT INT TERM
while IFS= read -r line; do export "$line"; done < <(bash scripts/services.sh start "$svc")
# The Open DAMIR benchmark reads a 10-million-line synthetic month, generated once then kept.
[ -f data/bench/A202401.csv.gz ] || $PY scripts/generate_damir.py || echo "(échec de la génération Open DAMIR)"
for script in benchmarks/bench_*.py; do
  echo "== $script"
  $PY "$script" || echo "(échec de $script)"
done
