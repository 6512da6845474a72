"""Tidy rows through the one write path (etl.write): ARS imports and source connectors.

    result = load_tidy(engine, LoadRequest(
        catalog=catalog, source="ameli-teleconsultations", kind="connector",
        origin=Origin.source, tidy=lambda: connector.to_tidy(raw, catalog=catalog),
        provenance=Provenance(source_url=raw.url, retrieved_at=raw.retrieved_at,
                              checksum=raw.sha256, etag=raw.etag,
                              last_modified=raw.last_modified),
    ))

Inside the recorded, locked write: skip when the same source already loaded the same
checksum, validate the tidy rows (etl.validate, before any write), check their stocks
against the real series stored next to them (read under the lock: a fall between two
files is refused like one inside a file), then in the write's one transaction upsert
the rows (etl.load) and, when a row was inserted or updated,
recompute région and France aggregates from the départements by the catalog rule
(etl.transform). The targets the file sets, when its connector reads some
(`LoadRequest.targets`), are written in that same transaction (etl.targets).
`plan()` gives the same validation and diff without writing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select, union_all

from core.catalog import Catalog
from core.models import Area, Indicator, Observation, Origin, Run, RunStatus
from etl.load import (
    KEY,
    PRECEDENCE,
    Diff,
    ValueChange,
    diff_observations,
    upsert_observations,
)
from etl.runlog import LoadReport
from etl.sync import area_ids, sync_indicators
from etl.targets import SourceTargets, TargetReport, has_source_targets, write_source_targets
from etl.transform import aggregate_up
from etl.validate import check_stock_against_stored, cumulative_stocks, validate_tidy
from etl.write import Provenance, WriteRequest, recorded_write

TidySource: TypeAlias = pd.DataFrame | Callable[[], pd.DataFrame]


@dataclass(frozen=True)
class LoadRequest:
    """One load of tidy rows. `tidy` is the frame of etl.sources.base.TIDY_COLUMNS, or a
    function returning it (called only when the checksum is new, so an unchanged file is
    never parsed). `source` names the run (one connector or « depot-ars »); `kind` is
    « import » or « connector »; `origin` goes on every row. `columns` maps tidy names to
    the file's own, for messages. `force` loads even a checksum already loaded.
    `targets`: the targets the file sets (etl.targets), read once the checksum is new."""

    catalog: Catalog
    source: str
    kind: str
    origin: Origin
    tidy: TidySource
    provenance: Provenance = field(default_factory=Provenance)
    indicator_ids: Collection[str] | None = None
    columns: Mapping[str, str] | None = None
    file: str = ""
    source_label: str | None = None
    aggregate: bool = True
    force: bool = False
    lock_timeout: float | None = None
    targets: Callable[[], SourceTargets] | None = None
    actor: str | None = None  # e-mail of the depositor, kept on the run
    # called under the lock, in the write's transaction, with the validated rows, before
    # anything is written: raises to refuse (a deposit whose preview is out of date)
    check: Callable[[Connection, pd.DataFrame], None] | None = None


@dataclass
class LoadResult:
    run_id: int
    status: RunStatus
    report: LoadReport
    aggregates: LoadReport = field(default_factory=LoadReport)
    skipped: bool = False
    ignored: str = ""  # rows of the file not imported, in French (etl.template.describe_ignored)
    targets: TargetReport | None = None  # the source targets written, when the file sets some


def _already_loaded(
    engine: Engine, *, source: str, checksum: str, with_targets: bool = False
) -> bool:
    """The source's last good run read this checksum (and, `with_targets`, stored the
    file's targets: a file loaded before targets were is read again)."""
    with engine.connect() as conn:
        if with_targets and not has_source_targets(conn, source=source):
            return False
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
    conn: Connection, deps: pd.DataFrame, *, indicator_ids: list[str], exact: bool
) -> pd.DataFrame:
    """The département rows to aggregate, as stored after the upsert, ordered by area.

    When the load has just written every one of its rows (`exact`: real origin, no row
    kept for a stronger origin), when the database
    holds no other real département row for those periods, the rows in memory are
    exactly what it holds: no need to read a million rows back. One count query serves
    every indicator: it counts the whole range of the periods touched, so a match still
    proves that nothing else is stored.
    """
    rows = deps[deps["indicator_id"].isin(indicator_ids)]
    per_indicator = {str(k): int(v) for k, v in rows["indicator_id"].value_counts().items()}
    reread = list(indicator_ids)
    if exact:
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
    exact: bool = False,
) -> LoadReport:
    """Région and France rows from the stored départements, unless the source gives them.

    Indicators sharing an aggregation (rule, scale, unit) are aggregated in one pass.
    `exact`: the stored départements of the batch are the batch (see
    `_departments_after_upsert`), so they need not be read back.
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
        rows = _departments_after_upsert(conn, deps, indicator_ids=members, exact=exact)
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


def _rows(request: LoadRequest) -> pd.DataFrame:
    return request.tidy() if callable(request.tidy) else request.tidy


def _validate(conn: Connection, request: LoadRequest, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows checked alone, then their stocks against what `conn` sees stored."""
    frame = validate_tidy(
        rows,
        catalog=request.catalog,
        area_ids=area_ids(conn),
        origin=request.origin,
        indicator_ids=request.indicator_ids,
        columns=request.columns,
        file=request.file,
        source_label=request.source_label,
        source_url=request.provenance.source_url,
    )
    check_stocks(
        conn, frame, catalog=request.catalog, origin=request.origin, columns=request.columns
    )
    return frame


