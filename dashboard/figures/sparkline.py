"""Tiny static trend line for the cards of the national view, as an inline SVG image."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from core.catalog import Indicator
from dashboard.figures.theme import BLUE_FRANCE, DEMO_COLOUR
from dashboard.figures.trajectory import total_rows

MAX_POINTS = 36


def sparkline_svg(
    series: pd.DataFrame, *, indicator: Indicator, width: int = 120, height: int = 32
) -> str:
    """The last periods as a data-URI SVG for an `html.Img`, the latest point marked and
    dashed grey when synthetic: no Plotly on the page.

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
