"""What each view shows, as data frames: shared by the pages and the download routes,
so that a download holds exactly the rows and columns of the table on screen.

URL parameters arrive through `urls.normalise` (dashboard/urls.py): unknown ones are
ignored, invalid values fall back to the default, renamed ones are migrated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core import geography
from core.catalog import MONTHS_PER_PERIOD, Frequency, Indicator, Target
from core.models import TOTAL
from core.vocabulary import Level, Origin, TargetOrigin, TargetStatus
from dashboard import grouped, measure, targets, urls
from dashboard.access import may_see_area
from dashboard.formatting import NNBSP, format_age, format_date, format_number, format_period
from dashboard.queries import SNAPSHOT_COLUMNS, Reads

# -- indicator page ------------------------------------------------------------------------


@dataclass
class IndicatorView:
    indicator: Indicator
    level: str
    periods: list[dt.date]
    period: dt.date | None
    compared: list[str]
    map_kind: str
    national: pd.DataFrame
    compared_series: pd.DataFrame
    snapshot: pd.DataFrame | None
    breakdowns: pd.DataFrame
    origins_by_level: dict[str, set[str]] = field(default_factory=dict)
    real_only: bool = False  # `reel=oui`: demo values left out of every chart and table
    # the areas of `level` that a source gave their own target, each with its status
    territories: list[targets.TerritoryAssessment] = field(default_factory=list)
    territory: tuple[str, str] | None = None  # `territoire`: (level, code) carried by links
    events_shown: bool = True  # `evenements=non` hides the roadmap milestones
    totals: bool = False  # `par_habitant=non`: counts compared as totals, not per 100 000

    @property
    def per_capita(self) -> bool:
        """Whether the map, the ranking and their table compare values per 100 000
        inhabitants (a count at région or département level, unless `par_habitant=non`)."""
        return not self.totals and measure.applies(self.indicator, self.level)

    @property
    def shown(self) -> measure.Shown:
        """How the map, the ranking and their table write values."""
        return measure.shown(self.indicator, level=self.level, per_capita=self.per_capita)

    @property
    def territorial_data(self) -> bool:
        return bool(self.origins_by_level.get(self.level))

    @property
    def highlighted(self) -> list[str]:
        """The codes to highlight on the map and the ranking of this level: the territory,
        its départements on a département map, its région on a région map."""
        if self.territory is None:
            return []
        level, code = self.territory
        if level == self.level:
            return [code]
        if level == Level.region:
            return [d.code for d in geography.departments_of(code)]
        return [geography.region_of(code).code]

    def params(self, **changes: object) -> dict[str, object]:
        """The URL parameters of this view, with some changed (for links)."""
        out: dict[str, object] = {
            "niveau": Level(self.level).slug,
            "periode": urls.period_param(self.period) if self.period else None,
            "comparer": ",".join(self.compared) or None,
            "carte": self.map_kind,
            "reel": "oui" if self.real_only else None,
            "territoire": urls.territory_param(*self.territory) if self.territory else None,
            "evenements": None if self.events_shown else "non",
            "par_habitant": "non" if self.totals else None,
        }
        out.update(changes)
        return {k: v for k, v in out.items() if v}

    def state(self) -> dict[str, str]:
        """The URL parameters of this view as text (for the real-data switch)."""
        return {k: str(v) for k, v in self.params().items()}


def indicator_view(
    q: Reads, indicator: Indicator, params: Mapping[str, object], *, today: dt.date | None = None
) -> IndicatorView:
    state = urls.normalise(params)
    real = urls.real_only(state)
    place = urls.territory(state)
    level = (Level.from_slug(urls.value(state, "niveau")) or Level.region).value
    asked_compared = urls.values(state, "comparer")
    if "niveau" not in state and place is not None:  # the map of the territory's level
        level = place[0].value
    elif (
        "niveau" not in state
        and asked_compared
        and not any(urls.valid_code(Level.region, c) for c in asked_compared)
    ):  # `comparer=29,22`: no région has these codes, départements do
        level = Level.department.value
    if level not in indicator.levels_shown:
        level = Level.region.value
    origins = q.territorial_levels(indicator_id=indicator.id)
    if real:
        origins = {lvl: o - {Origin.demo.value} for lvl, o in origins.items()}
        origins = {lvl: o for lvl, o in origins.items() if o}
    periods = (
        q.periods(indicator_id=indicator.id, level=level, real_only=real)
        if origins.get(level)
        else []
    )
    asked = urls.parse_period(urls.value(state, "periode"))
    period = asked if asked in periods else (periods[-1] if periods else None)
    compared = [c for c in asked_compared if urls.valid_code(level, c)]
    map_kind = urls.value(state, "carte") or "tuiles"
    national = q.series(indicator_id=indicator.id, level="national", breakdown=None)
    if real:
        national = targets.real_only(national)
    totals = national[national["breakdown"] == TOTAL]
    breakdowns = national[national["breakdown"] != TOTAL]
    compared_series = _compared_series(
        q, indicator, place=place, level=level, codes=compared, origins=origins
    )
    if compared_series is None:
        compared_series = totals.iloc[0:0]
    snapshot = (
        q.snapshot(indicator_id=indicator.id, level=level, period=period)
        if period is not None
        else None
    )
    if real:
        compared_series = targets.real_only(compared_series)
        snapshot = real_snapshot(snapshot) if snapshot is not None else None
    grouped_zones = level == Level.region and origins.get(Level.group.value)
    if snapshot is not None and period is not None and grouped_zones:
        snapshot = _with_region_groups(q, indicator, snapshot, period=period, real=real)
    if snapshot is not None and measure.applies(indicator, level):
        snapshot = measure.with_per_capita(snapshot, level=level)
    return IndicatorView(
        indicator=indicator,
        level=level,
        periods=periods,
        period=period,
        compared=compared,
        map_kind=map_kind,
        national=totals.reset_index(drop=True),
        compared_series=compared_series,
        snapshot=snapshot,
        breakdowns=breakdowns.reset_index(drop=True),
        origins_by_level=origins,
        real_only=real,
        events_shown=urls.events_shown(state),
        territories=territory_assessments(
            q, indicator, level=level, today=today or dt.date.today(), real_only=real
        )
        if level != Level.national.value
        else [],
        territory=(place[0].value, place[1]) if place else None,
        totals=not urls.per_capita(state),
    )


def _with_region_groups(
    q: Reads, indicator: Indicator, snapshot: pd.DataFrame, *, period: dt.date, real: bool
) -> pd.DataFrame:
    """The région snapshot with the values of région groups (Open DAMIR zones 5 and 93)
    shared by their members."""
    groups = q.snapshot(indicator_id=indicator.id, level=Level.group.value, period=period)
    return grouped.share_group_values(snapshot, real_snapshot(groups) if real else groups)


def _compared_series(
    q: Reads,
    indicator: Indicator,
    *,
    place: tuple[Level, str] | None,
    level: str,
    codes: list[str],
    origins: Mapping[str, set[str]],
) -> pd.DataFrame | None:
    """The series drawn beside France: the territory's first (at its own level), then the
    compared areas of the map's level (régions, or départements with niveau=departements)."""
    parts = []
    if place is not None and origins.get(place[0].value):
        parts.append(q.series(indicator_id=indicator.id, level=place[0].value, codes=[place[1]]))
    others = [c for c in codes if place is None or (level, c) != (place[0].value, place[1])]
    if others and origins.get(level):
        parts.append(q.series(indicator_id=indicator.id, level=level, codes=others))
    return pd.concat(parts, ignore_index=True) if parts else None


