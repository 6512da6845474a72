"""DSFR colours, the Marianne font and French separators shared by every figure.

Colours are the DSFR tokens (light theme) from @gouvfr/dsfr 1.14; the sequential
scale is the single-hue « bleu France » ramp, whose lightness grows monotonically
so that it stays readable for colour-blind readers and in greyscale.
"""

from __future__ import annotations

import decimal
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.catalog import Indicator
from core.vocabulary import Origin
from dashboard.formatting import (
    MONTHS,
    NNBSP,
    PLOTLY_SEPARATORS,
    SHORT_MONTHS,
    date_ticks,
    format_number,
    format_period,
    unit_label,
)
from dashboard.measure import Shown

FONT_FAMILY: Final = "Marianne, arial, sans-serif"
# Outside the administration (MARQUE_ETAT=0) the Marianne typeface is not used (same
# stack as the neutral CSS of tdb.css).
NEUTRAL_FONT_FAMILY: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'

BLUE_FRANCE: Final = "#000091"  # blue-france-sun-113
BLUE_FRANCE_MAIN: Final = "#6a6af4"  # blue-france-main-525
BLUE_FRANCE_850: Final = "#cacafb"
BLUE_FRANCE_925: Final = "#e3e3fd"
BLUE_FRANCE_975: Final = "#f5f5fe"
RED_MARIANNE: Final = "#c9191e"  # red-marianne-425: targets
GREY_TEXT: Final = "#3a3a3a"  # grey-200: body text
GREY_MENTION: Final = "#666666"  # grey-425: secondary text, 5.7:1 on white
GREY_BORDER: Final = "#929292"  # grey-625: borders, 3.1:1 on white
GREY_LIGHT: Final = "#dddddd"  # grey-900: grid lines
GREY_MASKED: Final = "#e5e5e5"  # grey-925: masked areas, hatched
WHITE: Final = "#ffffff"
DEMO_COLOUR: Final = "#929292"  # demonstration data: light, dashed

# Categorical colours (DSFR illustrative palette), dark enough on white (≥ 3:1).
COLORWAY: Final = (
    "#000091",  # bleu France
    "#e4794a",  # orange terre battue
    "#009081",  # vert menthe
    "#a558a0",  # violet glycine
    "#716043",  # jaune tournesol (sun)
    "#465f9d",  # bleu écume
    "#c9191e",  # rouge Marianne
    "#297254",  # vert émeraude (sun)
)

# Sequential scale for maps and rankings: light to dark « bleu France ».
SEQUENTIAL: Final = (
    (0.0, BLUE_FRANCE_925),
    (0.35, BLUE_FRANCE_850),
    (0.7, BLUE_FRANCE_MAIN),
    (1.0, BLUE_FRANCE),
)

ORIGIN_LABELS: Final = {o.value: o.label for o in Origin}  # the tables' wording too
REAL_ORIGINS: Final = tuple(o.value for o in Origin.real())


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT_FAMILY, "color": GREY_TEXT, "size": 14},
            colorway=list(COLORWAY),
            separators=PLOTLY_SEPARATORS,
            paper_bgcolor=WHITE,
            plot_bgcolor=WHITE,
            hoverlabel={"font": {"family": FONT_FAMILY}, "bgcolor": WHITE},
            legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
            xaxis={
                "showgrid": False,
                "linecolor": GREY_BORDER,
                "ticks": "outside",
                "automargin": True,
            },
            yaxis={
                "gridcolor": GREY_LIGHT,
                "zeroline": False,
                "separatethousands": True,
                "automargin": True,
            },
            margin={"l": 56, "r": 16, "t": 24, "b": 40},
        )
    )


TEMPLATE: Final = _template()


TEMPLATE_DICT: Final[dict[str, Any]] = TEMPLATE.to_plotly_json()

Trace = dict[str, Any]


class Figure(TypedDict):
    """What `dcc.Graph` is given: a Plotly figure as plain JSON-ready data.

    Figures are built as dicts rather than `go.Figure`: validating every property of every
    trace was a third of the time of building a page, and turning a `go.Figure` back into
    a dict deep-copies it. Plotly's public classes are used once, for the template.
    """

    data: list[Trace]
    layout: dict[str, Any]


def new_figure(*, height: int | None = None, data: Sequence[Trace] = ()) -> Figure:
    """A figure with the house template, French separators and the Marianne font, holding
    the traces of `data` (see `trace`)."""
    layout: dict[str, Any] = {
        "template": TEMPLATE_DICT,
        "separators": PLOTLY_SEPARATORS,
        "font": {"family": FONT_FAMILY},
    }
    if height is not None:
        layout["height"] = height
    return {"data": list(data), "layout": layout}


