"""What the fiches région and département show beside their main table, as data: each
indicator's trajectory beside France, the départements of a région side by side, the
territory's own targets (a source's, per area) and the values a région shares with its
group. Shared by the pages and the download routes, like `views`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core import geography
from core.catalog import Indicator
from core.vocabulary import Level, Origin
from dashboard import grouped, measure, targets, views
from dashboard.access import may_see_area
from dashboard.formatting import format_number, format_period
from dashboard.queries import Reads

# -- trajectories beside France (small multiples) -------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """One indicator's series for a territory (or the group it is published with) and for
    France, total rows in time order. With `per_capita`, both are per 100 000 inhabitants,
    each of its own area (`value`; the stored value in `total`, beside `population` and
    `population_year`), and drawn on one scale."""

    indicator: Indicator
    area: pd.DataFrame
    france: pd.DataFrame
    group: geography.Area | None = None  # set when `area` holds the group's values
    per_capita: bool = False

    def text(self, value: float) -> str:
        """A value of its lines as written: per 100 000 inhabitants at
        `measure.PER_CAPITA_DECIMALS` (« 0,4 », not « 0 »), else at the indicator's."""
        ind = self.indicator
        decimals = measure.PER_CAPITA_DECIMALS if self.per_capita else ind.decimals
        return format_number(value, unit=ind.unit, decimals=decimals)