def real_snapshot(snapshot: pd.DataFrame) -> pd.DataFrame:
    """A snapshot with its demo values taken out: those areas have no value (NaN, never 0)."""
    out = snapshot.copy()
    demo = out["origin"] == Origin.demo.value
    out.loc[demo, "value"] = float("nan")
    out["origin"] = out["origin"].astype(object).where(~demo, None)
    return out


def series_frame(view: IndicatorView) -> pd.DataFrame:
    """The rows of the trajectory table (series columns): France then the compared
    régions, newest first; the table on screen and the downloads read it."""
    frame = pd.concat([view.national, view.compared_series], ignore_index=True)
    if frame.empty:
        return frame
    return in_table_order(frame)


def api_query(view: IndicatorView) -> dict[str, str] | None:
    """The query of the API's observations that answers the same bytes as this view's
    « serie » download (tests/dashboard/test_download_api_parity.py): the view's level, FR
    and its territory and compared areas, the total only, and the real origins with
    `reel=oui`. None when the territory is of another level than the compared areas (a
    région beside départements): one API query names one level."""
    level, codes = Level.national.value, [geography.NATIONAL_CODE]
    if view.territory is not None or view.compared:
        level = view.level
        if view.territory is not None:
            if view.territory[0] != level:
                if view.compared:
                    return None
                level = view.territory[0]
            codes.append(view.territory[1])
        codes += [c for c in view.compared if c not in codes]
    query = {"level": level, "area": ",".join(codes), "breakdown": TOTAL}
    if level == Level.national.value:
        del query["area"]
    if view.real_only:
        query["origin"] = ",".join(o.value for o in Origin.real())
    return query


TABLE_ORDER = ("code", "level", "breakdown", "period_start")
LEVEL_RANK = {lvl.value: n for n, lvl in enumerate(Level)}


def in_table_order(frame: pd.DataFrame) -> pd.DataFrame:
    """France first, then the areas in COG order (a région before the département of the
    same code), the total before the parts of a breakdown, newest period first: the order
    of the trajectory table, of its downloads and of the API's observations (a stable
    order, which its pages follow)."""
    return frame.sort_values(
        list(TABLE_ORDER), ascending=[True, True, True, False], key=_table_key, kind="stable"
    )