def trace(kind: str, **props: Any) -> Trace:
    """A trace as a dict (`trace("scatter", x=…)`); columns and arrays become plain lists,
    which the browser receives exactly as Plotly's JSON encoder would send them."""
    return {"type": kind, **{key: _plain(value) for key, value in props.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Series | pd.Index | np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def update_layout(fig: Figure, **props: Any) -> None:
    """Plotly's `update_layout` on the dict: nested dicts are merged, other values replaced."""
    _merge(fig["layout"], props)


def update_axis(fig: Figure, axis: str, **props: Any) -> None:
    """`update_xaxes`/`update_yaxes` of a single-plot figure (`axis` is "xaxis" or "yaxis")."""
    _merge(fig["layout"].setdefault(axis, {}), props)


def add_annotation(fig: Figure, **props: Any) -> None:
    """Plotly's `add_annotation`: one more text on the figure, after those it has."""
    fig["layout"].setdefault("annotations", []).append(_plain(props))


def _merge(target: dict[str, Any], props: Mapping[str, Any]) -> None:
    for key, value in props.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            child = dict(target[key])  # copied: it may be shared (the template)
            _merge(child, value)
            target[key] = child
        else:
            target[key] = _plain(dict(value)) if isinstance(value, Mapping) else _plain(value)


def font_family(*, state_marks: bool) -> str:
    """The figures' font list: Marianne only on a State site."""
    return FONT_FAMILY if state_marks else NEUTRAL_FONT_FAMILY


def with_font(figure: Figure, *, state_marks: bool) -> Figure:
    """The figure with the font of the deployment (text and hover labels), as a new dict.

    The figure itself is not changed: it may be cached and shown on both kinds of site,
    and its template is shared by every figure.
    """
    family = font_family(state_marks=state_marks)
    fonts = {"font": {"family": family}, "hoverlabel": {"font": {"family": family}}}
    layout = dict(figure["layout"])
    _merge(layout, {**fonts, "template": {"layout": fonts}})
    return {"data": figure["data"], "layout": layout}


def colour_for(value: float, *, vmin: float, vmax: float) -> str:
    """The colour of the sequential scale for a value (same mapping as the colour bar).

    The same colour as Plotly's `sample_colorscale` (linear in RGB, rounded half to even),
    computed directly: that function re-validates the scale on every call, which made
    colouring the ~100 départements of a map and a ranking cost tens of milliseconds.
    """
    span = vmax - vmin
    position = 0.5 if span <= 0 else min(max((value - vmin) / span, 0.0), 1.0)
    high = bisect_left(_SCALE_POSITIONS, position)
    low = high - 1
    interpolant = (position - _SCALE_POSITIONS[low]) / (
        _SCALE_POSITIONS[high] - _SCALE_POSITIONS[low]
    )
    lo, hi = _SCALE_TUPLES[low], _SCALE_TUPLES[high]
    channels = [_round_255(a + interpolant * (b - a)) for a, b in zip(lo, hi, strict=True)]
    return f"rgb({channels[0]}, {channels[1]}, {channels[2]})"


def _round_255(component: float) -> int:
    return int(
        decimal.Decimal(str(component * 255.0)).quantize(
            decimal.Decimal("1"), rounding=decimal.ROUND_HALF_EVEN
        )
    )


def _scale_tuple(colour: str) -> tuple[float, float, float]:
    r, g, b = _rgb(colour)
    return r / 255.0, g / 255.0, b / 255.0


def text_colour_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with a fill colour."""
    rgb = _rgb(fill)
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#161616" if luminance > 0.179 else WHITE


def _rgb(colour: str) -> tuple[int, int, int]:
    if colour.startswith("#"):
        h = colour.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    parts = colour[colour.index("(") + 1 : colour.index(")")].split(",")
    r, g, b = (round(float(p)) for p in parts[:3])
    return r, g, b


# Plotly's French dictionary, given with the plot (no locale bundle to load).
FRENCH_LOCALE: Final[dict[str, Any]] = {
    "moduleType": "locale",
    "name": "fr",
    "dictionary": {
        "Download plot as a PNG": "Télécharger le graphique en PNG",
        "Download plot": "Télécharger le graphique",
        "Preparing image - this may take a few seconds": "Préparation de l'image…",
        "Image download succeeded": "Image téléchargée",
        "Sorry, there was a problem downloading your image!": (
            "Désolé, le téléchargement de l'image a échoué."
        ),
        "Zoom": "Zoomer",
        "Pan": "Déplacer",
        "Zoom in": "Zoom avant",
        "Zoom out": "Zoom arrière",
        "Autoscale": "Échelle automatique",
        "Reset axes": "Réinitialiser les axes",
        "Reset view": "Réinitialiser la vue",
        "Show closest data on hover": "Afficher la donnée la plus proche",
        "Compare data on hover": "Comparer les données",
        "Double-click on legend to isolate one trace": (
            "Double-cliquez sur la légende pour isoler une série"
        ),
        "Double-click to zoom back out": "Double-cliquez pour revenir à la vue d'ensemble",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTHS),
        "shortMonths": list(SHORT_MONTHS),
        "date": "%d/%m/%Y",
        "decimal": ",",
        "thousands": NNBSP,
    },
}


# Modebar buttons that send the chart to a third party (Plotly Cloud / Chart Studio).
THIRD_PARTY_BUTTONS: Final = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")
# The only toolbar buttons a reader sees, in French (tests/e2e checks the page against it).
TOOLBAR_TITLES: Final = frozenset(
    {"Télécharger le graphique en PNG", "Zoomer", "Déplacer", "Zoom avant", "Zoom arrière",
     "Réinitialiser les axes"}
)  # fmt: skip


def graph_config(*, filename: str) -> dict[str, Any]:
    """The dcc.Graph config: PNG export done by the browser, no Plotly logo, French labels.

    Nothing leaves the server: Plotly's « Share chart » button, which uploads the chart to
    Plotly Cloud, is hidden and removed, and no Plotly server URL is given to it.
    """
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "plotlyServerURL": "",
        "responsive": True,
        "locale": "fr",
        "locales": {"fr": FRENCH_LOCALE},
        "modeBarButtonsToRemove": [
            "select2d",
            "lasso2d",
            "autoScale2d",
            "toggleSpikelines",
            "hoverCompareCartesian",
            "hoverClosestCartesian",
            *THIRD_PARTY_BUTTONS,
        ],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


EXPORT_MARGIN: Final = 64  # room above the plot for the title and its two lines of notes
NOTE_HEIGHT: Final = 18  # room for each further line of notes
# The note that names the view, « Vue : /indicateurs/…?… »: its path, which
# assets/png-export.js writes whole (https://…) as the chart is exported.
VIEW_NOTE: Final = "Vue : "


def with_export_marks(figure: Figure, *, title: str, notes: Sequence[str]) -> Figure:
    """The figure with a title and, under it, notes (source, date, « Données de
    démonstration », the view's address), as a new dict: the browser exports the figure as
    drawn, so this is what makes a PNG say what it shows and what it rests on. The figure
    itself is not changed (it may be cached and shared)."""
    layout = dict(figure["layout"])
    margin = {**TEMPLATE_DICT["layout"]["margin"], **layout.get("margin", {})}
    margin["t"] = int(margin["t"]) + EXPORT_MARGIN + NOTE_HEIGHT * max(0, len(notes) - 2)
    layout["margin"] = margin
    layout["title"] = {
        "text": title,
        "x": 0,
        "xref": "paper",
        "xanchor": "left",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 6},
        "font": {"size": 15, "color": GREY_TEXT},
        "subtitle": {"text": "<br>".join(notes), "font": {"size": 11, "color": GREY_MENTION}},
    }
    return {"data": figure["data"], "layout": layout}


_SCALE_POSITIONS: Final = [float(stop[0]) for stop in SEQUENTIAL]
_SCALE_TUPLES: Final = [_scale_tuple(str(stop[1])) for stop in SEQUENTIAL]


def time_figure(
    traces: Sequence[Trace],
    periods: pd.Series,
    *,
    indicator: Indicator,
    empty_message: str,
    **layout: Any,
) -> Figure:
    """A chart over time: French date ticks on x, the unit on y, a message instead of an
    empty chart, and the `layout` properties of the chart kind."""
    fig = new_figure(height=400, data=traces)
    if len(periods):
        dates = pd.to_datetime(periods)
        tickvals, ticktext = date_ticks(dates.min(), dates.max(), frequency=indicator.frequency)
        update_axis(fig, "xaxis", tickmode="array", tickvals=tickvals, ticktext=ticktext)
    else:
        add_annotation(fig, text=empty_message, showarrow=False, xref="paper", yref="paper")
    update_axis(fig, "yaxis", **unit_axis(indicator))
    update_layout(fig, **layout)
    return fig


def unit_axis(indicator: Indicator) -> dict[str, Any]:
    """The axis of the values: titled with the unit, « % » after the ticks, no « k » or « M »."""
    return {
        "title": {"text": unit_label(indicator.unit)},
        "ticksuffix": f"{NNBSP}%" if indicator.unit == "percent" else "",
        "exponentformat": "none",
    }


def series_trace(
    kind: str,
    frame: pd.DataFrame,
    *,
    name: str,
    indicator: Indicator,
    per_capita: Shown | None = None,
    **style: Any,
) -> Trace:
    """One named series over time (an area's line, a part's bars), each point hovered as
    « <b>Bretagne</b><br>mars 2025 : 12,5 % », or « 12,3 pour 100 000 habitants » with
    `per_capita` (values per 100 000 inhabitants, written as it says)."""
    masked = frame["is_masked"] if "is_masked" in frame.columns else [False] * len(frame)

    def value(v: Any, m: object) -> str:
        if per_capita is not None and not m:
            return per_capita.sentence(v, unit=indicator.unit)
        return format_number(v, unit=indicator.unit, decimals=indicator.decimals, masked=bool(m))

    texts = [
        f"<b>{name}</b><br>{format_period(p, frequency=indicator.frequency)} : " + value(v, m)
        for p, v, m in zip(frame["period_start"], frame["value"], masked, strict=True)
    ]
    return trace(
        kind,
        x=frame["period_start"],
        y=frame["value"],
        name=name,
        text=texts,
        hovertemplate="%{text}<extra></extra>",
        **style,
    )
