"""Synthetic demo data: plausible, deterministic series for every indicator of the catalog.

The national series passes through the real published figures; départements split it
by population with a stable regional variation, and régions and France are computed
from them by the catalog rule, so every level adds up. Demo rows never replace real ones.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, exists, select

from core.catalog import Catalog, Indicator
from core.errors import UserError
from core.geography import NATIONAL_CODE, by_level
from core.models import TOTAL, Area, Observation, Origin, PublishedFigure
from core.periods import add_periods, last_complete_period, period_range
from etl.load import KEY, purge_origin, upsert_observations
from etl.runlog import LoadReport
from etl.sync import area_ids
from etl.transform import aggregate_up, share_scale
from etl.write import WriteRequest, recorded_write

DEMO_LABEL = "Données de démonstration (synthétiques)"
DEMO_SOURCE = "donnees-demonstration"
FIRST_MONTH = dt.date(2019, 1, 1)
COVID_PEAK = dt.date(2020, 4, 1)
_UNTIL = re.compile(r"(\d{4})-(\d{2})")
FloatArray = np.ndarray


class DemoError(UserError):
    """The demo cannot be generated as asked; the message is French."""


@dataclass(frozen=True)
class Profile:
    """Shape of a national series: a logistic from `floor` to `level` (flows: per month)."""

    start: dt.date
    level: float
    midpoint: dt.date
    speed: float = 0.1  # logistic steepness per month
    floor: float = 0.0
    covid: float = 0.0  # extra monthly volume in April 2020 (telehealth)
    end: dt.date | None = None  # last month of a closed programme
    denominator: float = 0.0  # national denominator of a ratio without a catalog one


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


# Orders of magnitude from docs/indicators.md; published figures then calibrate them.
PROFILES: dict[str, Profile] = {
    "mes_profils_crees": Profile(_d("2022-01"), 69e6, _d("2022-03"), 0.9),
    "mes_comptes_actives": Profile(_d("2022-01"), 32e6, _d("2025-01"), 0.07),
    "mes_taux_activation": Profile(_d("2022-01"), 45.0, _d("2025-01"), 0.07, denominator=68e6),
    "mes_taux_opposition": Profile(_d("2022-01"), 2.5, _d("2022-03"), 1.0, floor=1.5),
    "mes_documents_alimentes_mois": Profile(_d("2022-01"), 32e6, _d("2023-10"), 0.09, floor=2e6),
    "mes_documents_par_secteur": Profile(_d("2022-01"), 32e6, _d("2023-10"), 0.09, floor=2e6),
    "mes_part_population_document_recu": Profile(
        _d("2022-01"), 75.0, _d("2023-06"), 0.12, floor=20.0, denominator=68e6
    ),
    "mes_utilisateurs_actifs": Profile(_d("2022-01"), 3e6, _d("2024-03"), 0.08, floor=2e5),
    "mes_messagerie_usage": Profile(_d("2022-03"), 2.5e6, _d("2024-06"), 0.08, floor=5e4),
    "mes_applications_catalogue": Profile(_d("2022-10"), 60.0, _d("2024-09"), 0.12),
    "mes_bilans_prevention": Profile(_d("2024-01"), 1.3e6, _d("2026-01"), 0.12),
    "mediateurs_numeriques_sante_formes": Profile(_d("2021-06"), 12_000.0, _d("2025-01"), 0.1),
    "segur_v1_taux_deploiement": Profile(
        _d("2021-06"), 99.5, _d("2022-09"), 0.3, end=_d("2023-12"), denominator=70_000.0
    ),
    "segur_v1_structures_equipees": Profile(_d("2021-06"), 60_000.0, _d("2022-10"), 0.25),
    "segur_logiciels_references": Profile(_d("2021-03"), 700.0, _d("2022-06"), 0.15),
    "segur_financement_sons": Profile(_d("2021-06"), 2e9, _d("2024-01"), 0.1),
    "ins_qualification": Profile(_d("2021-01"), 40e6, _d("2022-06"), 0.12, floor=1e6),
    "mssante_equipement_professionnels": Profile(
        _d("2019-01"), 90.0, _d("2021-06"), 0.08, floor=35.0, denominator=250_000.0
    ),
    "mssante_messages_mois": Profile(_d("2019-01"), 40e6, _d("2022-06"), 0.07, floor=2e6),
    "psc_authentifications_mois": Profile(_d("2020-06"), 11.5e6, _d("2022-01"), 0.15),
    "ecps_actives": Profile(_d("2020-06"), 450_000.0, _d("2023-01"), 0.1),
    "ordonnance_numerique": Profile(_d("2019-07"), 160e6, _d("2025-06"), 0.1),
    "cisis_documents_structures": Profile(
        _d("2021-01"), 70.0, _d("2024-06"), 0.1, floor=5.0, denominator=60e6
    ),
    "esms_dui_actifs": Profile(_d("2021-01"), 600_000.0, _d("2024-01"), 0.1),
    "teleconsultations_actes": Profile(
        _d("2019-01"), 1.0e6, _d("2020-06"), 0.6, floor=12_000.0, covid=3.6e6
    ),
    "teleexpertises_actes": Profile(
        _d("2019-01"), 60_000.0, _d("2022-06"), 0.1, floor=2_000.0, covid=30_000.0
    ),
    "telesurveillance_patients": Profile(
        _d("2019-01"), 400_000.0, _d("2024-06"), 0.12, floor=5_000.0
    ),
    "patients_chroniques_acte_telesante": Profile(
        _d("2019-01"), 95_000.0, _d("2022-06"), 0.08, floor=25_000.0, covid=50_000.0
    ),
    "sas_departements_couverts": Profile(_d("2021-01"), 101.0, _d("2023-06"), 0.2),
    "cyber_part_budget_numerique": Profile(
        _d("2019-01"), 12.0, _d("2025-01"), 0.05, floor=3.0, denominator=2.5e9
    ),
    "care_etablissements_engages": Profile(_d("2024-01"), 1_300.0, _d("2024-06"), 0.5),
    "eds_hospitaliers": Profile(_d("2023-01"), 50.0, _d("2025-06"), 0.1),
    "projets_rd_finances": Profile(_d("2021-10"), 350.0, _d("2024-01"), 0.1),
    # Denominators from data.ameli.fr: ~4 M patients treated for diabetes, ~52 000 GPs.
    "patients_chroniques_effectif": Profile(_d("2019-01"), 4.4e6, _d("2022-01"), 0.05, floor=3.9e6),
    "medecins_liberaux_effectif": Profile(
        _d("2019-01"), 52_500.0, _d("2021-01"), 0.05, floor=51_500.0
    ),
}
# Known sector shares (ANS monthly review, Dec 2023) used as base weights when codes match.
BASE_SHARES: dict[str, float] = {
    "biologie": 37.0,
    "ville": 35.0,
    "hopital": 17.0,
    "radiologie": 8.0,
    "officine": 3.0,
    "medico_social": 0.5,
}
# Monthly seasonality of flows: summer holidays and the late-December break.
SEASONALITY = np.array([1.02, 1.0, 1.03, 1.0, 0.97, 1.0, 0.93, 0.78, 1.0, 1.04, 1.03, 0.88])
# After the last real figure: a tail moving less than this (relative) is a carried-forward
# line, and the real trend (fading over TREND_FADE periods) replaces it.
FLAT_TOLERANCE = 0.002
TREND_FADE = 12.0


def default_profile(indicator: Indicator) -> Profile:
    """A plausible shape for an indicator the profiles do not know yet."""
    if indicator.unit == "percent":
        return Profile(_d("2020-01"), 80.0, _d("2023-06"), 0.08, floor=10.0, denominator=1e5)
    level = 1e9 if indicator.unit == "euros" else 1e5
    return Profile(_d("2020-01"), level, _d("2023-06"), 0.1)


# ---------------------------------------------------------------------------------------
# Periods


def parse_until(text: str) -> dt.date:
    """`--until AAAA-MM` → first day of that month, from 2019-01 on."""
    match = _UNTIL.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2019:
        raise DemoError(
            f"Période « {text} » invalide pour --until. "
            "Attendu : un mois AAAA-MM à partir de 2019-01 (ex. « 2025-12 »)."
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def last_period(indicator: Indicator, *, until: dt.date | None, today: dt.date) -> dt.date:
    """The latest period fully ended by the end of `until` (default: by today)."""
    if until is None:
        return last_complete_period(today, indicator.frequency)
    return last_complete_period(add_periods(until, 1, "monthly"), indicator.frequency)


def _month_index(day: dt.date) -> int:
    return (day.year - FIRST_MONTH.year) * 12 + day.month - 1


# ---------------------------------------------------------------------------------------
# National series


def _rng(seed: int, *parts: str) -> np.random.Generator:
    """One generator per (seed, indicator, purpose): stable whatever the catalog order."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


