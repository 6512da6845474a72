"""Tiny static trend line for the cards of the national view."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go

from core.catalog import Indicator
from dashboard.figures.theme import BLUE_FRANCE, DEMO_COLOUR, new_figure
from dashboard.figures.trajectory import total_rows

MAX_POINTS = 36


def sparkline(series: pd.DataFrame, *, indicator: Indicator) -> go.Figure:
    """The last periods as a line with the latest point marked; dashed grey when synthetic.

    `indicator` is kept for a uniform signature (and future unit-specific ranges).
    """
    del indicator
    frame, demo = _recent_points(series)
    colour = DEMO_COLOUR if demo else BLUE_FRANCE
    fig = new_figure(height=48)
    fig.add_trace(
        go.Scatter(
            x=frame["period_start"],
            y=frame["value"],
            mode="lines",
            line={"color": colour, "width": 2, "dash": "dash" if demo else "solid"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if len(frame):
        fig.add_trace(
            go.Scatter(
                x=frame["period_start"].tail(1),
                y=frame["value"].tail(1),
                mode="markers",
                marker={"color": colour, "size": 6},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True)
    fig.update_layout(margin={"l": 2, "r": 6, "t": 4, "b": 4}, showlegend=False, hovermode=False)
    return fig


def sparkline_svg(
    series: pd.DataFrame, *, indicator: Indicator, width: int = 120, height: int = 32
) -> str:
    """The same sparkline as a data-URI SVG for an `html.Img`: no Plotly on the page.

    Dozens of cards each drawing a Plotly figure cost seconds on the national view;
    an inline image costs nothing. The card gives the image its text alternative.
    """
    del indicator
    frame, demo = _recent_points(series)
    colour = DEMO_COLOUR if demo else BLUE_FRANCE
    values = [float(v) for v in frame["value"]]
    pad = 3.0
    body = ""
    if values:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = (width - 2 * pad) / max(len(values) - 1, 1)
        points = [
            (pad + i * step, height - pad - (v - low) / span * (height - 2 * pad))
            for i, v in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = ' stroke-dasharray="4 3"' if demo else ""
        last_x, last_y = points[-1]
        body = (
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{path}"/>'
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{colour}"/>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{body}</svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def _recent_points(series: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The last observed total points, and whether they are all synthetic (drawn dashed grey)."""
    frame = total_rows(series)
    frame = frame[frame["value"].notna()].tail(MAX_POINTS)
    demo = (
        "origin" in frame.columns
        and bool(len(frame))
        and (frame["origin"].astype(str) == "demo").all()
    )
    return frame, demo
