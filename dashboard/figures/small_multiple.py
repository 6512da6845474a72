"""Small multiples of the fiches: a territory's trajectory beside France, as a static SVG
image drawn in Python (no Plotly on the page, painted with the HTML).

Each line is cut into runs of the same kind: real values as a solid line with filled
points, demo values as a lighter dashed line with hollow points, so that a reader never
mistakes a synthetic value for a published one (the legend of the fiche says so, and
`legend_svg` draws its swatches). The caller gives the image its text alternative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

import pandas as pd

from core.vocabulary import Origin
from dashboard.figures.theme import (
    BLUE_FRANCE,
    BLUE_FRANCE_MAIN,
    DEMO_COLOUR,
    GREY_LIGHT,
    GREY_MENTION,
    GREY_TEXT,
)
from dashboard.figures.trajectory import total_rows

MAX_POINTS: Final = 36  # the last three years of a monthly series
DEMO_DASH: Final = "5 3"
AREA_COLOURS: Final = (BLUE_FRANCE, BLUE_FRANCE_MAIN)  # real, demo (lighter)
FRANCE_COLOURS: Final = (GREY_TEXT, DEMO_COLOUR)


@dataclass(frozen=True)
class Point:
    period: dt.date
    value: float
    demo: bool


@dataclass(frozen=True)
class Line:
    """One line of a small multiple: its points in time order and its two colours."""

    points: tuple[Point, ...]
    colours: tuple[str, str] = AREA_COLOURS  # (real, demo)


def points_of(series: pd.DataFrame, *, limit: int = MAX_POINTS) -> tuple[Point, ...]:
    """The last `limit` observed total points of a `series` frame, each marked demo or not."""
    if series.empty:
        return ()
    frame = total_rows(series)
    frame = frame[frame["value"].notna()].tail(limit)
    origins = frame["origin"] if "origin" in frame.columns else pd.Series(None, index=frame.index)
    return tuple(
        Point(pd.Timestamp(p).date(), float(v), str(o) == Origin.demo.value)
        for p, v, o in zip(frame["period_start"], frame["value"], origins, strict=True)
    )


def small_multiple_svg(
    lines: Sequence[Line],
    *,
    width: int = 300,
    height: int = 120,
    shared_scale: bool = True,
    labels: tuple[str, str] = ("", ""),
) -> str:
    """The lines as a data-URI SVG for an `html.Img`: one time axis for all, one value
    scale for all (`shared_scale`) or one per line (a count of a territory beside the
    count of France); `labels` are the low and high marks written on the left."""
    # the high and low marks are written in strips above and below the lines, never on them
    pad_left, pad_right, pad, pad_bottom = 4.0, 6.0, 14.0, 14.0
    periods = sorted({p.period for line in lines for p in line.points})
    position = {d: i for i, d in enumerate(periods)}
    step = (width - pad_left - pad_right) / max(len(periods) - 1, 1)
    plot_h = height - pad - pad_bottom

    def scale(values: list[float]) -> tuple[float, float]:
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        return low, (high - low) or 1.0

    every = [p.value for line in lines for p in line.points]
    shared = scale(every)
    body = [
        f'<line x1="{pad_left}" y1="{height - pad_bottom}" x2="{width - pad_right}" '
        f'y2="{height - pad_bottom}" stroke="{GREY_LIGHT}" stroke-width="1"/>'
    ]
    for line in lines:
        low, span = shared if shared_scale else scale([p.value for p in line.points])
        xy = [
            (
                pad_left + position[p.period] * step,
                pad + plot_h - (p.value - low) / span * plot_h,
            )
            for p in line.points
        ]
        body += _runs(line, xy)
        body += [_marker(line, p, x, y) for p, (x, y) in zip(line.points, xy, strict=True)]
    low_text, high_text = labels
    if high_text:
        body.append(_text(pad_left, pad - 4, high_text))
    if low_text and low_text != high_text:
        body.append(_text(pad_left, height - 3, low_text))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(body)}</svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def _runs(line: Line, xy: list[tuple[float, float]]) -> list[str]:
    """Polylines of consecutive segments of one kind: a segment touching a demo point is
    drawn as demo (lighter, dashed)."""
    out: list[str] = []
    run: list[tuple[float, float]] = []
    kind: bool | None = None
    for i in range(1, len(xy)):
        demo = line.points[i - 1].demo or line.points[i].demo
        if kind is not None and demo != kind:
            out.append(_polyline(run, demo=kind, colours=line.colours))
            run = []
        if not run:
            run = [xy[i - 1]]
        run.append(xy[i])
        kind = demo
    if run and kind is not None:
        out.append(_polyline(run, demo=kind, colours=line.colours))
    return out


def _polyline(xy: list[tuple[float, float]], *, demo: bool, colours: tuple[str, str]) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    style = f' stroke-dasharray="{DEMO_DASH}"' if demo else ""
    colour = colours[1] if demo else colours[0]
    return (
        f'<polyline fill="none" stroke="{colour}" stroke-width="2"{style} '
        f'data-kind="{"demo" if demo else "real"}" points="{path}"/>'
    )


def _marker(line: Line, p: Point, x: float, y: float) -> str:
    """A real point filled, a demo point hollow in the lighter colour."""
    if p.demo:
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#ffffff" '
            f'stroke="{line.colours[1]}" stroke-width="1" data-kind="demo"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{line.colours[0]}" data-kind="real"/>'


def _text(x: float, y: float, text: str) -> str:
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" fill="{GREY_MENTION}" '
        f'font-family="sans-serif">{safe}</text>'
    )


def legend_svg(*, colours: tuple[str, str], width: int = 40, height: int = 10) -> tuple[str, str]:
    """Two swatches (real, demo) of one line's style, as data-URI SVGs for the legend."""

    def swatch(demo: bool) -> str:
        line = _polyline([(1.0, height / 2), (width - 1.0, height / 2)], demo=demo, colours=colours)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{line}</svg>'
        )
        return "data:image/svg+xml;utf8," + quote(svg)

    return swatch(False), swatch(True)


__all__ = [
    "AREA_COLOURS",
    "DEMO_DASH",
    "FRANCE_COLOURS",
    "Line",
    "Point",
    "legend_svg",
    "points_of",
    "small_multiple_svg",
]