def _observed(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    rows = frame[frame["indicator_id"] == indicator_id]
    return rows.dropna(subset=["value"]).sort_values("period_start")


def trajectories(
    q: Reads, *, level: str, code: str, real_only: bool = False, per_capita: bool = False
) -> list[Trajectory]:
    """Each indicator with values for the territory (or, for a région published with
    others, for its group), in catalogue order; the indicators it may not see are absent.

    With `per_capita` (`par_habitant`, on by default), a count or an amount that adds up
    (`measure.applies`) is per 100 000 inhabitants: the territory's (its group's) values
    divided by its population, France's by France's, as the comparison over time of the
    indicator page does; a rate stays as is."""
    area = q.series(level=level, codes=[code])
    france = q.series(level=Level.national.value, codes=[geography.NATIONAL_CODE])
    group = geography.group_of(code) if level == Level.region else None
    shared = q.series(level=Level.group.value, codes=[group.code]) if group else area.iloc[0:0]
    if real_only:
        area, france, shared = (targets.real_only(f) for f in (area, france, shared))
    nation = geography.get_area(Level.national, geography.NATIONAL_CODE)
    out = []
    for ind in q.catalog.indicators:
        if not may_see_area(ind, level, code):
            continue
        mine, by_group = _observed(area, ind.id), None
        if mine.empty and group is not None:
            mine, by_group = _observed(shared, ind.id), group
        if mine.empty:
            continue
        fr = _observed(france, ind.id)
        divided = per_capita and measure.applies(ind, level)
        if divided:  # the group's population for the group's values
            own = by_group or geography.get_area(level, code)
            mine, fr = _per_100k(mine, own), _per_100k(fr, nation)
        out.append(Trajectory(ind, mine, fr, by_group, per_capita=divided))
    return out


def _per_100k(frame: pd.DataFrame, area: geography.Area) -> pd.DataFrame:
    """Series rows of one area per 100 000 of its inhabitants (`value`), the stored value
    in `total` (every area of core/reference/geography.csv has a population)."""
    return frame.assign(
        total=frame["value"],
        value=[measure.per_capita(v, area.population) for v in frame["value"]],
        population=area.population,
        population_year=area.population_year,
    )


def _last_text(frame: pd.DataFrame, t: Trajectory) -> str:
    """« 12,3 pour 100 000 habitants en mars 2025 (démonstration) »."""
    ind, last = t.indicator, frame.iloc[-1]
    value = t.text(float(last["value"]))
    if t.per_capita:
        value += f" {measure.PER_CAPITA_WORDS}"
    period = format_period(last["period_start"], frequency=ind.frequency)
    return f"{value} en {period} ({str(Origin.label_of(str(last['origin']))).lower()})"


def shared_text(group: geography.Area) -> str:
    """« publié avec une autre région : PACA et Corse »."""
    return f"{grouped.GROUPED_ELSEWHERE} : {group.name}"


def trajectory_text(t: Trajectory, *, area_name: str) -> str:
    """The text alternative of a small multiple: the last value of each line, its period
    and origin, and the span drawn."""
    ind = t.indicator
    name = area_name if t.group is None else f"{t.group.name} ({shared_text(t.group)})"
    title = f"{ind.short_label}, {measure.PER_CAPITA_WORDS}" if t.per_capita else ind.short_label
    parts = [f"{title}. {name} : {_last_text(t.area, t)}"]
    if not t.france.empty:
        parts.append(f"France : {_last_text(t.france, t)}")
    first = t.area["period_start"].min()
    parts.append(f"Série depuis {format_period(first, frequency=ind.frequency)}")
    return ". ".join(parts) + "."


def population_text(t: Trajectory, *, area_name: str) -> str:
    """The populations a per-capita trajectory rests on: « population Insee 2023 », naming
    an area counted at another year (« (Mayotte : 2017) »); empty for totals."""
    if not t.per_capita:
        return ""
    name = area_name if t.group is None else t.group.name
    years = [(name, int(t.area["population_year"].iloc[0]))]
    if not t.france.empty:
        years.append(("France", int(t.france["population_year"].iloc[0])))
    return measure.population_note(years)


def group_notes(q: Reads, *, level: str, code: str, real_only: bool = False) -> dict[str, str]:
    """For a région published with others (Corse, the DROM): per indicator it has no value
    of its own, « publié avec une autre région : PACA et Corse — valeur commune : … »,
    never a value split among the members."""
    if level != Level.region:
        return {}
    return {
        t.indicator.id: f"{shared_text(t.group)} — valeur commune : " + _last_text(t.area, t)
        for t in trajectories(q, level=level, code=code, real_only=real_only)
        if t.group is not None
    }


def with_group_notes(table: pd.DataFrame, notes: dict[str, str]) -> pd.DataFrame:
    """The fiche's table (`views.area_table`) with the group note of each indicator the
    région has no value of its own for, in place of « why no value » (Origine)."""
    if not notes or table.empty:
        return table
    out = table.copy()
    for i, r in out.iterrows():
        if r["indicator_id"] in notes and pd.isna(r["Valeur"]):
            out.at[i, "Origine"] = notes[r["indicator_id"]]
    return out


# -- the départements of a région -------------------------------------------------------------

DEPARTMENT_COLUMNS = (
    "code", "name", "period_start", "value", "is_masked", "origin", "source", "source_url",
    "france_value", "region_value", "region_rank", "region_ranked", "rank", "ranked",
    "per_capita", "value_per_100k", "france_per_100k", "region_per_100k", "population",
    "population_year",
)  # fmt: skip


def region_departments(
    q: Reads,
    *,
    region_code: str,
    indicator: Indicator,
    real_only: bool = False,
    totals: bool = False,
) -> pd.DataFrame:
    """The région's départements at the latest département period of the indicator (the
    latest with a real value with `real_only`): value, origin, source, France and the
    région at the same period, rank among the région's départements and among all
    départements (values equal at the displayed precision share a rank).

    A count is compared per 100 000 inhabitants, as on the maps (`totals`,
    `par_habitant=non`: as is): `per_capita` is then true, each département, France and the
    région have their value per 100 000 inhabitants (`value_per_100k`, `france_per_100k`,
    `region_per_100k`, the population each rests on beside), and the ranks compare these;
    `value`, `france_value` and `region_value` stay the totals."""
    periods = q.periods(indicator_id=indicator.id, level=Level.department, real_only=real_only)
    codes = [d.code for d in geography.departments_of(region_code)]
    if not periods:
        return pd.DataFrame(columns=list(DEPARTMENT_COLUMNS))
    period = periods[-1]
    snap = q.snapshot(indicator_id=indicator.id, level=Level.department, period=period)
    if real_only:
        snap = views.real_snapshot(snap)
    shown = measure.shown(indicator, level=Level.department, per_capita=not totals)
    snap = measure.with_per_capita(snap, level=Level.department)
    compared = snap["value_per_100k"] if shown.per_capita else snap["value"].astype(float)
    ascending = indicator.direction == "lower_is_better"
    snap = snap.assign(
        compared=compared,
        rank=measure.ranks(compared, decimals=shown.decimals, ascending=ascending),
    )
    ranked = int(snap["compared"].notna().sum())
    mine = snap[snap["code"].isin(codes)].copy()
    mine["region_rank"] = measure.ranks(
        mine["compared"], decimals=shown.decimals, ascending=ascending
    )
    at = pd.Timestamp(period)
    series = q.series(indicator_id=indicator.id, level=Level.department, codes=codes)
    series = series[series["period_start"] == at].set_index("code")

    def reference(level: str, code: str) -> float:
        rows = q.series(indicator_id=indicator.id, level=level, codes=[code])
        if real_only:
            rows = targets.real_only(rows)
        rows = rows[(rows["period_start"] == at)].dropna(subset=["value"])
        return float(rows["value"].iloc[-1]) if not rows.empty else float("nan")

    def source(code: str, column: str) -> object:
        if code not in series.index or pd.isna(mine.set_index("code").at[code, "value"]):
            return None
        return series.at[code, column]

    def per_100k(value: float, level: str, code: str) -> float:
        if not shown.per_capita:
            return float("nan")
        return measure.per_capita(value, geography.get_area(level, code).population)

    france = reference(Level.national, geography.NATIONAL_CODE)
    region = reference(Level.region, region_code)
    mine = mine.sort_values(["region_rank", "code"], na_position="last")
    return pd.DataFrame(
        {
            "code": mine["code"].to_numpy(),
            "name": mine["name"].to_numpy(),
            "period_start": [period] * len(mine),
            "value": mine["value"].astype(float).to_numpy(),
            "is_masked": mine["is_masked"].astype(bool).to_numpy(),
            "origin": mine["origin"].to_numpy(),
            "source": [source(c, "source_label") for c in mine["code"]],
            "source_url": [source(c, "source_url") for c in mine["code"]],
            "france_value": france,
            "region_value": region,
            "region_rank": mine["region_rank"].astype("Int64").to_numpy(),
            "region_ranked": int(mine["compared"].notna().sum()),
            "rank": mine["rank"].astype("Int64").to_numpy(),
            "ranked": ranked,
            "per_capita": shown.per_capita,
            "value_per_100k": mine["value_per_100k"].astype(float).to_numpy()
            if shown.per_capita
            else float("nan"),
            "france_per_100k": per_100k(france, Level.national, geography.NATIONAL_CODE),
            "region_per_100k": per_100k(region, Level.region, region_code),
            "population": mine["population"].to_numpy(),
            "population_year": mine["population_year"].to_numpy(),
        },
        columns=list(DEPARTMENT_COLUMNS),
    )


def department_indicators(q: Reads, *, region_code: str, real_only: bool) -> list[Indicator]:
    """The indicators the région's départements table can show: visible here, with
    département values (real ones with `real_only`)."""
    out = []
    for ind in q.catalog.indicators:
        if not may_see_area(ind, Level.region, region_code):
            continue
        if Level.department not in ind.levels_shown:
            continue
        origins = q.territorial_levels(indicator_id=ind.id).get(Level.department.value, set())
        if origins and (not real_only or origins - {Origin.demo.value}):
            out.append(ind)
    return out


def chosen_indicator(indicators: list[Indicator], asked: str | None) -> Indicator | None:
    """The indicator named by `indicateur`, else the first one."""
    return next((i for i in indicators if i.id == asked), indicators[0] if indicators else None)


# -- own targets of the territory and of its départements ------------------------------------


@dataclass(frozen=True)
class OwnTarget:
    """A target a source set for one area (SAS coverage of a département), assessed."""

    indicator: Indicator
    item: targets.TerritoryAssessment


def own_targets(
    q: Reads,
    *,
    level: str,
    codes: list[str],
    visible_from: tuple[str, str],
    today: dt.date,
    real_only: bool = False,
) -> list[OwnTarget]:
    """The source targets of the areas `codes` of `level`, each assessed on the area's
    own series and baseline, for the indicators the reader may see from the fiche
    `visible_from` (level, code), in catalogue then area order."""
    stored = q.source_targets()
    if stored.empty:
        return []
    stored = stored[(stored["level"] == level) & (stored["code"].isin(codes))]
    out = []
    for ind in q.catalog.indicators:
        mine = stored[stored["indicator_id"] == ind.id]
        if mine.empty or not may_see_area(ind, *visible_from):
            continue
        items = views.territory_assessments(
            q, ind, level=level, today=today, real_only=real_only, stored=mine
        )
        items.sort(key=lambda i: (geography.sort_key(i.code), i.target.deadline))
        out += [OwnTarget(ind, i) for i in items]
    return out


def progress_text(item: targets.TerritoryAssessment) -> str:
    """« 40 % » of the way from the baseline to the target, or « — »."""
    progress = item.assessment.progress
    return "—" if progress is None else format_number(progress, unit="percent", decimals=0)


def behind_text(items: list[OwnTarget]) -> str:
    """« 2 départements sur 4 n'atteignent pas leur cible (…) : Finistère, Morbihan. »"""
    behind = [o.item for o in items if o.item.is_behind]
    areas = {o.item.code for o in items}
    level = Level(items[0].item.level) if items else Level.department
    which = ", ".join(s.label.lower() for s in targets.BEHIND)
    if not behind:
        return f"Aucun des {len(areas)} {level.plural} n'est en dessous de sa cible ({which})."
    names = ", ".join(sorted({b.name for b in behind}))
    count = len({b.code for b in behind})
    noun = level.plural if count > 1 else level.label
    verb = "n'atteignent" if count > 1 else "n'atteint"
    return f"{count} {noun} sur {len(areas)} {verb} pas leur cible ({which}) : {names}."
