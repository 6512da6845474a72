"""`FakeQueries`: the reads of `dashboard.queries.Queries` over observations held in memory.

Views and pages take their data access as a parameter; their unit tests pass this fake
instead of a database. tests/dashboard/test_queries.py::TestFakeQueries runs the same
reads on both and checks that they agree, so that the fake cannot drift from the real one.
Like `Queries`, it answers for the request's reader: its catalog and rows are what the
reader may see (dashboard/access.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core import geography
from core.catalog import Catalog
from core.models import TOTAL
from dashboard.access import may_see_area, visible_catalog
from dashboard.actor import current_actor
from dashboard.queries import (
    CHANGE_COLUMNS,
    CHANGE_RUN_COLUMNS,
    PUBLISHED_COLUMNS,
    SERIES_COLUMNS,
    SNAPSHOT_VALUES,
    SOURCE_TARGET_COLUMNS,
    change_frame,
    snapshot_frame,
    typed_series,
)


@dataclass(frozen=True)
class Row:
    """One observation, as the ETL would have loaded it."""

    indicator_id: str
    level: str
    code: str
    period: dt.date
    value: float | None
    origin: str = "demo"
    breakdown: str = TOTAL
    is_masked: bool = False
    is_provisional: bool = False
    qualifier: str = "exact"
    numerator: float | None = None
    denominator: float | None = None
    source_label: str | None = None
    source_url: str | None = None
    observed_on: dt.date | None = None
    run_id: int = 1  # the first run of a new database (tests/dashboard/test_queries.py)

    def record(self) -> tuple[object, ...]:
        """The row in SERIES_COLUMNS order, the area's name from the reference."""
        name = geography.get_area(self.level, self.code).name
        return (
            self.indicator_id,
            self.level,
            self.code,
            name,
            self.breakdown,
            self.period,
            self.value,
            self.numerator,
            self.denominator,
            self.origin,
            self.qualifier,
            self.is_masked,
            self.is_provisional,
            self.source_label,
            self.source_url,
            self.observed_on,
            self.run_id,
        )


class FakeQueries:
    """Implements `dashboard.queries.Reads` without a database or a cache."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        rows: Iterable[Row] = (),
        published: Mapping[str, pd.DataFrame] | None = None,
        updated: dt.datetime | None = None,
        source_targets: Mapping[str, pd.DataFrame] | None = None,
        changes: pd.DataFrame | None = None,
        runs: pd.DataFrame | None = None,
    ) -> None:
        self.declared_catalog = catalog
        self.rows = list(rows)
        self.published = dict(published or {})
        self.targets = dict(source_targets or {})  # indicator id -> frame of SOURCE_TARGET_COLUMNS
        self.updated = updated
        self.history = changes if changes is not None else pd.DataFrame(columns=CHANGE_COLUMNS)
        self.runs = runs if runs is not None else pd.DataFrame(columns=CHANGE_RUN_COLUMNS)
        self.calls: list[str] = []  # which reads a view made, in order

    @property
    def catalog(self) -> Catalog:
        return visible_catalog(self.declared_catalog, current_actor())

    def _visible(self) -> list[Row]:
        """The rows the request's reader may see."""
        known = self.declared_catalog.by_id
        return [
            r
            for r in self.rows
            if r.indicator_id in known and may_see_area(known[r.indicator_id], r.level, r.code)
        ]

    def series(
        self,
        *,
        indicator_id: str | None = None,
        level: str = "national",
        codes: Sequence[str] | None = None,
        breakdown: str | None = TOTAL,
    ) -> pd.DataFrame:
        self.calls.append("series")
        kept = [
            r
            for r in self._visible()
            if r.level == level
            and (indicator_id is None or r.indicator_id == indicator_id)
            and (codes is None or r.code in codes)
            and (breakdown is None or r.breakdown == breakdown)
        ]
        kept.sort(key=lambda r: (r.indicator_id, r.code, r.breakdown, r.period))
        return typed_series(pd.DataFrame([r.record() for r in kept], columns=SERIES_COLUMNS))

    def periods(self, *, indicator_id: str, level: str, real_only: bool = False) -> list[dt.date]:
        self.calls.append("periods")
        return sorted(
            {
                r.period
                for r in self._visible()
                if r.indicator_id == indicator_id
                and r.level == level
                and r.breakdown == TOTAL
                and not (real_only and r.origin == "demo")
            }
        )

    def snapshot(self, *, indicator_id: str, level: str, period: dt.date) -> pd.DataFrame:
        self.calls.append("snapshot")
        values = [
            (r.code, r.value, r.is_masked, r.origin)
            for r in self._visible()
            if r.indicator_id == indicator_id
            and r.level == level
            and r.breakdown == TOTAL
            and r.period == period
        ]
        return snapshot_frame(level, pd.DataFrame(values, columns=SNAPSHOT_VALUES))

    def territorial_levels(self, *, indicator_id: str) -> dict[str, set[str]]:
        self.calls.append("territorial_levels")
        out: dict[str, set[str]] = {}
        for r in self._visible():
            if r.indicator_id == indicator_id:
                out.setdefault(r.level, set()).add(r.origin)
        return out

    def has_demo(self) -> bool:
        return any(r.origin == "demo" for r in self.rows)

    def last_update(self) -> dt.datetime | None:
        return self.updated

    def published_figures(self, *, indicator_id: str) -> pd.DataFrame:
        empty = pd.DataFrame(columns=PUBLISHED_COLUMNS)
        return self.published.get(indicator_id, empty).copy()

    def source_targets(self, *, indicator_id: str | None = None) -> pd.DataFrame:
        frames = [f for i, f in self.targets.items() if indicator_id is None or i == indicator_id]
        empty = pd.DataFrame(columns=SOURCE_TARGET_COLUMNS)
        return pd.concat(frames, ignore_index=True) if frames else empty

    def _real_changes(self, indicator_id: str | None) -> pd.DataFrame:
        """The history rows of real values the reader may see (of one indicator)."""
        known = self.declared_catalog.by_id
        frame = self.history
        keep = [
            origin != "demo"
            and ind in known
            and (indicator_id is None or ind == indicator_id)
            and may_see_area(known[ind], level, code)
            for ind, level, code, origin in zip(
                frame["indicator_id"], frame["level"], frame["code"], frame["origin"], strict=True
            )
        ]
        return frame.loc[pd.Series(keep, index=frame.index, dtype=bool)]

    def change_runs(self, *, indicator_id: str | None = None) -> pd.DataFrame:
        self.calls.append("change_runs")
        ids = set(self._real_changes(indicator_id)["run_id"])
        runs = self.runs[self.runs["run_id"].isin(ids)]
        return runs.sort_values("run_id", ascending=False).reset_index(drop=True)

    def changes(self, *, run_ids: Sequence[int], indicator_id: str | None = None) -> pd.DataFrame:
        self.calls.append("changes")
        frame = self._real_changes(indicator_id)
        frame = frame[frame["run_id"].isin(list(run_ids))]
        frame = frame.sort_values(
            ["run_id", "indicator_id", "period_start", "level", "code"],
            ascending=[False, True, True, True, True],
        )
        return change_frame(frame.reset_index(drop=True)[CHANGE_COLUMNS].copy())
