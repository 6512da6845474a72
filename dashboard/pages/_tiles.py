"""The tile map of the index pages (/regions, /departements) as HTML links.

Each tile is a link to its territory's fiche (keyboard-focusable, its accessible name the
territory's name, the view parameters kept as every link does, dashboard/urls.py), placed
on the tile grid of core/reference/geography.csv and coloured like the Plotly tile map of
the indicator page (dashboard/figures/colour_scale.py: the values as written, a yes/no
fact in two colours, masked and missing values apart); its code or abbreviation sits on a
white label, readable on every colour. Plain HTML: it paints and works before any script,
and without one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from core.catalog import Indicator
from core.vocabulary import Level
from dashboard import urls
from dashboard.components import dsfr
from dashboard.figures.colour_scale import (
    MISSING_LABEL,
    YES_NO_COLOURS,
    fill_colour,
    statuses,
    value_range,
)
from dashboard.figures.theme import SEQUENTIAL
from dashboard.figures.tile_map import tile_label
from dashboard.formatting import MASKED, MISSING
from dashboard.measure import Shown

TILES_ID = "tuiles-fiches"


def tile_title(row: pd.Series, *, status: str, indicator: Indicator, shown: Shown) -> str:
    """What a tile's tooltip says: « Bretagne (53) : 2 000,0 pour 100 000 habitants »."""
    head = f"{row['name']} ({row['code']})"
    if status == "masked":
        return f"{head} : {MASKED}"
    if status == "missing":
        return f"{head} : {MISSING_LABEL}"
    return f"{head} : {shown.sentence(float(row['value']), unit=indicator.unit)}"


def tile_links(
    snapshot: pd.DataFrame,
    *,
    indicator: Indicator,
    level: Level,
    shown: Shown,
    kept: dict[str, str],
) -> html.Div:
    """One link per area of `snapshot` (with `tile_row`, `tile_col`), to its fiche with
    the `kept` view parameters, and the legend of the colours."""
    frame = (
        snapshot.dropna(subset=["tile_row", "tile_col"])
        .sort_values(["tile_row", "tile_col"])  # the keyboard goes in reading order
        .reset_index(drop=True)
    )
    status = statuses(frame)
    scale = value_range(frame.loc[status == "value", "value"], decimals=shown.decimals)
    tiles = []
    for i, row in frame.iterrows():
        code, kind = str(row["code"]), str(status[i])
        place = {
            "gridRow": str(int(row["tile_row"]) + 1),
            "gridColumn": str(int(row["tile_col"]) + 1),
        }
        colours: dict[str, str] = {}
        if kind == "value" and scale is not None:
            colour = fill_colour(float(row["value"]), scale=scale, shown=shown)
            colours = {"backgroundColor": colour}
        tiles.append(
            html.Li(
                html.A(
                    [
                        html.Span(
                            tile_label(code, level=level.value),
                            className="tdb-tile-label",
                            **dsfr.attrs(aria_hidden="true"),
                        ),
                        html.Span(str(row["name"]), className="fr-sr-only"),
                    ],
                    href=urls.area(level, code, kept),
                    title=tile_title(row, status=kind, indicator=indicator, shown=shown),
                    className=f"tdb-tile tdb-tile--{kind}",
                    id=f"tuile-{code}",
                    style=colours,
                ),
                style=place,
            )
        )
    return html.Div(
        [
            html.Ul(tiles, className=f"tdb-tiles tdb-tiles--{level.value}", id=TILES_ID),
            _legend(frame, status=status, indicator=indicator, shown=shown),
        ]
    )


def _legend(
    frame: pd.DataFrame, *, status: pd.Series, indicator: Indicator, shown: Shown
) -> html.Div:
    """The colours in words: « oui » / « non », or the scale from the lowest value to the
    highest, and the masked and missing tiles when there are some."""
    items: list[Any] = []
    values = pd.to_numeric(frame.loc[status == "value", "value"], errors="coerce").dropna()
    if shown.yes_no:
        items += [_swatch(colour, label) for label, colour in YES_NO_COLOURS.items()]
    elif not values.empty:
        low, high = float(values.min()), float(values.max())
        gradient = ", ".join(str(colour) for _, colour in SEQUENTIAL)
        items.append(
            html.Li(
                [
                    shown.text(low, unit=indicator.unit),
                    html.Span(
                        className="tdb-tiles-scale",
                        style={"backgroundImage": f"linear-gradient(to right, {gradient})"},
                    ),
                    shown.text(high, unit=indicator.unit),
                    f" ({shown.title})" if shown.title else "",
                ]
            )
        )
    if (status == "masked").any():
        items.append(_swatch(None, MASKED, kind="masked"))
    if (status == "missing").any():
        items.append(_swatch(None, f"{MISSING_LABEL} ({MISSING})", kind="missing"))
    return html.Div(
        [html.P("Légende des tuiles :", className="fr-mb-1v"), html.Ul(items)],
        className="fr-text--sm tdb-tiles-legend",
    )


def _swatch(colour: str | None, label: str, *, kind: str = "value") -> html.Li:
    style = {"backgroundColor": colour} if colour else {}
    return html.Li(
        [html.Span(className=f"tdb-tiles-swatch tdb-tile--{kind}", style=style), f" {label}"]
    )
