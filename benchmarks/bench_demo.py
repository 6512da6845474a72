"""Time to generate and load the demo data on SQLite and PostgreSQL (prints, never asserts).

    python benchmarks/bench_demo.py [--sqlite PATH] [--postgres URL] [--until AAAA-MM]

Each database is created fresh and migrated; PostgreSQL defaults to TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from core import db
from core.catalog import Catalog, load_catalog
from etl.demo import generate, parse_until, read_calibrations, run_demo
from etl.sync import sync_reference


def _fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _fresh_postgres(url: str) -> str:
    """A new database next to the one named in `url`, dropped first if it exists."""
    name = f"bench_demo_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))
    admin.dispose()


def bench(label: str, url: str, *, catalog: Catalog, until: dt.date) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
        calibrations = read_calibrations(conn, catalog)
    t0 = time.perf_counter()
    rows = generate(catalog, seed=42, until=until, calibrations=calibrations)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = run_demo(engine, catalog, seed=42, until=until, progress=lambda _: None)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = run_demo(engine, catalog, seed=42, until=until, progress=lambda _: None)
    t_second = time.perf_counter() - t0
    engine.dispose()
    n = first.rows_inserted
    print(f"{label} : {db.safe_url(url)}")
    print(f"  génération seule        : {len(rows):>8} lignes en {t_gen:6.2f} s")
    print(
        f"  génération + chargement : {n:>8} insérées en {t_first:6.2f} s "
        f"({n / t_first:,.0f} lignes/s)".replace(",", " ")
    )
    print(
        f"  deuxième passage        : {second.rows_unchanged:>8} inchangées, "
        f"{second.rows_inserted} insérées, {second.rows_updated} mises à jour "
        f"en {t_second:6.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Mesure de la génération des données de démo.")
    parser.add_argument("--sqlite", default=None, help="fichier SQLite (défaut : temporaire)")
    parser.add_argument(
        "--postgres", default=os.environ.get("TEST_POSTGRES_URL"), help="URL PostgreSQL"
    )
    parser.add_argument("--until", default="2025-12", help="dernière période AAAA-MM")
    args = parser.parse_args()
    catalog = load_catalog()
    until = parse_until(args.until)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.sqlite) if args.sqlite else Path(tmp) / "bench.sqlite"
        bench("SQLite", _fresh_sqlite(path), catalog=catalog, until=until)
    if args.postgres:
        url = _fresh_postgres(args.postgres)
        try:
            bench("PostgreSQL", url, catalog=catalog, until=until)
        finally:
            _drop_postgres(args.postgres, url)
    else:
        print("PostgreSQL : ignoré (ni --postgres ni TEST_POSTGRES_URL).")


if __name__ == "__main__":
    main()
