"""Roadmap milestones (catalog `events:`) drawn on time series: a vertical line and a short
label each, only within the chart's dates, so that a reader sees what may explain a break
(OWID's and the UKHSA dashboard's annotations)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from core.catalog import Event
from dashboard.figures.theme import GREY_MENTION, Figure, add_annotation, update_layout
from dashboard.formatting import format_date

EVENT_COLOUR = GREY_MENTION  # 5.7:1 on white: the label stays readable


def date_span(dates: Iterable[object]) -> tuple[dt.date, dt.date] | None:
    """First and last of a chart's x values (dates, timestamps; missing ones ignored)."""
    days = [pd.Timestamp(d).date() for d in dates if d is not None and pd.notna(d)]
    return (min(days), max(days)) if days else None


def events_within(events: Sequence[Event], *, span: tuple[dt.date, dt.date] | None) -> list[Event]:
    """The events dated inside the chart's span, ends included; none on an empty chart."""
    if span is None:
        return []
    start, end = span
    return [e for e in events if start <= e.date <= end]


def add_events(fig: Figure, events: Sequence[Event]) -> None:
    """A dotted vertical line and a short label per event; the long label and the source
    show on hover over the label (the page lists them in words below the chart)."""
    if not events:
        return
    shapes = list(fig["layout"].get("shapes", []))
    for event in events:
        x = pd.Timestamp(event.date).isoformat()
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": EVENT_COLOUR, "width": 1, "dash": "dot"},
                "layer": "below",
                "name": event.id,
            }
        )
        add_annotation(
            fig,
            x=x,
            y=1,
            xref="x",
            yref="paper",
            text=event.label,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 11, "color": EVENT_COLOUR},
            bgcolor="rgba(255, 255, 255, 0.85)",  # legible where it crosses a series
            hovertext=f"{event.long_label}<br>{format_date(event.date)} — {event.source_title}",
            name=event.id,
        )
    update_layout(fig, shapes=shapes)
