"""Set-based, idempotent upsert of observations (the same SQL on SQLite and PostgreSQL).

Rows are staged in a temporary table, diffed against `observations` in SQL, then
inserted or updated in bulk: no row-by-row ORM. Real data replaces demo data for the
same key, never the reverse; a changed real value leaves a revision behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, select, text

from etl.models import TOTAL, Observation, Origin, Qualifier
from etl.runlog import LoadReport, utcnow

KEY = ["indicator_id", "area_id", "period_start", "breakdown"]
COLUMNS = [
    *KEY,
    "value",
    "numerator",
    "denominator",
    "is_masked",
    "is_provisional",
    "qualifier",
    "origin",
    "observed_on",
    "source_label",
    "source_url",
]
_COMPARED = [c for c in COLUMNS if c not in KEY]
_DEFAULTS: dict[str, Any] = {
    "breakdown": TOTAL,
    "value": None,
    "numerator": None,
    "denominator": None,
    "is_masked": False,
    "is_provisional": False,
    "qualifier": Qualifier.exact.value,
    "observed_on": None,
    "source_label": None,
    "source_url": None,
}
STAGE = "stage_observations"


class LoadError(Exception):
    """The rows cannot be loaded as given; the message is French."""


def normalise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Complete optional columns with their defaults and check the key is unique."""
    out = df.copy()
    for col, default in _DEFAULTS.items():
        if col not in out.columns:
            out[col] = default
    missing = [c for c in COLUMNS if c not in out.columns]
    if missing:
        raise LoadError(f"Colonnes manquantes pour le chargement : {', '.join(missing)}.")
    out = out[COLUMNS]
    dupes = out.duplicated(KEY)
    if dupes.any():
        first = out[dupes].iloc[0]
        raise LoadError(
            "Clé en double (indicateur, territoire, période, ventilation) : "
            f"{first['indicator_id']}, {first['area_id']}, {first['period_start']}, "
            f"{first['breakdown']}."
        )
    return out


def _records(df: pd.DataFrame, *, sqlite: bool) -> Iterable[tuple[Any, ...]]:
    """Plain Python tuples (None for missing) in COLUMNS order, dates as ISO text on SQLite."""
    cols: list[list[Any]] = []
    for col in COLUMNS:
        series = df[col]
        if col in ("period_start", "observed_on"):
            values = [
                None
                if v is None or v is pd.NaT or (isinstance(v, float) and v != v)
                else (v.isoformat() if sqlite else v)
                for v in (
                    pd.Timestamp(x).date() if isinstance(x, pd.Timestamp) else x
                    for x in series.tolist()
                )
            ]
        elif col in ("value", "numerator", "denominator"):
            values = [None if v is None or v != v else float(v) for v in series.tolist()]
        elif col in ("is_masked", "is_provisional"):
            values = [bool(v) for v in series.tolist()]
        elif col == "area_id":
            values = [int(v) for v in series.tolist()]
        else:
            values = [
                None if v is None or (isinstance(v, float) and v != v) else str(v)
                for v in series.tolist()
            ]
        cols.append(values)
    return zip(*cols, strict=True)


def _create_stage(conn: Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE {STAGE} ("
            "indicator_id VARCHAR(64) NOT NULL, area_id INTEGER NOT NULL, "
            "period_start DATE NOT NULL, breakdown VARCHAR(48) NOT NULL, "
            "value FLOAT, numerator FLOAT, denominator FLOAT, "
            "is_masked BOOLEAN NOT NULL, is_provisional BOOLEAN NOT NULL, "
            "qualifier VARCHAR(16) NOT NULL, origin VARCHAR(16) NOT NULL, observed_on DATE, "
            "source_label TEXT, source_url TEXT, existing_id INTEGER, status CHAR(1))"
            + (" ON COMMIT DROP" if pg else "")
        )
    )


def _fill_stage(conn: Connection, df: pd.DataFrame) -> None:
    sqlite = conn.dialect.name == "sqlite"
    rows = _records(df, sqlite=sqlite)
    cols = ", ".join(COLUMNS)
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f"COPY {STAGE} ({cols}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in COLUMNS)
    cur = dbapi.cursor()  # type: ignore[union-attr]
    cur.executemany(f"INSERT INTO {STAGE} ({cols}) VALUES ({marks})", rows)
    cur.close()


def _classify(conn: Connection) -> dict[str, int]:
    """Mark each staged row: N new, U changed, S same, K kept (demo never beats real)."""
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM {STAGE}.{c}" for c in _COMPARED)
    join = " AND ".join(f"o.{c} = {STAGE}.{c}" for c in KEY)
    conn.execute(
        text(
            f"UPDATE {STAGE} SET existing_id = o.id, status = CASE "
            f"WHEN {STAGE}.origin = 'demo' AND o.origin <> 'demo' THEN 'K' "
            f"WHEN {changed} THEN 'U' ELSE 'S' END "
            f"FROM observations o WHERE {join}"
        )
    )
    conn.execute(text(f"UPDATE {STAGE} SET status = 'N' WHERE status IS NULL"))
    counts = conn.execute(text(f"SELECT status, count(*) FROM {STAGE} GROUP BY status"))
    return {str(s): int(n) for s, n in counts}


def upsert_observations(
    conn: Connection, df: pd.DataFrame, *, run_id: int, now: dt.datetime | None = None
) -> LoadReport:
    """Insert new keys, update changed ones, leave the rest; inside the caller's transaction."""
    frame = normalise_frame(df)
    report = LoadReport(rows_read=len(frame))
    if frame.empty:
        return report
    now = now or utcnow()
    _create_stage(conn)
    _fill_stage(conn, frame)
    counts = _classify(conn)
    sets = ", ".join(f"{c} = {STAGE}.{c}" for c in _COMPARED)
    params = {"run": run_id, "now": now}
    if counts.get("U"):
        conn.execute(
            text(
                "INSERT INTO revisions (observation_id, run_id, old_value, new_value, "
                "old_origin, changed_at) "
                f"SELECT o.id, :run, o.value, s.value, o.origin, :now FROM {STAGE} s "
                "JOIN observations o ON o.id = s.existing_id "
                "WHERE s.status = 'U' AND o.origin <> 'demo' "
                "AND o.value IS DISTINCT FROM s.value"
            ),
            params,
        )
        conn.execute(
            text(
                f"UPDATE observations SET {sets}, run_id = :run FROM {STAGE} "
                f"WHERE observations.id = {STAGE}.existing_id AND {STAGE}.status = 'U'"
            ),
            params,
        )
    if counts.get("N"):
        cols = ", ".join(COLUMNS)
        conn.execute(
            text(
                f"INSERT INTO observations ({cols}, run_id) "
                f"SELECT {cols}, :run FROM {STAGE} WHERE status = 'N'"
            ),
            params,
        )
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DROP TABLE {STAGE}"))
    report.rows_inserted = counts.get("N", 0)
    report.rows_updated = counts.get("U", 0)
    report.rows_unchanged = counts.get("S", 0) + counts.get("K", 0)
    return report


def purge_origin(conn: Connection, origin: Origin, *, indicator_ids: Sequence[str] = ()) -> int:
    """Delete every observation of an origin (e.g. `demo --purge`); returns the count."""
    stmt = delete(Observation).where(Observation.origin == origin)
    if indicator_ids:
        stmt = stmt.where(Observation.indicator_id.in_(indicator_ids))
    return conn.execute(stmt).rowcount or 0


def count_by_origin(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(Observation.origin, func.count()).group_by(Observation.origin))
    return {origin.value if isinstance(origin, Origin) else str(origin): n for origin, n in rows}
