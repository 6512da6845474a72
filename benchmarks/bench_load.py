"""Load benchmark: one million observations through the ARS import path (etl.pipeline).

Measures, on SQLite and PostgreSQL: the full load (parse + validate + upsert + aggregates),
the re-load of the same file (same checksum: skipped), and the same content under a new
checksum (re-parsed and diffed, nothing written). Goals: ≥ 200 000 rows/s on SQLite,
≥ 150 000 rows/s on PostgreSQL, skip ≤ 1 % and re-parse ≤ 50 % of the full load.
The goal names « a set-based upsert and diff », so the load stage alone is printed too:
etl.load.upsert_observations of the already validated frame into an empty database
(commit included), then the same frame again (diff, nothing written).

    python benchmarks/bench_load.py [--rows 1000000] [--postgres URL | --start-postgres]

PostgreSQL must run with default durability: the test server has fsync=off, so
`--start-postgres` starts a throwaway server (initdb/pg_ctl) without those flags.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url, text

from core import db, geography
from core.catalog import Catalog, parse_catalog
from core.models import Origin
from core.periods import add_periods
from etl.load import upsert_observations
from etl.pipeline import LoadRequest, load_tidy
from etl.runlog import start_run
from etl.sync import area_ids, sync_reference
from etl.template import TEMPLATE_COLUMNS, TIDY_TO_FRENCH, read_deposit
from etl.validate import validate_tidy
from etl.write import Provenance

PGBIN = Path("/usr/lib/postgresql/15/bin")
MONTHS = 120


def bench_catalog(indicators: int) -> Catalog:
    """Monthly additive flows at département level: the shape of most territorial series."""
    return parse_catalog(
        {
            "version": 1,
            "axes": [{"id": "bench", "label": "Banc d'essai", "order": 1}],
            "indicators": [
                {
                    "id": f"bench_{k:03d}",
                    "label": f"Série {k}",
                    "short_label": f"Série {k}",
                    "description": "Série synthétique du banc d'essai.",
                    "axis": "bench",
                    "unit": "count",
                    "nature": "flow",
                    "frequency": "monthly",
                    "levels_published": ["department"],
                    "levels_shown": ["national", "region", "department"],
                    "aggregation": {"rule": "sum"},
                    "direction": "higher_is_better",
                    "visibility": "public",
                    "sources": [{"name": "banc", "publisher": "banc"}],
                    "methodology": "Synthétique.",
                }
                for k in range(indicators)
            ],
        }
    )


def write_file(path: Path, *, rows: int) -> Catalog:
    deps = [a.code for a in geography.by_level("department")]
    per_indicator = len(deps) * MONTHS
    n_ind = -(-rows // per_indicator)
    catalog = bench_catalog(n_ind)
    periods = [add_periods(dt.date(2015, 1, 1), m, "monthly") for m in range(MONTHS)]
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(";".join(TEMPLATE_COLUMNS) + "\n")
        for ind in catalog.indicators:
            for p in periods:
                month = p.strftime("%Y-%m")
                for i, code in enumerate(deps):
                    if written >= rows:
                        return catalog
                    value = f"{(i * 37 + p.month * 11) % 5000} {i % 1000:03d},5"
                    fh.write(f"{ind.id};departement;{code};{month};;{value};;;non;\n")
                    written += 1
    return catalog


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server with default durability (fsync on) in a temporary directory."""
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    os.chmod(root, 0o755)
    data = root / "pg"
    data.mkdir(mode=0o700)
    as_pg: list[str] = []
    if os.getuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_pg, str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run([*as_pg, str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(data / "log"),
                    "-w", "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def fresh_pg_database(url: str, *, suffix: str = "") -> str:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"bench_{os.getpid()}{suffix}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def run(url: str, *, stage_url: str, path: Path, catalog: Catalog, rows: int, label: str) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()

    def once(*, force: bool) -> tuple[float, str]:
        start = time.perf_counter()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        result = load_tidy(engine, LoadRequest(
            catalog=catalog, source="banc", kind="import", origin=Origin.deposit,
            tidy=lambda: read_deposit(path), columns=TIDY_TO_FRENCH, file=path.name,
            provenance=Provenance(checksum=digest, source_url=path.as_uri()), force=force,
        ))  # fmt: skip
        seconds = time.perf_counter() - start
        r, a = result.report, result.aggregates
        summary = (
            f"{r.rows_inserted} insérées, {r.rows_updated} modifiées, {r.rows_unchanged} "
            f"inchangées ; agrégats {a.rows_inserted} insérés"
            + (" (ignoré : même empreinte)" if result.skipped else "")
        )
        return seconds, summary

    full, s_full = once(force=False)
    skip, s_skip = once(force=False)
    same, s_same = once(force=True)
    del checksum
    engine.dispose()
    insert, diff = load_stage(stage_url, path=path, catalog=catalog)
    print(f"\n== {label} ({db.safe_url(url)})")
    print("-- étape de chargement seule (upsert et diff ensemblistes d'un cadre déjà validé)")
    print(f"insertion dans une base vide : {insert:7.2f} s  {rows / insert:>10,.0f} lignes/s")
    print(f"même cadre, diff sans écriture : {diff:5.2f} s  {100 * diff / insert:6.1f} % de "
          "l'insertion")  # fmt: skip
    print("-- chaîne complète depuis le fichier (lecture, validation, upsert, agrégats)")
    print(f"chargement complet      : {full:7.2f} s  {rows / full:>10,.0f} lignes/s  [{s_full}]")
    print(f"même fichier (ignoré)   : {skip:7.3f} s  {100 * skip / full:6.2f} % du complet  "
          f"[{s_skip}]")  # fmt: skip
    print(f"même contenu relu, diff : {same:7.2f} s  {100 * same / full:6.1f} % du complet  "
          f"[{s_same}]")  # fmt: skip


def load_stage(url: str, *, path: Path, catalog: Catalog) -> tuple[float, float]:
    """Seconds of upsert_observations alone: into an empty database, then the same frame."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
    with engine.connect() as conn:
        ids = area_ids(conn)
    frame = validate_tidy(read_deposit(path), catalog=catalog, area_ids=ids,
                          origin=Origin.deposit, columns=TIDY_TO_FRENCH, file=path.name,
                          source_url=path.as_uri())  # fmt: skip
    run_id = start_run(engine, source="banc-etape", kind="import")
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        with engine.begin() as conn:
            upsert_observations(conn, frame, run_id=run_id)
        seconds.append(time.perf_counter() - start)
    engine.dispose()
    return seconds[0], seconds[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Banc d'essai du chargement (1 million de lignes)."
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL", ""),
        help="URL d'un serveur PostgreSQL (défaut TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--start-postgres",
        action="store_true",
        help="démarre un serveur PostgreSQL jetable à durabilité normale",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        path = Path(tmp) / "depot-banc.csv"
        start = time.perf_counter()
        catalog = write_file(path, rows=args.rows)
        size = path.stat().st_size / 1e6
        print(f"Fichier de {args.rows:,} lignes ({size:.0f} Mo) écrit en "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        if not args.skip_sqlite:
            run(f"sqlite:///{tmp}/bench.sqlite", stage_url=f"sqlite:///{tmp}/stage.sqlite",
                path=path, catalog=catalog, rows=args.rows, label="SQLite")  # fmt: skip
        if args.start_postgres and PGBIN.exists():
            with throwaway_postgres() as url:
                run(fresh_pg_database(url), stage_url=fresh_pg_database(url, suffix="_etape"),
                    path=path, catalog=catalog, rows=args.rows,
                    label="PostgreSQL (fsync actif)")  # fmt: skip
        elif args.postgres:
            run(fresh_pg_database(args.postgres),
                stage_url=fresh_pg_database(args.postgres, suffix="_etape"),
                path=path, catalog=catalog, rows=args.rows, label="PostgreSQL")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
