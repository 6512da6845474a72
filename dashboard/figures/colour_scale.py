"""What the two maps and the ranking share: value classes, colours, legend and hover text.

A masked value is « secret statistique » and a missing one « non disponible »:
both are drawn apart from the colour scale, never as zero. Colours are those of the values
as written (dashboard/measure.py): equal on screen, equal in colour; a constant series is one
colour without a colour bar, and a yes/no fact two categories.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.catalog import Indicator
from core.vocabulary import Level
from dashboard.figures.theme import (
    BLUE_FRANCE,
    BLUE_FRANCE_925,
    GREY_BORDER,
    GREY_MASKED,
    SEQUENTIAL,
    WHITE,
    Trace,
    colour_for,
    trace,
)
from dashboard.formatting import MASKED, NNBSP, format_number, unit_label
from dashboard.measure import NO, YES, Shown, at_precision, yes_no

MISSING_LABEL = "non disponible"
# The outline of the territory the reader follows (`territoire`): on the maps and the ranking.
HIGHLIGHT_LINE: dict[str, object] = {"color": "#161616", "width": 3}
LEVEL_NAMES = {lvl.value: lvl.label for lvl in Level}


YES_NO_COLOURS = {YES: BLUE_FRANCE, NO: BLUE_FRANCE_925}


@dataclass(frozen=True, slots=True)
class ValueRange:
    vmin: float
    vmax: float
    constant: bool = False  # every value the same as written: one colour, no colour bar


def shown_as(indicator: Indicator, shown: Shown | None) -> Shown:
    """What a figure shows: `shown`, or the indicator's own values and unit."""
    return shown or Shown(decimals=indicator.decimals, title=unit_label(indicator.unit))


def statuses(snapshot: pd.DataFrame) -> pd.Series:
    """« value », « masked » or « missing » for each row of a snapshot."""
    masked = (
        snapshot["is_masked"].fillna(False).astype(bool)
        if "is_masked" in snapshot.columns
        else pd.Series(False, index=snapshot.index)
    )
    values = pd.to_numeric(snapshot["value"], errors="coerce")
    out = pd.Series("value", index=snapshot.index)
    out[values.isna()] = "missing"
    out[masked] = "masked"
    return out


def value_range(values: pd.Series, *, decimals: int | None = None) -> ValueRange | None:
    """Bounds of the colour scale, of the values written at `decimals` when given; None
    when no value is shown."""
    numbers = pd.to_numeric(values, errors="coerce")
    if decimals is not None:
        numbers = at_precision(numbers, decimals)
    numbers = numbers.dropna()
    if numbers.empty:
        return None
    low, high = float(numbers.min()), float(numbers.max())
    if low == high:
        low, high = low - 0.5 if low else 0.0, high + 0.5 if high else 1.0
        return ValueRange(vmin=low, vmax=high, constant=True)
    return ValueRange(vmin=low, vmax=high)


def fill_colour(value: float, *, scale: ValueRange, shown: Shown) -> str:
    """The colour of a value as written: its category for a yes/no fact, else its place
    on the sequential scale (the middle one for a constant series)."""
    if shown.yes_no:
        return YES_NO_COLOURS[yes_no(value)]
    rounded = float(at_precision(pd.Series([value]), shown.decimals).iloc[0])
    return colour_for(rounded, vmin=scale.vmin, vmax=scale.vmax)


def colorbar(*, indicator: Indicator, title: str | None = None) -> dict[str, object]:
    """Colour bar in the indicator's unit (or `title`), with French separators."""
    return {
        "title": {"text": unit_label(indicator.unit) if title is None else title, "side": "top"},
        "ticksuffix": f"{NNBSP}%" if indicator.unit == "percent" else "",
        "separatethousands": True,
        "exponentformat": "none",
        "thickness": 14,
        "len": 0.6,
        "outlinewidth": 0,
    }


def marker_scale(
    values: list[float], *, scale: ValueRange, indicator: Indicator, shown: Shown | None = None
) -> dict[str, object]:
    """Marker properties that carry the colour scale (and its bar) on a scatter trace; a
    constant series has no bar (one colour says nothing a bar could explain)."""
    return {
        "color": values,
        "colorscale": [list(stop) for stop in SEQUENTIAL],
        "cmin": scale.vmin,
        "cmax": scale.vmax,
        "showscale": not scale.constant,
        "colorbar": colorbar(indicator=indicator, title=shown.title if shown else None),
    }


def yes_no_legend() -> list[Trace]:
    """Two legend entries, « oui » and « non », in their colours (traces without points)."""
    return [
        trace(
            "scatter",
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "color": colour,
                "size": 14,
                "symbol": "square",
                "line": {"color": GREY_BORDER, "width": 1},
            },
            name=label,
            showlegend=True,
            hoverinfo="skip",
        )
        for label, colour in YES_NO_COLOURS.items()
    ]


def hover_text(
    row: pd.Series, *, status: str, indicator: Indicator, shown: Shown | None = None
) -> str:
    """« Bretagne (53) — 12,5 % », with a note for demonstration values; a value per
    100 000 inhabitants with the total beside it."""
    head = f"<b>{row['name']}</b> ({row['code']})"
    if status == "masked":
        return f"{head}<br>{MASKED}"
    if status == "missing":
        return f"{head}<br>{MISSING_LABEL}"
    shown = shown_as(indicator, shown)
    text = shown.sentence(float(row["value"]), unit=indicator.unit)
    total = row.get("total")
    if shown.per_capita and total is not None and not pd.isna(total):
        total_text = format_number(float(total), unit=indicator.unit, decimals=indicator.decimals)
        text += f"<br>total : {total_text}"
    if str(row.get("origin", "")) == "demo":
        text += " <i>(démonstration)</i>"
    group = row.get("group_name")
    if isinstance(group, str):  # the value of a région group, drawn over each member
        text += f"<br><i>valeur commune « {group} » (publiée ensemble, non répartie)</i>"
    return f"{head}<br>{text}"


def fill_style(status: str, *, colour: str | None = None) -> dict[str, object]:
    """Scatter kwargs filling a polygon: a scale colour, hatched grey when masked, white
    with a dashed outline when missing."""
    if status == "masked":
        return {
            "fill": "toself",
            "fillcolor": GREY_MASKED,
            "fillpattern": {"shape": "/", "fgcolor": GREY_BORDER, "bgcolor": GREY_MASKED},
            "line": {"color": GREY_BORDER, "width": 0.8},
            "name": MASKED,
        }
    if status == "missing":
        return {
            "fill": "toself",
            "fillcolor": WHITE,
            "line": {"color": GREY_BORDER, "width": 0.8, "dash": "dot"},
            "name": MISSING_LABEL,
        }
    return {"fill": "toself", "fillcolor": colour, "line": {"color": WHITE, "width": 0.6}}