def table_key(level: str, code: str) -> tuple[str, int]:
    """Where an area comes in TABLE_ORDER (France first)."""
    return (_area_key(code), LEVEL_RANK.get(level, len(LEVEL_RANK)))


def _area_key(code: str) -> str:
    return "" if code == geography.NATIONAL_CODE else geography.sort_key(code)[1].zfill(5)


def _table_key(col: pd.Series) -> pd.Series:
    if col.name == "code":
        return col.astype(str).map(_area_key)
    if col.name == "level":
        return col.astype(str).map(lambda lvl: LEVEL_RANK.get(lvl, len(LEVEL_RANK)))
    if col.name == "breakdown":
        return col.astype(str).map(lambda b: "" if b == TOTAL else b)
    return col


PER_CAPITA_COLUMN = f"Pour 100{NNBSP}000 habitants"


def series_table(view: IndicatorView) -> pd.DataFrame:
    """Table of the trajectory and comparison charts: France then the compared areas,
    newest first; with the values the comparison draws per 100 000 inhabitants beside
    the totals when the view compares so (`comparison_frame`)."""
    frame = series_frame(view)
    columns = ["Territoire", "Période", "Valeur", "Origine", "Source"]
    if view.per_capita:
        columns.insert(3, PER_CAPITA_COLUMN)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(
        {
            "Territoire": frame["name"].to_numpy(),
            "Période": [
                format_period(d, frequency=view.indicator.frequency) for d in frame["period_start"]
            ],
            "Valeur": frame["value"].to_numpy(),
            "Origine": [Origin.label_of(o) for o in frame["origin"]],
            "Source": frame["source_label"].fillna("").to_numpy(),
        }
    )
    if view.per_capita:
        table.insert(3, PER_CAPITA_COLUMN, measure.series_per_capita(frame)["value_per_100k"])
    return table


def comparison_frame(view: IndicatorView) -> pd.DataFrame:
    """The series the comparison chart draws: France, then the territory and the compared
    areas; per 100 000 inhabitants of each area (France's for France) when the view
    compares so (a count at région or département level, unless `par_habitant=non`), the
    stored value kept in `total`."""
    frame = pd.concat([view.national, view.compared_series], ignore_index=True)
    if not view.per_capita or frame.empty:
        return frame
    divided = measure.series_per_capita(frame)
    return divided.assign(total=divided["value"], value=divided["value_per_100k"])


def snapshot_table(view: IndicatorView) -> pd.DataFrame:
    """Table of the map and the ranking: every area, rank 1 = best according to direction.

    A région group is a row of its own, ranked; its members say « publié avec une autre
    région » in place of a value (dashboard/grouped.py)."""
    cols = ["Rang", "Code", "Territoire", "Valeur", "Origine"]
    if view.snapshot is None:
        return pd.DataFrame(columns=cols)
    snap = grouped.ranking_rows(map_snapshot(view))
    ascending = view.indicator.direction == "lower_is_better"
    snap["rank"] = measure.ranks(snap["value"], decimals=view.shown.decimals, ascending=ascending)
    snap = snap.sort_values(["rank", "code"], na_position="last")
    noted = snap["note"].notna()
    if view.shown.yes_no:  # « oui » first, but a yes/no fact is not ranked
        snap["rank"] = float("nan")
    table = pd.DataFrame(
        {
            "Rang": snap["rank"].astype("Int64").to_numpy(),
            "Code": snap["code"].to_numpy(),
            "Territoire": snap["name"].to_numpy(),
            "Valeur": snap["value"].astype(object).where(~noted, snap["note"]).to_numpy()
            if noted.any()
            else snap["value"].to_numpy(),
            "Origine": [Origin.label_of(o) for o in snap["origin"]],
        }
    )
    if view.per_capita:  # the totals stay beside the values per 100 000 inhabitants
        table.insert(4, TOTAL_COLUMN, snap["total"].where(~noted).to_numpy())
    return with_territory_targets(table, view) if view.territories else table


TOTAL_COLUMN = "Total"


def map_snapshot(view: IndicatorView) -> pd.DataFrame:
    """The snapshot the map and the ranking draw: its values per 100 000 inhabitants when
    the view compares them so (the totals in `total`), else as stored."""
    if view.snapshot is None:
        return pd.DataFrame(columns=[*SNAPSHOT_COLUMNS, "total"])
    if view.per_capita:
        return measure.as_per_capita(view.snapshot, level=view.level)
    return view.snapshot.assign(total=view.snapshot["value"])


def france_reference(view: IndicatorView) -> float | None:
    """France's value at the map's period, in the map's measure (per 100 000 inhabitants
    when the map is): the ranking's reference line."""
    if view.period is None:
        return None
    fr = view.national[view.national["period_start"] == pd.Timestamp(view.period)]
    if fr.empty or pd.isna(fr["value"].iloc[0]):
        return None
    value = float(fr["value"].iloc[0])
    if view.per_capita:
        france = geography.get_area(Level.national, geography.NATIONAL_CODE)
        return measure.per_capita(value, france.population)
    return value


