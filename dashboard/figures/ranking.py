"""Ranking of areas: horizontal bars, best first according to the indicator's direction."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from core.catalog import Indicator
from core.vocabulary import Unit
from dashboard.figures.colour_scale import HIGHLIGHT_LINE, MISSING_LABEL, statuses, value_range
from dashboard.figures.theme import (
    GREY_MASKED,
    GREY_MENTION,
    Figure,
    add_annotation,
    colour_for,
    new_figure,
    trace,
    unit_axis,
    update_axis,
    update_layout,
)
from dashboard.formatting import MASKED, format_number

BAR_HEIGHT = 18  # px per area


def ranked(snapshot: pd.DataFrame, *, indicator: Indicator) -> pd.DataFrame:
    """Areas best first (highest when higher is better); masked and missing ones last."""
    frame = snapshot.assign(_status=statuses(snapshot)).reset_index(drop=True)
    shown = frame[frame["_status"] == "value"].sort_values(
        "value", ascending=indicator.direction == "lower_is_better", kind="stable"
    )
    rest = frame[frame["_status"] != "value"].sort_values("name", kind="stable")
    out = pd.concat([shown, rest], ignore_index=True)
    out["rank"] = [i + 1 if s == "value" else None for i, s in enumerate(out["_status"])]
    return out


ADDITIVE_RULES = ("sum", "count_true")
RATE_UNITS = tuple(u.value for u in Unit if u.words.is_rate)


def has_reference(indicator: Indicator) -> bool:
    """Whether France is a meaningful reference beside the areas' values.

    For a rate (a percentage, a ratio, a weighted mean) France sits among the areas; for an
    additive count it is their sum, a bar many times longer that would squash the others.
    """
    return indicator.unit in RATE_UNITS or indicator.aggregation.rule not in ADDITIVE_RULES


def ranking(
    snapshot: pd.DataFrame,
    *,
    indicator: Indicator,
    reference: float | None = None,
    highlight: Collection[str] = (),
) -> Figure:
    """Bars coloured like the map, values written beside them, France as a dashed line
    (for rates only: see `has_reference`); the areas of `highlight` in bold and outlined."""
    frame = ranked(snapshot, indicator=indicator)
    scale = value_range(frame.loc[frame["_status"] == "value", "value"])
    colours, texts, lengths = [], [], []
    notes = frame["note"] if "note" in frame.columns else pd.Series(None, index=frame.index)
    for value, status, note in zip(frame["value"], frame["_status"], notes, strict=True):
        if isinstance(note, str):  # a région published with others: « publié avec une… »
            colours.append(GREY_MASKED)
            texts.append(note)
            lengths.append(0.0)
        elif status == "value" and scale is not None:
            colours.append(colour_for(float(value), vmin=scale.vmin, vmax=scale.vmax))
            texts.append(
                format_number(float(value), unit=indicator.unit, decimals=indicator.decimals)
            )
            lengths.append(float(value))
        else:
            colours.append(GREY_MASKED)
            texts.append(MASKED if status == "masked" else MISSING_LABEL)
            lengths.append(0.0)
    labels = [
        f"{int(r)}. {n}" if pd.notna(r) else str(n)
        for r, n in zip(frame["rank"], frame["name"], strict=True)
    ]
    marked = [str(c) in highlight for c in frame["code"]]
    labels = [f"<b>{t}</b>" if m else t for t, m in zip(labels, marked, strict=True)]
    bars = trace(
        "bar",
        x=lengths,
        y=labels,
        orientation="h",
        marker={
            "color": colours,
            "line": {
                "width": [HIGHLIGHT_LINE["width"] if m else 0 for m in marked],
                "color": HIGHLIGHT_LINE["color"],
            },
        },
        text=texts,
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y} : %{text}<extra></extra>",
        showlegend=False,
    )
    fig = new_figure(height=max(160, 60 + BAR_HEIGHT * len(frame)), data=[bars])
    if reference is not None and pd.notna(reference) and has_reference(indicator):
        label = format_number(reference, unit=indicator.unit, decimals=indicator.decimals)
        # What Plotly's `add_vline(annotation_position="top")` draws: a line over the
        # plot's height (y domain) and its label centred above it.
        update_layout(
            fig,
            shapes=[
                {
                    "type": "line",
                    "x0": reference,
                    "x1": reference,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                    "line": {"color": GREY_MENTION, "dash": "dash", "width": 1.5},
                }
            ],
        )
        add_annotation(
            fig,
            text=f"France : {label}",
            font={"color": GREY_MENTION, "size": 12},
            showarrow=False,
            x=reference,
            xref="x",
            xanchor="center",
            y=1,
            yref="y domain",
            yanchor="bottom",
        )
    update_axis(fig, "yaxis", autorange="reversed", tickfont={"size": 12}, fixedrange=True)
    update_axis(
        fig,
        "xaxis",
        **unit_axis(indicator),
        separatethousands=True,
        nticks=4,  # few ticks, kept horizontal, on a phone too
        tickangle=0,
        fixedrange=True,
        showgrid=True,
        gridcolor="#dddddd",
    )
    update_layout(fig, margin={"l": 8, "r": 72, "t": 28, "b": 40}, bargap=0.25)
    return fig
