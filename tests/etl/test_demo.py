"""Synthetic demo data: deterministic, consistent across levels, never over real figures."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from core import db
from core.catalog import Catalog
from core.models import Area, Observation, Origin, Run
from etl.demo import (
    DEMO_LABEL,
    Calibration,
    DemoError,
    generate,
    generate_indicator,
    has_demo,
    parse_until,
    purge_demo,
    run_demo,
    split_integer,
)
from etl.published import load_published
from etl.transform import aggregate_up

UNTIL = dt.date(2025, 12, 1)
TODAY = dt.date(2026, 2, 15)
PUBLISHED_HEADER = (
    "slug;geo_level;geo_code;period_type;period_start;breakdown;value;unit;qualifier;"
    "retained;source_publisher;source_title;source_url;published_on;verified;note"
)
PUBLISHED_ROWS = [
    "mes_profils_crees;national;FR;date;2024-01-10;;68406684;count;exact;true;CNAM;REPSS;"
    "https://example.org/repss;2024-01-10;true;",
    "teleconsultations_actes;national;FR;year;2023-01-01;;11600000;count;exact;true;CNAM;"
    "Charges et produits 2025;https://example.org/cp;2024-07-01;true;",
]


def _quiet(_: str) -> None:
    return None


def write_published(tmp_path: Path) -> Path:
    path = tmp_path / "published_figures.csv"
    path.write_text("\n".join([PUBLISHED_HEADER, *PUBLISHED_ROWS]) + "\n", encoding="utf-8")
    return path


def load_fixture_published(engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
    load_published(engine, write_published(tmp_path), catalog=catalog)


def subset(catalog: Catalog, ids: list[str]) -> Catalog:
    """A smaller catalog for the database tests that need not generate everything."""
    return Catalog(
        version=catalog.version,
        axes=catalog.axes,
        indicators=[catalog.get(i) for i in ids],
        sources=catalog.sources,
    )


def read_rows(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Observation.indicator_id,
                Area.level,
                Area.code,
                Observation.period_start,
                Observation.breakdown,
                Observation.value,
                Observation.numerator,
                Observation.denominator,
                Observation.is_masked,
                Observation.origin,
                Observation.source_label,
            ).join(Area, Area.id == Observation.area_id)
        ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "indicator_id",
            "level",
            "code",
            "period_start",
            "breakdown",
            "value",
            "numerator",
            "denominator",
            "is_masked",
            "origin",
            "source_label",
        ],
    )
    frame["origin"] = [o.value if isinstance(o, Origin) else o for o in frame["origin"]]
    return frame


@pytest.fixture(scope="module")
def demo_rows(catalog: Catalog) -> pd.DataFrame:
    """The whole demo, generated once without database (no published figure)."""
    return generate(catalog, seed=42, until=UNTIL, calibrations={}, today=TODAY)


@pytest.fixture(scope="module")
def loaded(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> Iterator[tuple[Engine, pd.DataFrame]]:
    """A SQLite database with the fixture's published figures, then the full demo."""
    tmp = tmp_path_factory.mktemp("demo")
    path = tmp / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    load_fixture_published(engine, catalog, tmp)
    run_demo(engine, catalog, seed=42, until=UNTIL, progress=_quiet, today=TODAY)
    yield engine, read_rows(engine)
    engine.dispose()


class TestParseUntil:
    def test_month_gives_its_first_day(self) -> None:
        # Given / When / Then
        assert parse_until("2025-12") == dt.date(2025, 12, 1)

    @pytest.mark.parametrize("text", ["2025-13", "2025/12", "12-2025", "2018-12", "2025-1", ""])
    def test_bad_month_is_refused_in_french(self, text: str) -> None:
        # Given a malformed or too early month
        # When / Then the error names the value and the expected format
        with pytest.raises(DemoError, match=f"« {text} ».*AAAA-MM"):
            parse_until(text)