def measure_note(view: IndicatorView) -> str:
    """What the map and the ranking compare, in words: « Valeurs pour 100 000 habitants
    (population Insee 2023 (Mayotte : 2017)) », « Valeurs oui / non »; "" for the
    indicator's own values."""
    if view.shown.yes_no:
        return (
            f"Fait oui / non par {Level(view.level).label} : « oui » (1) ou « non » (0), sans rang."
        )
    if not view.per_capita or view.snapshot is None:
        return ""
    return (
        f"Valeurs {measure.PER_CAPITA_WORDS} ({population_text(view)}) : la valeur de chaque "
        f"territoire divisée par sa population, multipliée par 100{NNBSP}000. "
        "Les totaux sont dans le tableau."
    )


def population_text(view: IndicatorView) -> str:
    """« population Insee 2023 (Mayotte : 2017) »: the populations the map divides by; ""
    when it does not divide."""
    if not view.per_capita or view.snapshot is None:
        return ""
    shown = grouped.ranking_rows(map_snapshot(view)).dropna(subset=["value"])
    years = [(str(n), int(y)) for n, y in zip(shown["name"], shown["population_year"], strict=True)]
    return measure.population_note(years)


TERRITORY_COLUMNS = ["Cible", "Échéance", "Progression", "Statut de la cible", "Base du statut"]


def with_territory_targets(table: pd.DataFrame, view: IndicatorView) -> pd.DataFrame:
    """The map's table with each area's own target, its status (on its latest value) and
    what the status rests on (real or demo values); « — » for an area with no target."""
    by_code = {t.code: t for t in view.territories}
    ind = view.indicator

    def cells(code: str) -> list[str]:
        t = by_code.get(code)
        if t is None:
            return ["—"] * len(TERRITORY_COLUMNS)
        progress = t.assessment.progress
        return [
            _target_text(t.target, ind),
            format_date(t.target.deadline),
            "—" if progress is None else format_number(progress, unit="percent"),
            t.assessment.label,
            t.assessment.basis_label or "—",
        ]

    rows = [cells(str(c)) for c in table["Code"]]
    extra = pd.DataFrame(rows, columns=TERRITORY_COLUMNS, index=table.index)
    return pd.concat([table, extra], axis=1)


def ranking_snapshot(snapshot: pd.DataFrame) -> pd.DataFrame:
    """The areas of the ranking chart: the table's rows (région groups as rows of their own)."""
    return grouped.ranking_rows(snapshot)


def shared_values_note(view: IndicatorView) -> str:
    """What the map says of régions drawn with their group's value; "" when none is."""
    if view.snapshot is None or "group_name" not in view.snapshot.columns:
        return ""
    shared = view.snapshot.dropna(subset=["group_name"])
    if shared.empty:
        return ""
    parts = [
        f"{', '.join(rows['name'])} : valeur commune « {name} »"
        for name, rows in shared.groupby("group_name", sort=True)
    ]
    return (
        f"Régions publiées ensemble par la source ({Level.group.label}s, jamais réparties) — "
        + " ; ".join(parts)
        + "."
    )


def breakdown_frame(view: IndicatorView) -> pd.DataFrame:
    """The rows of the breakdown table (series columns): newest period first, the parts in
    the catalogue's order within a period."""
    frame = view.breakdowns
    if frame.empty or view.indicator.breakdown is None:
        return frame.iloc[0:0]
    order = {code: i for i, code in enumerate(view.indicator.breakdown.values)}
    rank = frame["breakdown"].astype(str).map(lambda b: order.get(b, len(order)))
    return (
        frame.assign(_order=rank)
        .sort_values(["period_start", "_order", "breakdown"], ascending=[False, True, True])
        .drop(columns="_order")
    )


def breakdown_table(view: IndicatorView) -> pd.DataFrame:
    """Table of the breakdown chart: each part of the national total, period by period."""
    frame = breakdown_frame(view)
    dimension = view.indicator.breakdown.label if view.indicator.breakdown else "Ventilation"
    labels = view.indicator.breakdown.values if view.indicator.breakdown else {}
    return pd.DataFrame(
        {
            "Période": [
                format_period(d, frequency=view.indicator.frequency) for d in frame["period_start"]
            ],
            dimension: [labels.get(str(b), str(b)) for b in frame["breakdown"]],
            "Valeur": frame["value"].to_numpy(dtype=float),
            "Origine": [Origin.label_of(o) for o in frame["origin"]],
            "Source": frame["source_label"].fillna("").to_numpy(),
        }
    )


NO_REAL_FIGURE = "Aucun chiffre réel publié"
NATIONAL_ONLY = "Publié à l'échelle nationale uniquement"

# -- latest figures: real first ----------------------------------------------------------


