"""Set-based, idempotent upsert of observations (the same rules on SQLite and PostgreSQL).

The touched keys are read once and diffed against the rows in pandas (vectorised), then
only new rows are inserted (COPY on PostgreSQL, one executemany on SQLite) and only
changed rows are updated (through a temporary staging table, in SQL): when nothing
changed, nothing is written. No row-by-row ORM. For one key, the origin of higher
`PRECEDENCE` wins whichever was written last. Every insert, update and delete leaves a
row in `changes` (with the full previous row), written set-wise in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, DateTime, TextClause, bindparam, func, select, text

from core.errors import UserError
from core.models import TOTAL, ChangeKind, Observation, Origin, Qualifier
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
_FLOATS = ("value", "numerator", "denominator")
_BOOLS = ("is_masked", "is_provisional")
_DATES = ("period_start", "observed_on")
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
PRECEDENCE: dict[str, int] = {
    Origin.published.value: 3,
    Origin.deposit.value: 2,
    Origin.source.value: 1,
    Origin.demo.value: 0,
}
"""Which origin keeps a key that two origins give, whichever wrote last (higher wins).

Published figures are the numbers the ministry and its operators have announced, checked
by hand against their publication: the dashboard must never contradict them. An ARS
deposit is the region's own count for its territory, closer to the field than a national
open-data file split by area, so it beats a source. Demo rows are synthetic: they lose
to every real origin and never overwrite one. Within one origin the latest write wins.
"""
_CHANGE_COLUMNS = (
    "run_id, changed_at, kind, observation_id, indicator_id, area_id, period_start, "
    "breakdown, origin, value, previous"
)
_PREVIOUS_COLUMNS = ["id", *COLUMNS, "run_id"]
SQLITE_CACHE_KIB = 262_144  # page cache of the load connection: big indexes stay in memory


class LoadError(UserError):
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


def _is_null(v: Any) -> bool:
    return v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v)


def _per_unique(series: pd.Series, convert: Any) -> np.ndarray:
    """`convert` applied once per distinct value (None for missing), as an object array."""
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        table[i] = None if _is_null(u) else convert(u)
    table[-1] = None
    return table[codes]


def _iso(v: Any) -> str:
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat()
    return v.isoformat() if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)).isoformat()


def _floats(series: pd.Series) -> np.ndarray:
    """Python floats, None for missing, as an object array."""
    arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = arr.astype(object)
    out[np.isnan(arr)] = None
    return out


def _columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each column in database form (None for NULL, dates as ISO text), vectorised."""
    cols: dict[str, np.ndarray] = {}
    for col in COLUMNS:
        series = df[col]
        if col in _DATES:
            cols[col] = _per_unique(series, _iso)
        elif col in _FLOATS:
            cols[col] = _floats(series)
        elif col in _BOOLS:
            cols[col] = series.fillna(False).astype(bool).to_numpy(dtype=bool)
        elif col == "area_id":
            cols[col] = series.astype("int64").to_numpy()
        else:
            cols[col] = _per_unique(series, str)
    return cols