class TestSplitInteger:
    def test_integer_totals_split_into_integers_adding_up(self) -> None:
        # Given totals and uneven weights
        totals = np.array([1000.0, 7.0, 0.0])
        weights = np.array([[1.0, 2.0, 3.5]] * 3)
        # When splitting
        parts = split_integer(totals, weights)
        # Then every part is an integer and each row adds up exactly
        assert np.array_equal(parts, np.round(parts))
        assert parts.sum(axis=1).tolist() == [1000.0, 7.0, 0.0]

    def test_fractional_total_splits_proportionally(self) -> None:
        # Given a total that is not an integer
        # When splitting
        parts = split_integer(np.array([2.5]), np.array([[1.0, 4.0]]))
        # Then the parts are the exact proportions
        assert parts.tolist() == [[0.5, 2.0]]


class TestGenerate:
    def test_same_seed_gives_same_values(self, catalog: Catalog, demo_rows: pd.DataFrame) -> None:
        # Given the demo generated with seed 42
        # When generating again with the same seed
        again = generate(catalog, seed=42, until=UNTIL, calibrations={}, today=TODAY)
        # Then the rows are identical
        pd.testing.assert_frame_equal(demo_rows, again)

    def test_other_seed_gives_other_values(self, catalog: Catalog, demo_rows: pd.DataFrame) -> None:
        # Given / When generating with another seed
        other = generate(catalog, seed=7, until=UNTIL, calibrations={}, today=TODAY)
        # Then the values differ
        assert not np.allclose(demo_rows["value"].to_numpy(), other["value"].to_numpy())

    def test_national_only_indicators_have_no_territorial_rows(
        self, catalog: Catalog, demo_rows: pd.DataFrame
    ) -> None:
        # Given indicators shown at national level only, or not aggregable
        national_only = {
            i.id
            for i in catalog.indicators
            if not i.is_territorial or i.aggregation.rule == "not_aggregable"
        }
        # When looking at their demo rows
        rows = demo_rows[demo_rows["indicator_id"].isin(national_only)]
        # Then they are all national
        assert set(rows["level"]) == {"national"}

    def test_percent_values_stay_between_0_and_100(
        self, catalog: Catalog, demo_rows: pd.DataFrame
    ) -> None:
        # Given the percent indicators
        percent = [i.id for i in catalog.indicators if i.unit == "percent"]
        # When looking at their values
        values = demo_rows.loc[demo_rows["indicator_id"].isin(percent), "value"]
        # Then they are within 0–100
        assert values.between(0.0, 100.0).all()

    def test_values_are_never_negative(self, demo_rows: pd.DataFrame) -> None:
        # Given / When / Then
        assert (demo_rows["value"].dropna() >= 0).all()

    def test_stocks_never_decrease_nationally(
        self, catalog: Catalog, demo_rows: pd.DataFrame
    ) -> None:
        # Given the stock indicators (profiles can be closed: mes_profils_crees excepted)
        stocks = [
            i.id for i in catalog.indicators if i.nature == "stock" and i.id != "mes_profils_crees"
        ]
        national = demo_rows[
            (demo_rows["level"] == "national") & (demo_rows["breakdown"] == "_total")
        ]
        for slug in stocks:
            # When following the national series
            series = national[national["indicator_id"] == slug].sort_values("period_start")
            values = series["value"].to_numpy(dtype=float)
            # Then no step goes down
            assert (np.diff(values) >= -1e-6 * np.abs(values[1:])).all(), slug

    def test_sectors_add_up_to_total(self, catalog: Catalog, demo_rows: pd.DataFrame) -> None:
        # Given the sum indicators with a breakdown
        slugs = [
            i.id
            for i in catalog.indicators
            if i.breakdown and i.breakdown.total_is_sum and i.aggregation.rule == "sum"
        ]
        rows = demo_rows[demo_rows["indicator_id"].isin(slugs)]
        keys = ["indicator_id", "level", "code", "period_start"]
        # When adding the sectors of each area and period
        sectors = rows[rows["breakdown"] != "_total"].groupby(keys)["value"].sum()
        total = rows[rows["breakdown"] == "_total"].set_index(keys)["value"]
        # Then they equal the total row
        assert len(sectors) > 0
        pd.testing.assert_series_equal(
            sectors.sort_index(), total.sort_index(), check_names=False, rtol=1e-9
        )

    def test_yes_no_departements_are_zero_or_one(
        self, catalog: Catalog, demo_rows: pd.DataFrame
    ) -> None:
        # Given the count_true / share_true indicators
        slugs = [
            i.id for i in catalog.indicators if i.aggregation.rule in ("count_true", "share_true")
        ]
        rows = demo_rows[
            demo_rows["indicator_id"].isin(slugs) & (demo_rows["level"] == "department")
        ]
        # When / Then each département is deployed (1) or not (0)
        assert len(rows) > 0
        assert set(rows["value"]) <= {0.0, 1.0}

    def test_mon_espace_sante_starts_in_2022(self, demo_rows: pd.DataFrame) -> None:
        # Given / When looking at the first profile period
        rows = demo_rows[demo_rows["indicator_id"] == "mes_profils_crees"]
        # Then it is January 2022, the launch of Mon espace santé
        assert rows["period_start"].min() == dt.date(2022, 1, 1)