def _monthly_shape(indicator: Indicator, *, profile: Profile, months: int, seed: int) -> FloatArray:
    """National monthly series from 2019-01: logistic stock, or seasonal flow per month."""
    t = np.arange(months, dtype=float)
    start, mid = _month_index(profile.start), _month_index(profile.midpoint)
    g = 1.0 / (1.0 + np.exp(-profile.speed * (t - mid)))
    g0 = 1.0 / (1.0 + np.exp(-profile.speed * (start - 1 - mid)))  # the first month counts
    rng = _rng(seed, indicator.id, "shape")
    if indicator.nature == "stock":
        progress = np.clip((g - g0) / (1.0 - g0), 0.0, 1.0)
        steps = np.diff(progress, prepend=0.0) * (1.0 + 0.25 * rng.uniform(-1, 1, months))
        series = profile.floor + (profile.level - profile.floor) * np.cumsum(steps)
        series = (
            series
            / max(float(series[-1]), 1e-12)
            * (profile.floor + (profile.level - profile.floor) * float(progress[-1]))
        )
    else:
        rate = profile.floor + (profile.level - profile.floor) * g
        season = SEASONALITY[(t.astype(int)) % 12]
        series = rate * season * (1.0 + 0.03 * rng.standard_normal(months))
        if profile.covid:
            after = t - _month_index(COVID_PEAK)
            surge = np.where(after >= 0, np.exp(-np.maximum(after, 0) / 2.5), 0.0)
            surge = np.where(after == -1, 0.35, surge)
            series = series + profile.covid * surge
    series = np.where(t < start, np.nan, series)
    if profile.end is not None:
        series = np.where(t > _month_index(profile.end), np.nan, series)
    if indicator.unit == "percent":
        series = np.clip(series, 0.0, 100.0)
    return np.maximum(series, 0.0)