def _existing(conn: Connection, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stored rows that may share a key with the batch (read once, same transaction)."""
    where = _where(cols)
    if conn.dialect.name != "postgresql":
        return _existing_sqlite(conn, cols, where)
    names = ["id", *COLUMNS]
    raw = _copy_out(conn, f"SELECT id, {', '.join(COLUMNS)} FROM observations o {where}", names)
    return {} if raw is None else _stored_form(raw)


def _where(cols: dict[str, np.ndarray]) -> str:
    """The stored rows that may share a key with the batch: its indicators, areas, periods."""
    indicators = sorted({str(i) for i in cols["indicator_id"]})
    areas = sorted({int(a) for a in np.unique(cols["area_id"])})
    periods = cols["period_start"]
    return (
        f"WHERE o.indicator_id IN ({', '.join(_quote(i) for i in indicators)}) AND o.area_id IN "
        f"({', '.join(str(a) for a in areas)}) AND o.period_start BETWEEN "
        f"{_quote(min(periods))} AND {_quote(max(periods))}"
    )


def _stored_form(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stored columns (id, COLUMNS) in the form of `_columns`, so they compare."""
    out: dict[str, np.ndarray] = {}
    for name in raw:
        series = pd.Series(raw[name], dtype=object)
        if name in _DATES:
            out[name] = _per_unique(series, _iso)
        elif name in _FLOATS:
            out[name] = _floats(series)
        elif name in _BOOLS:
            out[name] = series.isin([True, 1, "t"]).to_numpy(dtype=bool)
        elif name in ("id", "area_id"):
            out[name] = series.astype("int64").to_numpy()
        else:
            out[name] = _per_unique(series, str)
    return out


_JULIAN_OFFSET = 1_721_424  # CAST(julianday(d) AS INTEGER) - date.toordinal()
_AREA_BITS, _DAY_BITS = 18, 22  # packed key: indicator rowid | area id | Julian day


def _existing_sqlite(
    conn: Connection, cols: dict[str, np.ndarray], where: str
) -> dict[str, np.ndarray]:
    """SQLite: a narrow read of the stored rows, few Python objects per row.

    Building a Python string per stored text cell is what costs on a million rows, so
    the key comes back as integers (the indicator's rowid, the period's Julian day,
    NULL for the usual « total » breakdown) and every compared column that holds one
    value in the batch is compared in SQL, all of them folded into one flag
    (`_same_rest`). Only the other compared columns are read.
    """
    dbapi = conn.connection.driver_connection
    fixed = {c: lit for c in _COMPARED if (lit := _literal(cols[c])) is not None}
    read = [c for c in _COMPARED if c not in fixed]
    same = " AND ".join(f"o.{c} IS {lit}" for c, lit in fixed.items()) or "1"
    if len(cols["area_id"]) and int(cols["area_id"].max()) >= 1 << _AREA_BITS:
        raise LoadError("Identifiant de territoire trop grand pour le chargement SQLite.")
    sql = (
        f"SELECT o.id, (i.rowid << {_AREA_BITS + _DAY_BITS}) | (o.area_id << {_DAY_BITS}) "
        "| CAST(julianday(o.period_start) AS INTEGER), "
        f"NULLIF(o.breakdown, {_quote(TOTAL)}), "
        f"{_rank_sql('o.origin')} * 2 + ({same})"
        + "".join(f", o.{c}" for c in read)
        + f" FROM observations o JOIN indicators i ON i.id = o.indicator_id {where}"
    )
    cursor = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
        if not rows:
            return {}
        cursor.execute("SELECT id, rowid FROM indicators")
        rowid_by_name = dict(cursor.fetchall())
    finally:
        cursor.close()
    fetched = ["id", "_key", "breakdown", "_flags", *read]
    raw = dict(zip(fetched, np.array(rows, dtype=object).T, strict=True))
    del rows
    flags = raw["_flags"].astype("int64")
    breakdown = raw["breakdown"]
    breakdown[pd.isna(breakdown)] = TOTAL
    out: dict[str, np.ndarray] = {
        "id": raw["id"].astype("int64"),
        "_key": raw["_key"].astype("int64"),
        "breakdown": breakdown,
        "_rank": flags >> 1,
        "_same_rest": (flags & 1) > 0,
    }
    # the batch's own packed key, computed the same way
    names, inverse = np.unique(cols["indicator_id"].astype(str), return_inverse=True)
    ind = np.array([rowid_by_name.get(str(n), 0) for n in names], dtype="int64")[inverse]
    periods, inverse = np.unique(cols["period_start"].astype(str), return_inverse=True)
    days = np.array(
        [dt.date.fromisoformat(str(d)).toordinal() + _JULIAN_OFFSET for d in periods],
        dtype="int64",
    )[inverse]
    out["_new_key"] = (
        (ind << (_AREA_BITS + _DAY_BITS)) | (cols["area_id"].astype("int64") << _DAY_BITS) | days
    )
    for name in read:
        series = pd.Series(raw[name], dtype=object)
        if name in _DATES:
            out[name] = _per_unique(series, _iso)
        elif name in _FLOATS:
            out[name] = _floats(series)
        elif name in _BOOLS:
            out[name] = series.isin([True, 1, "t"]).to_numpy(dtype=bool)
        else:
            out[name] = _per_unique(series, str)
    return out


def _copy_out(conn: Connection, sql: str, names: list[str]) -> dict[str, np.ndarray] | None:
    """PostgreSQL: the rows of `sql` through COPY … TO STDOUT, parsed by pandas' C reader.

    A million rows arrive as one CSV stream instead of a million Python tuples. NULL is
    written `\\N` so it differs from an empty text; floats keep their exact value.
    """
    buffer = io.BytesIO()
    dbapi = conn.connection.driver_connection
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"
    with dbapi.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return None
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        header=None,
        names=names,
        dtype={n: ("float64" if n in _FLOATS else "int64" if n in ("id", "area_id") else object)
               for n in names},
        keep_default_na=False,
        na_values=["\\N"],
        engine="c",
    )  # fmt: skip
    return {name: frame[name].to_numpy() for name in names}


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Null-aware equality (SQL `IS NOT DISTINCT FROM`) of two aligned columns."""
    if a.dtype == bool:
        return np.asarray(a == b, dtype=bool)
    na, nb = pd.isna(a), pd.isna(b)
    eq = np.zeros(len(a), dtype=bool)
    both = ~na & ~nb
    eq[both] = a[both] == b[both]
    return eq | (na & nb)


def _classify(
    cols: dict[str, np.ndarray], old: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(status per row, existing id or -1); status: N new, U changed, S same, K kept.

    K: the stored row's origin has a higher `PRECEDENCE`, so it stays as it is.
    """
    n = len(cols["indicator_id"])
    status = np.full(n, "N", dtype="<U1")
    existing = np.full(n, -1, dtype="int64")
    if not old:
        return status, existing
    if "_key" in old:  # SQLite: one packed integer and the breakdown (_existing_sqlite)
        codes, _ = pd.factorize(np.concatenate([cols["breakdown"], old["breakdown"]]))
        new_key = pd.DataFrame({"_key": old["_new_key"], "_bd": codes[:n]})
        old_key = pd.DataFrame({"_key": old["_key"], "_bd": codes[n:]})
    else:
        new_key = pd.DataFrame({c: cols[c] for c in KEY})
        old_key = pd.DataFrame({c: old[c] for c in KEY})
    on = list(new_key.columns)
    old_key["_pos"] = np.arange(len(old_key))
    pos = new_key.merge(old_key, on=on, how="left")["_pos"].to_numpy()
    matched = ~np.isnan(pos)
    if not matched.any():
        return status, existing
    idx = np.flatnonzero(matched)
    opos = pos[matched].astype("int64")
    existing[idx] = old["id"][opos]
    changed = np.zeros(len(idx), dtype=bool)
    for c in _COMPARED:
        if c in old:
            changed |= ~_same(cols[c][idx], old[c][opos])
    if "_same_rest" in old:  # the columns compared in SQL (etl.load._existing_sqlite)
        changed |= ~old["_same_rest"][opos]
    old_rank = old["_rank"][opos] if "_rank" in old else _ranks(old["origin"][opos])
    kept = _ranks(cols["origin"][idx]) < old_rank
    status[idx] = np.where(kept, "K", np.where(changed, "U", "S"))
    return status, existing