def national_series(
    catalog: Catalog, slug: str, code: str, anchors: dict[tuple[dt.date, str], float]
) -> pd.Series:
    """National demo values of one breakdown value (or `_total`) up to October 2026, with
    these real figures, indexed by period."""
    rows, _ = generate_indicator(
        catalog.get(slug),
        seed=42,
        last=dt.date(2026, 10, 1),
        calibration=Calibration(anchors, {}),
        generated={},
    )
    mine = rows[(rows["level"] == "national") & (rows["breakdown"] == code)]
    return mine.set_index("period_start")["value"].sort_index()


def national_after(
    catalog: Catalog, slug: str, anchors: dict[tuple[dt.date, str], float]
) -> pd.Series:
    """National demo totals after the last anchor of a one-indicator generation."""
    national = national_series(catalog, slug, "_total", anchors)
    return national[national.index > max(p for p, _ in anchors)]


def carried_forward(values: pd.Series, last_real: float) -> int:
    """How many later periods repeat the last real figure (a flat line with later labels)."""
    return int(np.isclose(values.to_numpy(dtype=float), last_real, rtol=1e-3).sum())


class TestAfterTheLastRealFigure:
    def test_saturated_stock_follows_the_real_trend_instead_of_a_flat_line(
        self, catalog: Catalog
    ) -> None:
        # Given two real profile counts, the last one where the demo shape has saturated
        anchors = {
            (dt.date(2023, 2, 1), "_total"): 65_700_000.0,
            (dt.date(2024, 1, 1), "_total"): 68_406_684.0,
        }
        # When the demo is generated up to October 2026
        later = national_after(catalog, "mes_profils_crees", anchors)
        # Then no later month repeats the last real figure, and the series keeps rising
        assert len(later) == 33
        assert carried_forward(later, 68_406_684.0) == 0
        assert later.is_monotonic_increasing
        assert later.iloc[-1] > 68_406_684.0

    def test_without_a_trend_the_demo_stops_at_the_last_real_figure(self, catalog: Catalog) -> None:
        # Given a single real profile count, where the demo shape has saturated
        anchors = {(dt.date(2024, 1, 1), "_total"): 68_406_684.0}
        # When the demo is generated up to October 2026
        later = national_after(catalog, "mes_profils_crees", anchors)
        # Then it shows nothing after the real figure rather than repeating it
        assert later.empty

    def test_no_indicator_repeats_its_last_real_figure(
        self, catalog: Catalog, demo_rows: pd.DataFrame
    ) -> None:
        # Given, for every indicator, its own demo value of December 2022 taken as real
        national = demo_rows[
            (demo_rows["level"] == "national") & (demo_rows["breakdown"] == "_total")
        ]
        anchor_month = dt.date(2022, 12, 1)
        flat = []
        for ind in catalog.indicators:
            own = national[
                (national["indicator_id"] == ind.id) & (national["period_start"] <= anchor_month)
            ].sort_values("period_start")
            if own.empty:
                continue
            row = own.iloc[-1]
            anchors = {(row["period_start"], "_total"): float(row["value"])}
            # When the demo is generated through that figure
            later = national_after(catalog, ind.id, anchors)
            # Then no later period carries it forward twice in a row
            if carried_forward(later.head(2), float(row["value"])) == 2:
                flat.append(ind.id)
        assert flat == []