def _collapse(monthly: FloatArray, *, indicator: Indicator) -> FloatArray:
    """Monthly values → one per period: a flow sums its months, a stock keeps the last."""
    k = indicator.months_per_period
    blocks = monthly.reshape(-1, k)
    if indicator.nature == "flow" and indicator.unit != "percent":
        out = blocks.sum(axis=1)
        return np.where(np.isnan(blocks).any(axis=1), np.nan, out)
    return blocks[:, -1]


def _calibrate(
    series: FloatArray,
    *,
    indicator: Indicator,
    anchors: dict[int, float],
    annual: dict[int, list[int]],
    totals: dict[int, float],
    tail: bool = True,
) -> FloatArray:
    """Bend the series through the published figures, then make flows add to annual totals.

    `tail=False` for a breakdown's series: it exists where the national total does, whose
    own tail (_continue_after_last_anchor) already decided how it goes on.
    """
    x = series.copy()
    usable = {i: v for i, v in anchors.items() if not np.isnan(x[i]) and x[i] > 0 and v > 0}
    if usable:
        idx = np.array(sorted(usable))
        log_ratio = np.log([usable[i] / x[i] for i in idx])
        x = x * np.exp(np.interp(np.arange(len(x)), idx, log_ratio))
    for i, v in anchors.items():
        x[i] = v
    if tail:
        x = _continue_after_last_anchor(x, indicator=indicator, anchors=anchors)
    if indicator.nature == "flow":
        for year, members in annual.items():
            if year not in totals or any(np.isnan(x[i]) for i in members):
                continue
            fixed = [i for i in members if i in anchors]
            free = [i for i in members if i not in anchors]
            rest = totals[year] - sum(anchors[i] for i in fixed)
            current = float(x[free].sum()) if free else 0.0
            if free and current > 0 and rest > 0:
                x[free] = x[free] * rest / current
    if indicator.nature == "stock" and indicator.id != "mes_profils_crees":
        valid = ~np.isnan(x)
        y = x[valid]
        y = np.minimum.accumulate(y[::-1])[::-1]  # never above a later value
        x[valid] = y
        for i, v in anchors.items():
            x[i] = v
    if indicator.unit == "percent":
        x = np.clip(x, 0.0, 100.0)
    return x


def _continue_after_last_anchor(
    x: FloatArray, *, indicator: Indicator, anchors: dict[int, float]
) -> FloatArray:
    """After the last real figure, never repeat it as a flat line labelled with later periods.

    A saturated shape bent through the last figure gives that figure again period after
    period, which reads as data. Where it would, the demo follows the trend of the last two
    real figures, fading over TREND_FADE periods; without a trend (one figure, or a stock
    that would fall), it stops at the last real figure.
    """
    if not anchors:
        return x
    last = max(anchors)
    value = anchors[last]
    tail = np.arange(last + 1, len(x))
    tail = tail[~np.isnan(x[tail])]
    if tail.size == 0 or value <= 0:
        return x
    if np.max(np.abs(x[tail] / value - 1.0)) > FLAT_TOLERANCE:
        return x  # the shape moves on by itself
    earlier = [i for i in anchors if i < last and anchors[i] > 0]
    rate = np.log(value / anchors[max(earlier)]) / (last - max(earlier)) if earlier else 0.0
    monotone_stock = indicator.nature == "stock" and indicator.id != "mes_profils_crees"
    out = x.copy()
    if abs(rate) < 1e-6 or (monotone_stock and rate < 0):
        out[tail] = np.nan
        return out
    steps = (tail - last).astype(float)
    out[tail] = value * np.exp(rate * TREND_FADE * (1.0 - np.exp(-steps / TREND_FADE)))
    return out


def _round_counts(x: FloatArray, *, indicator: Indicator, anchored: set[int]) -> FloatArray:
    if indicator.unit not in ("count", "euros"):
        return x
    out = np.round(x)
    for i in anchored:
        out[i] = x[i]
    return out


