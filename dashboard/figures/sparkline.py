"""Tiny static trend line for the cards of the national view."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import BLUE_FRANCE, DEMO_COLOUR, new_figure
from dashboard.figures.trajectory import total_rows
from etl.catalog import Indicator

MAX_POINTS = 36


def sparkline(series: pd.DataFrame, *, indicator: Indicator) -> go.Figure:
    """The last periods as a line with the latest point marked; dashed grey when synthetic.

    `indicator` is kept for a uniform signature (and future unit-specific ranges).
    """
    del indicator
    frame = total_rows(series)
    frame = frame[frame["value"].notna()].tail(MAX_POINTS)
    demo = (
        "origin" in frame.columns
        and bool(len(frame))
        and (frame["origin"].astype(str) == "demo").all()
    )
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