class TestBreakdownFigures:
    def test_a_real_figure_of_a_breakdown_value_is_no_spike(self, catalog: Catalog) -> None:
        # Given 850 radiology sites equipped in September 2023 (sectors that overlap)
        september = dt.date(2023, 9, 1)
        anchors = {(september, "radiologie"): 850.0}
        # When the demo is generated
        radiology = national_series(catalog, "segur_v1_structures_equipees", "radiologie", anchors)
        # Then the real figure stays, and the months around it are of the same order
        assert radiology[september] == 850.0
        around = radiology[[dt.date(2023, 8, 1), dt.date(2023, 10, 1)]]
        assert ((around > 850 * 0.9) & (around < 850 * 1.1)).all()

    def test_a_stock_value_between_two_real_figures_never_falls(self, catalog: Catalog) -> None:
        # Given 43 then 46 doctors' software solutions referenced (sectors adding up)
        anchors = {
            (dt.date(2024, 2, 1), "lgc"): 43.0,
            (dt.date(2024, 12, 1), "lgc"): 46.0,
        }
        # When the demo is generated
        lgc = national_series(catalog, "segur_logiciels_references", "lgc", anchors)
        # Then it passes through both and never decreases in between or after
        assert (lgc[dt.date(2024, 2, 1)], lgc[dt.date(2024, 12, 1)]) == (43.0, 46.0)
        assert lgc[dt.date(2024, 1, 1) :].is_monotonic_increasing


