"""Geographic choropleth drawn with filled scatter polygons (no geo trace in the partial
Plotly bundle), from the compact contours of scripts/build_contours.py."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from core.catalog import Indicator
from dashboard.figures.colour_scale import (
    HIGHLIGHT_LINE,
    fill_colour,
    fill_style,
    hover_text,
    marker_scale,
    shown_as,
    statuses,
    value_range,
)
from dashboard.figures.theme import (
    GREY_BORDER,
    GREY_MENTION,
    Figure,
    Trace,
    new_figure,
    trace,
    update_axis,
    update_layout,
)
from dashboard.measure import Shown, yes_no


def ring_path(rings: list[list[list[float]]]) -> tuple[list[float | None], list[float | None]]:
    """All rings of an area in one x/y pair, separated by None (one filled trace)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring_x, ring_y in rings:
        xs += [*ring_x, None]
        ys += [*ring_y, None]
    return xs, ys


def geo_map(
    snapshot: pd.DataFrame,
    *,
    indicator: Indicator,
    level: str,
    contours: Mapping[str, Any],
    highlight: Collection[str] = (),
    shown: Shown | None = None,
) -> Figure:
    """One filled polygon trace per area, coloured on the same scale as the tile map (a
    yes/no fact in two colours, « oui » and « non » in the legend); the areas of
    `highlight` outlined."""
    shown = shown_as(indicator, shown)
    frame = snapshot.reset_index(drop=True)
    status = statuses(frame)
    scale = value_range(frame.loc[status == "value", "value"], decimals=shown.decimals)
    areas: Mapping[str, list[list[list[float]]]] = contours.get("areas", {})
    traces: list[Trace] = []
    legend_done: set[str] = set()
    outlines: list[Trace] = []
    for i, row in frame.iterrows():
        rings = areas.get(str(row["code"]))
        if not rings:
            continue
        kind = str(status[i])
        colour = None
        if kind == "value" and scale is not None:
            colour = fill_colour(float(row["value"]), scale=scale, shown=shown)
        style = fill_style(kind, colour=colour)
        style["name"] = style.get("name", str(row["name"]))
        if kind == "value" and shown.yes_no:  # a category, with its legend entry
            kind = style["name"] = yes_no(float(row["value"]))
        xs, ys = ring_path(rings)
        traces.append(
            trace(
                "scatter",
                x=xs,
                y=ys,
                mode="lines",
                hoveron="fills",
                text=hover_text(row, status=str(status[i]), indicator=indicator, shown=shown),
                hoverinfo="text",
                showlegend=kind != "value" and kind not in legend_done,
                legendgroup=kind,
                **style,
            )
        )
        legend_done.add(kind)
        if str(row["code"]) in highlight:  # drawn over its neighbours' borders
            outlines.append(
                trace(
                    "scatter",
                    x=xs,
                    y=ys,
                    mode="lines",
                    line=HIGHLIGHT_LINE,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    traces += outlines
    bbox = contours.get("bbox", [0, 0, 1, 1])
    if scale is not None and not shown.yes_no:
        traces.append(
            trace(
                "scatter",
                x=[bbox[0], bbox[0]],
                y=[bbox[1], bbox[1]],
                mode="markers",
                marker={
                    "opacity": 0,
                    **marker_scale(
                        [scale.vmin, scale.vmax], scale=scale, indicator=indicator, shown=shown
                    ),
                },
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig = new_figure(height=600 if level == "department" else 520, data=traces)
    update_layout(
        fig,
        shapes=[
            {
                "type": "rect",
                "x0": box[0],
                "y0": box[1],
                "x1": box[2],
                "y1": box[3],
                "line": {"color": GREY_BORDER, "width": 0.5},
                "layer": "below",
            }
            for box in contours.get("insets", {}).values()
        ],
        annotations=[
            {
                "text": str(contours.get("attribution", "")),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 0,
                "xanchor": "right",
                "yanchor": "top",
                "font": {"size": 10, "color": GREY_MENTION},
            }
        ],
        hovermode="closest",
        margin={"l": 8, "r": 8, "t": 8, "b": 28},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "top"},
    )
    update_axis(fig, "xaxis", visible=False, fixedrange=True, range=[bbox[0] - 10, bbox[2] + 10])
    update_axis(
        fig,
        "yaxis",
        visible=False,
        fixedrange=True,
        scaleanchor="x",
        scaleratio=1,
        range=[bbox[1] - 20, bbox[3] + 10],
    )
    return fig