def _rank_sql(column: str) -> str:
    """`PRECEDENCE` of an origin column, as SQL."""
    cases = " ".join(f"WHEN {_quote(o)} THEN {r}" for o, r in PRECEDENCE.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


def _ranks(origins: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(origins, dtype=object))
    table = np.array([PRECEDENCE.get(str(u), 0) for u in uniques] + [0], dtype="int64")
    return table[codes]


def _literal(values: np.ndarray) -> str | None:
    """The SQL literal of a column holding one value (None, text, integer), else None."""
    if not len(values):
        return None
    first = values[0]
    if values.dtype.kind in "iub":
        if not (values == first).all():
            return None
        return str(int(first))
    if values.dtype != object or isinstance(first, float):
        return None
    if first is None:
        return "NULL" if pd.isna(values).all() else None
    if not isinstance(first, str) or not (values == first).all():
        return None
    return _quote(first)


def _escape(value: Any) -> str:
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy_text(cols: dict[str, np.ndarray], mask: np.ndarray, extra: dict[str, np.ndarray]) -> str:
    """PostgreSQL COPY text format (tab separated, \\N for NULL) of the selected rows."""
    fields: list[list[str]] = []
    for name, values in [*((c, cols[c]) for c in COLUMNS), *extra.items()]:
        picked = values[mask]
        if picked.dtype == bool:
            fields.append(np.where(picked, "t", "f").tolist())
        elif picked.dtype.kind in "iu":
            fields.append([str(v) for v in picked.tolist()])
        elif name in _FLOATS:
            fields.append(["\\N" if v is None else repr(v) for v in picked.tolist()])
        else:
            escaped = _per_unique(pd.Series(picked, dtype=object), _escape)
            fields.append(["\\N" if v is None else v for v in escaped.tolist()])
    return "".join("\t".join(row) + "\n" for row in zip(*fields, strict=True))


def _write(
    conn: Connection,
    table: str,
    cols: dict[str, np.ndarray],
    mask: np.ndarray,
    extra: dict[str, np.ndarray],
) -> None:
    """Rows of `mask` (COLUMNS, then the `extra` columns) into `table`, in one bulk call."""
    dbapi = conn.connection.driver_connection
    columns = ", ".join([*COLUMNS, *extra])
    if conn.dialect.name == "postgresql":
        data = _copy_text(cols, mask, extra)
        with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            copy.write(data)
        return
    # a column with one value for every row (origin, run, source…) is written as a
    # literal: fewer parameters to bind per row
    picked = {name: values[mask] for name, values in [*cols.items(), *extra.items()]}
    names = [*COLUMNS, *extra]
    literals = {
        name: lit
        for name in names
        if name not in KEY and (lit := _literal(picked[name])) is not None
    }
    varying = [name for name in names if name not in literals]
    marks = ", ".join(literals.get(name, "?") for name in names)
    rows = list(zip(*(picked[name].tolist() for name in varying), strict=True))
    cur = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    finally:
        cur.close()


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


def _update_changed(
    conn: Connection,
    cols: dict[str, np.ndarray],
    changed: np.ndarray,
    existing: np.ndarray,
    params: dict[str, Any],
) -> None:
    """Changed rows go through a staging table: their history rows, then one UPDATE."""
    _create_stage(conn)
    n = len(existing)
    _write(conn, STAGE, cols, changed,
           {"existing_id": existing, "status": np.full(n, "U", dtype=object)})  # fmt: skip
    sets = ", ".join(f"{c} = {STAGE}.{c}" for c in _COMPARED)
    conn.execute(
        _timed(
            f"INSERT INTO changes ({_CHANGE_COLUMNS}) SELECT :run, :now, "
            f"'{ChangeKind.update.value}', o.id, o.indicator_id, o.area_id, o.period_start, "
            f"o.breakdown, s.origin, s.value, {_row_json(conn, 'o')} FROM {STAGE} s "
            "JOIN observations o ON o.id = s.existing_id WHERE s.status = 'U'"
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
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DROP TABLE {STAGE}"))


def _timed(sql: str) -> TextClause:
    """`sql` with `:now` bound as a timezone-aware timestamp (SQLite stores it as text)."""
    return text(sql).bindparams(bindparam("now", type_=DateTime(timezone=True)))


def _row_json(conn: Connection, alias: str) -> str:
    """SQL building the full stored row `alias` as one JSON object (booleans as JSON)."""
    if conn.dialect.name == "postgresql":
        pairs = ", ".join(f"'{c}', {alias}.{c}" for c in _PREVIOUS_COLUMNS)
        return f"json_build_object({pairs})"
    parts = []
    for c in _PREVIOUS_COLUMNS:
        value = f"{alias}.{c}"
        if c in _BOOLS:
            value = f"json(CASE WHEN {value} THEN 'true' ELSE 'false' END)"
        parts.append(f"'{c}', {value}")
    return f"json_object({', '.join(parts)})"


def _record_inserts(conn: Connection, *, after_id: int, params: dict[str, Any]) -> None:
    """History rows of the observations just inserted: ids above the largest before.

    The load lock keeps every other writer out, and both databases hand out ids above
    the largest stored, so the range is exactly this write's inserts (read by primary key).
    """
    conn.execute(
        _timed(
            f"INSERT INTO changes ({_CHANGE_COLUMNS}) SELECT :run, :now, "
            f"'{ChangeKind.insert.value}', o.id, o.indicator_id, o.area_id, o.period_start, "
            "o.breakdown, o.origin, o.value, NULL FROM observations o WHERE o.id > :after"
        ),
        {**params, "after": after_id},
    )


def _delete_recorded(conn: Connection, where: str, params: dict[str, Any]) -> int:
    """Delete the observations matching `where` (on alias o), each leaving a history row."""
    conn.execute(
        _timed(
            f"INSERT INTO changes ({_CHANGE_COLUMNS}) SELECT :run, :now, "
            f"'{ChangeKind.delete.value}', o.id, o.indicator_id, o.area_id, o.period_start, "
            f"o.breakdown, o.origin, NULL, {_row_json(conn, 'o')} FROM observations o "
            f"WHERE {where}"
        ),
        params,
    )
    result = conn.execute(text(f"DELETE FROM observations AS o WHERE {where}"), params)
    return int(result.rowcount or 0)


def _tune(conn: Connection) -> None:
    """SQLite: a page cache large enough for the indexes, temporary tables in memory."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")


def upsert_observations(
    conn: Connection, df: pd.DataFrame, *, run_id: int, now: dt.datetime | None = None
) -> LoadReport:
    """Insert new keys, update changed ones, leave the rest; inside the caller's transaction."""
    frame = normalise_frame(df)
    report = LoadReport(rows_read=len(frame))
    if frame.empty:
        return report
    now = now or utcnow()
    _tune(conn)
    cols = _columns(frame)
    status, existing = _classify(cols, _existing(conn, cols))
    params = {"run": run_id, "now": now}
    changed = status == "U"
    if changed.any():
        _update_changed(conn, cols, changed, existing, params)
    new = status == "N"
    if new.any():
        after = conn.execute(select(func.coalesce(func.max(Observation.id), 0))).scalar_one()
        _write(conn, "observations", cols, new,
               {"run_id": np.full(len(status), run_id, dtype="int64")})  # fmt: skip
        _record_inserts(conn, after_id=int(after), params=params)
    report.rows_inserted = int(new.sum())
    report.rows_updated = int(changed.sum())
    report.rows_unchanged = int((status == "S").sum())
    report.rows_kept = int((status == "K").sum())
    return report


def purge_origin(
    conn: Connection,
    origin: Origin,
    *,
    run_id: int,
    keep: pd.DataFrame | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Delete the observations of `origin` whose key is not in `keep` (all without it).

    The one routine that removes stale rows of an origin: a demo run that no longer
    generates a row, a published figure gone from the file, `demo --purge`. Each deleted
    row leaves a history row with its full previous content. Returns the count.
    """
    params = {"run": run_id, "now": now or utcnow(), "origin": origin.value}
    if keep is None:
        return _delete_recorded(conn, "o.origin = :origin", params)
    stored = pd.DataFrame(
        conn.execute(
            select(Observation.id, *[getattr(Observation, c) for c in KEY]).where(
                Observation.origin == origin
            )
        ).all(),
        columns=["id", *KEY],
    )
    if stored.empty:
        return 0
    if keep.empty:
        stale = stored["id"]
    else:
        keys = keep.reindex(columns=KEY)
        keys["breakdown"] = keys["breakdown"].astype(object).fillna(TOTAL)
        merged = stored.merge(keys.assign(_kept=True), on=KEY, how="left")
        stale = merged.loc[merged["_kept"].isna(), "id"]
    ids = [int(i) for i in stale]
    deleted = 0
    for start in range(0, len(ids), 5000):
        chunk = ", ".join(str(i) for i in ids[start : start + 5000])
        deleted += _delete_recorded(conn, f"o.id IN ({chunk})", params)
    return deleted


@dataclass(frozen=True)
class ValueChange:
    """One stored column a write would change: before → after (None: empty)."""

    row: int  # position in the batch
    column: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Diff:
    """What `upsert_observations` would do with a batch, row by row, without writing."""

    status: np.ndarray  # per row: N new, U updated, S same, K kept (etl.load._classify)
    changes: list[ValueChange]


def diff_observations(conn: Connection, df: pd.DataFrame) -> Diff:
    """The same classification as the upsert, and each changed value, read only.

    Reads every stored column of the touched keys (not the narrow SQLite read of the
    upsert): a preview is small and shows the values themselves.
    """
    frame = normalise_frame(df)
    if frame.empty:
        return Diff(np.array([], dtype="<U1"), [])
    cols = _columns(frame)
    sql = f"SELECT id, {', '.join(COLUMNS)} FROM observations o {_where(cols)}"
    rows = conn.execute(text(sql)).all()
    old = (
        _stored_form(dict(zip(["id", *COLUMNS], np.array(rows, dtype=object).T, strict=True)))
        if rows
        else {}
    )
    status, existing = _classify(cols, old)
    changes: list[ValueChange] = []
    updated = np.flatnonzero(status == "U")
    if len(updated):
        opos = pd.Index(old["id"]).get_indexer(existing[updated])
        for c in _COMPARED:
            differs = ~_same(cols[c][updated], old[c][opos])
            for i, o in zip(updated[differs], opos[differs], strict=True):
                changes.append(ValueChange(int(i), c, _plain(old[c][o]), _plain(cols[c][i])))
    changes.sort(key=lambda ch: ch.row)
    return Diff(status, changes)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def count_by_origin(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(Observation.origin, func.count()).group_by(Observation.origin))
    return {origin.value if isinstance(origin, Origin) else str(origin): n for origin, n in rows}
