"""The figures as static SVG drawn in Python, painted with the server's HTML before any script.

Dash and Plotly (≈ 400 KB) load only when the reader interacts: until then the server's copy
is the page, and its charts are these drawings of the same figure dicts (dashboard/figures/*),
written for the small vocabulary those functions use — scatter lines, markers, text and
filled polygons, bars, shapes, annotations, a horizontal legend and a colour bar — not for
any Plotly figure.

Drawings at several widths (`static_chart`), one shown by tdb.css: an SVG scales with its
container, text included, so one drawing 760 px wide would write its 12 px tick labels at
6 px on a 390 px phone, and one 340 px wide would write them twice as big on a desktop.
The narrow one (340, fewer ticks, shorter labels) shows below 768 px of viewport, scaled at
most 1.5 times; the wide one (760) above, never larger than drawn; and from 1248 px, where
Plotly draws charts 1200 px wide, a full one (1200) — except for a geographic map (thousands
of points, the heaviest part of a page), whose equal-aspect plot Plotly centres at any width:
its wide drawing is centred instead. No text is drawn under 12 px: shrunk to a 720 px
container (a 768 px screen) or a 328 px one (a 360 px phone), it stays at 11 px at least.
Each is `aria-hidden`: the chart's caption and value table say what it shows.

Coordinates are rounded (a tenth of a pixel, whole pixels on maps, repeated points dropped),
so that the map of the départements stays well under 150 KB for both drawings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Any, Final

from dashboard.figures.theme import (
    COLORWAY,
    EXPORT_MARGIN,
    GREY_BORDER,
    GREY_LIGHT,
    GREY_TEXT,
    SEQUENTIAL,
    TEMPLATE_DICT,
    WHITE,
)
from dashboard.formatting import date_ticks, format_plain

FULL: Final = 1200  # Plotly's width in the page's container from 1248 px of viewport
WIDE: Final = 760
NARROW: Final = 340
PLOTLY_HEIGHT: Final = 450  # Plotly's height for a figure that sets none
CHART_CLASS: Final = "tdb-static-chart"
MIN_TEXT: Final = 12  # px: no text drawn smaller (11 px on screen when shrunk)
ID_MARK: Final = "\x00"  # replaced by the drawing's own id prefix (defs of one SVG)
COARSE_POINTS: Final = 2000  # a geographic map: whole pixels, a centred wide drawing
CATEGORY_CHARS: Final = 24  # narrow drawing: longer category labels are cut with « … »

_TAG = re.compile(r"<(/?)(b|i|em|strong|sup|sub|span)\b[^>]*>|<br\s*/?>", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_EPOCH: Final = dt.datetime(1970, 1, 1)


def static_chart(figure: Mapping[str, Any]) -> str:
    """The drawings of a figure in their container, each with its class (tdb.css shows one)."""
    heavy = _point_count(figure.get("data") or []) > COARSE_POINTS
    widths = [(WIDE, "wide"), (NARROW, "narrow")]
    if not heavy:
        widths.insert(0, (FULL, "full"))
    drawings = "".join(
        figure_svg(figure, width=width, css_class=f"{CHART_CLASS}__{name}")
        for width, name in widths
    )
    kind = f"{CHART_CLASS} {CHART_CLASS}--centred" if heavy else CHART_CLASS
    return f'<div class="{kind}">{drawings}</div>'


def _point_count(traces: Sequence[Mapping[str, Any]]) -> int:
    return sum(len(_as_list(t.get("x"))) for t in traces)


def figure_svg(
    figure: Mapping[str, Any], *, width: int = WIDE, css_class: str = CHART_CLASS
) -> str:
    """One inline `<svg>` of a figure dict, `width` px wide (below 500: fewer ticks, shorter
    labels, smaller tick text), as high as the figure; the same figure gives the same bytes."""
    svg = _Drawing(figure, width=width).svg(css_class)
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8]
    return svg.replace(ID_MARK, prefix)


# --- text -----------------------------------------------------------------------------------

_NARROW_CHARS = frozenset("iljtf.,:;'|!()[] \u202f\u00a0-")
_WIDE_CHARS = frozenset("mwMWœŒ%@")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An estimate of a text's width in px (Marianne and Arial are close): enough to lay out
    margins, legends and labels without a font engine."""
    total = 0.0
    for ch in text:
        if ch == "\u202f":
            total += 0.18
        elif ch in _NARROW_CHARS:
            total += 0.3
        elif ch in _WIDE_CHARS:
            total += 0.86
        elif ch.isdigit():
            total += 0.57
        elif ch.isupper():
            total += 0.68
        else:
            total += 0.53
    return total * size * (1.1 if bold else 1.06)  # measured on Marianne: a little wide


Run = tuple[str, bool, bool]  # text, bold, italic


def rich_lines(text: object) -> list[list[Run]]:
    """Plotly's pseudo-HTML (`<b>`, `<i>`, `<br>`) as lines of styled runs; any other `<`
    is text."""
    lines: list[list[Run]] = [[]]
    bold = italic = False
    pos = 0
    source = "" if text is None else str(text)
    for match in _TAG.finditer(source):
        if match.start() > pos:
            lines[-1].append((source[pos : match.start()], bold, italic))
        pos = match.end()
        tag = (match.group(2) or "br").lower()
        closing = bool(match.group(1))
        if tag == "br":
            lines.append([])
        elif tag in ("b", "strong"):
            bold = not closing
        elif tag in ("i", "em"):
            italic = not closing
    if pos < len(source):
        lines[-1].append((source[pos:], bold, italic))
    return lines


def plain(text: object) -> str:
    """The text of pseudo-HTML without its tags (lines joined by a space)."""
    return " ".join("".join(r[0] for r in line) for line in rich_lines(text))


def _line_width(line: Sequence[Run], size: float) -> float:
    return sum(text_width(t, size, bold=b) for t, b, _ in line)


def _wrap(line: list[Run], size: float, limit: float, *, max_lines: int) -> list[list[Run]]:
    """A line of runs cut at spaces to fit `limit` px, at most `max_lines` (the last one
    ending with « … » when cut)."""
    words: list[Run] = []
    for text, bold, italic in line:
        for i, piece in enumerate(text.split(" ")):
            words.append(((" " if i else "") + piece, bold, italic))
    out: list[list[Run]] = [[]]
    for word, bold, italic in words:
        current = out[-1]
        if current and _line_width([*current, (word, bold, italic)], size) > limit:
            out.append([(word.lstrip(" "), bold, italic)])
        else:
            current.append((word if current else word.lstrip(" "), bold, italic))
    out = [_joined(line) for line in out]
    if len(out) > max_lines:
        out = out[:max_lines]
        last = out[-1]
        while last and _line_width([*last, ("…", False, False)], size) > limit:
            cut, bold, italic = last[-1]
            last[-1] = (cut[:-1], bold, italic)
            if not last[-1][0]:
                last.pop()
        last.append(("…", False, False))
    return out


