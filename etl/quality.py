"""Data-quality alerts of the administration page, on the stored real (non-demo) rows.

Three checks, each a French sentence naming indicator, area and period:
- a cumulative stock (etl.validate.cumulative_stocks) that decreases from one period to
  the next;
- for an indicator summed from its départements, a région (or France) whose stored value
  differs from the sum of its stored départements by more than SUM_TOLERANCE;
- a jump: a period-to-period change further than JUMP_SIGMAS standard deviations from
  the series' other changes (at least MIN_CHANGES of them; for a steady series, at least
  10 % of its usual change or 1 % of its level).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from core.catalog import Catalog
from core.geography import NATIONAL_CODE
from core.models import TOTAL, Area, Observation, Origin
from etl.validate import cumulative_stocks

SUM_TOLERANCE = 0.005  # 0.5 %: rounding in a source's published totals
JUMP_SIGMAS = 4.0
MIN_CHANGES = 4
MAX_ALERTS = 200

DECREASE, NOT_ADDING_UP, JUMP = "baisse d'un cumul", "somme des départements", "saut inhabituel"


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


def _decreases(frame: pd.DataFrame, catalog: Catalog) -> list[Alert]:
    stocks = frame[frame["indicator_id"].isin(cumulative_stocks(catalog))]
    out: list[Alert] = []
    for _, series in stocks.groupby(["indicator_id", "area_id", "breakdown"], sort=True):
        series = series.sort_values("period_start")
        before = series["value"].shift(1)
        for i in np.flatnonzero((series["value"] < before).to_numpy()):
            row = series.iloc[i]
            out.append(
                Alert(
                    DECREASE,
                    row["indicator_id"],
                    _where(row),
                    row["period_start"],
                    f"Cumul en baisse : {_fmt(before.iloc[i])} → {_fmt(row['value'])} "
                    f"(période {series['period_start'].iloc[i - 1]} → {row['period_start']}).",
                )
            )
    return out


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


def _jumps(frame: pd.DataFrame) -> list[Alert]:
    out: list[Alert] = []
    for _, series in frame.groupby(["indicator_id", "area_id", "breakdown"], sort=True):
        if len(series) <= MIN_CHANGES:
            continue
        series = series.sort_values("period_start")
        values = series["value"].to_numpy()
        steps = np.diff(values)
        # a steady series has no spread: a floor of 10 % of its usual step, 1 % of its level
        floor = 0.01 * float(np.median(np.abs(values)))
        for i, step in enumerate(steps):
            others = np.delete(steps, i)
            spread = max(float(others.std()), 0.1 * abs(float(others.mean())), floor)
            if spread > 0 and abs(step - others.mean()) > JUMP_SIGMAS * spread:
                row = series.iloc[i + 1]
                out.append(
                    Alert(
                        JUMP,
                        row["indicator_id"],
                        _where(row),
                        row["period_start"],
                        f"Variation de {_fmt(step)} quand les autres varient de "
                        f"{_fmt(others.mean())} ± {_fmt(spread)} en moyenne.",
                    )
                )
    return out


def quality_alerts(engine: Engine, *, catalog: Catalog) -> list[Alert]:
    """Every alert, most recent period first (at most MAX_ALERTS)."""
    frame = _frame(engine)
    if frame.empty:
        return []
    alerts = _decreases(frame, catalog) + _sums(frame, catalog) + _jumps(frame)
    alerts.sort(key=lambda a: (a.period, a.indicator_id), reverse=True)
    return alerts[:MAX_ALERTS]
