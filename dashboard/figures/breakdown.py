"""Breakdown of an indicator by its dimension (e.g. secteur) over time."""

from __future__ import annotations

import pandas as pd

from core.catalog import Indicator
from core.models import TOTAL
from dashboard.figures.theme import (
    COLORWAY,
    Figure,
    Trace,
    series_trace,
    time_figure,
)


def breakdown(frame: pd.DataFrame, *, indicator: Indicator) -> Figure:
    """Stacked bars when the values add up to the total, grouped bars otherwise."""
    labels = indicator.breakdown.values if indicator.breakdown else {}
    stack = indicator.breakdown.total_is_sum if indicator.breakdown else True
    parts = (
        frame[frame["breakdown"].astype(str) != TOTAL]
        if "breakdown" in frame.columns
        else frame.iloc[0:0]
    )
    traces: list[Trace] = []
    order = (
        list(labels) + sorted(set(parts["breakdown"].astype(str)) - set(labels))
        if len(parts)
        else []
    )
    for i, code in enumerate(c for c in order if (parts["breakdown"].astype(str) == c).any()):
        part = parts[parts["breakdown"].astype(str) == code].sort_values("period_start")
        name = labels.get(code, code)
        traces.append(
            series_trace(
                "bar",
                part,
                name=name,
                indicator=indicator,
                marker={"color": COLORWAY[i % len(COLORWAY)], "line": {"width": 0}},
                textposition="none",
            )
        )
    return time_figure(
        traces,
        parts["period_start"],
        indicator=indicator,
        empty_message="Aucune ventilation disponible",
        barmode="stack" if stack else "group",
        hovermode="closest",
        bargap=0.15,
    )
