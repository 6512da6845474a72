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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import MONTHS_PER_PERIOD, Direction, Frequency, Target
from core.vocabulary import TargetStatus, Unit

TREND_PERIODS = 12
MIN_POINTS = 3
AT_RISK_MARGIN = 0.10  # projected within 10 % of the target
HORIZON_YEARS = 10  # a projected date of achievement further away is not shown
DEPARTMENT_COUNT = 101


METHOD_TEXT = (
    "Tendance linéaire ajustée sur les 12 dernières périodes observées, prolongée "
    "jusqu'à l'échéance. « Atteint » : la dernière valeur atteint la cible ; « En bonne "
    "voie » : la projection l'atteint à l'échéance ; « À surveiller » : la projection "
    "arrive à moins de 10 % de la cible ; « En retard » : au-delà, ou échéance passée "
    "sans atteinte ; « Données insuffisantes » : moins de 3 valeurs observées ; « Non "
    "comparable » : la cible n'est pas exprimée dans l'unité de la série (par exemple un "
    "pourcentage de médecins face à un nombre d'ordonnances), aucun statut n'est calculé."
)


@dataclass(frozen=True)
class Assessment:
    """What a card or a row of /objectifs shows for one target."""

    status: TargetStatus
    current: float | None  # the compared quantity at the last observed period
    current_period: dt.date | None
    projected: float | None  # the compared quantity projected at the deadline
    projected_date: dt.date | None  # first period where the target is met (observed or projected)
    progress: float | None  # current / target, in percent
    reason: str | None = None  # why the target is not comparable with the series

    @property
    def label(self) -> str:
        return self.status.label


def _month_index(day: dt.date | pd.Timestamp) -> int:
    return day.year * 12 + day.month - 1


def _from_month_index(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _observed(series: pd.DataFrame) -> pd.Series:
    """Non-masked values indexed by month index, in time order."""
    if series.empty:
        return pd.Series(dtype=float)
    df = series[["period_start", "value"]].dropna()
    if "is_masked" in series.columns:
        df = df[~series.loc[df.index, "is_masked"].astype(bool)]
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


def _compare(
    values: pd.Series, *, comparison: str, step: int, target_unit: str, unit: str
) -> pd.Series:
    """The quantity the target is about, at each period (index = month index)."""
    if comparison == "rolling_12m_sum":
        window = max(1, 12 // step)
        return values.rolling(window, min_periods=window).sum().dropna()
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
    if observed.empty:
        return Assessment(TargetStatus.no_data, None, None, None, None, None)
    kw: dict[str, Any] = {
        "comparison": target.comparison,
        "step": step,
        "target_unit": target.unit,
        "unit": unit,
    }
    compared = _compare(observed, **kw)
    current = float(compared.iloc[-1]) if not compared.empty else None
    current_period = _from_month_index(int(compared.index[-1])) if not compared.empty else None
    progress = 100.0 * current / target.value if current is not None and target.value else None
    reached = [i for i, v in compared.items() if meets(float(v), target, direction=direction)]
    deadline_idx = _month_index(target.deadline)
    trend = _trend(observed)
    horizon = max(deadline_idx, _month_index(today)) + 12 * HORIZON_YEARS
    # 11 more months so that a calendar-year sum has its whole last year
    long_run = _compare(_extended(observed, until=horizon + 11, step=step, trend=trend), **kw)
    projected_date = _first_reached(long_run, target, direction=direction, reached=reached)
    at_deadline = long_run[long_run.index <= deadline_idx]
    projected = float(at_deadline.iloc[-1]) if trend is not None and not at_deadline.empty else None

    if current is not None and meets(current, target, direction=direction):
        status = TargetStatus.achieved
    elif trend is None or current is None:
        status = TargetStatus.no_data
    elif _month_index(today) > deadline_idx or projected is None:
        status = TargetStatus.late
    elif meets(projected, target, direction=direction):
        status = TargetStatus.on_track
    elif abs(projected - target.value) <= AT_RISK_MARGIN * abs(target.value):
        status = TargetStatus.at_risk
    else:
        status = TargetStatus.late
    return Assessment(status, current, current_period, projected, projected_date, progress)


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
