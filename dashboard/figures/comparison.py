"""Comparison of chosen areas over time, France as a dashed reference line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from core.catalog import Event, Indicator
from core.geography import NATIONAL_CODE
from dashboard.figures.events import add_events, date_span, events_within
from dashboard.figures.theme import (
    COLORWAY,
    GREY_TEXT,
    Figure,
    Trace,
    series_trace,
    time_figure,
    update_axis,
)
from dashboard.figures.trajectory import total_rows
from dashboard.measure import Shown


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
    series_by_area: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    indicator: Indicator,
    events: Sequence[Event] = (),
    shown: Shown | None = None,
) -> Figure:
    """One line per area (long frame with `code` and `name`, or a dict code → series), and
    the roadmap milestones (`events`) dated within the chart. With `shown` per 100 000
    inhabitants (`views.comparison_frame` divides the values), the axis and each hovered
    value say « pour 100 000 habitants »."""
    per_capita = shown if shown is not None and shown.per_capita else None
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
        traces.append(
            series_trace(
                "scatter",
                part,
                name=name,
                indicator=indicator,
                per_capita=per_capita,
                mode="lines",
                line=line,
                connectgaps=False,
            )
        )
    fig = time_figure(
        traces,
        frame["period_start"],
        indicator=indicator,
        empty_message="Aucune donnée disponible",
        hovermode="x unified" if len(codes) <= 6 else "closest",
    )
    if per_capita is not None:
        update_axis(fig, "yaxis", title={"text": per_capita.title})
    add_events(fig, comparison_events(frame, events=events))
    return fig


def comparison_events(
    series_by_area: pd.DataFrame | Mapping[str, pd.DataFrame], *, events: Sequence[Event]
) -> list[Event]:
    """The events `comparison` draws: those within its periods."""
    frame = _long_frame(series_by_area)
    return events_within(events, span=date_span(frame["period_start"]))
