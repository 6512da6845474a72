#!/usr/bin/env bash
# The whole test command: lint, types, architecture, then pytest on SQLite and PostgreSQL,
# with throwaway PostgreSQL and Redis servers started here and always stopped.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
svc=$(mktemp -d /tmp/tdb-services.XXXXXX)
trap 'bash scripts/services.sh stop "$svc"' EXIT INT TERM

echo "== Analyse statique (ruff, mypy, import-linter)"
$VENV/bin/ruff check . || exit 1
$VENV/bin/ruff format --check . || exit 1
$VENV/bin/mypy || exit 1
$VENV/bin/lint-imports >/dev/null || { $VENV/bin/lint-imports; exit 1; }

echo "== Serveurs jetables PostgreSQL et Redis"
while IFS= read -r line; do export "$line"; echo "  $line"; done < <(bash scripts/services.sh start "$svc")
export BROWSER_PATH=${BROWSER_PATH:-/usr/bin/chromium}

echo "== pytest"
$VENV/bin/python -m pytest -q -n 2 --dist loadgroup "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "Aucun test exécuté : échec."; rc=1; fi
exit "$rc"
