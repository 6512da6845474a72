"""Comparison of chosen areas over time, France as a dashed reference line."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.catalog import Indicator
from core.geography import NATIONAL_CODE
from dashboard.figures.theme import COLORWAY, GREY_TEXT, Figure, Trace, time_figure, trace
from dashboard.figures.trajectory import total_rows
from dashboard.formatting import format_number, format_period


def _long_frame(series_by_area: pd.DataFrame | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    if isinstance(series_by_area, pd.DataFrame):
        return series_by_area
    parts = [
        frame.assign(code=code) if "code" not in frame.columns else frame
        for code, frame in series_by_area.items()
    ]
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["code", "name", "period_start", "value"])
    )


def comparison(
    series_by_area: pd.DataFrame | Mapping[str, pd.DataFrame], *, indicator: Indicator
) -> Figure:
    """One line per area (long frame with `code` and `name`, or a dict code → series)."""
    frame = _long_frame(series_by_area)
    traces: list[Trace] = []
    colour_index = 0
    codes = list(dict.fromkeys(frame["code"].astype(str))) if not frame.empty else []
    codes.sort(key=lambda c: c != NATIONAL_CODE)  # France first, in the legend too
    for code in codes:
        part = total_rows(frame[frame["code"].astype(str) == code])
        name = str(part["name"].iloc[0]) if "name" in part.columns and len(part) else code
        is_france = code == NATIONAL_CODE
        if is_france:
            line = {"color": GREY_TEXT, "dash": "dash", "width": 2}
        else:
            line = {"color": COLORWAY[colour_index % len(COLORWAY)], "width": 2.5}
            colour_index += 1
        texts = [
            f"<b>{name}</b><br>{format_period(p, frequency=indicator.frequency)} : "
            + format_number(v, unit=indicator.unit, decimals=indicator.decimals, masked=bool(m))
            for p, v, m in zip(
                part["period_start"],
                part["value"],
                part["is_masked"] if "is_masked" in part.columns else [False] * len(part),
                strict=True,
            )
        ]
        traces.append(
            trace(
                "scatter",
                x=part["period_start"],
                y=part["value"],
                name=name,
                mode="lines",
                line=line,
                text=texts,
                hovertemplate="%{text}<extra></extra>",
                connectgaps=False,
            )
        )
    return time_figure(
        traces,
        frame["period_start"],
        indicator=indicator,
        empty_message="Aucune donnée disponible",
        hovermode="x unified" if len(codes) <= 6 else "closest",
    )
