"""Assessment of a dated target and projected trajectory: one pure module, no I/O.

(Not the freshness of the database: that is etl/status.py.)

A linear trend is fitted on the last 12 observed periods and extrapolated period by
period to the deadline; the comparison of the target (latest value, rolling 12-month
sum, calendar-year sum, share of areas) is applied to observed and projected values
alike, so a flow target is judged on the same quantity the text sets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import MONTHS_PER_PERIOD, Baseline, Direction, Frequency, Target
from core.progress import progress_rate
from core.vocabulary import Origin, TargetStatus, Unit

TREND_PERIODS = 12
MIN_POINTS = 3
AT_RISK_MARGIN = 0.10  # projected within 10 % of the target
HORIZON_YEARS = 10  # a projected date of achievement further away is not shown
DEPARTMENT_COUNT = 101
DEMO_BASIS = "Repose sur des données de démonstration"
REAL_BASIS = "Repose sur des données réelles"


METHOD_TEXT = (
    "Tendance linéaire ajustée sur les 12 dernières périodes observées, prolongée "
    "jusqu'à l'échéance. « Échéance dépassée » : l'échéance est passée et la dernière "
    "valeur n'atteint pas la cible ; « En retard » : l'échéance est à venir et la "
    "projection arrive à plus de 10 % sous la cible ; « À surveiller » : la projection "
    "arrive à moins de 10 % de la cible ; « En bonne voie » : la projection l'atteint à "
    "l'échéance ; « Atteint » : la dernière valeur atteint la cible, atteinte au plus tard "
    "à l'échéance ; « Atteint en retard » : atteinte après l'échéance (la date est "
    "indiquée) ; « Données insuffisantes » : moins de 3 valeurs observées avant "
    "l'échéance ; « Non comparable » : la cible n'est pas exprimée dans l'unité de la "
    "série (par exemple un pourcentage de médecins face à un nombre d'ordonnances), aucun "
    "statut n'est calculé. « Progression » (taux d'avancement, celui du Baromètre des "
    "résultats de l'action publique) : (valeur actuelle − valeur initiale) ÷ (cible − "
    "valeur initiale) × 100 quand la cible a une valeur initiale (100 dès que la valeur "
    "actuelle atteint la cible, comme le publie le Baromètre) ; sinon valeur actuelle ÷ "
    "cible × 100, et rien pour une cible à la baisse. Un statut qui utilise au moins une "
    "valeur de démonstration est signalé comme reposant sur des données de démonstration."
)


@dataclass(frozen=True)
class Assessment:
    """What a card or a row of /objectifs shows for one target."""

    status: TargetStatus
    current: float | None  # the compared quantity at the last observed period
    current_period: dt.date | None
    projected: float | None  # the compared quantity projected at the deadline
    projected_date: dt.date | None  # first period where the target is met (observed or projected)
    progress: float | None  # « taux d'avancement » in percent (core.progress.progress_rate)
    reason: str | None = None  # why the target is not comparable with the series
    reached_on: dt.date | None = None  # first observed period that met the target
    origins: frozenset[Origin] = frozenset()  # origins of the observed points used
    current_from: dt.date | None = None  # first period summed into `current` (a flow's sum)

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def rests_on_demo(self) -> bool:
        """Whether any point the status, progress or projection used is a demo value."""
        return Origin.demo in self.origins

    @property
    def basis_label(self) -> str:
        """What the status rests on: demo if any point used is demo; "" if no point was used."""
        if self.rests_on_demo:
            return DEMO_BASIS
        return REAL_BASIS if self.origins else ""

    @property
    def origin_codes(self) -> str:
        """The origins used, in vocabulary order, as codes separated by « , »."""
        return ", ".join(o.value for o in Origin if o in self.origins)

    @property
    def origin_labels(self) -> str:
        """The origins used, in vocabulary order, in French."""
        return ", ".join(o.label for o in Origin if o in self.origins)


def _month_index(day: dt.date | pd.Timestamp) -> int:
    return day.year * 12 + day.month - 1


def _from_month_index(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _observed_rows(series: pd.DataFrame) -> pd.DataFrame:
    """The non-masked rows that carry a value: the points an assessment uses."""
    if series.empty:
        return series
    df = series.dropna(subset=["period_start", "value"])
    if "is_masked" in df.columns:
        df = df[~df["is_masked"].astype(bool)]
    return df


def origins_of(series: pd.DataFrame) -> frozenset[Origin]:
    """The origins of the observed points of a series (codes outside the vocabulary skipped)."""
    df = _observed_rows(series)
    if df.empty or "origin" not in df.columns:
        return frozenset()
    return frozenset(Origin(o) for o in df["origin"].dropna().unique() if o in Origin.__members__)


def real_only(series: pd.DataFrame) -> pd.DataFrame:
    """The points of a series whose origin is real (published, source, deposit)."""
    if "origin" not in series.columns:
        return series
    return series[series["origin"].isin([o.value for o in Origin.real()])]


def _observed(series: pd.DataFrame) -> pd.Series:
    """Non-masked values indexed by month index, in time order."""
    df = _observed_rows(series)
    if df.empty:
        return pd.Series(dtype=float)
    idx = [_month_index(pd.Timestamp(d)) for d in df["period_start"]]
    return pd.Series(df["value"].astype(float).to_numpy(), index=idx).sort_index()


def comparable(target: Target, *, unit: str) -> bool:
    """Whether the series, in `unit`, measures the quantity the target is set in.

    A count of areas compared with a percentage target (`share_of_areas`) is converted;
    any other difference of units (a count of prescriptions against a share of doctors)
    cannot be compared.
    """
    if target.unit == unit:
        return True
    return target.comparison == "share_of_areas" and target.unit == "percent" and unit == "count"


def mismatch_reason(target: Target, *, unit: str) -> str:
    """French sentence saying why a target and a series cannot be compared."""
    text = f"objectif exprimé en {_noun(target.unit)}, la série en {_noun(unit)}"
    if target.note:
        text += ". " + " ".join(target.note.split()).rstrip(".")
    return text + "."


def _noun(unit: str) -> str:
    return Unit(unit).noun if unit in Unit.__members__ else unit


def meets(value: float, target: Target, *, direction: Direction) -> bool:
    """A range target (70-80 %) is met from its lower bound; lower_is_better reverses."""
    if direction == "lower_is_better":
        return value <= (target.value_max if target.value_max is not None else target.value)
    return value >= target.value


def target_progress(current: float | None, target: Target, *, direction: Direction) -> float | None:
    """The progress rate of `current` towards a target, measured from its baseline if any.

    The threshold is the one `meets` uses: the upper bound of a range for lower_is_better.
    """
    if current is None:
        return None
    threshold = target.value
    if direction == "lower_is_better" and target.value_max is not None:
        threshold = target.value_max
    return progress_rate(
        current=current,
        target=threshold,
        baseline=target.baseline.value if target.baseline is not None else None,
        direction=direction,
    )


def _compare(
    values: pd.Series, *, comparison: str, step: int, target_unit: str, unit: str
) -> pd.Series:
    """The quantity the target is about, at each period (index = month index)."""
    if comparison == "rolling_12m_sum":
        # Twelve consecutive months: a missing period leaves the sums that would span it out.
        window = max(1, 12 // step)
        if values.empty:
            return values
        grid = range(int(values.index[0]), int(values.index[-1]) + 1, step)
        return values.reindex(grid).rolling(window, min_periods=window).sum().dropna()
    if comparison == "calendar_year_sum":
        years = pd.Series([i // 12 for i in values.index], index=values.index)
        per_year = 12 // step
        counts = values.groupby(years).transform("count")
        sums = values.groupby(years).transform("sum")
        # A year counts only once all its periods are there (complete year).
        return sums[counts >= per_year]
    if comparison == "share_of_areas" and target_unit == "percent" and unit != "percent":
        return values * 100.0 / DEPARTMENT_COUNT
    return values


def _trend(observed: pd.Series) -> tuple[float, float] | None:
    last = observed.iloc[-TREND_PERIODS:]
    if len(last) < MIN_POINTS:
        return None
    x = np.asarray(last.index, dtype=float)
    slope, intercept = np.polyfit(x, last.to_numpy(dtype=float), 1)
    return float(slope), float(intercept)


def _extended(
    observed: pd.Series, *, until: int, step: int, trend: tuple[float, float] | None
) -> pd.Series:
    """Observed values followed by the trend, every `step` months up to `until`."""
    if trend is None or observed.empty:
        return observed
    slope, intercept = trend
    start = int(observed.index[-1]) + step
    future = list(range(start, until + 1, step))
    projected = pd.Series([slope * i + intercept for i in future], index=future, dtype=float)
    return pd.concat([observed, projected]) if future else observed


def assess(
    series: pd.DataFrame,
    target: Target,
    *,
    frequency: Frequency,
    direction: Direction,
    unit: str,
    today: dt.date,
) -> Assessment:
    """Status of one target from the observed series (the `series` frame of queries)."""
    if not comparable(target, unit=unit):
        reason = mismatch_reason(target, unit=unit)
        return Assessment(TargetStatus.not_comparable, None, None, None, None, None, reason)
    step = MONTHS_PER_PERIOD[frequency]
    observed = _observed(series)
    origins = origins_of(series)
    if observed.empty:
        return Assessment(TargetStatus.insufficient_data, None, None, None, None, None)
    kw: dict[str, Any] = {
        "comparison": target.comparison,
        "step": step,
        "target_unit": target.unit,
        "unit": unit,
    }
    compared = _compare(observed, **kw)
    current = float(compared.iloc[-1]) if not compared.empty else None
    current_period = _from_month_index(int(compared.index[-1])) if not compared.empty else None
    progress = target_progress(current, target, direction=direction)
    reached = [i for i, v in compared.items() if meets(float(v), target, direction=direction)]
    deadline_idx = _month_index(target.deadline)
    trend = _trend(observed)
    horizon = max(deadline_idx, _month_index(today)) + 12 * HORIZON_YEARS
    # 11 more months so that a calendar-year sum has its whole last year
    long_run = _compare(_extended(observed, until=horizon + 11, step=step, trend=trend), **kw)
    projected_date = _first_reached(long_run, target, direction=direction, reached=reached)
    at_deadline = long_run[long_run.index <= deadline_idx]
    projected = float(at_deadline.iloc[-1]) if trend is not None and not at_deadline.empty else None

    reached_on = _from_month_index(int(reached[0])) if reached else None
    current_from = _summed_from(current_period, comparison=target.comparison, step=step)
    status = _status(
        current=current,
        projected=projected if trend is not None else None,
        reached_idx=int(reached[0]) if reached else None,
        target=target,
        direction=direction,
        today=today,
    )
    return Assessment(
        status,
        current,
        current_period,
        projected,
        projected_date,
        progress,
        reached_on=reached_on if status.is_reached else None,
        origins=origins,
        current_from=current_from,
    )


def _summed_from(last: dt.date | None, *, comparison: str, step: int) -> dt.date | None:
    """The first period of the sum compared at `last`: 12 months back, or January."""
    if last is None:
        return None
    if comparison == "rolling_12m_sum":
        return _from_month_index(_month_index(last) - (max(1, 12 // step) - 1) * step)
    if comparison == "calendar_year_sum":
        return dt.date(last.year, 1, 1)
    return last


def _status(
    *,
    current: float | None,
    projected: float | None,
    reached_idx: int | None,
    target: Target,
    direction: Direction,
    today: dt.date,
) -> TargetStatus:
    """The status, most urgent first: a passed deadline is judged on the last value alone."""
    if current is not None and meets(current, target, direction=direction):
        late = reached_idx is not None and reached_idx > _month_index(target.deadline)
        return TargetStatus.reached_late if late else TargetStatus.reached
    if current is None:
        return TargetStatus.insufficient_data
    if today > target.deadline:
        return TargetStatus.deadline_missed
    if projected is None:
        return TargetStatus.insufficient_data
    if meets(projected, target, direction=direction):
        return TargetStatus.on_track
    if abs(projected - target.value) <= AT_RISK_MARGIN * abs(target.value):
        return TargetStatus.at_risk
    return TargetStatus.behind


def _first_reached(
    values: pd.Series, target: Target, *, direction: Direction, reached: list[int]
) -> dt.date | None:
    if reached:
        return _from_month_index(int(reached[0]))
    for i, v in values.items():
        if not math.isnan(float(v)) and meets(float(v), target, direction=direction):
            return _from_month_index(int(i))
    return None


def projection(
    series: pd.DataFrame, target: Target, *, frequency: Frequency, today: dt.date
) -> pd.DataFrame:
    """Projected raw values (`period_start`, `value`) from the last observed point to the deadline.

    Empty when there are too few points or the deadline is already past.
    """
    empty = pd.DataFrame({"period_start": pd.Series(dtype="datetime64[ns]"), "value": []})
    step = MONTHS_PER_PERIOD[frequency]
    observed = _observed(series)
    trend = _trend(observed)
    deadline_idx = _month_index(target.deadline)
    if trend is None or deadline_idx < _month_index(today):
        return empty
    last = int(observed.index[-1])
    if deadline_idx <= last:
        return empty
    slope, intercept = trend
    points = list(range(last, deadline_idx + 1, step))
    if points[-1] != deadline_idx:
        points.append(deadline_idx)
    values = [float(observed.iloc[-1])] + [slope * i + intercept for i in points[1:]]
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime([_from_month_index(i) for i in points]),
            "value": values,
        }
    )


# -- targets of each territory (set by a source file, etl.targets) ------------------------

BEHIND = (TargetStatus.deadline_missed, TargetStatus.behind, TargetStatus.at_risk)


@dataclass(frozen=True)
class TerritoryAssessment:
    """The status of one area's own target (a Baromètre département, say)."""

    level: str
    code: str
    name: str
    target: Target
    assessment: Assessment

    @property
    def is_behind(self) -> bool:
        return self.assessment.status in BEHIND