def _within(
    mine: pd.DataFrame, *, first: dt.date, last: dt.date, origin: Origin
) -> ColumnElement[bool]:
    """Stored periods of the file's range worth reading. When every series of the file has
    the same periods, a stored row at one of them is the file's own key: the file
    replaces it unless a stronger origin holds it, so only those are read (a re-load of a
    million stocks reads none)."""
    o = Observation
    periods = sorted(pd.unique(mine["period_start"].to_numpy(dtype=object)))
    series = mine[["area_id", "breakdown"]].drop_duplicates()
    inside = o.period_start.between(first, last)
    if len(series) * len(periods) != len(mine):
        return inside
    stronger = [k for k, rank in PRECEDENCE.items() if rank > PRECEDENCE[origin.value]]
    return and_(inside, or_(o.period_start.not_in(periods), o.origin.in_(stronger)))


def _stored_stocks(conn: Connection, stocks: pd.DataFrame, *, origin: Origin) -> pd.DataFrame:
    """Stored real rows of the file's stock series that the check needs: those within its
    periods, and each series' last one before and first one after them."""
    o = Observation
    columns = [o.indicator_id, o.area_id, o.breakdown, o.period_start, o.value, o.origin]
    records: list[Any] = []
    for indicator_id, mine in stocks.groupby("indicator_id", sort=True):
        first, last = mine["period_start"].min(), mine["period_start"].max()
        series = and_(
            o.indicator_id == indicator_id,
            o.area_id.in_(np.unique(mine["area_id"].to_numpy()).tolist()),
            o.breakdown.in_(sorted(pd.unique(mine["breakdown"].to_numpy(dtype=object)))),
            o.origin != Origin.demo.value,
        )
        within = _within(mine, first=first, last=last, origin=origin)
        selects = [select(*columns).where(series, within)]
        for edge, beyond in ((func.max, o.period_start < first), (func.min, o.period_start > last)):
            nearest = (
                select(o.area_id, o.breakdown, edge(o.period_start).label("period"))
                .where(series, beyond)
                .group_by(o.area_id, o.breakdown)
                .subquery()
            )
            on = and_(
                o.area_id == nearest.c.area_id,
                o.breakdown == nearest.c.breakdown,
                o.period_start == nearest.c.period,
            )
            selects.append(select(*columns).join(nearest, on).where(o.indicator_id == indicator_id))
        records.extend(conn.execute(union_all(*selects)).all())
    names = ["indicator_id", "area_id", "breakdown", "period_start", "value", "origin"]
    stored = pd.DataFrame.from_records(records, columns=names)
    stored["origin"] = [str(Origin(x).value) for x in stored["origin"]]
    return stored


def _written(frame: pd.DataFrame, stored: pd.DataFrame, *, origin: Origin) -> pd.DataFrame:
    """The frame's rows the upsert will write: where a stronger origin is stored, it stays
    (etl.load.PRECEDENCE), so the stored value is the one to compare."""
    stronger = stored[stored["origin"].map(PRECEDENCE) > PRECEDENCE[origin.value]]
    if stronger.empty:
        return frame
    merged = frame[KEY].merge(stronger[KEY].assign(_kept=True), on=KEY, how="left")
    written = merged["_kept"].isna().to_numpy()
    out = frame[written]
    out.attrs = {**frame.attrs, "rows": np.asarray(frame.attrs["rows"])[written]}
    return out