@dataclass(frozen=True)
class LatestFigure:
    """The latest value of one origin kind (real or demo) of a series, with what to say of it."""

    value: float
    qualifier: str
    period_start: dt.date
    observed_on: dt.date | None
    origin: Origin
    source_label: str
    source_url: str
    age_months: int  # whole months from the end of its period (or its date) to today

    def value_text(self, ind: Indicator) -> str:
        return format_number(
            self.value, unit=ind.unit, decimals=ind.decimals, qualifier=self.qualifier or "exact"
        )

    def date_text(self, ind: Indicator) -> str:
        """« au 15/09/2024 » for a figure dated to the day, else « en juillet 2024 »."""
        if self.observed_on is not None:
            return f"au {format_date(self.observed_on)}"
        return f"en {format_period(self.period_start, frequency=ind.frequency)}"

    @property
    def age_text(self) -> str:
        return format_age(self.age_months)


@dataclass(frozen=True)
class LatestFigures:
    real: LatestFigure | None
    demo: LatestFigure | None

    @property
    def demo_is_newer(self) -> bool:
        """Whether the demo value says something the real one does not (a later period)."""
        if self.demo is None:
            return False
        return self.real is None or self.demo.period_start > self.real.period_start


def latest_figures(series: pd.DataFrame, *, ind: Indicator, today: dt.date) -> LatestFigures:
    """The latest real figure (published, source, deposit) and the latest demo value of a
    series of one area; masked and missing values are not figures."""
    observed = series.dropna(subset=["value"])
    if "is_masked" in observed.columns:
        observed = observed[~observed["is_masked"].astype(bool)]
    is_real = observed["origin"].isin([o.value for o in Origin.real()])
    real = observed[is_real]
    demo = observed[observed["origin"] == Origin.demo.value]
    return LatestFigures(
        real=_latest(real, ind=ind, today=today),
        demo=_latest(demo, ind=ind, today=today),
    )


def _latest(frame: pd.DataFrame, *, ind: Indicator, today: dt.date) -> LatestFigure | None:
    if frame.empty:
        return None
    last = frame.sort_values("period_start", kind="stable").iloc[-1]
    start = pd.Timestamp(last["period_start"]).date()
    observed_on = last.get("observed_on")
    dated = (
        pd.Timestamp(observed_on).date()
        if observed_on is not None and not pd.isna(observed_on)
        else None
    )
    if dated is not None:
        month = dated.year * 12 + dated.month - 1
    else:  # the last month of the period: « 2023 » is 1 month old in January 2024, not 12
        month = start.year * 12 + start.month - 1 + MONTHS_PER_PERIOD[ind.frequency] - 1
    age = max(0, today.year * 12 + today.month - 1 - month)
    return LatestFigure(
        value=float(last["value"]),
        qualifier=_cell(last.get("qualifier")) or "exact",
        period_start=start,
        observed_on=dated,
        origin=Origin(str(last["origin"])),
        source_label=_cell(last.get("source_label")),
        source_url=_cell(last.get("source_url")),
        age_months=age,
    )


def _cell(value: object) -> str:
    """A text cell of a frame: "" when missing (None or NaN)."""
    return "" if value is None or pd.isna(value) else str(value)


# -- targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    indicator: Indicator
    target: Target
    assessment: targets.Assessment
    # the same target set by a source for each département, each with its own status
    territories: tuple[targets.TerritoryAssessment, ...] = ()


def target_rows(
    q: Reads,
    *,
    today: dt.date,
    scope: str = "FR",
    axis: str | None = None,
    real_only: bool = False,
) -> list[TargetRow]:
    """Every dated target of a scope (« FR » or a région code) with its assessment;
    `real_only` assesses from the real points alone (published, source, deposit)."""
    level = "national" if scope == "FR" else "region"
    all_series = q.series(level=level, codes=[scope])
    if real_only:
        all_series = targets.real_only(all_series)
    stored = q.source_targets() if scope == "FR" else None
    rows = []
    for ind in q.catalog.indicators:
        if axis and ind.axis != axis:
            continue
        for t in ind.targets:
            if t.scope != scope or not may_see_area(ind, level, scope):
                continue
            s = all_series[all_series["indicator_id"] == ind.id]
            a = targets.assess(
                s, t, frequency=ind.frequency, direction=ind.direction, unit=ind.unit, today=today
            )
            territories = (
                territory_assessments(
                    q,
                    ind,
                    stored=stored,
                    level=Level.department.value,
                    today=today,
                    real_only=real_only,
                    target=t,
                )
                if stored is not None
                else []
            )
            rows.append(TargetRow(ind, t, a, tuple(territories)))
    return rows


def territory_assessments(
    q: Reads,
    ind: Indicator,
    *,
    level: str,
    today: dt.date,
    real_only: bool = False,
    target: Target | None = None,
    stored: pd.DataFrame | None = None,
) -> list[targets.TerritoryAssessment]:
    """The status of each area of `level` that a source gave its own target (for the
    deadline of `target`, when given: each area's value may differ, as the Baromètre's
    shares of a national count do), from its own series and baseline."""
    stored = q.source_targets(indicator_id=ind.id) if stored is None else stored
    mine = stored[(stored["indicator_id"] == ind.id) & (stored["level"] == level)]
    if target is not None:
        mine = mine[mine["deadline"] == target.deadline]
    if mine.empty:
        return []
    series = q.series(indicator_id=ind.id, level=level)
    if real_only:
        series = targets.real_only(series)
    return targets.assess_territories(
        series, mine, frequency=ind.frequency, direction=ind.direction, unit=ind.unit, today=today
    )