def split_integer(total: FloatArray, weights: FloatArray) -> FloatArray:
    """Split each row total by weights into integers that add up exactly (largest remainder).

    Rows whose total is not an integer (or not finite) are split without rounding.
    """
    w = np.nan_to_num(weights, nan=0.0)
    sums = w.sum(axis=1, keepdims=True)
    share = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)
    raw = total[:, None] * share
    finite = np.isfinite(total)
    integral = finite & (np.abs(total - np.round(total)) < 1e-9) & (sums[:, 0] > 0)
    floor = np.floor(np.nan_to_num(raw))
    remainder = np.round(np.nan_to_num(total) - floor.sum(axis=1)).astype(int)
    order = np.argsort(-(np.nan_to_num(raw) - floor), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(w.shape[1]), w.shape), axis=1)
    rounded = floor + (ranks < remainder[:, None])
    return np.where(integral[:, None], rounded, raw)


# ---------------------------------------------------------------------------------------
# Territories and breakdowns


@dataclass(frozen=True)
class Series:
    """One indicator's generated values, kept to serve as another's denominator."""

    periods: list[dt.date]
    national: FloatArray  # (T,) total, in unit
    cells: FloatArray | None  # (T, A) département totals, when territorial


def _department_weights(indicator: Indicator, *, seed: int, periods: int) -> FloatArray:
    """Population × a stable ±15 % regional factor × ±5 % département jitter (T, A)."""
    deps = by_level("department")
    regions = sorted({d.parent_code or "" for d in deps})
    rng = _rng(seed, indicator.id, "territory")
    reg_factor = dict(zip(regions, rng.uniform(-0.15, 0.15, len(regions)), strict=True))
    base = np.array(
        [d.population * (1.0 + reg_factor[d.parent_code or ""]) for d in deps], dtype=float
    ) * (1.0 + rng.uniform(-0.05, 0.05, len(deps)))
    weights = np.broadcast_to(base, (periods, len(deps))).copy()
    if indicator.nature == "flow":
        weights *= 1.0 + 0.03 * rng.standard_normal(weights.shape)
    return weights


def _logit_offsets(indicator: Indicator, *, seed: int) -> FloatArray:
    """Stable territorial differences of a rate, on the logit scale (A,)."""
    deps = by_level("department")
    regions = sorted({d.parent_code or "" for d in deps})
    rng = _rng(seed, indicator.id, "rate")
    reg = dict(zip(regions, rng.uniform(-0.35, 0.35, len(regions)), strict=True))
    return np.array([reg[d.parent_code or ""] for d in deps]) + rng.uniform(-0.1, 0.1, len(deps))


def _breakdown_shares(indicator: Indicator, *, seed: int, periods: int) -> FloatArray:
    """Sector shares drifting slowly over time, rows summing to 1 (T, B)."""
    codes = list(indicator.breakdown.values) if indicator.breakdown else []
    rng = _rng(seed, indicator.id, "breakdown")
    base = np.array([BASE_SHARES.get(c, 0.0) for c in codes]) + rng.uniform(0.5, 1.5, len(codes))
    if all(c in BASE_SHARES for c in codes):
        base = np.array([BASE_SHARES[c] for c in codes]) * rng.uniform(0.9, 1.1, len(codes))
    drift = rng.uniform(-0.6, 0.6, len(codes))
    t = np.linspace(-0.5, 0.5, periods)[:, None]
    shares = base[None, :] * np.exp(drift[None, :] * t)
    return shares / shares.sum(axis=1, keepdims=True)


def _solve_shift(logits: FloatArray, den: FloatArray, target: FloatArray) -> FloatArray:
    """Per period shift c so that Σ den·σ(logit + c) / Σ den = target (bisection, (T,))."""
    lo = np.full(len(target), -40.0)
    hi = np.full(len(target), 40.0)
    total = den.reshape(len(target), -1).sum(axis=1)
    flat_l = logits.reshape(len(target), -1)
    flat_d = den.reshape(len(target), -1)
    for _ in range(80):
        mid = (lo + hi) / 2
        rate = (flat_d / (1.0 + np.exp(-(flat_l + mid[:, None])))).sum(axis=1) / np.where(
            total > 0, total, 1.0
        )
        below = rate < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


# ---------------------------------------------------------------------------------------
# One indicator


@dataclass(frozen=True)
class Calibration:
    """Real national figures of one indicator, read from the database."""

    anchors: dict[tuple[dt.date, str], float]  # (period, breakdown) → real national value
    annual_totals: dict[int, float]  # year → published annual total of a flow


def _frame(
    *,
    level: str,
    codes: list[str],
    periods: list[dt.date],
    breakdown: str,
    value: FloatArray,
    numerator: FloatArray | None = None,
    denominator: FloatArray | None = None,
) -> pd.DataFrame:
    """Rows for a (T, A) block of values."""
    t_count, a_count = value.shape
    period_col = np.repeat(np.array(periods, dtype=object), a_count)
    nan = np.full(value.size, np.nan)
    frame = pd.DataFrame(
        {
            "level": level,
            "code": np.tile(np.array(codes, dtype=object), t_count),
            "period_start": period_col,
            "breakdown": breakdown,
            "value": value.ravel(),
            "numerator": numerator.ravel() if numerator is not None else nan,
            "denominator": denominator.ravel() if denominator is not None else nan,
            "is_masked": False,
        }
    )
    return frame[frame["value"].notna()]


