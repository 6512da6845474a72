"""DSFR colours, the Marianne font and French separators shared by every figure.

Colours are the DSFR tokens (light theme) from @gouvfr/dsfr 1.14; the sequential
scale is the single-hue « bleu France » ramp, whose lightness grows monotonically
so that it stays readable for colour-blind readers and in greyscale.
"""

from __future__ import annotations

import decimal
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

from core.catalog import Indicator
from core.vocabulary import Origin
from dashboard.formatting import (
    MONTHS,
    NNBSP,
    PLOTLY_SEPARATORS,
    SHORT_MONTHS,
    date_ticks,
    unit_label,
)

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


def new_figure(*, height: int | None = None, data: Sequence[Mapping[str, Any]] = ()) -> go.Figure:
    """A figure with the house template, French separators and the Marianne font, holding
    the traces of `data` (dicts with their `type`, see `trace`).

    Built without Plotly's property validation (`_validate=False`): validating every
    update of every figure was a third of the time of building a page, and validating the
    ~57 000 coordinates of the département map alone took a third of a second. Traces
    are given here as dicts because `add_trace` validates them whatever the figure's
    setting. The figures are checked by their unit tests (which read `fig.data` and
    `fig.layout` as usual) and by the browser tests, and their content is the same
    either way.
    """
    layout: dict[str, Any] = {
        "template": TEMPLATE_DICT,
        "separators": PLOTLY_SEPARATORS,
        "font": {"family": FONT_FAMILY},
    }
    if height is not None:
        layout["height"] = height
    return go.Figure(data=[dict(t) for t in data], layout=layout, _validate=False)


def trace(kind: str, **props: Any) -> dict[str, Any]:
    """A trace as a dict (`trace("scatter", x=…)`), given to `new_figure` unvalidated.

    Nested properties (`line`, `marker`…) get their keys in Plotly's order (alphabetical),
    as validation would have given them: the JSON sent to the browser stays the same.
    """
    return {"type": kind, **{k: _plotly_order(v) for k, v in props.items()}}


def validated_trace(kind: str, **props: Any) -> dict[str, Any]:
    """`trace`, with the keys in the order of a validated `go.Scatter`/`go.Bar`… (sorted,
    `type` last): for the figures first written with those classes, the same JSON."""
    return {**{k: _plotly_order(props[k]) for k in sorted(props)}, "type": kind}


def _plotly_order(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plotly_order(value[k]) for k in sorted(value)}
    return value


def font_family(*, state_marks: bool) -> str:
    """The figures' font list: Marianne only on a State site."""
    return FONT_FAMILY if state_marks else NEUTRAL_FONT_FAMILY


def figure_dict(fig: go.Figure) -> dict[str, Any]:
    """`fig.to_dict()` without its deep copy of every trace and of the layout.

    The copy was a large part of building a page (the département map's GeoJSON alone):
    here each trace and the layout are copied one level deep, and `with_font_dict` copies
    the dicts it changes. The figure must not be used afterwards: the numeric arrays of
    its nested properties are turned into Plotly's base64 form in place, as `to_dict`
    does on its copy. The shared template (`TEMPLATE_DICT`) is never changed.
    """
    figure: dict[str, Any] = {
        "data": [dict(t) for t in fig._data],  # Plotly's own trace dicts
        "layout": dict(fig._layout),
    }
    _to_base64(figure)
    return figure


def _to_base64(obj: Any) -> None:
    """Plotly's `convert_to_base64` (numeric arrays → typed-array specs, in place), without
    its call on every number of a list: the département map has ~57 000 coordinates."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if is_skipped_key(key):
                continue
            if is_homogeneous_array(value):
                obj[key] = to_typed_array_spec(value)
            elif isinstance(value, dict | list | tuple):
                _to_base64(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            if isinstance(value, dict | list | tuple):
                _to_base64(value)


def with_font_dict(figure: dict[str, Any], *, state_marks: bool) -> dict[str, Any]:
    """`with_font` on a figure already turned into a dict (what dcc.Graph is given).

    The dicts on the way are copied before being changed, never changed in place: they
    may be shared (the template of `new_figure`, see `figure_dict`).
    """
    family = font_family(state_marks=state_marks)
    layout = _own(figure, "layout")
    _own(layout, "font")["family"] = family
    _own(_own(layout, "hoverlabel"), "font")["family"] = family
    template_layout = _own(_own(layout, "template"), "layout")
    _own(template_layout, "font")["family"] = family
    _own(_own(template_layout, "hoverlabel"), "font")["family"] = family
    return figure


def _own(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """A copy of `parent[key]` (a new dict when missing), put back in its place."""
    child = dict(parent.get(key) or {})
    parent[key] = child
    return child


def with_font(fig: go.Figure, *, state_marks: bool) -> go.Figure:
    """The figure with the font of the deployment (text and hover labels); returns it."""
    family = font_family(state_marks=state_marks)
    fig.update_layout(
        font_family=family,
        hoverlabel_font_family=family,
        template_layout_font_family=family,
        template_layout_hoverlabel_font_family=family,
    )
    return fig


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
        "Download plot as a png": "Télécharger le graphique en PNG",
        "Download plot": "Télécharger le graphique",
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
        "Snapshot succeeded": "Image enregistrée",
        "Taking snapshot - this may take a few seconds": ("Capture en cours, quelques secondes…"),
        "Sorry, there was a problem downloading your snapshot!": (
            "Désolé, le téléchargement de l'image a échoué."
        ),
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


def graph_config(*, filename: str, static: bool = False) -> dict[str, Any]:
    """The dcc.Graph config: PNG export done by the browser, no Plotly logo, French labels."""
    if static:
        return {"staticPlot": True, "displayModeBar": False, "responsive": True}
    return {
        "displaylogo": False,
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
        ],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


_SCALE_POSITIONS: Final = [float(stop[0]) for stop in SEQUENTIAL]
_SCALE_TUPLES: Final = [_scale_tuple(str(stop[1])) for stop in SEQUENTIAL]


def time_axes(
    fig: go.Figure, periods: pd.Series, *, indicator: Indicator, empty_message: str
) -> None:
    """French date ticks on x and the unit on y; a message instead of an empty chart."""
    if len(periods):
        dates = pd.to_datetime(periods)
        tickvals, ticktext = date_ticks(dates.min(), dates.max(), frequency=indicator.frequency)
        fig.update_xaxes(tickmode="array", tickvals=tickvals, ticktext=ticktext)
    else:
        fig.add_annotation(text=empty_message, showarrow=False, xref="paper", yref="paper")
    fig.update_yaxes(
        title_text=unit_label(indicator.unit),
        ticksuffix=f"{NNBSP}%" if indicator.unit == "percent" else "",
        exponentformat="none",
    )
