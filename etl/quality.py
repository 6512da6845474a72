"""Data-quality alerts of the administration page, on the stored real (non-demo) rows.

Four checks, each a French sentence naming indicator, area and period:
- a cumulative stock (etl.validate.cumulative_stocks) that decreases from one period to
  the next;
- for an indicator summed from its départements, a région (or France) whose stored value
  differs from the sum of its stored départements by more than SUM_TOLERANCE;
- a jump: a period-to-period change further than JUMP_SIGMAS standard deviations from
  the series' other changes (at least MIN_CHANGES of them; for a steady series, at least
  10 % of its usual change or 1 % of its level);
- a département far from its neighbours (core.geography.neighbours): further than
  NEIGHBOUR_SIGMAS robust deviations (1.4826 × median absolute deviation, at least 10 % of
  their median) from the median of at least MIN_NEIGHBOURS bordering départements at the
  same period; a count summed from départements is compared per inhabitant, since a
  populous département is not an anomaly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from core import geography
from core.catalog import Catalog
from core.geography import NATIONAL_CODE
from core.models import TOTAL, Area, Observation, Origin
from etl.validate import cumulative_stocks

SUM_TOLERANCE = 0.005  # 0.5 %: rounding in a source's published totals
JUMP_SIGMAS = 4.0
MIN_CHANGES = 4
MAX_ALERTS = 200
NEIGHBOUR_SIGMAS = 4.0
MIN_NEIGHBOURS = 3

DECREASE, NOT_ADDING_UP, JUMP = "baisse d'un cumul", "somme des départements", "saut inhabituel"
FAR_FROM_NEIGHBOURS = "écart aux départements voisins"


@dataclass(frozen=True)
class Alert:
    kind: str
    indicator_id: str
    area: str  # « Bretagne (53) »
    period: dt.date
    message: str


def _fmt(value: float) -> str:
    return f"{value:,.6g}".replace(",", " ")


def _frame(engine: Engine) -> pd.DataFrame:
    o, a = Observation, Area
    parent = select(a.id, a.code).subquery()
    stmt = (
        select(
            o.indicator_id,
            o.area_id,
            a.level,
            a.code,
            a.name,
            parent.c.code.label("parent"),
            o.period_start,
            o.breakdown,
            o.value,
        )
        .join(a, a.id == o.area_id)
        .join(parent, parent.c.id == a.parent_id, isouter=True)
        .where(o.origin != Origin.demo, o.value.is_not(None), o.is_masked.is_(False))
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "indicator_id",
            "area_id",
            "level",
            "code",
            "name",
            "parent",
            "period_start",
            "breakdown",
            "value",
        ],
    )
    frame["value"] = frame["value"].astype(float)
    return frame


def _where(row: pd.Series) -> str:
    return f"{row['name']} ({row['code']})"


SERIES = ["indicator_id", "area_id", "breakdown"]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Each series in period order, with its previous period and value beside each row."""
    ordered = frame.sort_values([*SERIES, "period_start"], kind="stable")
    grouped = ordered.groupby(SERIES, sort=False)
    return ordered.assign(
        before=grouped["value"].shift(1), before_period=grouped["period_start"].shift(1)
    )


def _decreases(ordered: pd.DataFrame, catalog: Catalog) -> list[Alert]:
    stocks = ordered[ordered["indicator_id"].isin(cumulative_stocks(catalog))]
    falls = stocks[stocks["value"] < stocks["before"]]
    return [
        Alert(
            DECREASE, row["indicator_id"], _where(row), row["period_start"],
            f"Cumul en baisse : {_fmt(row['before'])} → {_fmt(row['value'])} "
            f"(période {row['before_period']} → {row['period_start']}).",
        )
        for _, row in falls.iterrows()
    ]  # fmt: skip