def generate_indicator(
    indicator: Indicator,
    *,
    seed: int,
    last: dt.date,
    calibration: Calibration,
    generated: dict[str, Series],
) -> tuple[pd.DataFrame, Series | None]:
    """Demo rows (levels national/region/department) of one indicator, consistent by rule."""
    profile = PROFILES.get(indicator.id, default_profile(indicator))
    all_periods = period_range(FIRST_MONTH, last, indicator.frequency)
    if not all_periods:
        return pd.DataFrame(), None
    months = len(all_periods) * indicator.months_per_period
    monthly = _monthly_shape(indicator, profile=profile, months=months, seed=seed)
    national = _collapse(monthly, indicator=indicator)
    rule = indicator.aggregation.rule
    if rule == "ratio":
        national = _ratio_curve(indicator, periods=all_periods, base=national, generated=generated)
    position = {p: i for i, p in enumerate(all_periods)}
    anchors = {
        position[p]: v
        for (p, b), v in calibration.anchors.items()
        if b == TOTAL and p in position and not np.isnan(national[position[p]])
    }
    annual: dict[int, list[int]] = {}
    for i, p in enumerate(all_periods):
        annual.setdefault(p.year, []).append(i)
    per_year = 12 // indicator.months_per_period
    annual = {y: m for y, m in annual.items() if len(m) == per_year}
    national = _calibrate(
        national,
        indicator=indicator,
        anchors=anchors,
        annual=annual,
        totals=calibration.annual_totals,
    )
    if rule in ("sum", "not_aggregable", "pop_weighted_mean"):
        national = _round_counts(national, indicator=indicator, anchored=set(anchors))
    keep = ~np.isnan(national)
    periods = [p for p, k in zip(all_periods, keep, strict=True) if k]
    national = national[keep]
    if not periods:
        return pd.DataFrame(), None
    territorial = rule != "not_aggregable" and indicator.is_territorial
    if rule in ("count_true", "share_true"):
        return _true_false(indicator, periods=periods, national=national, seed=seed), None
    if rule == "ratio":
        return _ratio(
            indicator,
            periods=periods,
            national=national,
            seed=seed,
            territorial=territorial,
            generated=generated,
        )
    if rule == "pop_weighted_mean" and territorial:
        return _weighted_mean(indicator, periods=periods, national=national, seed=seed), None
    return _additive(
        indicator,
        periods=periods,
        national=national,
        seed=seed,
        territorial=territorial and rule == "sum",
        anchors=calibration.anchors,
    )


def _additive(
    indicator: Indicator,
    *,
    periods: list[dt.date],
    national: FloatArray,
    seed: int,
    territorial: bool,
    anchors: dict[tuple[dt.date, str], float],
) -> tuple[pd.DataFrame, Series]:
    """Sum rule: national total → sectors → départements, integers adding up exactly."""
    t_count = len(periods)
    codes = list(indicator.breakdown.values) if indicator.breakdown else []
    sector_values = np.zeros((t_count, 0))
    if codes and (indicator.breakdown is None or indicator.breakdown.total_is_sum):
        shares = _breakdown_shares(indicator, seed=seed, periods=t_count)
        fixed = _sector_columns(indicator, national, codes=codes, periods=periods, anchors=anchors)
        is_fixed = ~np.isnan(fixed)
        free_total = national - np.nan_to_num(fixed).sum(axis=1)
        free = split_integer(
            np.maximum(free_total, 0.0) if indicator.unit in ("count", "euros") else free_total,
            np.where(is_fixed, 0.0, shares),
        )
        sector_values = np.where(is_fixed, fixed, free)
        national = sector_values.sum(axis=1) if not is_fixed.any() else national
    elif codes:  # overlapping categories (total_is_sum false): each a part of the total
        fractions = _rng(seed, indicator.id, "overlap").uniform(0.3, 0.9, len(codes))
        sector_values = national[:, None] * fractions[None, :]
        if indicator.unit in ("count", "euros"):
            sector_values = np.round(sector_values)
        bent = _sector_columns(indicator, national, codes=codes, periods=periods, anchors=anchors)
        sector_values = np.where(np.isnan(bent), sector_values, bent)
    frames: list[pd.DataFrame] = []
    fr = [NATIONAL_CODE]
    if not territorial:
        frames.append(
            _frame(
                level="national",
                codes=fr,
                periods=periods,
                breakdown=TOTAL,
                value=national[:, None],
            )
        )
        for j, code in enumerate(codes[: sector_values.shape[1]]):
            frames.append(
                _frame(
                    level="national",
                    codes=fr,
                    periods=periods,
                    breakdown=code,
                    value=sector_values[:, j : j + 1],
                )
            )
        return pd.concat(frames, ignore_index=True), Series(periods, national, None)
    weights = _department_weights(indicator, seed=seed, periods=t_count)
    dep_codes = [d.code for d in by_level("department")]
    if sector_values.shape[1]:
        parts = [split_integer(sector_values[:, j], weights) for j in range(len(codes))]
        additive = indicator.breakdown is None or indicator.breakdown.total_is_sum
        cells = np.sum(parts, axis=0) if additive else split_integer(national, weights)
        for code, part in zip(codes, parts, strict=True):
            frames.append(
                _frame(
                    level="department", codes=dep_codes, periods=periods, breakdown=code, value=part
                )
            )
    else:
        cells = split_integer(national, weights)
    frames.append(
        _frame(level="department", codes=dep_codes, periods=periods, breakdown=TOTAL, value=cells)
    )
    deps = pd.concat(frames, ignore_index=True)
    return (
        pd.concat([deps, aggregate_up(deps, indicator=indicator)], ignore_index=True),
        Series(periods, national, cells),
    )


