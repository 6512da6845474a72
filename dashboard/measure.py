"""What maps, rankings and fiche ranks compare, written as the reader sees it.

- **Per 100 000 inhabitants.** A count or an amount that adds up across areas
  (`Indicator.is_per_capita`: profiles, acts, documents, euros) is compared per 100 000
  inhabitants by default at région and département level: ranked as is, a count ranks the
  areas by their size. `par_habitant=non` compares the totals; the totals stay in the tables
  and the files either way. A rate is never divided, nor a count of areas. The population is
  the area's in core/reference/geography.csv (Insee, its year said); a région group's is the
  sum of its members'.
- **At the displayed precision.** Values equal once written at the decimals shown share a
  rank (« 1er ex aequo ») and a colour: 18 régions at « 100,0 % » are not ranked 1 to 18,
  nor spread over the whole colour scale.
- **Yes/no.** A fact that is 1 or 0 (`Indicator.yes_no_level`, SAS opérationnel ou non) is
  written « oui » / « non » and drawn as two categories, never as a gradient.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd

from core import geography
from core.catalog import Indicator
from core.vocabulary import Level
from dashboard.formatting import MISSING, NNBSP, format_number, format_plain, unit_label

PER_INHABITANTS: Final = 100_000
PER_CAPITA_DECIMALS: Final = 1  # 0,4 aidant formé pour 100 000 habitants is not « 0 »
PER_CAPITA_WORDS: Final = f"pour {format_plain(PER_INHABITANTS)} habitants"
PER_CAPITA_SHORT: Final = f"pour 100{NNBSP}000 hab."  # in a table cell
PER_CAPITA_LEVELS: Final = (Level.region, Level.department, Level.group)
POPULATION_SOURCE: Final = "Insee"
YES, NO = "oui", "non"


# -- per 100 000 inhabitants --------------------------------------------------------------


def applies(indicator: Indicator, level: str) -> bool:
    """Whether the areas of `level` can be compared per 100 000 inhabitants."""
    return indicator.is_per_capita and level in PER_CAPITA_LEVELS


def per_capita(value: object, population: object) -> float:
    """`value` per 100 000 inhabitants; NaN when either is missing (never 0)."""
    try:
        number, people = float(value), float(population)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    if math.isnan(number) or not people > 0:
        return math.nan
    return number / people * PER_INHABITANTS


def population_of(level: str, code: str, *, group_code: object = None) -> geography.Area:
    """The area whose population divides a value: the région group's when the row shows its
    group's value (dashboard/grouped.py), the area's own otherwise."""
    if isinstance(group_code, str) and group_code:
        return geography.get_area(Level.group, group_code)
    return geography.get_area(level, code)


def with_per_capita(frame: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """A frame of areas of `level` (snapshot or series columns: `code`, `value`) with each
    area's `population`, `population_year` and `value_per_100k`."""
    out = frame.copy()
    groups = out["group_code"] if "group_code" in out.columns else [None] * len(out)
    areas = [
        population_of(level, str(code), group_code=group)
        for code, group in zip(out["code"], groups, strict=True)
    ]
    out["population"] = [a.population for a in areas]
    out["population_year"] = [a.population_year for a in areas]
    out["value_per_100k"] = [
        per_capita(v, p) for v, p in zip(out["value"], out["population"], strict=True)
    ]
    return out