def _sums(frame: pd.DataFrame, catalog: Catalog) -> list[Alert]:
    summed = {i.id for i in catalog.indicators if i.aggregation.rule == "sum"}
    rows = frame[frame["indicator_id"].isin(summed) & (frame["breakdown"] == TOTAL)]
    deps = rows[rows["level"] == "department"]
    key = ["indicator_id", "period_start"]
    by_region = deps.groupby([*key, "parent"])["value"].sum().rename("expected").reset_index()
    by_nation = deps.groupby(key)["value"].sum().rename("expected").reset_index()
    regions = rows[rows["level"] == "region"].merge(
        by_region, left_on=[*key, "code"], right_on=[*key, "parent"], suffixes=("", "_d")
    )
    nation = rows[(rows["level"] == "national") & (rows["code"] == NATIONAL_CODE)].merge(
        by_nation, on=key
    )
    out: list[Alert] = []
    for part in (regions, nation):
        gap = (part["value"] - part["expected"]).abs()
        off = gap > SUM_TOLERANCE * part["expected"].abs().clip(lower=1)
        for _, row in part[off.to_numpy()].iterrows():
            out.append(
                Alert(
                    NOT_ADDING_UP,
                    row["indicator_id"],
                    _where(row),
                    row["period_start"],
                    f"Valeur {_fmt(row['value'])}, somme des départements {_fmt(row['expected'])}.",
                )
            )
    return out


def _jumps(ordered: pd.DataFrame) -> list[Alert]:
    """Each step against the series' other steps (leave-one-out mean and deviation, from
    per-series sums: one pass whatever the number of series)."""
    rows = ordered.assign(step=ordered["value"] - ordered["before"])
    keys = [rows[c] for c in SERIES]
    level = rows["value"].abs().groupby(keys).transform("median")
    rows = rows.assign(level=level)[rows["step"].notna()]
    keys = [rows[c] for c in SERIES]
    step = rows["step"]
    count = step.groupby(keys).transform("count")
    total = step.groupby(keys).transform("sum")
    squares = (step**2).groupby(keys).transform("sum")
    others = (count - 1).where(count > 1)
    mean = (total - step) / others
    spread = np.sqrt((((squares - step**2) / others) - mean**2).clip(lower=0))
    # a steady series has no spread: a floor of 10 % of its usual step, 1 % of its level
    spread = np.maximum(np.maximum(spread, 0.1 * mean.abs()), 0.01 * rows["level"])
    jump = (count >= MIN_CHANGES) & (spread > 0) & ((step - mean).abs() > JUMP_SIGMAS * spread)
    return [
        Alert(
            JUMP, row["indicator_id"], _where(row), row["period_start"],
            f"Variation de {_fmt(row['step'])} quand les autres varient de "
            f"{_fmt(mean[i])} ± {_fmt(spread[i])} en moyenne.",
        )
        for i, row in rows[jump.to_numpy()].iterrows()
    ]  # fmt: skip


def _far_from_neighbours(frame: pd.DataFrame, catalog: Catalog) -> list[Alert]:
    """Each département against the median of its bordering départements (same indicator,
    period and breakdown), per inhabitant for a count summed from départements."""
    summed = {i.id for i in catalog.indicators if i.aggregation.rule == "sum"}
    deps = frame[frame["level"] == "department"]
    out: list[Alert] = []
    for (indicator_id, period, _breakdown), part in deps.groupby(
        ["indicator_id", "period_start", "breakdown"], sort=False
    ):
        per_head = indicator_id in summed
        values = {
            code: value / geography.get_area("department", code).population if per_head else value
            for code, value in zip(part["code"], part["value"], strict=True)
        }
        for _, row in part.iterrows():
            around = [values[n] for n in geography.neighbours(row["code"]) if n in values]
            if len(around) < MIN_NEIGHBOURS:
                continue
            median = float(np.median(around))
            spread = max(
                1.4826 * float(np.median(np.abs(np.array(around) - median))), 0.1 * abs(median)
            )
            mine = values[row["code"]]
            if spread > 0 and abs(mine - median) > NEIGHBOUR_SIGMAS * spread:
                unit = " pour 100 000 habitants" if per_head else ""
                scale = 100_000 if per_head else 1
                out.append(
                    Alert(
                        FAR_FROM_NEIGHBOURS, str(indicator_id), _where(row), period,
                        f"Valeur {_fmt(mine * scale)}{unit} quand ses {len(around)} départements "
                        f"voisins ont en médiane {_fmt(median * scale)}{unit}.",
                    )
                )  # fmt: skip
    return out


def quality_alerts(engine: Engine, *, catalog: Catalog) -> list[Alert]:
    """Every alert, most recent period first (at most MAX_ALERTS)."""
    frame = _frame(engine)
    if frame.empty:
        return []
    ordered = _ordered(frame)
    alerts = (
        _decreases(ordered, catalog)
        + _sums(frame, catalog)
        + _jumps(ordered)
        + _far_from_neighbours(frame, catalog)
    )
    alerts.sort(key=lambda a: (a.period, a.indicator_id), reverse=True)
    return alerts[:MAX_ALERTS]
