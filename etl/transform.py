"""Département rows aggregated up to régions and France by each indicator's catalog rule.

Pure functions of a frame: no I/O. Used by the demo generator and by the loaders to
recompute aggregates, so that a région or France always equals its départements.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from core.catalog import Indicator
from core.errors import UserError
from core.geography import NATIONAL_CODE, by_level

INPUT_COLUMNS = [
    "level",
    "code",
    "period_start",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "is_masked",
]
GROUP = ["period_start", "breakdown"]


class AggregationError(UserError, ValueError):
    """The rows cannot be aggregated as given; the message is French."""


@lru_cache(maxsize=1)
def _departments() -> pd.DataFrame:
    """Département code → région code and population, the weights of every rule."""
    deps = by_level("department")
    return pd.DataFrame(
        {
            "code": [d.code for d in deps],
            "region": [d.parent_code or "" for d in deps],
            "population": [float(d.population) for d in deps],
        }
    )


@lru_cache(maxsize=1)
def _expected_counts() -> dict[str, int]:
    """How many départements each région (and France) has: an aggregate needs them all."""
    deps = _departments()
    counts = {str(k): int(v) for k, v in deps.groupby("region").size().items()}
    counts[NATIONAL_CODE] = len(deps)
    return counts


def share_scale(indicator: Indicator) -> float:
    """A share of départements is shown in percent when the unit says so."""
    if indicator.unit == "percent" and indicator.aggregation.scale == 1.0:
        return 100.0
    return indicator.aggregation.scale


def aggregate_up(df: pd.DataFrame, *, indicator: Indicator, by: Sequence[str] = ()) -> pd.DataFrame:
    """Région and France rows computed from the département rows of `df`.

    `by` names extra key columns (e.g. `indicator_id`): several series sharing the
    same rule are then aggregated in one pass, each kept apart.

    Ratios are re-aggregated from numerator and denominator, never averaged. An
    aggregate is masked (value None) when one of its départements is masked or has
    no value; it is left out when a département has no row at all (incomplete).
    """
    group = [*by, *GROUP]
    columns = [*by, *INPUT_COLUMNS]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AggregationError(
            f"Colonnes manquantes pour l'agrégation de « {indicator.id} » : "
            f"{', '.join(missing)}. Attendu : {', '.join(columns)}."
        )
    rule = indicator.aggregation.rule
    if rule == "not_aggregable":
        return pd.DataFrame(columns=columns)
    deps = df.loc[df["level"] == "department", columns].merge(_departments(), on="code", how="left")
    unknown = deps["region"].isna()
    if unknown.any():
        code = deps.loc[unknown, "code"].iloc[0]
        raise AggregationError(
            f"Code de département inconnu « {code} » pour « {indicator.id} ». "
            "Attendu : un code de département (ex. « 29 », « 2A », « 974 »)."
        )
    if deps.duplicated(["code", *group]).any():
        first = deps[deps.duplicated(["code", *group])].iloc[0]
        raise AggregationError(
            f"Ligne en double pour « {indicator.id} » : département « {first['code']} », "
            f"période {first['period_start']}, ventilation « {first['breakdown']} ». "
            "Attendu : une ligne par département, période et ventilation."
        )
    if deps.empty:
        return pd.DataFrame(columns=columns)
    keys = ["region", *by]
    regions = _aggregate(deps, indicator=indicator, keys=keys, level="region")
    national = _aggregate(
        deps.assign(region=NATIONAL_CODE), indicator=indicator, keys=keys, level="national"
    )
    return pd.concat([regions, national], ignore_index=True)


def _aggregate(
    deps: pd.DataFrame, *, indicator: Indicator, keys: list[str], level: str
) -> pd.DataFrame:
    rule = indicator.aggregation.rule
    value = pd.to_numeric(deps["value"], errors="coerce").astype(float)
    num = pd.to_numeric(deps["numerator"], errors="coerce").astype(float)
    den = pd.to_numeric(deps["denominator"], errors="coerce").astype(float)
    masked = deps["is_masked"].fillna(False).astype(bool)
    unknown = (masked | num.isna() | den.isna()) if rule == "ratio" else (masked | value.isna())
    work = pd.DataFrame(
        {
            **{k: deps[k] for k in keys},
            "period_start": deps["period_start"],
            "breakdown": deps["breakdown"],
            "n": 1,
            "unknown": unknown.astype(int),
            "value": value.fillna(0.0),
            "num": num.fillna(0.0),
            "den": den.fillna(0.0),
            "truth": (value.fillna(0.0) > 0.5).astype(float),
            "weighted": value.fillna(0.0) * deps["population"],
            "weight": deps["population"],
        }
    )
    sums = work.groupby([*keys, *GROUP], sort=True, dropna=False).sum(numeric_only=True)
    sums = sums.reset_index()
    expected = sums["region"].map(_expected_counts())
    sums = sums[sums["n"] == expected].reset_index(drop=True)
    out_num: pd.Series = pd.Series(np.nan, index=sums.index)
    out_den: pd.Series = pd.Series(np.nan, index=sums.index)
    if rule == "sum":
        out_value = sums["value"]
    elif rule == "ratio":
        scale = indicator.aggregation.scale
        out_num, out_den = sums["num"], sums["den"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out_value = scale * out_num / out_den.where(out_den != 0)
    elif rule == "count_true":
        out_value = sums["truth"]
    elif rule == "share_true":
        out_value = share_scale(indicator) * sums["truth"] / sums["n"]
    elif rule == "pop_weighted_mean":
        out_value = sums["weighted"] / sums["weight"]
    else:
        raise AggregationError(
            f"Règle d'agrégation inconnue « {rule} » pour « {indicator.id} ». "
            "Attendu : sum, ratio, count_true, share_true, pop_weighted_mean ou not_aggregable."
        )
    is_masked = sums["unknown"] > 0
    return pd.DataFrame(
        {
            **{k: sums[k] for k in keys if k != "region"},
            "level": level,
            "code": sums["region"].astype(str),
            "period_start": sums["period_start"],
            "breakdown": sums["breakdown"],
            "value": out_value.where(~is_masked).astype(float),
            "numerator": out_num.where(~is_masked).astype(float),
            "denominator": out_den.where(~is_masked).astype(float),
            "is_masked": is_masked.astype(bool),
        }
    )