def check_stocks(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    catalog: Catalog,
    origin: Origin,
    columns: Mapping[str, str] | None = None,
) -> None:
    """Refuse a real file's stock that falls against the stored real series next to it.

    Call it under the write's lock, in its transaction: what is read then is what the
    rows will sit beside. Demo rows are neither checked nor compared with. Raises
    ValidationFailed.
    """
    if not origin.is_real:
        return
    is_stock = frame["indicator_id"].isin(cumulative_stocks(catalog)).to_numpy()
    stocks = frame.loc[is_stock, ["indicator_id", "area_id", "breakdown", "period_start"]]
    if stocks.empty:
        return
    stored = _stored_stocks(conn, stocks, origin=origin)
    written = _written(frame, stored, origin=origin)
    check_stock_against_stored(written, stored, catalog=catalog, columns=columns)


def write_rows(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    catalog: Catalog,
    run_id: int,
    origin: Origin,
    aggregate: bool = True,
    source_label: str | None = None,
    source_url: str | None = None,
) -> tuple[LoadReport, LoadReport]:
    """Validated rows, then their aggregates, in the caller's write transaction.

    Aggregates are a function of the stored départements, recomputed in the same
    transaction as each write of them: when no row changed, they still hold.
    """
    _ensure_indicators(
        conn, catalog=catalog, needed=set(pd.unique(frame["indicator_id"].to_numpy(dtype=object)))
    )
    report = upsert_observations(conn, frame, run_id=run_id)
    aggregates = LoadReport()
    if aggregate and (report.rows_inserted or report.rows_updated):
        aggregates = recompute_aggregates(
            conn,
            frame,
            catalog=catalog,
            ids=area_ids(conn),
            run_id=run_id,
            origin=origin,
            source_label=source_label,
            source_url=source_url,
            exact=origin != Origin.demo and not report.rows_kept,
        )
    return report, aggregates


def load_tidy(engine: Engine, request: LoadRequest) -> LoadResult:
    """Validate and load tidy rows through the recorded, locked write; returns its outcome.

    Raises ValidationFailed (nothing written), LockTimeout, or the load's own error; the
    run log records each failure.
    """
    prov = request.provenance
    with recorded_write(
        engine,
        WriteRequest(
            request.source,
            request.kind,
            prov,
            lock_timeout=request.lock_timeout,
            actor=request.actor,
        ),
    ) as write:
        if (
            prov.checksum
            and not request.force
            and _already_loaded(
                engine,
                source=request.source,
                checksum=prov.checksum,
                with_targets=request.targets is not None,
            )
        ):
            return LoadResult(write.run_id, RunStatus.unchanged, LoadReport(), skipped=True)
        rows = _rows(request)
        write.report.rows_read = len(rows)
        source_targets = request.targets() if request.targets is not None else None
        target_report: TargetReport | None = None
        with write.transaction() as conn:
            frame = _validate(conn, request, rows)
            if request.check is not None:
                request.check(conn, frame)
            report, aggregates = write_rows(
                conn,
                frame,
                catalog=request.catalog,
                run_id=write.run_id,
                origin=request.origin,
                aggregate=request.aggregate,
                source_label=request.source_label,
                source_url=prov.source_url,
            )
            if source_targets is not None:
                target_report = write_source_targets(
                    conn, source_targets, catalog=request.catalog, run_id=write.run_id
                )
            write.report = report + aggregates
            write.report.rows_read = report.rows_read
            write.report.targets_changed = target_report.changed if target_report else 0
    return LoadResult(
        write.run_id, write.status, report, aggregates=aggregates, targets=target_report
    )


@dataclass(frozen=True)
class Plan:
    """What a load would do, written nowhere: each row's fate and each value it changes.

    `rows` is the validated frame with `level`, `code` and a `status` column: « new »,
    « updated », « unchanged », or « kept » (the stored row's origin takes precedence).
    """

    rows: pd.DataFrame
    changes: list[ValueChange]

    def count(self, status: str) -> int:
        return int((self.rows["status"] == status).sum())


_STATUS_NAMES = {"N": "new", "U": "updated", "S": "unchanged", "K": "kept"}


def plan(engine: Engine, request: LoadRequest) -> Plan:
    """The same validation and diff as `load_tidy`, without writing anything.

    No lock and no run record: nothing changes, so nothing needs to be recorded or kept
    out; the aggregates it would recompute are not previewed. Raises ValidationFailed.
    """
    rows = _rows(request)
    with engine.connect() as conn:
        frame = _validate(conn, request, rows)
        diff = diff_observations(conn, frame)
        conn.rollback()
    return plan_of(frame, diff)


def plan_of(frame: pd.DataFrame, diff: Diff) -> Plan:
    """The plan of validated rows and their diff against what is stored."""
    status = [_STATUS_NAMES[s] for s in diff.status]
    return Plan(frame.assign(status=status).reset_index(drop=True), diff.changes)