TERRITORIES_SHOWN = 12  # names of areas behind listed in a remark before « et N autres »


def territories_text(items: tuple[targets.TerritoryAssessment, ...] | list[Any]) -> str:
    """« Cibles fixées aussi pour 101 départements, chacune avec sa valeur initiale (fichier
    de la source) : En retard : 15 ; Atteint : 86. Non atteinte (échéance dépassée, en
    retard, à surveiller) dans 15 départements : Ain, … »; "" without territorial targets."""
    if not items:
        return ""
    level = Level(items[0].level)
    counts = " ; ".join(f"{s.label} : {n}" for s, n in targets.count_by_status(list(items)))
    text = (
        f"Cibles fixées aussi pour {len(items)} {level.plural}, chacune avec sa valeur "
        f"initiale ({TargetOrigin.source.label.lower()}) : {counts}."
    )
    behind = sorted((i for i in items if i.is_behind), key=lambda i: geography.sort_key(i.code))
    if behind:
        names = ", ".join(i.name for i in behind[:TERRITORIES_SHOWN])
        rest = len(behind) - TERRITORIES_SHOWN
        more = f" et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else ""
        which = ", ".join(s.label.lower() for s in targets.BEHIND)
        text += f" Non atteinte ({which}) dans {len(behind)} {level.plural} : {names}{more}."
    return text


def with_status(rows: list[TargetRow], status: TargetStatus | None) -> list[TargetRow]:
    """The rows of one status (`statut`), all of them without one."""
    return [r for r in rows if status is None or r.assessment.status is status]


SORTS = {
    "indicateur": lambda r: (r.indicator.short_label.lower(),),
    "echeance": lambda r: (r.target.deadline,),
    "statut": lambda r: (list(TargetStatus).index(r.assessment.status), r.target.deadline),
    "progression": lambda r: (-(r.assessment.progress or -1e18),),
}


CODES_COLUMN = "Codes d'origine"  # for files: the screen shows the French labels instead


def sort_targets(rows: list[TargetRow], *, sort: str) -> list[TargetRow]:
    """The rows in the order of /objectifs' `tri` (by deadline if unknown)."""
    return sorted(rows, key=SORTS.get(sort, SORTS["echeance"]))


def objectives_table(rows: list[TargetRow], *, sort: str) -> pd.DataFrame:
    rows = sort_targets(rows, sort=sort)
    return pd.DataFrame(
        {
            "Indicateur": [r.indicator.short_label for r in rows],
            "Objectif": [r.target.label for r in rows],
            "Valeur actuelle": [
                _fmt(r.assessment.current, r.target.unit, r.indicator) for r in rows
            ],
            "Cible": [_target_text(r.target, r.indicator) for r in rows],
            "Échéance": [format_date(r.target.deadline) for r in rows],
            "Progression": [
                "—"
                if r.assessment.progress is None
                else format_number(r.assessment.progress, unit="percent")
                for r in rows
            ],
            "Statut": [r.assessment.label for r in rows],
            "Base du statut": [r.assessment.basis_label or "—" for r in rows],
            "Origine des données": [r.assessment.origin_labels or "—" for r in rows],
            CODES_COLUMN: [r.assessment.origin_codes for r in rows],
            "Remarque": [target_remark(r) for r in rows],
            "Atteinte projetée": [
                format_period(r.assessment.projected_date, frequency=r.indicator.frequency)
                if r.assessment.projected_date
                else "—"
                for r in rows
            ],
        }
    )


def reached_text(a: targets.Assessment, *, frequency: Frequency) -> str:
    """« Cible atteinte en mars 2025. », or "" when the target is not reached."""
    if a.reached_on is None:
        return ""
    return f"Cible atteinte en {format_period(a.reached_on, frequency=frequency)}."


def target_remark(r: TargetRow) -> str:
    compared = compared_text(r.assessment, r.target, r.indicator)  # what « Valeur actuelle » sums
    parts = [
        f"{compared}." if compared else "",
        r.assessment.reason or "",
        reached_text(r.assessment, frequency=r.indicator.frequency),
        territories_text(r.territories),
    ]
    return " ".join(p for p in parts if p)


def _fmt(value: float | None, unit: str, ind: Indicator) -> str:
    return format_number(value, unit=unit, decimals=ind.decimals)


def _target_text(t: Target, ind: Indicator) -> str:
    text = format_number(t.value, unit=t.unit, decimals=ind.decimals)
    if t.value_max is not None:
        text += " à " + format_number(t.value_max, unit=t.unit, decimals=ind.decimals)
    return text


