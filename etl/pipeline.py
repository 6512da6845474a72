"""The one atomic load path: ARS import, source connectors and any other loader use it.

    result = load_tidy(
        engine, catalog=catalog, source="ameli-teleconsultations", kind="connector",
        origin=Origin.source, tidy=lambda: connector.to_tidy(raw, catalog=catalog),
        provenance=Provenance(source_url=raw.url, retrieved_at=raw.retrieved_at,
                              checksum=raw.sha256, etag=raw.etag,
                              last_modified=raw.last_modified),
    )

Steps: take the database's load lock (etl.lock), open a run (own transaction, so it
survives a failure), skip when the same source already loaded the same checksum,
validate the tidy rows (etl.validate, before any write), then in ONE transaction upsert
the rows (etl.load) and, when a row was inserted or updated, recompute région and France
aggregates from the départements by the catalog rule (etl.transform), and close the run
with counts and provenance.
Any failure rolls the transaction back and marks the run failed with its French message;
nothing else changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select, update

from core.catalog import Catalog
from core.models import Area, Indicator, Observation, Origin, Run, RunStatus
from etl.load import upsert_observations
from etl.lock import LockTimeout, load_lock
from etl.runlog import LoadReport, finish_run, start_run, utcnow
from etl.sync import area_ids, sync_indicators
from etl.transform import aggregate_up
from etl.validate import ValidationFailed, validate_tidy

PIPELINE_KINDS = frozenset({"import", "connector"})  # kinds whose runs hold the load lock
STALE_RUN_ERROR = "Traitement interrompu (processus arrêté avant la fin). Aucune donnée modifiée."
# Test hook only: seconds to pause inside the load transaction, after the upsert, so a
# test can kill the process there. Never set in production.
PAUSE_HOOK = "ETL_TEST_PAUSE_IN_TRANSACTION"

TidySource: TypeAlias = pd.DataFrame | Callable[[], pd.DataFrame]


@dataclass(frozen=True)
class Provenance:
    """Where the rows come from; stored on the run."""

    source_url: str | None = None
    retrieved_at: dt.datetime | None = None
    checksum: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class LoadResult:
    run_id: int
    status: RunStatus
    report: LoadReport
    aggregates: LoadReport = field(default_factory=LoadReport)
    skipped: bool = False


def _mark_stale_runs(engine: Engine, *, kinds: Collection[str]) -> None:
    """Runs left `running` by a killed load: we hold the lock, so none is alive."""
    with engine.begin() as conn:
        conn.execute(
            update(Run)
            .where(Run.status == RunStatus.running, Run.kind.in_(list(kinds)))
            .values(status=RunStatus.failed, finished_at=utcnow(), error=STALE_RUN_ERROR)
        )


def _already_loaded(engine: Engine, *, source: str, checksum: str) -> bool:
    with engine.connect() as conn:
        last = conn.execute(
            select(Run.checksum)
            .where(
                Run.source == source,
                Run.status.in_([RunStatus.success, RunStatus.unchanged]),
            )
            .order_by(Run.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return last == checksum


def _department_rows(
    conn: Connection, *, indicator_id: str, periods: list[dt.date]
) -> pd.DataFrame:
    """Real (non-demo) département rows of the periods touched, as stored after the upsert."""
    stmt = (
        select(
            Observation.area_id,
            Area.level,
            Area.code,
            Observation.period_start,
            Observation.breakdown,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Observation.is_masked,
        )
        .join(Area, Area.id == Observation.area_id)
        .where(
            Observation.indicator_id == indicator_id,
            Area.level == "department",
            Observation.origin != Origin.demo.value,
            Observation.period_start.in_(periods),
        )
        .order_by(Observation.area_id)
    )
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    # the driver's cursor, in the same transaction: a million Row objects cost seconds
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    frame = pd.DataFrame.from_records(
        rows,
        columns=[
            "area_id", "level", "code", "period_start", "breakdown", "value", "numerator",
            "denominator", "is_masked",
        ],
    )  # fmt: skip
    if not frame.empty and not isinstance(frame["period_start"].iloc[0], dt.date):
        frame["period_start"] = [dt.date.fromisoformat(str(p)) for p in frame["period_start"]]
    frame["is_masked"] = frame["is_masked"].astype(bool)
    return frame


def _stored_departments(
    conn: Connection, *, indicator_ids: list[str], periods: list[dt.date], real_only: bool
) -> dict[str, int]:
    """Per indicator, its département rows stored from the first to the last of `periods`.

    `real_only` leaves demo rows out, which reads every row; without it the count is
    answered from the key index alone.
    """
    stmt = (
        select(Observation.indicator_id, func.count())
        .join(Area, Area.id == Observation.area_id)
        .where(
            Observation.indicator_id.in_(indicator_ids),
            Area.level == "department",
            # the range holds the periods touched: a count equal to the batch's still
            # proves nothing else is stored, and it scans the key index in order
            Observation.period_start.between(min(periods), max(periods)),
        )
        .group_by(Observation.indicator_id)
    )
    if real_only:
        stmt = stmt.where(Observation.origin != Origin.demo.value)
    return {str(i): int(n) for i, n in conn.execute(stmt)}


def _departments_after_upsert(
    conn: Connection, deps: pd.DataFrame, *, indicator_ids: list[str], origin: Origin
) -> pd.DataFrame:
    """The département rows to aggregate, as stored after the upsert, ordered by area.

    A real (non-demo) load has just written every one of its rows, so when the database
    holds no other real département row for those periods, the rows in memory are
    exactly what it holds: no need to read a million rows back. One count query serves
    every indicator: it counts the whole range of the periods touched, so a match still
    proves that nothing else is stored.
    """
    rows = deps[deps["indicator_id"].isin(indicator_ids)]
    per_indicator = {str(k): int(v) for k, v in rows["indicator_id"].value_counts().items()}
    reread = list(indicator_ids)
    if origin != Origin.demo:
        periods = sorted(pd.unique(rows["period_start"].to_numpy(dtype=object)))
        # all stored rows first (index only): equal means nothing else is stored at all
        for real_only in (False, True):
            stored = _stored_departments(
                conn, indicator_ids=reread, periods=periods, real_only=real_only
            )
            reread = [i for i in reread if stored.get(i, -1) != per_indicator.get(i, 0)]
            if not reread:
                break
    parts = [rows[~rows["indicator_id"].isin(reread)]]
    for indicator_id in reread:
        mine = rows[rows["indicator_id"] == indicator_id]
        periods = sorted(pd.unique(mine["period_start"].to_numpy(dtype=object)))
        stored_rows = _department_rows(conn, indicator_id=indicator_id, periods=periods)
        parts.append(stored_rows.assign(indicator_id=indicator_id))
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # the sums run in area order whichever path the rows came from: same float results
    ordered = both.iloc[np.argsort(both["area_id"].to_numpy(), kind="stable")]
    return ordered.reset_index(drop=True)


def recompute_aggregates(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    catalog: Catalog,
    ids: Mapping[tuple[str, str], int],
    run_id: int,
    origin: Origin,
    source_label: str | None,
    source_url: str | None,
) -> LoadReport:
    """Région and France rows from the stored départements, unless the source gives them.

    Indicators sharing an aggregation (rule, scale, unit) are aggregated in one pass.
    """
    is_dep = (frame["level"] == "department").to_numpy()
    deps = frame[is_dep]
    others = frame[~is_dep]
    families: dict[tuple[str, float, str], list[str]] = {}
    for indicator_id in sorted(pd.unique(deps["indicator_id"].to_numpy(dtype=object))):
        indicator = catalog.get(str(indicator_id))
        rule = indicator.aggregation
        if rule.rule != "not_aggregable":
            families.setdefault((rule.rule, rule.scale, indicator.unit), []).append(indicator.id)
    parts: list[pd.DataFrame] = []
    key = ["indicator_id", "level", "code", "period_start", "breakdown"]
    for members in families.values():
        rows = _departments_after_upsert(conn, deps, indicator_ids=members, origin=origin)
        agg = aggregate_up(rows, indicator=catalog.get(members[0]), by=["indicator_id"])
        if agg.empty:
            continue
        if not others.empty:
            agg = agg.merge(others[key].assign(_given=True), on=key, how="left")
            agg = agg[agg["_given"].isna()].drop(columns="_given")
        parts.append(agg)
    if not parts:
        return LoadReport()
    agg = pd.concat(parts, ignore_index=True)
    pairs = agg[["level", "code"]].drop_duplicates()
    pairs["area_id"] = [
        ids[(lvl, code)] for lvl, code in zip(pairs["level"], pairs["code"], strict=True)
    ]
    agg = agg.merge(pairs, on=["level", "code"], how="left").assign(
        origin=origin.value,
        source_label=f"{source_label} (agrégé des départements)" if source_label else None,
        source_url=source_url,
    )
    # one upsert for every indicator: one read of the stored aggregates, one bulk write
    return upsert_observations(conn, agg, run_id=run_id)


def _ensure_indicators(conn: Connection, *, catalog: Catalog, needed: set[str]) -> None:
    """A catalog indicator not yet in the database is synced first (inside the lock)."""
    known = set(conn.execute(select(Indicator.id)).scalars())
    if needed - known:
        sync_indicators(conn, catalog)


def _finish(
    engine: Engine,
    run_id: int,
    *,
    status: RunStatus,
    prov: Provenance,
    report: LoadReport,
    error: str | None = None,
) -> None:
    finish_run(
        engine,
        run_id,
        status=status,
        report=report,
        error=error,
        checksum=prov.checksum,
        etag=prov.etag,
        last_modified=prov.last_modified,
        retrieved_at=prov.retrieved_at,
    )


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_HOOK)
    if seconds:
        print(PAUSE_HOOK, file=sys.stderr, flush=True)  # tells the test we are inside
        time.sleep(float(seconds))


def load_tidy(
    engine: Engine,
    *,
    catalog: Catalog,
    source: str,
    kind: str,
    origin: Origin,
    tidy: TidySource,
    provenance: Provenance | None = None,
    indicator_ids: Collection[str] | None = None,
    columns: Mapping[str, str] | None = None,
    file: str = "",
    source_label: str | None = None,
    aggregate: bool = True,
    force: bool = False,
    lock_timeout: float | None = None,
) -> LoadResult:
    """Validate and load tidy rows atomically; returns the run's outcome.

    `tidy` is the frame of etl.sources.base.TIDY_COLUMNS, or a function returning it
    (called only when the checksum is new, so an unchanged file is never parsed).
    `source` names the run (one connector or « depot-ars »); `kind` is « import » or
    « connector »; `origin` goes on every row. `columns` maps tidy names to the file's
    own, for messages. `force` loads even a checksum already loaded. Raises
    ValidationFailed (nothing written), LockTimeout, or the load's own error; the run
    log records each failure.
    """
    prov = provenance or Provenance()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(load_lock(engine, timeout=lock_timeout))
        except LockTimeout as exc:
            run_id = start_run(engine, source=source, kind=kind, source_url=prov.source_url)
            finish_run(engine, run_id, status=RunStatus.failed, error=str(exc))
            raise
        _mark_stale_runs(engine, kinds=PIPELINE_KINDS | {kind})
        run_id = start_run(engine, source=source, kind=kind, source_url=prov.source_url)
        return _load_locked(
            engine,
            run_id=run_id,
            catalog=catalog,
            source=source,
            origin=origin,
            tidy=tidy,
            prov=prov,
            indicator_ids=indicator_ids,
            columns=columns,
            file=file,
            source_label=source_label,
            aggregate=aggregate,
            force=force,
        )


def _load_locked(
    engine: Engine,
    *,
    run_id: int,
    catalog: Catalog,
    source: str,
    origin: Origin,
    tidy: TidySource,
    prov: Provenance,
    indicator_ids: Collection[str] | None,
    columns: Mapping[str, str] | None,
    file: str,
    source_label: str | None,
    aggregate: bool,
    force: bool,
) -> LoadResult:
    rows_read = 0
    try:
        if (
            prov.checksum
            and not force
            and _already_loaded(engine, source=source, checksum=prov.checksum)
        ):
            _finish(engine, run_id, status=RunStatus.unchanged, report=LoadReport(),
                       prov=prov)  # fmt: skip
            return LoadResult(run_id, RunStatus.unchanged, LoadReport(), skipped=True)
        rows = tidy() if callable(tidy) else tidy
        rows_read = len(rows)
        with engine.connect() as conn:
            ids = area_ids(conn)
        frame = validate_tidy(
            rows,
            catalog=catalog,
            area_ids=ids,
            origin=origin,
            indicator_ids=indicator_ids,
            columns=columns,
            file=file,
            source_label=source_label,
            source_url=prov.source_url,
        )
        with engine.begin() as conn:
            _ensure_indicators(
                conn,
                catalog=catalog,
                needed=set(pd.unique(frame["indicator_id"].to_numpy(dtype=object))),
            )
            report = upsert_observations(conn, frame, run_id=run_id)
            aggregates = LoadReport()
            # aggregates are a function of the stored départements, recomputed in the same
            # transaction as each write of them: when no row changed, they still hold
            if aggregate and (report.rows_inserted or report.rows_updated):
                aggregates = recompute_aggregates(
                    conn, frame, catalog=catalog, ids=ids, run_id=run_id, origin=origin,
                    source_label=source_label, source_url=prov.source_url,
                )  # fmt: skip
            _pause_for_tests()
    except ValidationFailed as exc:
        _finish(engine, run_id, status=RunStatus.failed, error=exc.report(),
                   report=LoadReport(rows_read=exc.rows_read, rows_rejected=exc.rows_rejected),
                   prov=prov)  # fmt: skip
        raise
    except BaseException as exc:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, KeyboardInterrupt):
            message = "Interrompu. Aucune donnée modifiée."
        _finish(engine, run_id, status=RunStatus.failed, error=message,
                   report=LoadReport(rows_read=rows_read), prov=prov)  # fmt: skip
        raise
    total = report + aggregates
    total.rows_read = report.rows_read
    changed = total.rows_inserted + total.rows_updated + total.rows_deleted
    status = RunStatus.success if changed else RunStatus.unchanged
    _finish(engine, run_id, status=status, report=total, prov=prov)
    return LoadResult(run_id, status, report, aggregates=aggregates)
