"""National (or area) series with its targets and projected trajectory.

Real points (published, source, deposit) and demonstration values are drawn
differently so that a reader never mistakes a synthetic value for a real one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from core.catalog import Event, Indicator, Target
from core.models import TOTAL
from dashboard.figures.events import add_events, date_span, events_within
from dashboard.figures.theme import (
    BLUE_FRANCE,
    COLORWAY,
    DEMO_COLOUR,
    GREY_MENTION,
    ORIGIN_LABELS,
    RED_MARIANNE,
    Figure,
    Trace,
    add_annotation,
    new_figure,
    trace,
    update_axis,
    update_layout,
)
from dashboard.formatting import (
    QUALIFIER_PREFIXES,
    date_ticks,
    format_date,
    format_number,
    format_period,
    unit_label,
)

ORIGIN_STYLE: dict[str, tuple[str, str, str]] = {
    # origin: (marker symbol, colour, mode)
    "published": ("diamond", BLUE_FRANCE, "markers"),
    "source": ("circle", COLORWAY[5], "lines+markers"),
    "deposit": ("square", COLORWAY[2], "lines+markers"),
}
QUALIFIER_SYMBOLS = {"lower_bound": "triangle-up", "upper_bound": "triangle-down"}


def total_rows(series: pd.DataFrame) -> pd.DataFrame:
    """Only the total rows when a breakdown column is present, in period order."""
    frame = series
    if "breakdown" in frame.columns and (frame["breakdown"] == TOTAL).any():
        frame = frame[frame["breakdown"] == TOTAL]
    return frame.sort_values("period_start")


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index)
    return frame[column].astype("object").where(frame[column].notna(), "")


def hover_texts(frame: pd.DataFrame, *, indicator: Indicator) -> list[str]:
    """One French hover line per point: period, qualified value, status and source."""
    masked = _flag(frame, "is_masked")
    provisional = _flag(frame, "is_provisional")
    qualifiers = _text(frame, "qualifier")
    sources = _text(frame, "source_label")
    observed = list(frame["observed_on"]) if "observed_on" in frame.columns else [None] * len(frame)
    texts = []
    # Plain lists, not iterrows(): this runs for every point of every trajectory.
    for value_raw, period, is_masked, is_provisional, qualifier_raw, source_raw, seen in zip(
        frame["value"],
        frame["period_start"],
        masked,
        provisional,
        qualifiers,
        sources,
        observed,
        strict=True,
    ):
        qualifier = str(qualifier_raw) or "exact"
        value = format_number(
            value_raw,
            unit=indicator.unit,
            decimals=indicator.decimals,
            masked=bool(is_masked),
            qualifier=qualifier if qualifier in QUALIFIER_PREFIXES else "exact",
        )
        parts = [f"<b>{format_period(period, frequency=indicator.frequency)}</b>"]
        parts.append(value + (" (provisoire)" if is_provisional else ""))
        if seen is not None and pd.notna(seen):
            parts.append(f"au {format_date(seen)}")
        source = str(source_raw)
        if source:
            parts.append(f"Source : {source}")
        texts.append("<br>".join(parts))
    return texts


def _origin_trace(frame: pd.DataFrame, *, origin: str, indicator: Indicator) -> Trace:
    texts = hover_texts(frame, indicator=indicator)
    if origin == "demo":
        return trace(
            "scatter",
            x=frame["period_start"],
            y=frame["value"],
            name=ORIGIN_LABELS["demo"],
            mode="lines",
            line={"color": DEMO_COLOUR, "dash": "dash", "width": 2},
            text=texts,
            hovertemplate="%{text}<br><i>valeur synthétique</i><extra></extra>",
            connectgaps=False,
        )
    symbol, colour, mode = ORIGIN_STYLE.get(origin, ORIGIN_STYLE["source"])
    qualifiers = _text(frame, "qualifier")
    provisional = _flag(frame, "is_provisional")
    symbols = [
        QUALIFIER_SYMBOLS.get(str(q), symbol) + ("-open" if p else "")
        for q, p in zip(qualifiers, provisional, strict=True)
    ]
    return trace(
        "scatter",
        x=frame["period_start"],
        y=frame["value"],
        name=ORIGIN_LABELS.get(origin, origin),
        mode=mode,
        marker={"symbol": symbols, "size": 10 if origin == "published" else 7, "color": colour},
        line={"color": colour, "width": 2},
        text=texts,
        hovertemplate="%{text}<extra></extra>",
        connectgaps=False,
    )


def drawable_targets(targets: Sequence[Target], *, indicator: Indicator) -> list[Target]:
    """Targets comparable with the plotted series: same unit, compared on the latest value.

    A target on a 12-month sum or a share of areas is on another scale: it is listed in
    a note, not drawn over the series.
    """
    return [t for t in targets if t.unit == indicator.unit and t.comparison == "latest"]


def _fmt(value: float, *, indicator: Indicator) -> str:
    """Targets are round numbers: « 80 % », not « 80,0 % »."""
    decimals = 0 if float(value).is_integer() else indicator.decimals
    return format_number(value, unit=indicator.unit, decimals=decimals)


def _target_traces(
    target: Target, *, indicator: Indicator, start: dt.date | pd.Timestamp
) -> list[Trace]:
    deadline = pd.Timestamp(target.deadline)
    when = format_date(target.deadline)
    hover = f"<b>Objectif</b> : {target.label}<br>Échéance : {when}<br>{target.source_title}"
    if target.value_max is None:
        label = f"Objectif {target.deadline.year} : {_fmt(target.value, indicator=indicator)}"
        return [
            trace(
                "scatter",
                x=[deadline],
                y=[target.value],
                name=label,
                mode="markers+text",
                marker={"symbol": "star", "size": 16, "color": RED_MARIANNE},
                # the value only beside the star (the legend has the whole label): a long
                # text left of an early deadline would be cut on a phone
                text=[_fmt(target.value, indicator=indicator)],
                textposition="top left",
                textfont={"color": RED_MARIANNE},
                cliponaxis=False,
                hovertext=[hover],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        ]
    low, high = target.value, target.value_max
    label = (
        f"Objectif {target.deadline.year} : {_fmt(low, indicator=indicator)}"
        f" à {_fmt(high, indicator=indicator)}"
    )
    begin = pd.Timestamp(start)
    return [
        trace(
            "scatter",
            x=[begin, deadline, deadline, begin, begin],
            y=[low, low, high, high, low],
            name=label,
            mode="lines",
            fill="toself",
            fillcolor="rgba(201, 25, 30, 0.08)",
            line={"color": "rgba(201, 25, 30, 0.35)", "width": 1, "dash": "dot"},
            hoveron="fills",
            text=hover,
            hoverinfo="text",
        ),
        trace(
            "scatter",
            x=[deadline, deadline],
            y=[low, high],
            mode="lines+markers+text",
            showlegend=False,
            line={"color": RED_MARIANNE, "width": 4},
            marker={
                "symbol": "line-ew",
                "size": 14,
                "color": RED_MARIANNE,
                "line": {"width": 3, "color": RED_MARIANNE},
            },
            cliponaxis=False,
            text=["", label],
            textposition="top left",
            textfont={"color": RED_MARIANNE},
            hovertext=[hover, hover],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
    ]


def _projection_trace(
    projection: pd.DataFrame, *, last: pd.Series | None, indicator: Indicator
) -> Trace:
    frame = projection.sort_values("period_start")
    xs = list(pd.to_datetime(frame["period_start"]))
    ys = [float(v) for v in frame["value"]]
    if last is not None and (not xs or pd.Timestamp(last["period_start"]) < xs[0]):
        xs.insert(0, pd.Timestamp(last["period_start"]))
        ys.insert(0, float(last["value"]))
    texts = [
        f"<b>{format_period(x, frequency=indicator.frequency)}</b><br>projection : "
        + format_number(y, unit=indicator.unit, decimals=indicator.decimals)
        for x, y in zip(xs, ys, strict=True)
    ]
    return trace(
        "scatter",
        x=xs,
        y=ys,
        name="projection (tendance)",
        mode="lines",
        line={"color": GREY_MENTION, "dash": "dot", "width": 2},
        text=texts,
        hovertemplate="%{text}<extra></extra>",
    )


def _chart_dates(
    frame: pd.DataFrame, *, drawn: Sequence[Target], projection: pd.DataFrame | None
) -> list[object]:
    """The x values of a trajectory: its periods, its drawn deadlines, its projection."""
    dates: list[object] = list(frame["period_start"])
    dates += [pd.Timestamp(t.deadline) for t in drawn]
    if projection is not None and not projection.empty:
        dates += list(projection["period_start"])
    return dates


def shown_events(
    series: pd.DataFrame,
    *,
    indicator: Indicator,
    targets: Sequence[Target],
    projection: pd.DataFrame | None = None,
    events: Sequence[Event],
) -> list[Event]:
    """The events `trajectory` draws for the same arguments (the page lists them in words)."""
    drawn = drawable_targets(targets, indicator=indicator)
    dates = _chart_dates(total_rows(series), drawn=drawn, projection=projection)
    return events_within(events, span=date_span(dates))


def trajectory(
    series: pd.DataFrame,
    *,
    indicator: Indicator,
    targets: Sequence[Target],
    projection: pd.DataFrame | None = None,
    events: Sequence[Event] = (),
) -> Figure:
    """The series by origin, the targets at their deadline and the projection to it, and
    the roadmap milestones (`events`) dated within the chart."""
    frame = total_rows(series)
    traces: list[Trace] = []
    origins = frame["origin"].astype(str) if "origin" in frame.columns else pd.Series(dtype=str)
    for origin in ("demo", "source", "deposit", "published"):
        part = frame[origins == origin]
        if not part.empty:
            traces.append(_origin_trace(part, origin=origin, indicator=indicator))
    visible = frame[frame["value"].notna()]
    last = visible.iloc[-1] if not visible.empty else None
    if projection is not None and not projection.empty:
        traces.append(_projection_trace(projection, last=last, indicator=indicator))
    drawn = drawable_targets(targets, indicator=indicator)
    dates = _chart_dates(frame, drawn=drawn, projection=projection)
    start = min(dates, default=None)  # type: ignore[type-var]
    for target in drawn:
        traces += _target_traces(target, indicator=indicator, start=start or target.deadline)
    fig = new_figure(height=420, data=traces)
    _annotate_undrawn(fig, targets=[t for t in targets if t not in drawn], indicator=indicator)
    levels = [float(v) for v in frame["value"].dropna()]
    levels += [t.value_max if t.value_max is not None else t.value for t in drawn]
    if projection is not None and not projection.empty:
        levels += [float(v) for v in projection["value"].dropna()]
    _axes(fig, dates=dates, levels=levels, indicator=indicator)
    add_events(fig, events_within(events, span=date_span(dates)))
    if frame.empty:
        add_annotation(
            fig, text="Aucune donnée disponible", showarrow=False, xref="paper", yref="paper"
        )
    return fig


def _annotate_undrawn(fig: Figure, *, targets: Sequence[Target], indicator: Indicator) -> None:
    if not targets:
        return
    kinds = {
        "rolling_12m_sum": "en cumul sur 12 mois",
        "calendar_year_sum": "en cumul annuel",
        "share_of_areas": "en part des territoires",
        "latest": "dans une autre unité",
    }
    lines = [
        f"Objectif {kinds[t.comparison]} (non tracé) : "
        + format_number(t.value, unit=t.unit, decimals=0 if t.value.is_integer() else 2)
        + f" au {format_date(t.deadline)}"
        for t in targets
    ]
    add_annotation(
        fig,
        text="<br>".join(lines),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        y=1.0,
        xanchor="left",
        yanchor="bottom",
        align="left",
        font={"size": 12, "color": GREY_MENTION},
    )
    update_layout(fig, margin={"t": 24 + 16 * len(lines)})


def _axes(
    fig: Figure, *, dates: Sequence[object], levels: Sequence[float], indicator: Indicator
) -> None:
    stamps = [pd.Timestamp(d) for d in dates if d is not None and pd.notna(d)]
    if stamps:
        tickvals, ticktext = date_ticks(min(stamps), max(stamps), frequency=indicator.frequency)
        update_axis(fig, "xaxis", tickmode="array", tickvals=tickvals, ticktext=ticktext)
    from_zero = indicator.unit in {"count", "percent", "euros"}
    if levels:
        # Headroom above the highest target so that its label is not cut.
        low = 0.0 if from_zero and min(levels) >= 0 else min(levels)
        high = max(levels)
        pad = 0.15 * ((high - low) or abs(high) or 1.0)
        update_axis(fig, "yaxis", range=[low if from_zero else low - pad, high + pad])
    update_axis(
        fig,
        "yaxis",
        title={"text": unit_label(indicator.unit)},
        rangemode="tozero" if from_zero else "normal",
        ticksuffix="\u202f%" if indicator.unit == "percent" else "",
        exponentformat="none",
    )
    update_layout(fig, hovermode="closest", showlegend=True)