def target_text(t: Target, ind: Indicator) -> str:
    return _target_text(t, ind)


def compared_text(a: targets.Assessment, t: Target, ind: Indicator) -> str | None:
    """« 12 derniers mois : 310 000 000 (août 2024 – juillet 2025) »: the quantity a yearly
    target of a flow is judged on, shown beside it instead of a monthly value. None when
    the target compares the latest value (then the latest figure is that quantity)."""
    if t.comparison not in ("rolling_12m_sum", "calendar_year_sum") or a.current is None:
        return None
    if a.current_period is None:
        return None
    value = _fmt(a.current, t.unit, ind)
    if t.comparison == "calendar_year_sum":
        text = f"Année {a.current_period.year} : {value}"
    else:
        start = format_period(a.current_from or a.current_period, frequency=ind.frequency)
        end = format_period(a.current_period, frequency=ind.frequency)
        text = f"12 derniers mois : {value} ({start} – {end})"
    return text  # what it rests on is said by the status line beside it (basis_label)


# -- area pages ---------------------------------------------------------------------------


def area_table(
    q: Reads, *, level: str, code: str, real_only: bool = False, totals: bool = False
) -> pd.DataFrame:
    """Every indicator for one area beside France: latest value, rank among its level;
    `real_only` leaves the demo values out of values, France and ranks. A count is ranked
    per 100 000 inhabitants (`totals`, `par_habitant=non`: as is), every value at its
    displayed precision (equal ones share a rank, « 3/18 ex aequo »)."""
    area_series = q.series(level=level, codes=[code])
    national = q.series(level="national", codes=["FR"])
    if real_only:
        area_series, national = targets.real_only(area_series), targets.real_only(national)
    rows = []
    for ind in q.catalog.indicators:
        if not may_see_area(ind, level, code):  # its row is absent, not « no value »
            continue
        mine = area_series[area_series["indicator_id"] == ind.id].dropna(subset=["value"])
        fr = national[national["indicator_id"] == ind.id].dropna(subset=["value"])
        rank_text = ""
        rank: int | None = None
        count = 0
        if not mine.empty:
            last = mine.iloc[-1]
            snap = q.snapshot(indicator_id=ind.id, level=level, period=last["period_start"].date())
            if real_only:
                snap = real_snapshot(snap)
            rank, count, rank_text = _area_rank(
                snap, ind, level=level, code=code, per_capita=not totals
            )
        fr_same = fr
        if not mine.empty:
            fr_same = fr[fr["period_start"] == mine.iloc[-1]["period_start"]]
        rows.append(
            {
                "indicator_id": ind.id,
                "Indicateur": ind.short_label,
                "Période": format_period(mine.iloc[-1]["period_start"], frequency=ind.frequency)
                if not mine.empty
                else "—",
                "Valeur": float(mine.iloc[-1]["value"]) if not mine.empty else float("nan"),
                "France": float(fr_same.iloc[-1]["value"]) if not fr_same.empty else float("nan"),
                "Rang": rank_text or "—",
                "Origine": Origin.label_of(str(mine.iloc[-1]["origin"]))
                if not mine.empty
                else _no_value(q, ind, level=level, national=fr, real_only=real_only),
                "unit": ind.unit,
                "decimals": ind.decimals,
                "yes_no": measure.is_yes_no(ind, level),  # the value is written « oui »/« non »
                # for the files (dashboard.records): codes and numbers behind the texts
                **_area_facts(mine, rank=rank, count=count),
                **_area_per_capita(ind, level=level, code=code, mine=mine),
            }
        )
    return pd.DataFrame(rows)


def _area_rank(
    snap: pd.DataFrame, ind: Indicator, *, level: str, code: str, per_capita: bool
) -> tuple[int | None, int, str]:
    """The area's rank among the areas of its level, how many are ranked, and the rank as
    the fiche writes it: « 8/18 », « 8/18 ex aequo », « 8/18 pour 100 000 hab. »; none for a
    yes/no fact."""
    shown = measure.shown(ind, level=level, per_capita=per_capita)
    if shown.yes_no:  # « oui » or « non » has no rank
        return None, 0, ""
    values = snap["value"]
    if shown.per_capita:
        values = measure.with_per_capita(snap, level=level)["value_per_100k"]
    ranks = measure.ranks(
        values, decimals=shown.decimals, ascending=ind.direction == "lower_is_better"
    )
    mine = ranks[snap["code"] == code]
    count = int(values.notna().sum())
    if mine.empty or pd.isna(mine.iloc[0]):
        return None, count, ""
    rank = int(mine.iloc[0])
    text = f"{rank}/{count}"
    if bool(measure.tied(ranks)[mine.index[0]]):
        text += " ex aequo"
    if shown.per_capita:
        text += f" {measure.PER_CAPITA_SHORT}"
    return rank, count, text


