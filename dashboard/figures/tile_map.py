"""Tile-grid map: one equal square per région or département, overseas included.

It needs no geographic file and gives small areas (Paris, its inner ring) the same
weight as large ones, which is why it is the default map.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import pandas as pd

from core.catalog import Indicator
from dashboard.figures.colour_scale import (
    HIGHLIGHT_LINE,
    LEVEL_NAMES,
    fill_colour,
    fill_style,
    hover_text,
    marker_scale,
    shown_as,
    statuses,
    value_range,
    yes_no_legend,
)
from dashboard.figures.theme import (
    Figure,
    Trace,
    new_figure,
    text_colour_on,
    trace,
    update_axis,
    update_layout,
)
from dashboard.measure import Shown

HALF = 0.46  # half a tile: a thin white gap between tiles
REGION_ABBREVIATIONS = {
    "11": "IDF",
    "24": "CVL",
    "27": "BFC",
    "28": "NOR",
    "32": "HDF",
    "44": "GES",
    "52": "PDL",
    "53": "BRE",
    "75": "NAQ",
    "76": "OCC",
    "84": "ARA",
    "93": "PAC",
    "94": "COR",
    "01": "GUA",
    "02": "MTQ",
    "03": "GUF",
    "04": "LRE",
    "06": "MAY",
}


def tile_label(code: str, *, level: str) -> str:
    """The short text written on a tile: the code, or an abbreviation for a région."""
    return REGION_ABBREVIATIONS.get(code, code) if level == "region" else code


def _squares(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for col, row in zip(frame["tile_col"], frame["tile_row"], strict=True):
        x, y = float(col), -float(row)
        xs += [x - HALF, x + HALF, x + HALF, x - HALF, x - HALF, None]
        ys += [y - HALF, y - HALF, y + HALF, y + HALF, y - HALF, None]
    return xs, ys


def tile_map(
    snapshot: pd.DataFrame,
    *,
    indicator: Indicator,
    level: str,
    highlight: Collection[str] = (),
    shown: Shown | None = None,
) -> Figure:
    """Tiles coloured on a sequential scale (two colours for a yes/no fact, with their
    legend); masked and missing tiles drawn apart; the tiles of `highlight` (area codes)
    outlined."""
    shown = shown_as(indicator, shown)
    frame = snapshot.dropna(subset=["tile_row", "tile_col"]).reset_index(drop=True)
    status = statuses(frame)
    scale = value_range(frame.loc[status == "value", "value"], decimals=shown.decimals)
    shapes = []
    text_colours = []
    for i, row in frame.iterrows():
        colour = None
        if status[i] == "value" and scale is not None:
            colour = fill_colour(float(row["value"]), scale=scale, shown=shown)
            x, y = float(row["tile_col"]), -float(row["tile_row"])
            shapes.append(
                {
                    "type": "rect",
                    "x0": x - HALF,
                    "x1": x + HALF,
                    "y0": y - HALF,
                    "y1": y + HALF,
                    "fillcolor": colour,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        text_colours.append(text_colour_on(colour) if colour else "#3a3a3a")
    traces: list[Trace] = []
    for kind in ("masked", "missing"):
        part = frame[status == kind]
        if not part.empty:
            xs, ys = _squares(part)
            traces.append(
                trace("scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", **fill_style(kind))
            )
    values = [
        float(v) if s == "value" else math.nan for v, s in zip(frame["value"], status, strict=True)
    ]
    marker: dict[str, object] = {"size": 30, "opacity": 0, "symbol": "square"}
    if scale is not None and shown.yes_no:
        traces += yes_no_legend()
    elif scale is not None:
        marker.update(marker_scale(values, scale=scale, indicator=indicator, shown=shown))
    traces.append(
        trace(
            "scatter",
            x=frame["tile_col"].astype(float).to_numpy(),
            y=(-frame["tile_row"].astype(float)).to_numpy(),
            mode="markers+text",
            text=[tile_label(str(c), level=level) for c in frame["code"]],
            textfont={"color": text_colours, "size": 11 if level == "department" else 12},
            hovertext=[
                hover_text(row, status=status[i], indicator=indicator, shown=shown)
                for i, row in frame.iterrows()
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            marker=marker,
            showlegend=False,
            name=LEVEL_NAMES.get(level, level),
        )
    )
    shapes += [
        {
            "type": "rect",
            "x0": float(row["tile_col"]) - HALF,
            "x1": float(row["tile_col"]) + HALF,
            "y0": -float(row["tile_row"]) - HALF,
            "y1": -float(row["tile_row"]) + HALF,
            "line": HIGHLIGHT_LINE,
            "layer": "above",
        }
        for _, row in frame.iterrows()
        if str(row["code"]) in highlight
    ]
    fig = new_figure(height=600 if level == "department" else 440, data=traces)
    update_layout(
        fig,
        shapes=shapes,
        hovermode="closest",
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "bottom"},
        **({"showlegend": True} if shown.yes_no else {}),
    )
    update_axis(fig, "xaxis", visible=False, fixedrange=True)
    update_axis(fig, "yaxis", visible=False, fixedrange=True, scaleanchor="x", scaleratio=1)
    return fig