def as_per_capita(frame: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """A snapshot to draw per 100 000 inhabitants: `value` divided (`with_per_capita`), the
    stored value kept in `total`."""
    out = frame if "value_per_100k" in frame.columns else with_per_capita(frame, level=level)
    return out.assign(total=out["value"], value=out["value_per_100k"])


def series_per_capita(frame: pd.DataFrame) -> pd.DataFrame:
    """Series rows of any levels (columns `level`, `code`, `value`: France, régions,
    départements over time) with each row's value per 100 000 inhabitants of its own area
    (France's population for France) in `value_per_100k`, beside `population` and
    `population_year`."""
    areas = {
        (str(lvl), str(code)): geography.get_area(str(lvl), str(code))
        for lvl, code in zip(frame["level"], frame["code"], strict=True)
    }
    keys = [(str(lvl), str(c)) for lvl, c in zip(frame["level"], frame["code"], strict=True)]
    out = frame.copy()
    out["population"] = [areas[k].population for k in keys]
    out["population_year"] = [areas[k].population_year for k in keys]
    out["value_per_100k"] = [
        per_capita(v, p) for v, p in zip(out["value"], out["population"], strict=True)
    ]
    return out


def population_note(rows: Iterable[tuple[str, int]]) -> str:
    """« population Insee 2023 », naming the areas counted at another year:
    « population Insee 2023 (Mayotte : 2017) ». `rows`: (area name, population year)."""
    rows = list(dict.fromkeys(rows))
    if not rows:
        return f"population {POPULATION_SOURCE}"
    year = Counter(y for _, y in rows).most_common(1)[0][0]
    others = [f"{name} : {y}" for name, y in rows if y != year]
    return f"population {POPULATION_SOURCE} {year}" + (f" ({', '.join(others)})" if others else "")


def per_capita_title(indicator: Indicator) -> str:
    """The axis and colour-bar title: « nombre pour 100 000 habitants »."""
    return f"{unit_label(indicator.unit)} {PER_CAPITA_WORDS}"


# -- at the displayed precision -----------------------------------------------------------


def at_precision(values: pd.Series, decimals: int) -> pd.Series:
    """Each value as it is written at `decimals` (the same rounding as the text on screen)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.map(lambda v: v if pd.isna(v) else float(f"{v:.{decimals}f}"))


def ranks(values: pd.Series, *, decimals: int, ascending: bool) -> pd.Series:
    """Rank 1 = the best; values equal at the displayed precision share the better rank
    (1, 1, 3); missing values have none."""
    return at_precision(values, decimals).rank(ascending=ascending, method="min")


def tied(rank: pd.Series) -> pd.Series:
    """Whether each rank is shared with another area (« ex aequo »)."""
    return rank.notna() & rank.duplicated(keep=False)


def rank_text(rank: int, *, tied: bool = False) -> str:
    """« 1er », « 2e », « 1er ex aequo »."""
    word = "1er" if rank == 1 else f"{rank}e"
    return f"{word} ex aequo" if tied else word


# -- yes/no -------------------------------------------------------------------------------


def is_yes_no(indicator: Indicator, level: str) -> bool:
    return indicator.yes_no_level is not None and indicator.yes_no_level == level


def yes_no(value: float) -> str:
    """« oui » for 1, « non » for 0 (a fact stored as a number, as the ETL counts it)."""
    return YES if value > 0.5 else NO


# -- what a map and a ranking show --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """How a map, a ranking and their table write and compare values."""

    decimals: int
    title: str  # of the value axis and the colour bar
    per_capita: bool = False  # values per 100 000 inhabitants (France too, as the reference)
    yes_no: bool = False  # two categories, « oui » and « non »

    def text(self, value: object, *, unit: str) -> str:
        """A value as written on the map, the ranking and the table."""
        if value is None or pd.isna(value):
            return MISSING
        number = float(value)  # type: ignore[arg-type]
        if self.yes_no:
            return yes_no(number)
        return format_number(number, unit=unit, decimals=self.decimals)

    def sentence(self, value: object, *, unit: str) -> str:
        """The value in a sentence: « 12,3 pour 100 000 habitants »."""
        text = self.text(value, unit=unit)
        return f"{text} {PER_CAPITA_WORDS}" if self.per_capita and text != MISSING else text


def shown(indicator: Indicator, *, level: str, per_capita: bool) -> Shown:
    """What the map and ranking of `level` show: per 100 000 inhabitants (when asked and
    the indicator is a count), yes/no facts, or the indicator's values."""
    if is_yes_no(indicator, level):
        return Shown(decimals=0, title="", yes_no=True)
    if per_capita and applies(indicator, level):
        return Shown(
            decimals=PER_CAPITA_DECIMALS, title=per_capita_title(indicator), per_capita=True
        )
    return Shown(decimals=indicator.decimals, title=unit_label(indicator.unit))