def _joined(line: list[Run]) -> list[Run]:
    """Neighbouring runs of the same style as one."""
    out: list[Run] = []
    for text, bold, italic in line:
        if out and out[-1][1:] == (bold, italic):
            out[-1] = (out[-1][0] + text, bold, italic)
        elif text:
            out.append((text, bold, italic))
    return out


def shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _num(value: float) -> str:
    """A coordinate at a tenth of a pixel, without a useless « .0 »."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def _attrs(**props: object) -> str:
    """Attributes in the order given; None left out; `_` in names written `-`."""
    out = []
    for name, value in props.items():
        if value is None:
            continue
        text = _num(value) if isinstance(value, float) else str(value)
        out.append(f' {name.rstrip("_").replace("_", "-")}="{escape(text, quote=True)}"')
    return "".join(out)


def _tag(name: str, **props: object) -> str:
    """An empty element: `<path d="…"/>`."""
    return f"<{name}{_attrs(**props)}/>"


def _text_element(
    lines: Sequence[Sequence[Run]],
    *,
    x: float,
    y: float,
    size: float,
    colour: str | None = None,
    anchor: str = "start",
    line_height: float = 1.25,
    transform: str | None = None,
    bold: bool = False,
) -> str:
    """A `<text>` of lines of runs, the first baseline at `y` (`bold`: all of it)."""
    parts = []
    for i, line in enumerate(lines):
        runs = "".join(_run(text, b and not bold, it) for text, b, it in line)
        dy = None if i == 0 else _num(size * line_height)
        parts.append(f"<tspan{_attrs(x=x, dy=dy)}>{runs}</tspan>" if len(lines) > 1 else runs)
    head = _attrs(
        x=x,
        y=y,
        font_size=_num(size),
        fill=colour,
        text_anchor=None if anchor == "start" else anchor,
        font_weight="bold" if bold else None,
        transform=transform,
    )
    return f"<text{head}>{''.join(parts)}</text>"


def _run(text: str, bold: bool, italic: bool) -> str:
    """A run of text, in a `<tspan>` when styled."""
    if not bold and not italic:
        return escape(text, quote=False)
    style = _attrs(font_weight="bold" if bold else None, font_style="italic" if italic else None)
    return f"<tspan{style}>{escape(text, quote=False)}</tspan>"


# --- values and axes --------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaT
    except (TypeError, ValueError):
        return False


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date) or (isinstance(value, str) and bool(_ISO.match(value)))


def _days(value: object) -> float:
    """A date, a timestamp or an ISO text as days since 1970."""
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None)
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return (moment - _EPOCH).total_seconds() / 86400.0


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    tolist = getattr(value, "tolist", None)
    return list(tolist()) if callable(tolist) else [value]


def nice_step(span: float, count: int, *, at_most: bool = False) -> float:
    """The step of 1, 2 or 5 times a power of ten closest to `count` intervals (`at_most`:
    no more than `count`, as Plotly's `nticks`)."""
    raw = abs(span) / max(count, 1) or 1.0
    power = 10 ** math.floor(math.log10(raw))
    steps = [f * power for f in (1, 2, 5, 10)]
    if at_most:
        return float(next(step for step in steps if step >= raw * (1 - 1e-9)))
    return float(min(steps, key=lambda step: abs(math.log(step / raw))))


def nice_ticks(low: float, high: float, count: int, *, at_most: bool = False) -> list[float]:
    """Round ticks inside [low, high]."""
    if high < low:
        low, high = high, low
    step = nice_step(high - low, count, at_most=at_most)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    k = first
    while k * step <= high + step * 1e-9:
        ticks.append(round(k * step, 12))
        k += 1
    return ticks


def tick_label(value: float, step: float, suffix: str = "") -> str:
    """A tick in French (narrow no-break spaces, decimal comma), with the decimals of its
    step: 0,0 0,2 0,4."""
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return format_plain(value, decimals=decimals) + suffix


def _labelled_ticks(
    low: float, high: float, count: int, suffix: str, *, at_most: bool = False
) -> list[tuple[float, str]]:
    """About `count` round ticks with their French labels, at least two."""
    values: list[float] = []
    for _ in range(4):
        values = nice_ticks(low, high, count, at_most=at_most)
        if len(values) >= 2:
            break
        count *= 2
    step = nice_step(high - low, count, at_most=at_most)
    return [(v, tick_label(v, step, suffix)) for v in values]


@dataclass
class _Axis:
    name: str  # "x" or "y"
    spec: Mapping[str, Any]
    kind: str = "linear"  # linear, date, category
    categories: list[str] = field(default_factory=list)
    low: float = 0.0
    high: float = 1.0
    p0: float = 0.0  # pixel of `low`
    p1: float = 1.0  # pixel of `high`

    @property
    def visible(self) -> bool:
        return self.spec.get("visible", True) is not False

    @property
    def reversed(self) -> bool:
        return self.spec.get("autorange") == "reversed"

    def value(self, raw: object) -> float | None:
        """A data value as a number on this axis (None when missing)."""
        if type(raw) is int or type(raw) is float:  # the many points of a map, quickly
            return float(raw) if self.kind == "linear" and raw == raw else self._other(raw)
        return self._other(raw)

    def _other(self, raw: object) -> float | None:
        if _is_missing(raw):
            return None
        if self.kind == "date":
            try:
                return _days(raw)
            except (TypeError, ValueError):
                return None
        if self.kind == "category":
            text = str(raw)
            if text not in self.categories:
                self.categories.append(text)
            return float(self.categories.index(text))
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def px(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.p0 + (value - self.low) / span * (self.p1 - self.p0)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


DASHES: Final = {"dot": (1, 1), "dash": (3, 3), "longdash": (5, 5), "dashdot": (3, 1, 1, 1)}


def _dash(style: object, width: float) -> str | None:
    """Plotly's dash patterns, in multiples of the line width (at least 3 px)."""
    unit = max(width, 3.0)
    pattern = DASHES.get(str(style)) if style else None
    return " ".join(_num(unit * p) for p in pattern) if pattern else None


def _per_point(value: object, index: int) -> Any:
    """A property given for each point (a list) or for all (a single value)."""
    if isinstance(value, list | tuple):
        return value[index] if index < len(value) else None
    return value


def _colour_at(values: Sequence[Any], index: int, default: str) -> str:
    if index < len(values) and isinstance(values[index], str):
        return str(values[index])
    return default


def _symbol_path(symbol: str, x: float, y: float, size: float) -> str:
    """A marker's outline, centred on (x, y), `size` px across (Plotly's symbols)."""
    r = size / 2
    if symbol.startswith("square"):
        return f"M{_num(x - r)} {_num(y - r)}h{_num(size)}v{_num(size)}h{_num(-size)}z"
    if symbol.startswith("diamond"):
        r *= 1.3
        return (
            f"M{_num(x)} {_num(y - r)}L{_num(x + r)} {_num(y)}L{_num(x)} {_num(y + r)}"
            f"L{_num(x - r)} {_num(y)}z"
        )
    if symbol.startswith("triangle"):
        down = "down" in symbol
        top, base = (y + r, y - r * 0.7) if down else (y - r, y + r * 0.7)
        return f"M{_num(x)} {_num(top)}L{_num(x + r)} {_num(base)}L{_num(x - r)} {_num(base)}z"
    if symbol.startswith("star"):
        points = []
        for k in range(10):
            radius = r * 1.2 if k % 2 == 0 else r * 0.5
            angle = -math.pi / 2 + k * math.pi / 5
            points.append(
                f"{_num(x + radius * math.cos(angle))} {_num(y + radius * math.sin(angle))}"
            )
        return "M" + "L".join(points) + "z"
    if symbol.startswith("line-ew"):
        return f"M{_num(x - r)} {_num(y)}h{_num(size)}"
    return (  # circle
        f"M{_num(x - r)} {_num(y)}a{_num(r)} {_num(r)} 0 1 0 {_num(size)} 0"
        f"a{_num(r)} {_num(r)} 0 1 0 {_num(-size)} 0z"
    )


@dataclass
class _LegendItem:
    name: str
    trace: Mapping[str, Any]


class _Drawing:
    """One drawing of a figure at one width: layout first, then the SVG elements."""

    def __init__(self, figure: Mapping[str, Any], *, width: int) -> None:
        template = (figure.get("layout") or {}).get("template") or TEMPLATE_DICT
        self.layout = _merged(template.get("layout") or {}, figure.get("layout") or {})
        self.traces = [t for t in figure.get("data") or [] if t.get("visible", True) is not False]
        self.width = float(width)
        self.height = float(self.layout.get("height") or PLOTLY_HEIGHT)
        self.narrow = width < 500
        font = self.layout.get("font") or {}
        self.font_size = float(font.get("size") or 12)
        self.tick_size = 12.0 if self.narrow else min(self.font_size, 13.0)
        self.family = str(font.get("family") or "sans-serif")
        self.colour = str(font.get("color") or GREY_TEXT)
        self.x = _Axis("x", self.layout.get("xaxis") or {})
        self.y = _Axis("y", self.layout.get("yaxis") or {})
        self.defs: list[str] = []
        self.patterns: dict[str, str] = {}  # a pattern's definition → its id
        # a map of many points: whole pixels, relative moves, repeated points dropped
        self.coarse = _point_count(self.traces) > COARSE_POINTS
        self._types()

    # -- layout ------------------------------------------------------------------------------

    def _types(self) -> None:
        """Plotly's axis types from the first value: dates, categories (texts) or numbers."""
        for axis in (self.x, self.y):
            values = (v for t in self.traces for v in _as_list(t.get(axis.name)))
            ticks = iter(_as_list(axis.spec.get("tickvals")))
            first = next((v for v in values if not _is_missing(v)), next(ticks, None))
            if _is_date(first):
                axis.kind = "date"
            elif isinstance(first, str):
                axis.kind = "category"
                for t in self.traces:
                    for v in _as_list(t.get(axis.name)):
                        axis.value(v)  # each category in order of appearance

    def svg(self, css_class: str) -> str:
        margin = _merged({"l": 80, "r": 80, "t": 100, "b": 80}, self.layout.get("margin") or {})
        left, right = float(margin["l"]), float(margin["r"])
        top, bottom = float(margin["t"]), float(margin["b"])
        title = self._title_lines()
        if title:  # the margin holds EXPORT_MARGIN px for the title: more if it wraps
            top += max(0.0, self._title_height(title) + 8 - EXPORT_MARGIN)
        legend, legend_rows = self._legend()
        legend_spec = self.layout.get("legend") or {}
        legend_below = bool(legend) and float(legend_spec.get("y", 1.0)) < 0
        legend_height = len(legend_rows) * self._legend_row_height()
        bar = self._colour_bar_trace()
        bar_labels: list[tuple[float, str]] = []
        bar_title: list[list[Run]] = []
        if bar is not None:
            bar_labels, bar_title = self._colour_bar_labels(bar)
            widest = max(
                [text_width(t, self.tick_size) for _, t in bar_labels]
                + [_line_width(line, self.tick_size) for line in bar_title]
            )
            if self.narrow:  # under the plot, across: the map keeps the width
                bottom += self._bar_block(bar_title)
            else:
                right = max(right, 10 + 14 + 6 + widest + 4)
        # first pass on the value ranges, to measure tick labels
        self._ranges()
        y_labels = self._ticks(self.y, 0) if self.y.visible else []
        if self.y.visible:
            widest = max((self._tick_width(t, self.y) for _, t in y_labels), default=0.0)
            title_room = self.font_size * 1.3 + 4 if self._axis_title(self.y) else 0.0
            left = max(left, widest + 8 + title_room + 4)
        if self.x.visible:
            need = 5 + 4 + self.tick_size * 1.2
            need += self.font_size * 1.4 if self._axis_title(self.x) else 0.0
            bottom = max(bottom, need + 4)
        if legend_below:
            bottom += legend_height + 6
        self.plot = (left, top, self.width - right, self.height - bottom)
        self._place()
        # the paper's colour, as Plotly paints it: the drawing stays legible in a dark theme
        body = [_tag("rect", width="100%", height="100%", fill=self.layout.get("paper_bgcolor"))]
        body += self._shapes("below")
        body += self._grid()
        body += self._bars()
        body += self._scatters()
        body += self._shapes("above")
        body += self._axes()
        body += self._annotations()
        if legend:
            if legend_below:
                y0 = self.plot[3] + (5 + 4 + self.tick_size * 1.2 if self.x.visible else 0)
                if self._axis_title(self.x):
                    y0 += self.font_size * 1.4
                y0 += 8
            else:
                ly = float(legend_spec.get("y", 1.0))
                anchor = str(legend_spec.get("yanchor", "auto"))
                y_ref = self.plot[3] + (self.plot[1] - self.plot[3]) * ly
                y0 = y_ref - legend_height if anchor == "bottom" else y_ref
            body += self._draw_legend(legend_rows, y0=y0)
        if bar is not None:
            body += self._draw_colour_bar(bar, bar_labels, bar_title)
        body += self._draw_title(title)
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        head = _attrs(
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {int(self.width)} {int(self.height)}",
            width="100%",
            class_=css_class,
            aria_hidden="true",
            focusable="false",
            font_family=self.family,
            font_size=_num(self.font_size),
            fill=self.colour,
        )
        return f"<svg{head}>{defs}{''.join(body)}</svg>"

    # -- title ------------------------------------------------------------------------------

    def _title_lines(self) -> list[tuple[list[list[Run]], float, str]]:
        """(lines, font size, colour) of the title then of its subtitle."""
        spec = self.layout.get("title")
        if isinstance(spec, str):
            spec = {"text": spec}
        if not isinstance(spec, Mapping) or not spec.get("text"):
            return []
        limit = self.width - 24
        out = []
        font = spec.get("font") or {}
        size = max(float(font.get("size") or 17), MIN_TEXT)
        lines = [
            w for line in rich_lines(spec["text"]) for w in _wrap(line, size, limit, max_lines=3)
        ]
        out.append((lines, size, str(font.get("color") or self.colour)))
        sub = spec.get("subtitle") or {}
        if sub.get("text"):
            sub_font = sub.get("font") or {}
            sub_size = max(float(sub_font.get("size") or 12), MIN_TEXT)
            sub_lines = [
                w
                for line in rich_lines(sub["text"])
                for w in _wrap(line, sub_size, limit, max_lines=2)
            ]
            out.append((sub_lines, sub_size, str(sub_font.get("color") or self.colour)))
        return out

    @staticmethod
    def _title_height(blocks: Sequence[tuple[list[list[Run]], float, str]]) -> float:
        return sum(len(lines) * size * 1.25 + 4 for lines, size, _ in blocks)

    def _draw_title(self, blocks: Sequence[tuple[list[list[Run]], float, str]]) -> list[str]:
        out = []
        y = 6.0
        for i, (lines, size, colour) in enumerate(blocks):
            y += size
            out.append(_text_element(lines, x=8.0, y=y, size=size, colour=colour, bold=i == 0))
            y += (len(lines) - 1) * size * 1.25 + size * 0.25 + 4
        return out

    # -- ranges -----------------------------------------------------------------------------

    def _extent(self, axis: _Axis) -> tuple[list[float], bool]:
        """Every drawn value on an axis, and whether bars start it from zero."""
        values: list[float] = []
        bars = False
        stacks: dict[float, float] = {}
        stacked = self.layout.get("barmode") == "stack"
        for t in self.traces:
            kind = t.get("type", "scatter")
            horizontal = t.get("orientation") == "h"
            raw = _as_list(t.get(axis.name))
            if kind == "bar" and (horizontal == (axis.name == "x")):  # the length axis
                bars = True
                other = _as_list(t.get("y" if horizontal else "x"))
                other_axis = self.y if horizontal else self.x
                for position, length in zip(other, raw, strict=False):
                    v = axis.value(length)
                    p = other_axis.value(position)
                    if v is None:
                        continue
                    if stacked and p is not None:
                        stacks[p] = stacks.get(p, 0.0) + v
                        values.append(stacks[p])
                    else:
                        values.append(v)
                continue
            for v in raw:
                number = axis.value(v)
                if number is not None:
                    values.append(number)
        for shape in self.layout.get("shapes") or []:
            if shape.get(f"{axis.name}ref", axis.name) == axis.name:
                for key in (f"{axis.name}0", f"{axis.name}1"):
                    number = axis.value(shape.get(key))
                    if number is not None:
                        values.append(number)
        return values, bars

    def _ranges(self) -> None:
        for axis in (self.x, self.y):
            given = axis.spec.get("range")
            if isinstance(given, list | tuple) and len(given) == 2:
                low, high = (axis.value(v) for v in given)
                if low is not None and high is not None:
                    axis.low, axis.high = low, high
                    continue
            if axis.kind == "category":
                axis.low, axis.high = -0.5, max(len(axis.categories), 1) - 0.5
                continue
            values, bars = self._extent(axis)
            if not values:
                axis.low, axis.high = (-1.0, 6.0) if axis.kind == "linear" else (0.0, 1.0)
                if axis.kind == "date":
                    axis.low, axis.high = _days("2000-01-01"), _days("2001-01-01")
                continue
            low, high = min(values), max(values)
            if bars or axis.spec.get("rangemode") == "tozero":
                low, high = min(low, 0.0), max(high, 0.0)
            span = (high - low) or (abs(high) or 1.0)
            pad = 0.05 * span
            if axis.kind == "date" and self._has_bars(axis):
                pad = self._bar_band(axis) / 2
            axis.low = low if bars and low == 0 else low - pad
            axis.high = high if bars and high == 0 else high + pad
            if axis.spec.get("rangemode") == "tozero" and low >= 0:
                axis.low = 0.0

    def _has_bars(self, axis: _Axis) -> bool:
        return any(
            t.get("type") == "bar" and (t.get("orientation") == "h") == (axis.name == "y")
            for t in self.traces
        )

    def _bar_band(self, axis: _Axis) -> float:
        """The distance between neighbouring bar positions (1 on a category axis)."""
        if axis.kind == "category":
            return 1.0
        positions = sorted(
            {
                v
                for t in self.traces
                if t.get("type") == "bar"
                for raw in _as_list(t.get(axis.name))
                if (v := axis.value(raw)) is not None
            }
        )
        gaps = [b - a for a, b in pairwise(positions) if b > a]
        return min(gaps) if gaps else 1.0

    def _place(self) -> None:
        left, top, right, bottom = self.plot
        self.x.p0, self.x.p1 = left, right
        self.y.p0, self.y.p1 = bottom, top
        if self.x.reversed:
            self.x.p0, self.x.p1 = right, left
        if self.y.reversed:
            self.y.p0, self.y.p1 = top, bottom
        if self.y.spec.get("scaleanchor") == "x":  # equal aspect: widen one range to fit
            ratio = float(self.y.spec.get("scaleratio") or 1.0)
            sx = (right - left) / ((self.x.high - self.x.low) or 1.0)
            sy = (bottom - top) / ((self.y.high - self.y.low) or 1.0) / ratio
            scale = min(sx, sy)
            for axis, size, unit in (
                (self.x, right - left, scale),
                (self.y, bottom - top, scale * ratio),
            ):
                middle = (axis.low + axis.high) / 2
                half = size / unit / 2
                axis.low, axis.high = middle - half, middle + half

    # -- ticks and axes -------------------------------------------------------------------------

    def _ticks(self, axis: _Axis, length: float) -> list[tuple[float, str]]:
        """(value, label) of the ticks of an axis, thinned so that labels do not overlap."""
        spec = axis.spec
        low, high = min(axis.low, axis.high), max(axis.low, axis.high)
        suffix = str(spec.get("ticksuffix") or "")
        if axis.kind == "category":
            return [(float(i), c) for i, c in enumerate(axis.categories)]
        tickvals = _as_list(spec.get("tickvals"))
        if tickvals:
            texts = [str(t) for t in _as_list(spec.get("ticktext"))]
            ticks = []
            for i, raw in enumerate(tickvals):
                v = axis.value(raw)
                if v is None or not low - 1e-9 <= v <= high + 1e-9:
                    continue
                ticks.append((v, texts[i] if i < len(texts) else str(raw)))
        elif axis.kind == "date":
            start = _EPOCH + dt.timedelta(days=low)
            end = _EPOCH + dt.timedelta(days=high)
            values, texts = date_ticks(
                start, end, frequency="monthly", max_ticks=4 if self.narrow else 7
            )
            ticks = [(_days(d), t) for d, t in zip(values, texts, strict=True)]
        else:
            count = int(spec.get("nticks") or 0) or 5
            if self.narrow or (axis.name == "x" and length and length < 400):
                count = min(count, 3 if axis.name == "x" else 4)
            ticks = _labelled_ticks(low, high, count, suffix, at_most=bool(spec.get("nticks")))
        if length and axis.name == "x" and len(ticks) > 1:
            widest = max(text_width(t, self.tick_size) for _, t in ticks) + 10
            room = length / len(ticks)
            every = max(1, math.ceil(widest / room)) if room > 0 else 1
            ticks = ticks[::every]
        return ticks

    def _tick_width(self, label: str, axis: _Axis) -> float:
        size = self._tick_font(axis)
        return max(_line_width(self._cut(line), size) for line in rich_lines(label))

    def _tick_font(self, axis: _Axis) -> float:
        size = (axis.spec.get("tickfont") or {}).get("size")
        return max(float(size), MIN_TEXT) if size else self.tick_size

    @staticmethod
    def _axis_title(axis: _Axis) -> str:
        title = axis.spec.get("title")
        text = title.get("text") if isinstance(title, Mapping) else title
        return "" if text is None else str(text)

    def _grid(self) -> list[str]:
        out = []
        left, top, right, bottom = self.plot
        for axis in (self.x, self.y):
            default = axis.name == "y" and axis.kind != "category"
            if not axis.visible or not axis.spec.get("showgrid", default):
                continue
            colour = str(axis.spec.get("gridcolor") or GREY_LIGHT)
            length = (right - left) if axis.name == "x" else (bottom - top)
            path = []
            for value, _ in self._ticks(axis, length):
                p = axis.px(value)
                path.append(
                    f"M{_num(p)} {_num(top)}V{_num(bottom)}"
                    if axis.name == "x"
                    else f"M{_num(left)} {_num(p)}H{_num(right)}"
                )
            if path:
                out.append(_tag("path", d="".join(path), stroke=colour, fill="none"))
        return out

    def _axes(self) -> list[str]:
        out = []
        left, top, right, bottom = self.plot
        if self.x.visible:
            size = self._tick_font(self.x)
            ticks = self._ticks(self.x, right - left)
            marks = "".join(f"M{_num(self.x.px(v))} {_num(bottom)}v5" for v, _ in ticks)
            if marks and self.x.kind != "category":
                out.append(_tag("path", d=marks, stroke=GREY_BORDER, fill="none"))
            labels = [
                _text_element(
                    rich_lines(t),
                    x=self._inside(self.x.px(v), t, size),
                    y=bottom + 9 + size,
                    size=size,
                    anchor="middle",
                )
                for v, t in ticks
            ]
            out.append(f"<g>{''.join(labels)}</g>")
            title = self._axis_title(self.x)
            if title:
                out.append(
                    _text_element(
                        rich_lines(title),
                        x=(left + right) / 2,
                        y=bottom + 9 + size * 1.2 + self.font_size * 1.1,
                        size=self.font_size,
                        anchor="middle",
                    )
                )
        if self.y.visible:
            size = self._tick_font(self.y)
            ticks = self._ticks(self.y, bottom - top)
            labels = [
                _text_element(
                    [self._cut(line) for line in rich_lines(t)],
                    x=left - 6,
                    y=self.y.px(v) + size * 0.35,
                    size=size,
                    anchor="end",
                )
                for v, t in ticks
            ]
            out.append(f"<g>{''.join(labels)}</g>")
            title = self._axis_title(self.y)
            if title:
                widest = max((self._tick_width(t, self.y) for _, t in ticks), default=0.0)
                x = left - 6 - widest - 6 - self.font_size * 0.25
                cy = (top + bottom) / 2
                out.append(
                    _text_element(
                        rich_lines(title),
                        x=0.0,
                        y=0.0,
                        size=self.font_size,
                        anchor="middle",
                        transform=f"translate({_num(x)} {_num(cy)}) rotate(-90)",
                    )
                )
        return out

    def _inside(self, x: float, label: str, size: float) -> float:
        """The centre of a label moved so that the label stays within the drawing."""
        half = max(_line_width(line, size) for line in rich_lines(label)) / 2
        return min(max(x, half + 2), self.width - half - 2)

    def _cut(self, line: list[Run]) -> list[Run]:
        """A long label cut in the narrow drawing (« 39. Alpes-de-Haute-Prov… »), bold kept."""
        if not self.narrow:
            return line
        text = "".join(t for t, _, _ in line)
        if len(text) <= CATEGORY_CHARS:
            return line
        bold = any(b for _, b, _ in line)
        return [(shorten(text, CATEGORY_CHARS), bold, False)]

    # -- traces -----------------------------------------------------------------------------

    def _bars(self) -> list[str]:
        bars = [t for t in self.traces if t.get("type") == "bar"]
        if not bars:
            return []
        out = []
        stacked = self.layout.get("barmode") == "stack"
        gap = float(self.layout.get("bargap", 0.2))
        bases: dict[float, float] = {}
        for index, t in enumerate(bars):
            horizontal = t.get("orientation") == "h"
            place, length = (self.y, self.x) if horizontal else (self.x, self.y)
            band = self._bar_band(place) * (1 - gap)
            width = band if stacked or len(bars) == 1 else band / len(bars)
            shift = 0.0 if stacked or len(bars) == 1 else -band / 2 + width * (index + 0.5)
            marker = t.get("marker") or {}
            colours = marker.get("color") or COLORWAY[index % len(COLORWAY)]
            outline = marker.get("line") or {}
            texts = _as_list(t.get("text"))
            outside = t.get("textposition") == "outside"
            rects, labels = [], []
            for i, (raw_place, raw_length) in enumerate(
                zip(
                    _as_list(t.get("y" if horizontal else "x")),
                    _as_list(t.get("x" if horizontal else "y")),
                    strict=False,
                )
            ):
                p = place.value(raw_place)
                v = length.value(raw_length)
                if p is None:
                    continue
                p += shift
                base = bases.get(p, 0.0) if stacked else 0.0
                end = base + (v or 0.0)
                if stacked and v is not None:
                    bases[p] = end
                a, b = place.px(p - width / 2), place.px(p + width / 2)
                c, d = length.px(base), length.px(end)
                if horizontal:
                    x0, x1, y0, y1 = min(c, d), max(c, d), min(a, b), max(a, b)
                else:
                    x0, x1, y0, y1 = min(a, b), max(a, b), min(c, d), max(c, d)
                line_width = float(_per_point(outline.get("width"), i) or 0)
                rects.append(
                    _tag(
                        "rect",
                        x=x0,
                        y=y0,
                        width=max(x1 - x0, 0.0),
                        height=max(y1 - y0, 0.0),
                        fill=None if isinstance(colours, str) else _per_point(colours, i),
                        stroke=str(outline.get("color") or GREY_TEXT) if line_width else None,
                        stroke_width=_num(line_width) if line_width else None,
                    )
                )
                if outside and i < len(texts) and texts[i]:
                    size = 12.0 if self.narrow else min(self.font_size, 13.0)
                    if horizontal:
                        labels.append(
                            _text_element(
                                rich_lines(texts[i]),
                                x=x1 + 4,
                                y=(y0 + y1) / 2 + size * 0.35,
                                size=size,
                            )
                        )
                    else:
                        labels.append(
                            _text_element(
                                rich_lines(texts[i]),
                                x=(x0 + x1) / 2,
                                y=y0 - 4,
                                size=size,
                                anchor="middle",
                            )
                        )
            group = _attrs(fill=colours) if isinstance(colours, str) else ""
            out.append(f"<g{group}>{''.join(rects)}</g>")
            if labels:
                out.append(f"<g>{''.join(labels)}</g>")
        return out

    def _points(self, t: Mapping[str, Any]) -> list[tuple[float, float] | None]:
        xs, ys = _as_list(t.get("x")), _as_list(t.get("y"))
        out: list[tuple[float, float] | None] = []
        for raw_x, raw_y in zip(xs, ys, strict=False):
            x, y = self.x.value(raw_x), self.y.value(raw_y)
            out.append(None if x is None or y is None else (self.x.px(x), self.y.px(y)))
        return out

    def _path(self, points: Sequence[tuple[float, float] | None], *, close: bool) -> str:
        """Runs of points between gaps, `M…L…` (`M…l…` of whole pixels when coarse)."""
        coarse = self.coarse
        parts: list[str] = []
        run: list[tuple[float, float]] = []

        def flush() -> None:
            if len(run) < 2:
                run.clear()
                return
            if coarse:
                cells = [(round(x), round(y)) for x, y in run]
                kept = [cells[0]] + [c for prev, c in pairwise(cells) if c != prev]
                if close and len(kept) < 3:
                    run.clear()
                    return
                moves = "".join(
                    f"{b[0] - a[0]:d}{'' if b[1] - a[1] < 0 else ' '}{b[1] - a[1]:d} "
                    for a, b in pairwise(kept)
                ).replace(" -", "-")
                parts.append(f"M{kept[0][0]} {kept[0][1]}l{moves.strip()}{'z' if close else ''}")
            else:
                head = f"M{_num(run[0][0])} {_num(run[0][1])}"
                body = "".join(f"L{_num(x)} {_num(y)}" for x, y in run[1:])
                parts.append(head + body + ("z" if close else ""))
            run.clear()

        for point in points:
            if point is None:
                flush()
            else:
                run.append(point)
        flush()
        return "".join(parts)

    def _scatters(self) -> list[str]:
        fills, lines, marks, texts = [], [], [], []
        for index, t in enumerate(self.traces):
            if t.get("type", "scatter") != "scatter":
                continue
            mode = str(t.get("mode") or "lines+markers")
            points = self._points(t)
            line = t.get("line") or {}
            colour = str(line.get("color") or COLORWAY[index % len(COLORWAY)])
            width = float(line.get("width", 2))
            if t.get("fill") == "toself":
                fill = self._fill_colour(t)
                stroke = (
                    {}
                    if not width
                    else {
                        "stroke": colour,
                        "stroke_width": _num(width),
                        "stroke_dasharray": _dash(line.get("dash"), width),
                    }
                )
                fills.append(
                    _tag(
                        "path",
                        d=self._path(points, close=True),
                        fill=fill,
                        fill_rule="evenodd",
                        **stroke,
                    )
                )
            elif "lines" in mode and width:
                d = self._path(points, close=False)
                if d:
                    lines.append(
                        _tag(
                            "path",
                            d=d,
                            fill="none",
                            stroke=colour,
                            stroke_width=_num(width),
                            stroke_dasharray=_dash(line.get("dash"), width),
                            stroke_linejoin="round",
                        )
                    )
            if "markers" in mode:
                marks += self._markers(t, points, index)
            if "text" in mode:
                texts += self._point_texts(t, points)
        return fills + lines + marks + texts

    def _fill_colour(self, t: Mapping[str, Any]) -> str:
        """A polygon's fill: its colour, or a hatching pattern (one definition per look)."""
        fill = str(t.get("fillcolor") or WHITE)
        pattern = t.get("fillpattern") or {}
        if not pattern.get("shape"):
            return fill
        fg = escape(str(pattern.get("fgcolor") or GREY_BORDER))
        bg = escape(str(pattern.get("bgcolor") or fill))
        body = (
            'width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{bg}"/>'
            f'<path d="M0 0V6" stroke="{fg}" stroke-width="1.5"/></pattern>'
        )
        if body not in self.patterns:
            self.patterns[body] = f"{ID_MARK}h{len(self.patterns)}"
            self.defs.append(f'<pattern id="{self.patterns[body]}" {body}')
        return f"url(#{self.patterns[body]})"

    def _markers(
        self, t: Mapping[str, Any], points: Sequence[tuple[float, float] | None], index: int
    ) -> list[str]:
        marker = t.get("marker") or {}
        if float(marker.get("opacity", 1)) == 0:
            return []
        symbols = _as_list(marker.get("symbol") or "circle")
        colours = _as_list(marker.get("color"))
        default = (
            str(colours[0])
            if len(colours) == 1
            else str((t.get("line") or {}).get("color") or COLORWAY[index % len(COLORWAY)])
        )
        size = float(marker.get("size") or 6)
        outline = marker.get("line") or {}
        out = []
        for i, point in enumerate(points):
            if point is None:
                continue
            symbol = str(symbols[i] if i < len(symbols) else symbols[0])
            colour = _colour_at(colours, i, default)
            d = _symbol_path(symbol, point[0], point[1], size)
            if symbol.endswith("-open") or symbol.startswith("line-"):
                width = float(outline.get("width") or 2)
                out.append(
                    _tag(
                        "path",
                        d=d,
                        fill="none" if not symbol.startswith("line-") else None,
                        stroke=colour,
                        stroke_width=_num(width),
                    )
                )
            else:
                stroke = outline.get("color")
                out.append(
                    _tag(
                        "path",
                        d=d,
                        fill=colour,
                        stroke=stroke,
                        stroke_width=_num(float(outline.get("width") or 1)) if stroke else None,
                    )
                )
        return out

    def _point_texts(
        self, t: Mapping[str, Any], points: Sequence[tuple[float, float] | None]
    ) -> list[str]:
        texts = _as_list(t.get("text"))
        font = t.get("textfont") or {}
        colours = _as_list(font.get("color"))
        size = max(float(font.get("size") or self.font_size), MIN_TEXT)
        marker_size = float((t.get("marker") or {}).get("size") or 6)
        position = str(t.get("textposition") or "middle center")
        out = []
        for i, point in enumerate(points):
            if point is None or i >= len(texts) or not texts[i]:
                continue
            x, y = point
            lines = rich_lines(texts[i])
            width = max(_line_width(line, size) for line in lines)
            side = "left" if "left" in position else "right" if "right" in position else ""
            if side == "left" and x - marker_size / 2 - 2 - width < self.plot[0]:
                side = "right"  # over the value ticks: on the other side of its point
            elif side == "right" and x + marker_size / 2 + 2 + width > self.width - 4:
                side = "left"
            anchor = "middle"
            if side == "left":
                x, anchor = x - marker_size / 2 - 2, "end"
            elif side == "right":
                x, anchor = x + marker_size / 2 + 2, "start"
            if position.startswith("top"):
                y -= marker_size / 2 + 3
            elif position.startswith("bottom"):
                y += marker_size / 2 + size
            else:
                y += size * 0.35
            out.append(
                _text_element(
                    lines,
                    x=x,
                    y=y,
                    size=size,
                    colour=_colour_at(colours, i, self.colour),
                    anchor=anchor,
                )
            )
        return out

    # -- shapes and annotations --------------------------------------------------------------------

    def _ref(self, axis: _Axis, ref: object, value: object) -> float | None:
        """A position on the page from a reference (the axis, paper, the axis's domain)."""
        ref = str(ref or axis.name)
        left, top, right, bottom = self.plot
        if ref in ("paper", f"{axis.name} domain"):
            try:
                fraction = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return None
            return (
                left + fraction * (right - left)
                if axis.name == "x"
                else bottom - fraction * (bottom - top)
            )
        number = axis.value(value)
        return None if number is None else axis.px(number)

    def _shapes(self, layer: str) -> list[str]:
        out = []
        for shape in self.layout.get("shapes") or []:
            if str(shape.get("layer") or "above") != layer:
                continue
            x0 = self._ref(self.x, shape.get("xref"), shape.get("x0"))
            x1 = self._ref(self.x, shape.get("xref"), shape.get("x1"))
            y0 = self._ref(self.y, shape.get("yref"), shape.get("y0"))
            y1 = self._ref(self.y, shape.get("yref"), shape.get("y1"))
            if x0 is None or x1 is None or y0 is None or y1 is None:
                continue
            line = shape.get("line") or {}
            width = float(line.get("width", 2))
            stroke = (
                {
                    "stroke": str(line.get("color") or GREY_TEXT),
                    "stroke_width": _num(width),
                    "stroke_dasharray": _dash(line.get("dash"), width),
                }
                if width
                else {}
            )
            if shape.get("type") == "line":
                out.append(
                    _tag(
                        "path",
                        d=f"M{_num(x0)} {_num(y0)}L{_num(x1)} {_num(y1)}",
                        fill="none",
                        **stroke,
                    )
                )
            elif shape.get("type") == "rect":
                fill = shape.get("fillcolor") or "none"
                out.append(
                    _tag(
                        "rect",
                        x=min(x0, x1),
                        y=min(y0, y1),
                        width=abs(x1 - x0),
                        height=abs(y1 - y0),
                        fill=str(fill),
                        **stroke,
                    )
                )
        return out

    def _annotations(self) -> list[str]:
        out = []
        for note in self.layout.get("annotations") or []:
            text = note.get("text")
            if not text:
                continue
            xref, yref = note.get("xref") or "x", note.get("yref") or "y"
            x = self._ref(self.x, xref, note.get("x", 0.5))
            y = self._ref(self.y, yref, note.get("y", 0.5))
            if x is None or y is None:
                continue
            font = note.get("font") or {}
            size = max(float(font.get("size") or self.font_size), MIN_TEXT)
            colour = str(font.get("color") or self.colour)
            lines = rich_lines(text)
            if self.narrow:
                lines = [
                    w for line in lines for w in _wrap(line, size, self.width - 16, max_lines=2)
                ]
            width = max(_line_width(line, size) for line in lines)
            height = len(lines) * size * 1.25
            xanchor = self._anchor(
                note.get("xanchor"), xref, note.get("x", 0.5), ("left", "center", "right")
            )
            yanchor = self._anchor(
                note.get("yanchor"), yref, note.get("y", 0.5), ("bottom", "middle", "top")
            )
            angle = float(note.get("textangle") or 0)
            box_w, box_h = (height, width) if abs(angle) == 90 else (width, height)
            left = {"left": x, "center": x - box_w / 2, "right": x - box_w}[xanchor]
            left = min(max(left, 4.0), self.width - 4 - box_w)  # never out of the drawing
            top = {"top": y, "middle": y - box_h / 2, "bottom": y - box_h}[yanchor]
            bg = note.get("bgcolor")
            if bg:
                out.append(_tag("rect", x=left, y=top, width=box_w, height=box_h, fill=str(bg)))
            cx, cy = left + box_w / 2, top + box_h / 2
            if abs(angle) == 90:
                out.append(
                    _text_element(
                        lines,
                        x=0.0,
                        y=size * 0.35,
                        size=size,
                        colour=colour,
                        anchor="middle",
                        transform=f"translate({_num(cx)} {_num(cy)}) rotate({_num(angle)})",
                    )
                )
            else:
                align = str(note.get("align") or "center")
                anchor, tx = {"left": ("start", left), "right": ("end", left + box_w)}.get(
                    align, ("middle", cx)
                )
                out.append(
                    _text_element(
                        lines, x=tx, y=top + size * 0.95, size=size, colour=colour, anchor=anchor
                    )
                )
        return out

    @staticmethod
    def _anchor(value: object, ref: object, position: object, names: tuple[str, str, str]) -> str:
        if value in names:
            return str(value)
        if str(ref) == "paper" or str(ref).endswith("domain"):  # Plotly's « auto »
            try:
                fraction = float(position)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return names[1]
            return names[0] if fraction <= 1 / 3 else names[2] if fraction >= 2 / 3 else names[1]
        return names[1]

    # -- legend and colour bar ---------------------------------------------------------------------

    def _legend(self) -> tuple[list[_LegendItem], list[list[tuple[_LegendItem, float]]]]:
        """The legend's entries (named traces) and their rows across the drawing."""
        entries = [
            _LegendItem(plain(t.get("name")), t)
            for t in self.traces
            if t.get("name") and t.get("showlegend", True) is not False
        ]
        shown = self.layout.get("showlegend")
        if shown is None:  # Plotly's default: two entries, or one asked for explicitly
            shown = len(entries) > 1 or any(e.trace.get("showlegend") is True for e in entries)
        if not entries or not shown:
            return [], []
        size = self._legend_size()
        rows: list[list[tuple[_LegendItem, float]]] = [[]]
        used = 0.0
        limit = self.width - 16
        for item in entries:
            item.name = shorten(item.name, 40) if self.narrow else item.name
            width = 36 + text_width(item.name, size) + 14
            if rows[-1] and used + width > limit:
                rows.append([])
                used = 0.0
            rows[-1].append((item, width))
            used += width
        return entries, rows

    def _legend_size(self) -> float:
        return 12.0 if self.narrow else 13.0

    def _legend_row_height(self) -> float:
        return self._legend_size() * 1.6

    def _draw_legend(
        self, rows: Sequence[Sequence[tuple[_LegendItem, float]]], *, y0: float
    ) -> list[str]:
        out = []
        size = self._legend_size()
        for r, row in enumerate(rows):
            x = 8.0
            cy = y0 + r * self._legend_row_height() + self._legend_row_height() / 2
            for item, width in row:
                out.append(self._swatch(item.trace, x, cy))
                out.append(
                    _text_element(
                        [[(item.name, False, False)]], x=x + 36, y=cy + size * 0.35, size=size
                    )
                )
                x += width
        return [f"<g>{''.join(out)}</g>"]

    def _swatch(self, t: Mapping[str, Any], x: float, cy: float) -> str:
        line = t.get("line") or {}
        marker = t.get("marker") or {}
        mode = str(t.get("mode") or "lines+markers")
        if t.get("type") == "bar" or t.get("fill") == "toself":
            fill = (
                self._fill_colour(t)
                if t.get("fill")
                else str(
                    _as_list(marker.get("color"))[0]
                    if _as_list(marker.get("color"))
                    else COLORWAY[0]
                )
            )
            stroke = str(line.get("color") or GREY_BORDER) if t.get("fill") else None
            return _tag(
                "rect",
                x=x + 6,
                y=cy - 7,
                width=20.0,
                height=14.0,
                fill=fill,
                stroke=stroke,
                stroke_dasharray=_dash(line.get("dash"), 1.0) if stroke else None,
            )
        parts = []
        colour = str(line.get("color") or COLORWAY[0])
        if "lines" in mode and float(line.get("width", 2)):
            width = min(float(line.get("width", 2)), 4.0)
            parts.append(
                _tag(
                    "path",
                    d=f"M{_num(x)} {_num(cy)}h30",
                    stroke=colour,
                    stroke_width=_num(width),
                    stroke_dasharray=_dash(line.get("dash"), width),
                )
            )
        if "markers" in mode:
            symbol = str(_as_list(marker.get("symbol") or "circle")[0])
            colours = _as_list(marker.get("color"))
            fill = str(colours[0]) if colours and isinstance(colours[0], str) else colour
            size = min(float(marker.get("size") or 6), 12.0)
            d = _symbol_path(symbol, x + 15, cy, size)
            edge = marker.get("line") or {}
            parts.append(
                _tag(
                    "path",
                    d=d,
                    fill="none" if symbol.endswith("-open") else fill,
                    stroke=fill if symbol.endswith("-open") else edge.get("color"),
                    stroke_width=_num(float(edge.get("width") or 1))
                    if edge.get("color") or symbol.endswith("-open")
                    else None,
                )
            )
        return "".join(parts)

    def _colour_bar_trace(self) -> Mapping[str, Any] | None:
        for t in self.traces:
            marker = t.get("marker") or {}
            if (
                marker.get("showscale")
                and marker.get("cmin") is not None
                and marker.get("cmax") is not None
            ):
                return t
        return None

    def _colour_bar_labels(
        self, t: Mapping[str, Any]
    ) -> tuple[list[tuple[float, str]], list[list[Run]]]:
        marker = t["marker"]
        bar = marker.get("colorbar") or {}
        low, high = float(marker["cmin"]), float(marker["cmax"])
        suffix = str(bar.get("ticksuffix") or "")
        labels = _labelled_ticks(low, high, 4 if self.narrow else 5, suffix)
        title = bar.get("title") or {}
        text = title.get("text") if isinstance(title, Mapping) else title
        limit = self.width - 16 if self.narrow else 130.0
        lines = [
            w
            for line in rich_lines(text or "")
            for w in _wrap(line, self.tick_size, limit, max_lines=3)
        ]
        return labels, [line for line in lines if line]

    def _bar_block(self, title: Sequence[Sequence[Run]]) -> float:
        """The height of a colour bar drawn across: title, bar, tick labels."""
        return len(title) * self.tick_size * 1.25 + 10 + 6 + self.tick_size * 1.2 + 10

    def _gradient(self, marker: Mapping[str, Any], *, across: bool) -> str:
        ident = f"{ID_MARK}g"
        stops = "".join(
            f'<stop offset="{_num(float(pos))}" stop-color="{escape(str(colour))}"/>'
            for pos, colour in (marker.get("colorscale") or SEQUENTIAL)
        )
        end = 'x2="1" y2="0"' if across else 'x2="0" y2="0"'
        start = 'x1="0" y1="0"' if across else 'x1="0" y1="1"'
        self.defs.append(f'<linearGradient id="{ident}" {start} {end}>{stops}</linearGradient>')
        return f"url(#{ident})"

    def _draw_colour_bar(
        self,
        t: Mapping[str, Any],
        labels: Sequence[tuple[float, str]],
        title: Sequence[Sequence[Run]],
    ) -> list[str]:
        """The colour bar right of the plot, or under it across the narrow drawing."""
        marker = t["marker"]
        low, high = float(marker["cmin"]), float(marker["cmax"])
        size = self.tick_size
        title_height = len(title) * size * 1.25
        if self.narrow:
            half = max(text_width(text, size) for _, text in labels) / 2 if labels else 0.0
            x = max(8.0, half + 4)  # the first label whole, centred on its tick
            length = min(self.width - 2 * x, 260.0)
            y = self.height - self._bar_block(title) + title_height + 4
            box = {"x": x, "y": y, "width": length, "height": 10.0}
            title_y = y - title_height - 4 + size
        else:
            _, top, right, bottom = self.plot
            bar = marker.get("colorbar") or {}
            x = right + 10
            length = (bottom - top) * float(bar.get("len") or 1) - title_height / 2
            y = (top + bottom) / 2 - length / 2 + title_height / 4
            box = {"x": x, "y": y, "width": float(bar.get("thickness") or 14), "height": length}
            title_y = y - 0.65 * size - 4 - (len(title) - 1) * size * 1.25  # its last line
        out = [_tag("rect", **box, fill=self._gradient(marker, across=self.narrow))]
        for value, text in labels:
            share = (value - low) / ((high - low) or 1.0)
            if self.narrow:
                tick, at = (
                    f"M{_num(x + share * length)} {_num(y + 10)}v4",
                    (x + share * length, y + 16 + size),
                )
            else:
                end = x + box["width"]
                tick, at = (
                    f"M{_num(end)} {_num(y + length - share * length)}h4",
                    (end + 6, y + length - share * length + size * 0.35),
                )
            out.append(_tag("path", d=tick, stroke=GREY_BORDER))
            anchor = "middle" if self.narrow else "start"
            out.append(
                _text_element([[(text, False, False)]], x=at[0], y=at[1], size=size, anchor=anchor)
            )
        if title:
            out.append(_text_element(title, x=x, y=title_y, size=size))
        return out
