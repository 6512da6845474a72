"""Roadmap milestones on the trajectory: a line and a label each, only within its dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from core.catalog import Event, load_catalog
from dashboard.figures.comparison import comparison, comparison_events
from dashboard.figures.events import date_span, events_within
from dashboard.figures.theme import Figure
from dashboard.figures.trajectory import shown_events, trajectory
from tests.dashboard.figures.conftest import make_indicator, make_series, make_target

EVENTS = load_catalog().events  # the catalog's four milestones, 2020 to 2023


def _series_from(start: str, months: int) -> pd.DataFrame:
    values: list[float | None] = [float(n) for n in range(months)]
    return make_series(values, period_start=pd.date_range(start, periods=months, freq="MS"))


def _event_shapes(fig: Figure) -> list[dict[str, Any]]:
    return [s for s in fig["layout"].get("shapes", []) if s.get("name")]


def _event_labels(fig: Figure) -> list[str]:
    return [a["text"] for a in fig["layout"].get("annotations", []) if a.get("name")]


def _event(event_id: str) -> Event:
    return next(e for e in EVENTS if e.id == event_id)


class TestEventsOnTheTrajectory:
    def test_only_events_within_the_chart_dates_are_drawn(self) -> None:
        # Given a series from June 2022 to May 2024
        series = _series_from("2022-06-01", 24)
        # When it is drawn with every milestone
        fig = trajectory(series, indicator=make_indicator(), targets=[], events=EVENTS)
        # Then the 2023 roadmap launch and the end of Ségur vague 1 have their line…
        assert [s["name"] for s in _event_shapes(fig)] == [
            "feuille_de_route_2023_2027",
            "segur_vague_1_fin",
        ]
        # …and their short label, but not COVID-19 (2020) nor Mon espace santé (January 2022)
        assert _event_labels(fig) == ["Feuille de route 2023-2027", "Fin Ségur vague 1"]

    def test_a_line_is_vertical_at_the_event_date_across_the_plot(self) -> None:
        # Given a series over 2023 / When drawn with the roadmap launch
        fig = trajectory(
            _series_from("2023-01-01", 12),
            indicator=make_indicator(),
            targets=[],
            events=[_event("feuille_de_route_2023_2027")],
        )
        (line,) = _event_shapes(fig)
        # Then the line stands at 17 May 2023 from the bottom to the top of the plot
        assert line["x0"] == line["x1"] == "2023-05-17T00:00:00"
        assert (line["yref"], line["y0"], line["y1"]) == ("paper", 0, 1)
        (label,) = [a for a in fig["layout"]["annotations"] if a.get("name")]
        # And hovering its label gives the long label and the source
        assert "Mettre le numérique" in label["hovertext"]
        assert "Ministère de la Santé" in label["hovertext"]

    def test_a_target_deadline_extends_the_dates_events_are_kept_in(self) -> None:
        # Given a series of 2020 only and a target due end 2023
        series = _series_from("2020-01-01", 12)
        target = make_target(deadline=dt.date(2023, 12, 31))
        # When drawn with every milestone
        fig = trajectory(series, indicator=make_indicator(), targets=[target], events=EVENTS)
        # Then every milestone from March 2020 to the deadline is drawn
        assert len(_event_shapes(fig)) == 4

    def test_no_event_is_drawn_when_the_switch_is_off(self) -> None:
        # Given the page passes no event (`evenements=non`)
        fig = trajectory(_series_from("2020-01-01", 60), indicator=make_indicator(), targets=[])
        # Then the figure has no event line nor label
        assert _event_shapes(fig) == []
        assert _event_labels(fig) == []

    def test_an_empty_chart_draws_no_event(self) -> None:
        fig = trajectory(make_series([]), indicator=make_indicator(), targets=[], events=EVENTS)
        assert _event_shapes(fig) == []

    def test_the_listed_events_are_the_drawn_ones(self) -> None:
        # Given a series of 2022
        series = _series_from("2022-01-01", 12)
        # When the page asks which events the chart draws
        listed = shown_events(series, indicator=make_indicator(), targets=[], events=EVENTS)
        fig = trajectory(series, indicator=make_indicator(), targets=[], events=EVENTS)
        # Then they are the ones on the chart (here: Mon espace santé, 1 January 2022)
        assert [e.id for e in listed] == [s["name"] for s in _event_shapes(fig)]
        assert [e.id for e in listed] == ["mes_generalisation"]


class TestEventsOnTheComparison:
    def test_the_comparison_draws_the_events_within_its_periods(self) -> None:
        # Given France and Bretagne from January to December 2023
        france = _series_from("2023-01-01", 12)
        bretagne = _series_from("2023-01-01", 12).assign(code="53", name="Bretagne")
        frame = pd.concat([france, bretagne], ignore_index=True)
        # When compared with every milestone
        listed = comparison_events(frame, events=EVENTS)
        fig = comparison(frame, indicator=make_indicator(), events=listed)
        # Then the two 2023 milestones are drawn, the others not
        assert [s["name"] for s in _event_shapes(fig)] == [e.id for e in listed]
        assert [e.id for e in listed] == ["feuille_de_route_2023_2027", "segur_vague_1_fin"]

    def test_without_events_the_comparison_has_none(self) -> None:
        fig = comparison(_series_from("2023-01-01", 12), indicator=make_indicator())
        assert _event_shapes(fig) == []


class TestEventsWithin:
    def test_the_ends_of_the_span_are_included(self) -> None:
        day = dt.date(2023, 9, 20)
        assert [e.id for e in events_within(EVENTS, span=(day, day))] == ["segur_vague_1_fin"]

    def test_no_span_no_event(self) -> None:
        assert events_within(EVENTS, span=None) == []

    def test_the_span_ignores_missing_dates(self) -> None:
        span = date_span([pd.Timestamp("2021-02-01"), None, pd.NaT, dt.date(2020, 5, 1)])
        assert span == (dt.date(2020, 5, 1), dt.date(2021, 2, 1))
