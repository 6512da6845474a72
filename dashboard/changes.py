"""« Quoi de neuf » from the change history: what each update did, by indicator, in words.

Pure functions of the `change_runs` and `changes` frames (dashboard.queries): a row is a
new value when it was inserted, or when a real value replaced a demo one; a revision when
an update changed the value (before → after); withdrawn when deleted. An update that kept
the value (a new source label, a flag) is counted apart, never shown as a revision.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import pandas as pd

from core.catalog import Catalog, Indicator
from core.models import TOTAL, ChangeKind
from core.vocabulary import Level, Origin
from dashboard.formatting import format_count, format_number, format_period, join_labels

NEW, REVISED, WITHDRAWN, OTHER = "new", "revised", "withdrawn", "other"
RUN_KINDS = {  # `runs.kind` → the origin of what it writes, as a reader says it
    "connector": Origin.source,
    "import": Origin.deposit,
    "published": Origin.published,
}


@dataclass(frozen=True)
class Revision:
    """One value changed by an update: where, when, before and after."""

    where: str  # « France », « Bretagne »
    breakdown: str  # "" for the total
    period: dt.date
    before: float | None
    after: float | None


@dataclass(frozen=True)
class IndicatorChanges:
    indicator: Indicator
    new_periods: tuple[dt.date, ...]
    new_values: int
    revisions: tuple[Revision, ...]
    withdrawn: int
    other: int
    new_source: str | None = None  # the source, when this update is its first for the indicator

    def counts(self) -> str:
        """« 3 nouvelles périodes, 2 valeurs révisées » (the parts that are not zero)."""
        parts = []
        if self.new_periods:
            parts.append(
                format_count(len(self.new_periods), "nouvelle période", "nouvelles périodes")
            )
        if self.revisions:
            parts.append(format_count(len(self.revisions), "valeur révisée", "valeurs révisées"))
        if self.withdrawn:
            parts.append(format_count(self.withdrawn, "valeur retirée", "valeurs retirées"))
        if self.other and not parts:
            parts.append(format_count(self.other, "précision de source", "précisions de source"))
        return ", ".join(parts)

    def new_periods_text(self) -> str:
        freq = self.indicator.frequency
        return join_labels([format_period(p, frequency=freq) for p in self.new_periods])

    def value_text(self, value: float | None) -> str:
        ind = self.indicator
        return format_number(value, unit=ind.unit, decimals=ind.decimals)


@dataclass(frozen=True)
class RunChanges:
    """One update (a run of the ETL) and what it changed, indicator by indicator."""

    run_id: int
    source: str
    kind: str
    source_url: str | None
    finished_at: dt.datetime | None
    new_source: bool
    indicators: tuple[IndicatorChanges, ...]

    @property
    def kind_label(self) -> str:
        origin = RUN_KINDS.get(self.kind)
        return origin.label.lower() if origin else self.kind


def _same(a: object, b: object) -> bool:
    """Two stored values are the same, NaN (masked) equal to NaN."""
    fa = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(str(a))
    fb = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(str(b))
    return fa == fb


def classify(row: pd.Series) -> str:
    """NEW, REVISED, WITHDRAWN or OTHER for one row of the `changes` frame."""
    kind = str(row["kind"])
    if kind == ChangeKind.insert.value:
        return NEW
    if kind in (ChangeKind.delete.value, ChangeKind.withdrawal.value):
        return WITHDRAWN
    if row["previous_origin"] == Origin.demo.value:
        return NEW  # a real value where there was only a synthetic one
    return OTHER if _same(row["previous_value"], row["value"]) else REVISED


def _nan_to_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(str(value))


def _where(row: pd.Series) -> str:
    return "France" if row["level"] == Level.national.value else str(row["name"])


def _indicator_changes(frame: pd.DataFrame, indicator: Indicator) -> IndicatorChanges:
    fates = [classify(r) for _, r in frame.iterrows()]
    fate = pd.Series(fates, index=frame.index, dtype=object)
    new = frame[fate == NEW]
    revised = frame[fate == REVISED]
    labels = indicator.breakdown.values if indicator.breakdown else {}
    revisions = tuple(
        Revision(
            where=_where(r),
            breakdown="" if r["breakdown"] == TOTAL else labels.get(r["breakdown"], r["breakdown"]),
            period=pd.Timestamp(r["period_start"]).date(),
            before=_nan_to_none(r["previous_value"]),
            after=_nan_to_none(r["value"]),
        )
        for _, r in revised.iterrows()
    )
    periods = sorted({pd.Timestamp(p).date() for p in new["period_start"]})
    return IndicatorChanges(
        indicator=indicator,
        new_periods=tuple(periods),
        new_values=len(new),
        revisions=revisions,
        withdrawn=int((fate == WITHDRAWN).sum()),
        other=int((fate == OTHER).sum()),
    )


def summarise(
    runs: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    catalog: Catalog,
    new_sources: pd.DataFrame | None = None,
) -> list[RunChanges]:
    """The runs (latest first) with their changes grouped by indicator (catalog order);
    runs left without a change the reader may see are dropped. `new_sources`
    (queries.new_sources) marks the indicators whose source a run brought for the first time."""
    firsts: set[tuple[int, str]] = set()
    if new_sources is not None:
        firsts = {
            (int(r), str(i))
            for r, i in zip(new_sources["run_id"], new_sources["indicator_id"], strict=True)
        }
    out: list[RunChanges] = []
    order = {ind.id: n for n, ind in enumerate(catalog.indicators)}
    for run in runs.itertuples(index=False):
        mine = changes[changes["run_id"] == run.run_id]
        ids = sorted((i for i in set(mine["indicator_id"]) if i in order), key=order.__getitem__)
        groups = tuple(
            replace(
                _indicator_changes(mine[mine["indicator_id"] == i], catalog.by_id[i]),
                new_source=str(run.source) if (int(run.run_id), i) in firsts else None,
            )
            for i in ids
        )
        if not groups:
            continue
        finished = pd.Timestamp(run.finished_at).to_pydatetime() if run.finished_at else None
        out.append(
            RunChanges(
                run_id=int(run.run_id),
                source=str(run.source),
                kind=str(run.kind),
                source_url=str(run.source_url) if run.source_url else None,
                finished_at=finished,
                new_source=bool(run.new_source),
                indicators=groups,
            )
        )
    return out
