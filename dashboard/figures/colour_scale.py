"""What the two maps and the ranking share: value classes, colours, legend and hover text.

A masked value is « secret statistique » and a missing one « non disponible »:
both are drawn apart from the colour scale, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.catalog import Indicator
from core.vocabulary import Level
from dashboard.figures.theme import GREY_BORDER, GREY_MASKED, SEQUENTIAL, WHITE
from dashboard.formatting import MASKED, NNBSP, format_number, unit_label

MISSING_LABEL = "non disponible"
# The outline of the territory the reader follows (`territoire`): on the maps and the ranking.
HIGHLIGHT_LINE: dict[str, object] = {"color": "#161616", "width": 3}
LEVEL_NAMES = {lvl.value: lvl.label for lvl in Level}


@dataclass(frozen=True, slots=True)
class ValueRange:
    vmin: float
    vmax: float


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


def value_range(values: pd.Series) -> ValueRange | None:
    """Bounds of the colour scale; None when no value is shown."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty:
        return None
    low, high = float(numbers.min()), float(numbers.max())
    if low == high:
        low, high = low - 0.5 if low else 0.0, high + 0.5 if high else 1.0
    return ValueRange(vmin=low, vmax=high)


def colorbar(*, indicator: Indicator) -> dict[str, object]:
    """Colour bar in the indicator's unit, with French separators."""
    return {
        "title": {"text": unit_label(indicator.unit), "side": "top"},
        "ticksuffix": f"{NNBSP}%" if indicator.unit == "percent" else "",
        "separatethousands": True,
        "exponentformat": "none",
        "thickness": 14,
        "len": 0.6,
        "outlinewidth": 0,
    }


def marker_scale(
    values: list[float], *, scale: ValueRange, indicator: Indicator
) -> dict[str, object]:
    """Marker properties that carry the colour scale (and its bar) on a scatter trace."""
    return {
        "color": values,
        "colorscale": [list(stop) for stop in SEQUENTIAL],
        "cmin": scale.vmin,
        "cmax": scale.vmax,
        "showscale": True,
        "colorbar": colorbar(indicator=indicator),
    }


def hover_text(row: pd.Series, *, status: str, indicator: Indicator) -> str:
    """« Bretagne (53) — 12,5 % », with a note for demonstration values."""
    head = f"<b>{row['name']}</b> ({row['code']})"
    if status == "masked":
        return f"{head}<br>{MASKED}"
    if status == "missing":
        return f"{head}<br>{MISSING_LABEL}"
    text = format_number(float(row["value"]), unit=indicator.unit, decimals=indicator.decimals)
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