def _area_per_capita(
    ind: Indicator, *, level: str, code: str, mine: pd.DataFrame
) -> dict[str, object]:
    """The latest value per 100 000 inhabitants and the population it rests on (files)."""
    if not measure.applies(ind, level):
        return dict.fromkeys(PER_CAPITA_FACTS)
    area = geography.get_area(level, code)
    value = mine.iloc[-1]["value"] if not mine.empty else None
    return {
        "value_per_100k": measure.per_capita(value, area.population),
        "population": area.population,
        "population_year": area.population_year,
    }


PER_CAPITA_FACTS = ("value_per_100k", "population", "population_year")


AREA_FACTS = ("period_start", "origin", "source", "source_url", "rank", "ranked")
"""The columns of `area_table` that the screen does not show and the files need."""


def _area_facts(mine: pd.DataFrame, *, rank: int | None, count: int) -> dict[str, object]:
    if mine.empty:
        return dict.fromkeys(AREA_FACTS)
    last = mine.iloc[-1]
    return {
        "period_start": last["period_start"],
        "origin": _cell(last["origin"]) or None,
        "source": _cell(last.get("source_label")) or None,
        "source_url": _cell(last.get("source_url")) or None,
        "rank": rank,
        "ranked": count if rank is not None else None,
    }


def _no_value(
    q: Reads, ind: Indicator, *, level: str, national: pd.DataFrame, real_only: bool
) -> str:
    """Why an area has no value: national only, or (real data only) no real figure here."""
    if not real_only:
        return NATIONAL_ONLY
    real_levels = q.territorial_levels(indicator_id=ind.id).get(level, set()) - {Origin.demo}
    return NATIONAL_ONLY if national.shape[0] and not real_levels else NO_REAL_FIGURE


def departments_table(
    q: Reads, *, region_code: str, indicator: Indicator, real_only: bool = False
) -> pd.DataFrame:
    """The région's départements side by side for one indicator at its latest period (its
    latest period with a real value, and those values only, with `real_only`)."""
    periods = q.periods(indicator_id=indicator.id, level="department", real_only=real_only)
    codes = [d.code for d in geography.departments_of(region_code)]
    if not periods:
        return pd.DataFrame(
            columns=["Code", Level.department.label.capitalize(), "Valeur", "Origine"]
        )
    snap = q.snapshot(indicator_id=indicator.id, level="department", period=periods[-1])
    if real_only:
        snap = real_snapshot(snap)
    snap = snap[snap["code"].isin(codes)]
    return pd.DataFrame(
        {
            "Code": snap["code"].to_numpy(),
            Level.department.label.capitalize(): snap["name"].to_numpy(),
            "Valeur": snap["value"].to_numpy(),
            "Origine": [Origin.label_of(o) for o in snap["origin"]],
        }
    )


# -- indicator index (/indicateurs) --------------------------------------------------------


def main_target(ind: Indicator, *, today: dt.date) -> Target | None:
    """The national target an indicator is judged by: the next deadline, else the latest."""
    national = sorted((t for t in ind.targets if t.scope == "FR"), key=lambda t: t.deadline)
    upcoming = [t for t in national if t.deadline >= today]
    return upcoming[0] if upcoming else (national[-1] if national else None)


def assess(
    series: pd.DataFrame, target: Target, *, ind: Indicator, today: dt.date
) -> targets.Assessment:
    """A target of an indicator judged on a series (its frequency, direction and unit)."""
    return targets.assess(
        series, target, frequency=ind.frequency, direction=ind.direction, unit=ind.unit, today=today
    )


@dataclass(frozen=True)
class CatalogueRow:
    """One line of /indicateurs: the indicator, its status, its levels, its latest figures."""

    indicator: Indicator
    assessment: targets.Assessment | None  # of its main national target; None: no target
    levels: list[Level]  # France and the territorial levels that have values
    latest: LatestFigures


def catalogue_rows(
    q: Reads,
    indicators: list[Indicator],
    *,
    today: dt.date,
    axis: str | None = None,
    status: TargetStatus | None = None,
    real_only: bool = False,
) -> list[CatalogueRow]:
    """The indicators given (those the reader may see), filtered by axis and by the status
    of their main national target, in catalogue order."""
    national = q.series(level="national", codes=["FR"])
    if real_only:
        national = targets.real_only(national)
    rows = []
    for ind in indicators:
        if axis and ind.axis != axis:
            continue
        series = national[national["indicator_id"] == ind.id]
        target = main_target(ind, today=today)
        assessment = assess(series, target, ind=ind, today=today) if target else None
        if status is not None and (assessment is None or assessment.status is not status):
            continue
        origins = q.territorial_levels(indicator_id=ind.id)
        if real_only:
            origins = {lvl: o - {Origin.demo.value} for lvl, o in origins.items()}
        levels = [Level.national] if not series.dropna(subset=["value"]).empty else []
        levels += [lvl for lvl in Level.territorial() if origins.get(lvl.value)]
        rows.append(
            CatalogueRow(ind, assessment, levels, latest_figures(series, ind=ind, today=today))
        )
    return rows