def _sector_columns(
    indicator: Indicator,
    national: FloatArray,
    *,
    codes: list[str],
    periods: list[dt.date],
    anchors: dict[tuple[dt.date, str], float],
) -> FloatArray:
    """The series of each breakdown value that has real figures (T, B): the national
    trajectory scaled through them; NaN for a value without any.

    Setting a real figure into its one period alone would make a spike (850 radiology
    sites between two demo months of 27 000); a share that drifts would make a stock fall
    or stay flat after its last real figure. Following the national total avoids both.
    """
    out = np.full((len(periods), len(codes)), np.nan)
    position = {p: i for i, p in enumerate(periods)}
    for j, code in enumerate(codes):
        own = {position[p]: v for (p, b), v in anchors.items() if b == code and p in position}
        if not own:
            continue
        column = _calibrate(
            national.astype(float),
            indicator=indicator,
            anchors=own,
            annual={},
            totals={},
            tail=False,
        )
        out[:, j] = _round_counts(column, indicator=indicator, anchored=set(own))
    return out


def _ratio_curve(
    indicator: Indicator, *, periods: list[dt.date], base: FloatArray, generated: dict[str, Series]
) -> FloatArray:
    """A ratio of two generated indicators follows them; otherwise its own shape."""
    num = generated.get(indicator.aggregation.numerator or "")
    den = generated.get(indicator.aggregation.denominator or "")
    if num is None or den is None or num.periods != den.periods:
        return base
    scale = indicator.aggregation.scale
    position = {p: i for i, p in enumerate(num.periods)}
    out = np.full(len(periods), np.nan)
    for i, p in enumerate(periods):
        j = position.get(p)
        if j is not None and den.national[j] > 0:
            out[i] = scale * num.national[j] / den.national[j]
    return out


