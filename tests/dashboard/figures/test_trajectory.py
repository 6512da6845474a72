"""Trajectory: real and demo points told apart, targets at their deadline, projection."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.vocabulary import Origin
from dashboard.figures.trajectory import drawable_targets, hover_texts, trajectory
from dashboard.formatting import NNBSP
from tests.dashboard.figures.conftest import make_indicator, make_series, make_target


class TestTrajectory:
    def test_demo_values_are_a_dashed_line_labelled_synthetic(self) -> None:
        # Given a demo series / When drawn / Then one dashed trace says it is synthetic
        fig = trajectory(
            make_series([10, 20, 30], origin="demo"), indicator=make_indicator(), targets=[]
        )
        demo = [t for t in fig["data"] if t.get("name") == Origin.demo.label]
        assert len(demo) == 1
        assert demo[0]["line"]["dash"] == "dash"
        assert "valeur synthétique" in demo[0]["hovertemplate"]

    def test_real_points_are_distinct_markers_with_their_source_in_the_hover(self) -> None:
        # Given demo values and two published figures
        demo = make_series([10, 20, 30, 40], origin="demo")
        published = make_series([None, 21, None, 39], origin="published").dropna(subset=["value"])
        series = pd.concat([demo, published])
        # When drawn
        fig = trajectory(series, indicator=make_indicator(), targets=[])
        # Then the published points are their own marker trace, with the source named
        real = next(t for t in fig["data"] if t.get("name") == Origin.published.label)
        assert real["mode"] == "markers"
        assert list(real["y"]) == [21.0, 39.0]
        assert "Source : ANS — chiffres clés" in real["text"][0]
        assert f"21,0{NNBSP}%" in real["text"][0]

    def test_qualifiers_are_spelled_out_and_change_the_marker(self) -> None:
        series = make_series([5_000_000], origin="published", qualifier="lower_bound")
        fig = trajectory(series, indicator=make_indicator(unit="count", decimals=0), targets=[])
        trace = fig["data"][0]
        assert "plus de 5" in trace["text"][0]
        assert trace["marker"]["symbol"][0] == "triangle-up"

    def test_provisional_points_are_open_markers(self) -> None:
        series = make_series([50.0], origin="source", is_provisional=True)
        fig = trajectory(series, indicator=make_indicator(), targets=[])
        assert fig["data"][0]["marker"]["symbol"][0].endswith("-open")
        assert "(provisoire)" in fig["data"][0]["text"][0]

    def test_masked_points_leave_a_gap_not_a_zero(self) -> None:
        series = make_series([10, None, 30], is_masked=[False, True, False])
        fig = trajectory(series, indicator=make_indicator(), targets=[])
        ys = list(fig["data"][0]["y"])
        assert pd.isna(ys[1])
        assert fig["data"][0]["connectgaps"] is False
        assert "secret statistique" in fig["data"][0]["text"][1]

    def test_single_target_is_a_marker_at_its_deadline_with_its_label(self) -> None:
        target = make_target(value=80.0, deadline=dt.date(2027, 12, 31))
        fig = trajectory(make_series([50, 55]), indicator=make_indicator(), targets=[target])
        marker = next(t for t in fig["data"] if t.get("name", "").startswith("Objectif"))
        assert pd.Timestamp(marker["x"][0]) == pd.Timestamp("2027-12-31")
        assert list(marker["y"]) == [80.0]
        assert marker["name"] == f"Objectif 2027 : 80{NNBSP}%"
        assert "Feuille de route" in marker["hovertext"][0]

    def test_range_target_is_a_band(self) -> None:
        target = make_target(value=70.0, value_max=80.0)
        fig = trajectory(make_series([50, 55]), indicator=make_indicator(), targets=[target])
        band = next(t for t in fig["data"] if t.get("fill") == "toself")
        assert min(band["y"]) == 70.0 and max(band["y"]) == 80.0
        assert pd.Timestamp(max(band["x"])) == pd.Timestamp(target.deadline)
        assert "à" in band["name"]

    def test_target_on_another_scale_is_noted_not_drawn(self) -> None:
        target = make_target(value=1000.0, unit="count", comparison="rolling_12m_sum")
        fig = trajectory(
            make_series([5, 6]), indicator=make_indicator(unit="count"), targets=[target]
        )
        assert not any(t.get("name", "").startswith("Objectif") for t in fig["data"])
        assert "non tracé" in fig["layout"]["annotations"][0]["text"]

    def test_projection_is_dotted_and_starts_at_the_last_observation(self) -> None:
        projection = pd.DataFrame(
            {"period_start": pd.to_datetime(["2025-01-01", "2027-12-01"]), "value": [60.0, 78.0]}
        )
        fig = trajectory(
            make_series([50, 55]), indicator=make_indicator(), targets=[], projection=projection
        )
        proj = next(t for t in fig["data"] if t.get("name") == "projection (tendance)")
        assert proj["line"]["dash"] == "dot"
        assert pd.Timestamp(proj["x"][0]) == pd.Timestamp("2024-02-01")
        assert list(proj["y"]) == [55.0, 60.0, 78.0]

    def test_layout_is_french_and_uses_marianne(self) -> None:
        fig = trajectory(make_series([50, 55, 60]), indicator=make_indicator(), targets=[])
        assert fig["layout"]["separators"] == "," + NNBSP
        assert fig["layout"]["font"]["family"].startswith("Marianne")
        assert "janv. 2024" in fig["layout"]["xaxis"]["ticktext"]

    def test_empty_series_says_so(self) -> None:
        fig = trajectory(make_series([]), indicator=make_indicator(), targets=[])
        assert fig["layout"]["annotations"][0]["text"] == "Aucune donnée disponible"

    def test_only_total_rows_are_drawn(self) -> None:
        total = make_series([10, 20])
        part = make_series([1, 2], breakdown="hopital")
        fig = trajectory(pd.concat([total, part]), indicator=make_indicator(), targets=[])
        assert list(fig["data"][0]["y"]) == [10.0, 20.0]


class TestDrawableTargets:
    def test_keeps_same_unit_latest_targets_only(self) -> None:
        keep = make_target()
        other_unit = make_target(unit="count")
        cumulative = make_target(comparison="calendar_year_sum")
        assert drawable_targets([keep, other_unit, cumulative], indicator=make_indicator()) == [
            keep
        ]


class TestHoverTexts:
    def test_observed_on_date_is_given(self) -> None:
        series = make_series([42.0], observed_on=[dt.date(2025, 3, 7)])
        assert "au 07/03/2025" in hover_texts(series, indicator=make_indicator())[0]


class TestAxes:
    def test_the_highest_target_fits_with_headroom(self) -> None:
        target = make_target(value=90.0)
        fig = trajectory(make_series([10, 20]), indicator=make_indicator(), targets=[target])
        low, high = fig["layout"]["yaxis"]["range"]
        assert low == 0.0
        assert high > 90.0