def stored_target(row: Mapping[str, Any]) -> Target:
    """A row of `queries.source_targets` as a Target, its baseline included."""
    baseline = None
    if row.get("baseline_value") is not None and not pd.isna(row["baseline_value"]):
        baseline = Baseline(
            value=float(row["baseline_value"]),
            date=row["baseline_date"],
            source=str(row.get("baseline_source") or row["source_title"]),
        )
    return Target(
        value=float(row["value"]),
        unit=row["unit"],
        deadline=row["deadline"],
        scope=str(row["code"]),
        comparison="latest",
        label=str(row["label"]),
        source_title=str(row["source_title"]),
        source_url=row.get("source_url") or None,
        baseline=baseline,
    )


def assess_territories(
    series: pd.DataFrame,
    stored: pd.DataFrame,
    *,
    frequency: Frequency,
    direction: Direction,
    unit: str,
    today: dt.date,
) -> list[TerritoryAssessment]:
    """Each stored target assessed on its own area's series (`series` holds every area of
    the level), from its own baseline; an area without a target gets no status."""
    out = []
    for row in stored.to_dict("records"):
        mine = series[series["code"] == row["code"]]
        target = stored_target(row)
        a = assess(mine, target, frequency=frequency, direction=direction, unit=unit, today=today)
        out.append(TerritoryAssessment(row["level"], row["code"], row["name"], target, a))
    return out


def count_by_status(items: list[TerritoryAssessment]) -> list[tuple[TargetStatus, int]]:
    """How many areas have each status, most urgent first (statuses nobody has left out)."""
    counts = {s: sum(1 for i in items if i.assessment.status is s) for s in TargetStatus}
    return [(s, n) for s, n in counts.items() if n]