class TestRunDemo:
    def test_count_is_between_200_and_400_thousand(
        self, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given the full demo until 2025-12
        _, rows = loaded
        # When counting its observations
        n = int((rows["origin"] == "demo").sum())
        # Then it is of the announced size
        assert 200_000 <= n <= 400_000, n

    def test_published_figure_keeps_its_value_and_origin(
        self, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given a published national figure for January 2024
        _, rows = loaded
        key = (
            (rows["indicator_id"] == "mes_profils_crees")
            & (rows["level"] == "national")
            & (rows["period_start"] == dt.date(2024, 1, 1))
            & (rows["breakdown"] == "_total")
        )
        # When the demo has run
        row = rows[key].iloc[0]
        # Then the figure is still the published one
        assert (row["value"], row["origin"]) == (68406684.0, "published")

    def test_departements_add_up_to_published_figure(
        self, catalog: Catalog, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given the published national figure and the demo départements of that month
        _, rows = loaded
        if not catalog.get("mes_profils_crees").is_territorial:
            pytest.skip("mes_profils_crees n'est pas territorialisé dans le catalogue")
        deps = rows[
            (rows["indicator_id"] == "mes_profils_crees")
            & (rows["level"] == "department")
            & (rows["period_start"] == dt.date(2024, 1, 1))
            & (rows["breakdown"] == "_total")
        ]
        # When adding them / Then they make the published figure
        assert deps["value"].sum() == 68406684.0

    def test_monthly_flow_adds_up_to_published_annual_total(
        self, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given a published 2023 total of teleconsultations
        _, rows = loaded
        months = rows[
            (rows["indicator_id"] == "teleconsultations_actes")
            & (rows["level"] == "national")
            & (rows["breakdown"] == "_total")
            & (rows["period_start"].map(lambda d: d.year) == 2023)
        ]
        # When adding the demo months of 2023 / Then they make the total
        assert len(months) == 12
        assert months["value"].sum() == pytest.approx(11_600_000, rel=1e-6)

    def test_regions_and_france_aggregate_departements_by_rule(
        self, catalog: Catalog, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given every aggregable territorial indicator in the database
        _, rows = loaded
        checked = 0
        for ind in catalog.indicators:
            if ind.aggregation.rule == "not_aggregable" or not ind.is_territorial:
                continue
            mine = rows[rows["indicator_id"] == ind.id]
            # When recomputing régions and France from the départements
            expected = aggregate_up(mine, indicator=ind)
            stored = mine[mine["level"] != "department"]
            merged = expected.merge(
                stored, on=["level", "code", "period_start", "breakdown"], suffixes=("", "_db")
            )
            # Then the stored values match within 1e-6 (numerator and denominator too)
            assert len(merged) == len(expected), ind.id
            for column in ("value", "numerator", "denominator"):
                np.testing.assert_allclose(
                    merged[f"{column}_db"].to_numpy(dtype=float),
                    merged[column].to_numpy(dtype=float),
                    rtol=1e-6,
                    err_msg=f"{ind.id} {column}",
                )
            checked += 1
        assert checked > 0

    def test_every_demo_row_is_labelled_synthetic(
        self, loaded: tuple[Engine, pd.DataFrame]
    ) -> None:
        # Given / When looking at the demo rows
        _, rows = loaded
        demo = rows[rows["origin"] == "demo"]
        # Then each one says it is synthetic
        assert set(demo["source_label"]) == {DEMO_LABEL}

    def test_run_is_recorded_with_its_counts(self, loaded: tuple[Engine, pd.DataFrame]) -> None:
        # Given the demo loaded once
        engine, rows = loaded
        # When reading the run log
        with engine.connect() as conn:
            run = conn.execute(select(Run).where(Run.kind == "demo")).one()
        # Then one demo run counts every inserted row
        assert run.rows_inserted == int((rows["origin"] == "demo").sum())

    def test_second_run_changes_nothing(self, engine: Engine, catalog: Catalog) -> None:
        # Given the demo loaded once (SQLite and PostgreSQL)
        run_demo(engine, catalog, seed=42, until=UNTIL, progress=_quiet, today=TODAY)
        # When loading it again
        report = run_demo(engine, catalog, seed=42, until=UNTIL, progress=_quiet, today=TODAY)
        # Then nothing is inserted, updated or deleted
        assert (report.rows_inserted, report.rows_updated, report.rows_deleted) == (0, 0, 0)
        assert report.rows_unchanged > 0

    def test_shorter_until_removes_later_demo_rows(self, engine: Engine, catalog: Catalog) -> None:
        # Given the demo of two indicators until 2025-12
        small = subset(catalog, ["teleconsultations_actes", "mes_profils_crees"])
        run_demo(engine, small, seed=1, until=UNTIL, progress=_quiet, today=TODAY)
        # When loading it again until 2025-06
        report = run_demo(
            engine, small, seed=1, until=dt.date(2025, 6, 1), progress=_quiet, today=TODAY
        )
        # Then the later months are gone
        with engine.connect() as conn:
            latest = conn.execute(select(func.max(Observation.period_start))).scalar()
        assert report.rows_deleted > 0
        assert latest == dt.date(2025, 6, 1)


class TestPurgeDemo:
    def test_purge_leaves_only_real_rows(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        # Given published figures and the demo of the same indicators
        small = subset(catalog, ["teleconsultations_actes", "mes_profils_crees"])
        load_fixture_published(engine, catalog, tmp_path)
        run_demo(engine, small, seed=42, until=UNTIL, progress=_quiet, today=TODAY)
        # When purging the demo
        purged = purge_demo(engine)
        # Then only the published rows are left
        rows = read_rows(engine)
        assert purged > 0
        assert set(rows["origin"]) == {"published"}


class TestHasDemo:
    def test_false_then_true_after_a_run(self, engine: Engine, catalog: Catalog) -> None:
        # Given an empty database
        before = has_demo(engine)
        # When loading the demo of one indicator
        small = subset(catalog, ["teleconsultations_actes"])
        run_demo(engine, small, seed=42, until=UNTIL, progress=_quiet, today=TODAY)
        # Then there is demo data
        assert (before, has_demo(engine)) == (False, True)
