"""Ranking of areas: horizontal bars, best first according to the indicator's direction.

Ranks and colours are those of the values as written (dashboard/measure.py): areas equal at
the displayed precision share a rank, « ex aequo », and a colour."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from core.catalog import Indicator
from core.vocabulary import Unit
from dashboard.figures.colour_scale import (
    HIGHLIGHT_LINE,
    MISSING_LABEL,
    fill_colour,
    shown_as,
    statuses,
    value_range,
)
from dashboard.figures.theme import (
    GREY_MASKED,
    GREY_MENTION,
    Figure,
    add_annotation,
    new_figure,
    trace,
    unit_axis,
    update_axis,
    update_layout,
)
from dashboard.formatting import MASKED
from dashboard.measure import Shown, ranks, tied

BAR_HEIGHT = 18  # px per area


def ranked(
    snapshot: pd.DataFrame, *, indicator: Indicator, decimals: int | None = None
) -> pd.DataFrame:
    """Areas best first (highest when higher is better), by their values written at
    `decimals` (the indicator's by default): equal ones share a rank (`tied`) and come in
    name order; masked and missing ones last."""
    places = indicator.decimals if decimals is None else decimals
    frame = snapshot.assign(_status=statuses(snapshot)).reset_index(drop=True)
    values = frame["value"].where(frame["_status"] == "value")
    ascending = indicator.direction == "lower_is_better"
    frame["rank"] = ranks(values, decimals=places, ascending=ascending)
    frame["tied"] = tied(frame["rank"])
    shown = frame[frame["_status"] == "value"].sort_values(["rank", "name"], kind="stable")
    rest = frame[frame["_status"] != "value"].sort_values("name", kind="stable")
    return pd.concat([shown, rest], ignore_index=True)


def bar_label(rank: object, name: str, *, tied: bool) -> str:
    """« 3. Bretagne », « 1. Bretagne (ex aequo) »; the name alone without a rank."""
    if rank is None or pd.isna(rank):
        return name
    return f"{int(rank)}. {name}" + (" (ex aequo)" if tied else "")  # type: ignore[call-overload]


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
    shown: Shown | None = None,
) -> Figure:
    """Bars coloured like the map, values written beside them (« oui » / « non » for a
    yes/no fact), France as a dashed line (for rates and values per 100 000 inhabitants:
    see `has_reference`); the areas of `highlight` in bold and outlined."""
    shown = shown_as(indicator, shown)
    frame = ranked(snapshot, indicator=indicator, decimals=shown.decimals)
    scale = value_range(frame.loc[frame["_status"] == "value", "value"], decimals=shown.decimals)
    colours, texts, lengths = [], [], []
    notes = frame["note"] if "note" in frame.columns else pd.Series(None, index=frame.index)
    for value, status, note in zip(frame["value"], frame["_status"], notes, strict=True):
        if isinstance(note, str):  # a région published with others: « publié avec une… »
            colours.append(GREY_MASKED)
            texts.append(note)
            lengths.append(0.0)
        elif status == "value" and scale is not None:
            colours.append(fill_colour(float(value), scale=scale, shown=shown))
            texts.append(shown.text(float(value), unit=indicator.unit))
            lengths.append(float(value))
        else:
            colours.append(GREY_MASKED)
            texts.append(MASKED if status == "masked" else MISSING_LABEL)
            lengths.append(0.0)
    labels = [
        str(n) if shown.yes_no else bar_label(r, str(n), tied=bool(t))  # yes/no: no rank
        for r, n, t in zip(frame["rank"], frame["name"], frame["tied"], strict=True)
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
    meaningful = has_reference(indicator) or shown.per_capita
    if reference is not None and pd.notna(reference) and meaningful and not shown.yes_no:
        label = shown.text(reference, unit=indicator.unit)
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
    axis = unit_axis(indicator)
    if shown.yes_no:  # bars of 1 and 0: the words beside them say it all
        axis = {**axis, "visible": False}
    update_axis(
        fig,
        "xaxis",
        **{**axis, "title": {"text": shown.title}},
        separatethousands=True,
        nticks=4,  # few ticks, kept horizontal, on a phone too
        tickangle=0,
        fixedrange=True,
        showgrid=True,
        gridcolor="#dddddd",
    )
    update_layout(fig, margin={"l": 8, "r": 72, "t": 28, "b": 40}, bargap=0.25)
    return fig
