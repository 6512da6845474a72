"""Target assessment and projection on crafted series (no database, no browser)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.catalog import Baseline, Target, load_catalog
from core.package_data import package_path
from core.vocabulary import Origin, TargetStatus
from dashboard.targets import (
    Assessment,
    assess,
    comparable,
    meets,
    projection,
    real_only,
    target_progress,
)
from etl.sources.ditp import read_rows

TODAY = dt.date(2025, 6, 15)


def monthly(values: list[float | None], *, start: str = "2024-06-01") -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame(
        {
            "period_start": periods,
            "value": [np.nan if v is None else v for v in values],
            "is_masked": [v is None for v in values],
        }
    )


def target(value: float, deadline: dt.date, **kw: object) -> Target:
    return Target(
        value=value,
        unit=kw.pop("unit", "count"),  # type: ignore[arg-type]
        deadline=deadline,
        label="cible",
        source_title="texte",
        **kw,  # type: ignore[arg-type]
    )


def run(df: pd.DataFrame, t: Target, **kw: object) -> Assessment:
    args: dict[str, object] = {
        "frequency": "monthly",
        "direction": "higher_is_better",
        "unit": "count",
        "today": TODAY,
    }
    args.update(kw)
    return assess(df, t, **args)  # type: ignore[arg-type]


class TestAssess:
    def test_reached_when_latest_value_meets_target(self) -> None:
        # Given a series already above its target
        df = monthly([80, 90, 100, 110])
        # When assessed
        a = run(df, target(100, dt.date(2026, 12, 31)))
        # Then it is achieved, dated at the first period that met it
        assert a.status is TargetStatus.reached
        assert a.projected_date == dt.date(2024, 8, 1)
        assert a.progress == pytest.approx(110.0)

    def test_on_track_when_trend_reaches_target_before_deadline(self) -> None:
        # Given a steady rise of 10 a month from 0, target 300 at end 2026
        df = monthly([10.0 * i for i in range(12)])
        # When assessed
        a = run(df, target(300, dt.date(2026, 12, 31)))
        # Then it is on track and reaches 300 thirty months after the start
        assert a.status is TargetStatus.on_track
        assert a.projected_date == dt.date(2026, 12, 1)

    def test_flat_series_below_target_is_behind(self) -> None:
        df = monthly([50.0] * 12)
        a = run(df, target(100, dt.date(2026, 12, 31)))
        assert a.status is TargetStatus.behind
        assert a.label == "En retard"
        assert a.projected_date is None

    def test_decreasing_series_is_behind(self) -> None:
        df = monthly([100.0 - i for i in range(12)])
        a = run(df, target(150, dt.date(2026, 12, 31)))
        assert a.status is TargetStatus.behind

    def test_at_risk_when_projection_within_ten_percent(self) -> None:
        # Given a rise that ends near 95 at the deadline, target 100
        df = monthly([50.0 + i for i in range(12)])  # 61 in May 2025, +1/month
        a = run(df, target(100, dt.date(2028, 3, 31)))  # 34 more months: 95
        assert a.status is TargetStatus.at_risk
        assert a.projected == pytest.approx(95.0)

    def test_one_point_is_not_enough_data(self) -> None:
        a = run(monthly([10.0]), target(100, dt.date(2026, 12, 31)))
        assert a.status is TargetStatus.insufficient_data
        assert a.current == 10.0

    def test_empty_series_is_not_enough_data(self) -> None:
        a = run(monthly([]), target(100, dt.date(2026, 12, 31)))
        assert a.status is TargetStatus.insufficient_data
        assert a.current is None

    def test_missing_periods_are_skipped_not_zero(self) -> None:
        # Given a rising series with masked months in between
        df = monthly([10, None, 30, None, 50, 60, None, 80, 90, 100, 110, 120])
        a = run(df, target(300, dt.date(2026, 12, 31)))
        # Then the trend ignores the gaps (a zero would break the rise)
        assert a.status is TargetStatus.on_track
        assert a.current == 120

    def test_target_in_the_past_not_met_is_deadline_missed(self) -> None:
        df = monthly([10.0 * i for i in range(12)])
        a = run(df, target(500, dt.date(2024, 12, 31)))
        assert a.status is TargetStatus.deadline_missed
        assert a.label == "Échéance dépassée"
        assert a.reached_on is None

    def test_target_met_before_a_past_deadline_is_reached(self) -> None:
        df = monthly([10.0 * i for i in range(12)])
        a = run(df, target(50, dt.date(2024, 12, 31)))
        assert a.status is TargetStatus.reached
        assert a.reached_on == dt.date(2024, 11, 1)

    def test_target_met_after_its_deadline_is_reached_late_with_the_date(self) -> None:
        # Given 10 a month from June 2024 (0) and a target of 80 due end 2024
        df = monthly([10.0 * i for i in range(12)])
        # When assessed in June 2025, the target having been met in February 2025
        a = run(df, target(80, dt.date(2024, 12, 31)))
        # Then it is reached late, and says when
        assert a.status is TargetStatus.reached_late
        assert a.label == "Atteint en retard"
        assert a.reached_on == dt.date(2025, 2, 1)

    def test_met_in_the_deadline_month_is_on_time(self) -> None:
        df = monthly([10.0 * i for i in range(12)])
        a = run(df, target(60, dt.date(2024, 12, 31)))
        assert a.status is TargetStatus.reached
        assert a.reached_on == dt.date(2024, 12, 1)

    def test_one_point_after_a_past_deadline_is_deadline_missed(self) -> None:
        # No trend is needed to see that a passed deadline was not met
        a = run(monthly([10.0], start="2025-03-01"), target(100, dt.date(2025, 1, 31)))
        assert a.status is TargetStatus.deadline_missed

    def test_the_same_series_changes_status_with_today(self) -> None:
        # Given a flat series below its target due end 2025
        df = monthly([50.0] * 12)
        t = target(100, dt.date(2025, 12, 31))
        # When assessed before and after the deadline (today is injected)
        before = run(df, t, today=dt.date(2025, 12, 31))
        after = run(df, t, today=dt.date(2026, 1, 1))
        # Then the deadline turns « en retard » into « échéance dépassée »
        assert before.status is TargetStatus.behind
        assert after.status is TargetStatus.deadline_missed

    def test_lower_is_better_reverses_the_comparison(self) -> None:
        df = monthly([20.0 - i for i in range(12)])  # 9 at the end
        a = run(df, target(10, dt.date(2026, 12, 31)), direction="lower_is_better")
        assert a.status is TargetStatus.reached

    def test_rolling_12_month_sum_is_compared(self) -> None:
        # Given 10 a month: a rolling year sums to 120
        df = monthly([10.0] * 12)
        a = run(df, target(120, dt.date(2026, 12, 31), comparison="rolling_12m_sum"))
        assert a.status is TargetStatus.reached
        assert a.current == pytest.approx(120.0)

    def test_calendar_year_sum_waits_for_a_complete_year(self) -> None:
        # Given all of 2024 at 10 a month and half of 2025 at 20 a month
        df = monthly([10.0] * 12 + [20.0] * 6, start="2024-01-01")
        t = target(200, dt.date(2025, 12, 31), comparison="calendar_year_sum")
        a = run(df, t, today=dt.date(2025, 7, 1))
        # Then the current value is the 2024 total, and 2025 is projected above 200
        assert a.current == pytest.approx(120.0)
        assert a.status is TargetStatus.on_track

    def test_share_of_areas_converts_a_count_to_percent(self) -> None:
        df = monthly([95.0, 96.0, 97.0])
        t = target(90, dt.date(2026, 12, 31), unit="percent", comparison="share_of_areas")
        a = run(df, t)
        assert a.current == pytest.approx(97.0 * 100 / 101)
        assert a.status is TargetStatus.reached

    def test_target_in_another_unit_is_not_comparable(self) -> None:
        # Given millions of prescriptions and a target of 70-80 % of liberal doctors
        df = monthly([1.0e6 * (i + 1) for i in range(12)])
        t = target(
            70,
            dt.date(2025, 12, 31),
            unit="percent",
            value_max=80,
            note="Part des médecins libéraux prescripteurs, non nombre d'ordonnances.",
        )
        # When assessed against the count series
        a = run(df, t, unit="count")
        # Then no status, no progress and a reason that names both units and the note
        assert a.status is TargetStatus.not_comparable
        assert a.label == "Non comparable"
        assert (a.current, a.progress, a.projected, a.projected_date) == (None, None, None, None)
        assert a.reason == (
            "objectif exprimé en pourcentage, la série en nombre. "
            "Part des médecins libéraux prescripteurs, non nombre d'ordonnances."
        )

    def test_same_unit_gives_no_reason(self) -> None:
        a = run(monthly([80, 90, 100]), target(100, dt.date(2026, 12, 31)))
        assert a.reason is None
        assert comparable(target(100, dt.date(2026, 12, 31)), unit="count")

    def test_share_of_areas_is_comparable_only_from_a_count(self) -> None:
        t = target(90, dt.date(2026, 12, 31), unit="percent", comparison="share_of_areas")
        assert comparable(t, unit="count")
        assert not comparable(t, unit="euros")

    def test_quarterly_series_projects_by_quarter(self) -> None:
        periods = pd.date_range("2023-01-01", periods=8, freq="QS")
        df = pd.DataFrame({"period_start": periods, "value": [100.0 * i for i in range(8)]})
        a = run(df, target(1500, dt.date(2027, 12, 31)), frequency="quarterly")
        assert a.status is TargetStatus.on_track
        assert a.projected_date == dt.date(2026, 10, 1)


class TestMeets:
    def test_range_target_is_met_from_its_lower_bound(self) -> None:
        t = target(70, dt.date(2025, 12, 31), unit="percent", value_max=80)
        assert meets(72, t, direction="higher_is_better")
        assert not meets(69.9, t, direction="higher_is_better")


class TestProjection:
    def test_runs_from_last_point_to_deadline(self) -> None:
        df = monthly([10.0 * i for i in range(12)])
        p = projection(df, target(300, dt.date(2025, 12, 31)), frequency="monthly", today=TODAY)
        assert p["period_start"].iloc[0] == pd.Timestamp("2025-05-01")
        assert p["period_start"].iloc[-1] == pd.Timestamp("2025-12-01")
        assert p["value"].iloc[0] == pytest.approx(110.0)
        assert p["value"].iloc[-1] == pytest.approx(180.0)

    def test_empty_when_deadline_is_past(self) -> None:
        df = monthly([10.0 * i for i in range(12)])
        p = projection(df, target(300, dt.date(2024, 12, 31)), frequency="monthly", today=TODAY)
        assert p.empty
        assert list(p.columns) == ["period_start", "value"]

    def test_empty_with_one_point(self) -> None:
        p = projection(
            monthly([5.0]), target(300, dt.date(2026, 12, 31)), frequency="monthly", today=TODAY
        )
        assert p.empty


class TestOrigins:
    def with_origins(self, origins: list[str]) -> pd.DataFrame:
        return monthly([10.0 * i for i in range(len(origins))]).assign(origin=origins)

    def test_the_assessment_carries_the_origins_of_the_points_it_used(self) -> None:
        # Given published figures then deposits
        df = self.with_origins(["published"] * 6 + ["deposit"] * 6)
        # When assessed
        a = run(df, target(300, dt.date(2026, 12, 31)))
        # Then it names both origins, in vocabulary order, and rests on real data
        assert a.origins == {Origin.published, Origin.deposit}
        assert a.origin_codes == "published, deposit"
        assert a.origin_labels == "Chiffre publié, Dépôt ARS"
        assert not a.rests_on_demo
        assert a.basis_label == "Repose sur des données réelles"

    def test_one_demo_point_is_enough_to_rest_on_demo(self) -> None:
        df = self.with_origins(["published"] * 11 + ["demo"])
        a = run(df, target(300, dt.date(2026, 12, 31)))
        assert a.rests_on_demo
        assert a.basis_label == "Repose sur des données de démonstration"

    def test_a_masked_demo_point_is_not_used(self) -> None:
        # Given a demo month that is masked (no value shown, none used)
        df = self.with_origins(["source"] * 11 + ["demo"])
        df.loc[11, "is_masked"] = True
        a = run(df, target(300, dt.date(2026, 12, 31)))
        assert a.origins == {Origin.source}

    def test_a_target_that_uses_no_point_has_no_origin(self) -> None:
        df = self.with_origins(["demo"] * 3)
        a = run(df, target(70, dt.date(2026, 12, 31), unit="percent"), unit="count")
        assert a.status is TargetStatus.not_comparable
        assert a.origins == frozenset()
        assert a.basis_label == ""

    def test_real_only_drops_the_demo_points(self) -> None:
        df = self.with_origins(["demo"] * 6 + ["published"] * 6)
        assert set(real_only(df)["origin"]) == {"published"}
        assert len(real_only(df)) == 6


DITP_SNAPSHOT = package_path("etl", "reference") / "ditp"


def ditp_national_series(*, file: str, ditp_id: str, indicator: str) -> pd.DataFrame:
    """The national series the `ditp` connector loads from the vendored file, as queries give it."""
    frame = pd.read_csv(DITP_SNAPSHOT / file, dtype=str, keep_default_na=False)
    tidy = read_rows(frame, ditp_id=ditp_id, indicator=indicator, file=file)
    national = tidy[tidy["level"] == "national"]
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(national["period"] + "-01"),
            "value": national["value"].astype(float),
            "is_masked": False,
            "origin": Origin.source.value,
        }
    )


class TestDitpProgress:
    @pytest.mark.parametrize(
        ("indicator", "file", "ditp_id", "published"),
        [
            ("mes_activation_population", "ind-583.csv", "IND-583", 19.21),
            ("sas_couverture_population", "ind-587.csv", "IND-587", 92.19),
        ],
    )
    def test_progress_of_a_ditp_target_is_the_published_national_rate(
        self, indicator: str, file: str, ditp_id: str, published: float
    ) -> None:
        # Given the real national series of the Baromètre and the catalog's target with its baseline
        ind = load_catalog().get(indicator)
        (t,) = ind.targets
        series = ditp_national_series(file=file, ditp_id=ditp_id, indicator=indicator)
        # When /objectifs assesses it on the day of the snapshot
        a = assess(
            series, t, frequency=ind.frequency, direction=ind.direction, unit=ind.unit,
            today=dt.date(2024, 10, 15),
        )  # fmt: skip
        # Then its « Progression » is DITP's national `indic_ta`, to its two-decimal rounding
        assert a.progress == pytest.approx(published, abs=0.005)
        # and it would not be without the baseline (current ÷ target)
        no_baseline = t.model_copy(update={"baseline": None})
        b = assess(
            series, no_baseline, frequency=ind.frequency, direction=ind.direction, unit=ind.unit,
            today=dt.date(2024, 10, 15),
        )  # fmt: skip
        assert b.progress != pytest.approx(published, abs=0.005)


class TestTargetProgress:
    def test_a_lower_is_better_target_without_baseline_shows_no_progress(self) -> None:
        # Given a falling series and a lower-is-better target without baseline
        a = run(
            monthly([30.0, 25.0, 20.0]),
            target(10, dt.date(2026, 12, 31)),
            direction="lower_is_better",
        )
        # Then no progress is shown
        assert a.progress is None

    def test_a_lower_is_better_range_is_measured_to_its_upper_bound(self) -> None:
        # Given a range 10-20 to come down to from a baseline of 40, now at 30
        t = target(
            10, dt.date(2026, 12, 31), value_max=20,
            baseline=Baseline(value=40, date=dt.date(2024, 1, 1), source="texte"),
        )  # fmt: skip
        # When the progress is computed; Then half the way to 20
        assert target_progress(30.0, t, direction="lower_is_better") == pytest.approx(50.0)
