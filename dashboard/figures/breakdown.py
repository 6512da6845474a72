"""Breakdown of an indicator by its dimension (e.g. secteur) over time."""

from __future__ import annotations

import pandas as pd

from core.catalog import Indicator
from core.models import TOTAL
from dashboard.figures.theme import COLORWAY, Figure, Trace, time_figure, trace
from dashboard.formatting import format_number, format_period


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
        masked = part["is_masked"] if "is_masked" in part.columns else [False] * len(part)
        texts = [
            f"<b>{name}</b><br>{format_period(p, frequency=indicator.frequency)} : "
            + format_number(v, unit=indicator.unit, decimals=indicator.decimals, masked=bool(m))
            for p, v, m in zip(part["period_start"], part["value"], masked, strict=True)
        ]
        traces.append(
            trace(
                "bar",
                x=part["period_start"],
                y=part["value"],
                name=name,
                marker={"color": COLORWAY[i % len(COLORWAY)], "line": {"width": 0}},
                text=texts,
                textposition="none",
                hovertemplate="%{text}<extra></extra>",
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