def _ratio(
    indicator: Indicator,
    *,
    periods: list[dt.date],
    national: FloatArray,
    seed: int,
    territorial: bool,
    generated: dict[str, Series],
) -> tuple[pd.DataFrame, None]:
    """Ratio rule: denominators split by population, rates varied on the logit scale.

    The rates are shifted per period so that Σ numerators / Σ denominators equals the
    national value exactly: France is the ratio of sums, never a mean of rates.
    """
    scale = indicator.aggregation.scale
    bounded = indicator.unit == "percent"
    ceiling = (100.0 / scale) if bounded else 1.0
    target = np.clip(national / scale / ceiling, 1e-9, 1 - 1e-9) if bounded else national / scale
    t_count = len(periods)
    profile = PROFILES.get(indicator.id, default_profile(indicator))
    den_nat = _denominator(indicator, periods=periods, profile=profile, generated=generated)
    codes = list(indicator.breakdown.values) if indicator.breakdown else []
    if territorial:
        weights = _department_weights(indicator, seed=seed, periods=t_count)
        area_offsets = _logit_offsets(indicator, seed=seed)
        area_codes = [d.code for d in by_level("department")]
        level = "department"
    else:
        weights = np.ones((t_count, 1))
        area_offsets = np.zeros(1)
        area_codes = [NATIONAL_CODE]
        level = "national"
    if codes:
        shares = _breakdown_shares(indicator, seed=seed, periods=t_count)
        sector_offsets = _rng(seed, indicator.id, "sector").uniform(-0.6, 0.6, len(codes))
    else:
        shares = np.ones((t_count, 1))
        sector_offsets = np.zeros(1)
    # den: (T, B, A)
    den = np.round(den_nat[:, None, None] * shares[:, :, None] * _normalise(weights)[:, None, :])
    den = np.maximum(den, 1.0)
    logits = sector_offsets[None, :, None] + area_offsets[None, None, :]
    if bounded:
        shift = _solve_shift(np.broadcast_to(logits, den.shape), den, target)
        rate = 1.0 / (1.0 + np.exp(-(logits + shift[:, None, None])))
        num = den * rate * ceiling
    else:
        raw = den * np.exp(logits)
        factor = (
            target * den.reshape(t_count, -1).sum(axis=1) / raw.reshape(t_count, -1).sum(axis=1)
        )
        num = raw * factor[:, None, None]
    frames = []
    num_total, den_total = num.sum(axis=1), den.sum(axis=1)
    frames.append(
        _frame(
            level=level,
            codes=area_codes,
            periods=periods,
            breakdown=TOTAL,
            value=scale * num_total / den_total,
            numerator=num_total,
            denominator=den_total,
        )
    )
    for j, code in enumerate(codes):
        frames.append(
            _frame(
                level=level,
                codes=area_codes,
                periods=periods,
                breakdown=code,
                value=scale * num[:, j, :] / den[:, j, :],
                numerator=num[:, j, :],
                denominator=den[:, j, :],
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    if territorial:
        rows = pd.concat([rows, aggregate_up(rows, indicator=indicator)], ignore_index=True)
    return rows, None


def _normalise(weights: FloatArray) -> FloatArray:
    return weights / weights.sum(axis=1, keepdims=True)


def _denominator(
    indicator: Indicator, *, periods: list[dt.date], profile: Profile, generated: dict[str, Series]
) -> FloatArray:
    """National denominator: the catalog indicator when generated, else a slow-growing level."""
    source = generated.get(indicator.aggregation.denominator or "")
    if source is not None:
        position = {p: i for i, p in enumerate(source.periods)}
        values = np.array(
            [source.national[position[p]] if p in position else np.nan for p in periods]
        )
        if not np.isnan(values).any() and (values > 0).all():
            return values
    level = profile.denominator or 1e5
    years = np.array([(p - FIRST_MONTH).days / 365.25 for p in periods])
    return level * (1.0 + 0.015 * years)


def _true_false(
    indicator: Indicator, *, periods: list[dt.date], national: FloatArray, seed: int
) -> pd.DataFrame:
    """Yes/no per département: each deploys once, in an order that meets the national count."""
    deps = by_level("department")
    n_deps = len(deps)
    if indicator.aggregation.rule == "share_true":
        count = national / share_scale(indicator) * n_deps
    else:
        count = national
    count = np.maximum.accumulate(np.clip(np.round(count), 0, n_deps))
    order = _rng(seed, indicator.id, "deployment").permutation(n_deps)
    rank = np.empty(n_deps, dtype=int)
    rank[order] = np.arange(n_deps)
    cells = (rank[None, :] < count[:, None]).astype(float)
    rows = _frame(
        level="department",
        codes=[d.code for d in deps],
        periods=periods,
        breakdown=TOTAL,
        value=cells,
    )
    return pd.concat([rows, aggregate_up(rows, indicator=indicator)], ignore_index=True)


def _weighted_mean(
    indicator: Indicator, *, periods: list[dt.date], national: FloatArray, seed: int
) -> pd.DataFrame:
    """Population-weighted mean: départements around France, shifted to meet it exactly."""
    deps = by_level("department")
    pop = np.array([d.population for d in deps], dtype=float)
    offsets = _rng(seed, indicator.id, "mean").uniform(-0.15, 0.15, len(deps))
    cells = national[:, None] * (1.0 + offsets[None, :])
    cells += (national - (cells * pop).sum(axis=1) / pop.sum())[:, None]
    rows = _frame(
        level="department",
        codes=[d.code for d in deps],
        periods=periods,
        breakdown=TOTAL,
        value=cells,
    )
    return pd.concat([rows, aggregate_up(rows, indicator=indicator)], ignore_index=True)


def generation_order(catalog: Catalog) -> list[Indicator]:
    """Ratios last, so that they can follow their numerator and denominator."""
    return sorted(catalog.indicators, key=lambda ind: ind.aggregation.rule == "ratio")


def generate(
    catalog: Catalog,
    *,
    seed: int,
    until: dt.date | None,
    calibrations: dict[str, Calibration],
    today: dt.date | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Every demo row of the catalog, keyed by (indicator_id, level, code, period, breakdown)."""
    today = today or dt.date.today()
    generated: dict[str, Series] = {}
    frames: list[pd.DataFrame] = []
    indicators = generation_order(catalog)
    for n, ind in enumerate(indicators, start=1):
        rows, series = generate_indicator(
            ind,
            seed=seed,
            last=last_period(ind, until=until, today=today),
            calibration=calibrations.get(ind.id, Calibration({}, {})),
            generated=generated,
        )
        if series is not None:
            generated[ind.id] = series
        if not rows.empty:
            shown = rows["level"].isin(ind.levels_shown)  # départements can be a means only
            frames.append(rows[shown].assign(indicator_id=ind.id))
        if n % 5 == 0 or n == len(indicators):
            progress(f"Génération : {n}/{len(indicators)} indicateurs")
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "level", "code", *KEY[2:]])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Database


def read_calibrations(conn: Connection, catalog: Catalog) -> dict[str, Calibration]:
    """Real national observations and published annual totals, per indicator."""
    rows = conn.execute(
        select(
            Observation.indicator_id,
            Observation.period_start,
            Observation.breakdown,
            Observation.value,
        )
        .join(Area, Area.id == Observation.area_id)
        .where(
            Area.level == "national",
            Observation.origin != Origin.demo,
            Observation.value.is_not(None),
        )
    ).all()
    anchors: dict[str, dict[tuple[dt.date, str], float]] = {}
    for ind_id, period, breakdown, value in rows:
        if value is not None:
            anchors.setdefault(ind_id, {})[(period, breakdown)] = float(value)
    totals: dict[str, dict[int, float]] = {}
    figures = conn.execute(
        select(
            PublishedFigure.indicator_id,
            PublishedFigure.period_start,
            PublishedFigure.value,
            PublishedFigure.unit,
        )
        .where(
            PublishedFigure.geo_level == "national",
            PublishedFigure.period_type == "year",
            PublishedFigure.breakdown == TOTAL,
            PublishedFigure.retained.is_(True),
        )
        .order_by(PublishedFigure.id)
    ).all()
    for ind_id, start, value, unit in figures:
        ind = catalog.by_id.get(ind_id)
        if (
            ind is not None
            and ind.nature == "flow"
            and ind.frequency != "yearly"
            and (unit == ind.unit)
        ):
            totals.setdefault(ind_id, {}).setdefault(start.year, float(value))
    return {
        ind.id: Calibration(anchors.get(ind.id, {}), totals.get(ind.id, {}))
        for ind in catalog.indicators
    }


def _real_keys(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(
        select(*[getattr(Observation, c) for c in KEY]).where(Observation.origin != Origin.demo)
    ).all()
    return pd.DataFrame(rows, columns=KEY)


def to_observations(rows: pd.DataFrame, *, ids: dict[tuple[str, str], int]) -> pd.DataFrame:
    """Generated rows → the frame `upsert_observations` takes, origin demo."""
    index = pd.MultiIndex.from_tuples(list(ids), names=["level", "code"])
    lookup = pd.Series(list(ids.values()), index=index)
    area = lookup.reindex(pd.MultiIndex.from_arrays([rows["level"], rows["code"]])).to_numpy()
    return pd.DataFrame(
        {
            "indicator_id": rows["indicator_id"].to_numpy(),
            "area_id": area.astype(int),
            "period_start": rows["period_start"].to_numpy(),
            "breakdown": rows["breakdown"].to_numpy(),
            "value": rows["value"].to_numpy(dtype=float),
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float),
            "is_masked": rows["is_masked"].to_numpy(dtype=bool),
            "is_provisional": False,
            "qualifier": "exact",
            "origin": Origin.demo.value,
            "observed_on": None,
            "source_label": DEMO_LABEL,
            "source_url": None,
        }
    )


def _without_keys(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    if keys.empty:
        return frame
    merged = frame.merge(keys.assign(_real=True), on=KEY, how="left")
    return frame[merged["_real"].isna().to_numpy()].reset_index(drop=True)


def run_demo(
    engine: Engine,
    catalog: Catalog,
    *,
    seed: int,
    until: dt.date | None,
    progress: Callable[[str], None],
    today: dt.date | None = None,
    lock_timeout: float | None = None,
) -> LoadReport:
    """Generate and load the demo data through the one write path (etl.write).

    Demo rows this run no longer generates (another seed or `until`) are removed.
    """
    request = WriteRequest(DEMO_SOURCE, "demo", lock_timeout=lock_timeout)
    with recorded_write(engine, request) as write, write.transaction() as conn:
        calibrations = read_calibrations(conn, catalog)
        rows = generate(
            catalog,
            seed=seed,
            until=until,
            calibrations=calibrations,
            today=today,
            progress=progress,
        )
        frame = to_observations(rows, ids=area_ids(conn))
        frame = _without_keys(frame, _real_keys(conn))
        progress(f"Chargement : {len(frame)} observations…")
        report = upsert_observations(conn, frame, run_id=write.run_id)
        report.rows_deleted = purge_origin(conn, Origin.demo, run_id=write.run_id, keep=frame)
        write.report = report
    return report


def purge_demo(engine: Engine, *, lock_timeout: float | None = None) -> int:
    """Delete every demo observation through the one write path; returns the count."""
    request = WriteRequest(DEMO_SOURCE, "demo", lock_timeout=lock_timeout)
    with recorded_write(engine, request) as write, write.transaction() as conn:
        deleted = purge_origin(conn, Origin.demo, run_id=write.run_id)
        write.report = LoadReport(rows_deleted=deleted)
    return deleted


def has_demo(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(select(exists().where(and_(Observation.origin == Origin.demo)))).scalar()
        )
