"""Views: URL parameters → data frames, against the in-memory fake of the queries."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.catalog import MONTHS_PER_PERIOD, Catalog, Indicator, Target
from core.vocabulary import Origin, TargetStatus
from dashboard import urls, views
from tests.fakes.queries import FakeQueries, Row

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
ACTIVATION = "mes_taux_activation"  # percent, higher is better, shown down to départements
OPPOSITION = "mes_taux_opposition"  # shown at the national level only


def _rows(indicator_id: str = ACTIVATION) -> list[Row]:
    return [
        Row(indicator_id, "national", "FR", JAN, 30.0, origin="published"),
        Row(indicator_id, "national", "FR", FEB, 31.0),
        Row(indicator_id, "national", "FR", FEB, 12.0, breakdown="ville"),
        Row(indicator_id, "region", "53", JAN, 40.0),
        Row(indicator_id, "region", "53", FEB, 42.0),
        Row(indicator_id, "region", "11", FEB, 7.0),
        Row(indicator_id, "department", "29", FEB, 50.0),
        Row(indicator_id, "department", "35", FEB, 45.0),
        Row(indicator_id, "department", "75", FEB, 60.0),
    ]


@pytest.fixture
def fake(catalog: Catalog) -> FakeQueries:
    return FakeQueries(catalog, rows=_rows())


def _indicator(q: FakeQueries, indicator_id: str = ACTIVATION) -> Indicator:
    return q.catalog.get(indicator_id)


class TestIndicatorView:
    def test_default_view_is_the_regions_at_the_latest_period(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {})
        assert (view.level, view.period, view.map_kind) == ("region", FEB, "tuiles")
        assert view.periods == [JAN, FEB]
        assert view.snapshot is not None and len(view.snapshot) == 18  # every région
        assert view.snapshot.set_index("code").loc["53", "value"] == 42.0

    def test_departements_parameter_selects_the_department_level(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {"niveau": "departements"})
        assert view.level == "department"
        assert view.snapshot is not None and len(view.snapshot) == 101

    def test_a_level_the_indicator_does_not_show_falls_back_to_regions(
        self, catalog: Catalog
    ) -> None:
        q = FakeQueries(catalog, rows=_rows(OPPOSITION))
        view = views.indicator_view(q, _indicator(q, OPPOSITION), {"niveau": "departements"})
        assert view.level == "region"

    def test_old_parameter_names_are_migrated(self, fake: FakeQueries) -> None:
        # Given a permalink written with the former names `level` and `period`
        params = {"level": "departements", "period": "2025-02"}
        # When read, Then it shows the same view as `niveau` and `periode`
        view = views.indicator_view(fake, _indicator(fake), params)
        assert (view.level, view.period) == ("department", FEB)

    @pytest.mark.parametrize("asked", ["1999-01", "2025-13", "janvier", ""])
    def test_an_unavailable_period_falls_back_to_the_latest(
        self, fake: FakeQueries, asked: str
    ) -> None:
        view = views.indicator_view(fake, _indicator(fake), {"periode": asked})
        assert view.period == FEB

    def test_an_available_earlier_period_is_kept(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {"periode": "2025-01"})
        assert view.period == JAN
        assert view.snapshot is not None
        assert pd.isna(view.snapshot.set_index("code").loc["11", "value"])  # no value, not 0

    def test_compared_regions_are_checked_deduplicated_and_capped(self, fake: FakeQueries) -> None:
        # Given a list with a repeat, an unknown code and more régions than the maximum
        asked = "53,53,99,11,24,27,28,32,44,52"
        view = views.indicator_view(fake, _indicator(fake), {"comparer": asked})
        # Then only existing régions are kept, once each, up to the maximum
        assert view.compared == ["53", "11", "24", "27", "28", "32"]
        assert len(view.compared) == urls.MAX_COMPARED
        assert set(view.compared_series["code"]) == {"53", "11"}  # those with data

    def test_national_totals_and_breakdowns_are_apart(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {})
        assert list(view.national["value"]) == [30.0, 31.0]
        assert list(view.breakdowns["breakdown"]) == ["ville"]

    def test_without_territorial_data_no_map_is_read(self, catalog: Catalog) -> None:
        # Given an indicator with national values only
        q = FakeQueries(catalog, rows=[r for r in _rows() if r.level == "national"])
        # When its view is built
        view = views.indicator_view(q, _indicator(q), {"comparer": "53"})
        # Then there is no period, no snapshot and no comparison, and none was read
        assert (view.periods, view.period, view.snapshot) == ([], None, None)
        assert view.compared_series.empty
        assert not view.territorial_data
        assert "periods" not in q.calls and "snapshot" not in q.calls


class TestSeriesTable:
    def test_france_first_then_the_compared_regions_newest_first(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {"comparer": "53"})
        table = views.series_table(view)
        assert list(table["Territoire"]) == ["France", "France", "Bretagne", "Bretagne"]
        assert list(table["Valeur"]) == [31.0, 30.0, 42.0, 40.0]

    def test_an_empty_view_keeps_the_columns(self, catalog: Catalog) -> None:
        q = FakeQueries(catalog)
        table = views.series_table(views.indicator_view(q, _indicator(q), {}))
        assert table.empty
        assert list(table.columns) == ["Territoire", "Période", "Valeur", "Origine", "Source"]


class TestSnapshotTable:
    def test_rank_one_is_the_best_and_missing_areas_come_last(self, fake: FakeQueries) -> None:
        table = views.snapshot_table(views.indicator_view(fake, _indicator(fake), {}))
        assert list(table["Code"][:2]) == ["53", "11"]
        assert list(table["Rang"][:2]) == [1, 2]
        assert table["Rang"][2:].isna().all() and table["Valeur"][2:].isna().all()

    def test_lower_is_better_ranks_the_lowest_first(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, _indicator(fake), {})
        view.indicator = view.indicator.model_copy(update={"direction": "lower_is_better"})
        assert list(views.snapshot_table(view)["Code"][:2]) == ["11", "53"]


class TestTargetRows:
    def test_every_national_target_is_assessed(self, fake: FakeQueries) -> None:
        rows = views.target_rows(fake, today=dt.date(2025, 6, 1))
        expected = [
            (i.id, t.label) for i in fake.catalog.indicators for t in i.targets if t.scope == "FR"
        ]
        assert [(r.indicator.id, r.target.label) for r in rows] == expected
        assert fake.calls == ["series"]  # one read for every indicator

    def test_an_axis_keeps_its_indicators_only(self, fake: FakeQueries) -> None:
        rows = views.target_rows(fake, today=dt.date(2025, 6, 1), axis="professionnels")
        assert rows and {r.indicator.axis for r in rows} == {"professionnels"}


class TestAreaTable:
    def test_latest_value_rank_and_france_at_the_same_period(self, fake: FakeQueries) -> None:
        table = views.area_table(fake, level="region", code="53").set_index("indicator_id")
        row = table.loc[ACTIVATION]
        assert (row["Valeur"], row["France"], row["Rang"]) == (42.0, 31.0, "1/2")

    def test_an_indicator_without_a_value_for_the_area_has_no_rank(self, fake: FakeQueries) -> None:
        table = views.area_table(fake, level="region", code="53").set_index("indicator_id")
        row = table.loc["mes_profils_crees"]
        assert pd.isna(row["Valeur"]) and row["Rang"] == "—" and row["Période"] == "—"

    def test_only_public_indicators_are_listed(self, fake: FakeQueries) -> None:
        table = views.area_table(fake, level="region", code="53")
        public = [i.id for i in fake.catalog.indicators if i.visibility == "public"]
        assert list(table["indicator_id"]) == public
        assert "patients_chroniques_acte_telesante" not in public  # a restricted one exists


class TestDepartmentsTable:
    def test_the_regions_departements_at_the_latest_period(self, fake: FakeQueries) -> None:
        table = views.departments_table(fake, region_code="53", indicator=_indicator(fake))
        assert sorted(table["Code"]) == ["22", "29", "35", "56"]  # not Paris (75)
        values = dict(zip(table["Code"], table["Valeur"], strict=True))
        assert (values["29"], values["35"]) == (50.0, 45.0)
        assert pd.isna(values["22"])

    def test_no_departement_data_gives_an_empty_table(self, catalog: Catalog) -> None:
        q = FakeQueries(catalog, rows=[r for r in _rows() if r.level != "department"])
        table = views.departments_table(q, region_code="53", indicator=_indicator(q))
        assert table.empty and list(table.columns) == ["Code", "Département", "Valeur", "Origine"]


def _targeted(catalog: Catalog) -> tuple[Indicator, Target]:
    """A national target compared on the latest value, in the unit of its series."""
    return next(
        (i, t)
        for i in catalog.indicators
        for t in i.targets
        if t.scope == "FR" and t.unit == i.unit and t.comparison == "latest"
    )


def series_rows(indicator: Indicator, target: Target, origins: list[str]) -> list[Row]:
    """One national point per period, ending at the target's deadline, with these origins."""
    step = MONTHS_PER_PERIOD[indicator.frequency]
    end = target.deadline.year * 12 + target.deadline.month - 1
    months = [end - step * (len(origins) - 1 - k) for k in range(len(origins))]
    return [
        Row(indicator.id, "national", "FR", dt.date(m // 12, m % 12 + 1, 1), target.value / 2, o)
        for m, o in zip(months, origins, strict=True)
    ]


class TestTargetOrigins:
    def test_each_row_says_what_its_status_rests_on(self, catalog: Catalog) -> None:
        # Given a target whose series mixes published figures and one demo value
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["published"] * 5 + ["demo"]))
        # When the objectives table is built
        rows = views.target_rows(q, today=dt.date(2025, 6, 1))
        table = views.objectives_table(rows, sort="statut")
        mine = table[table["Objectif"] == t.label].iloc[0]
        # Then the row names its origins and says it rests on demo data
        assert mine["Base du statut"] == "Repose sur des données de démonstration"
        assert mine["Origine des données"] == "Chiffre publié, Démonstration"
        assert mine[views.CODES_COLUMN] == "published, demo"
        # And a target without any point says so too
        others = table[table["Objectif"] != t.label]
        assert set(others["Base du statut"]) <= {"—"}
        assert set(others[views.CODES_COLUMN]) <= {""}

    def test_real_points_only_rest_on_real_data(self, catalog: Catalog) -> None:
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["source"] * 6))
        rows = views.target_rows(q, today=dt.date(2025, 6, 1))
        table = views.objectives_table(rows, sort="statut")
        mine = table[table["Objectif"] == t.label].iloc[0]
        assert mine["Base du statut"] == "Repose sur des données réelles"
        assert mine[views.CODES_COLUMN] == "source"


class TestRealOnly:
    def test_no_demo_point_is_used(self, catalog: Catalog) -> None:
        # Given a target whose series mixes published figures and demo values
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["published"] * 4 + ["demo"] * 2))
        # When assessed on real data only
        rows = views.target_rows(q, today=dt.date(2025, 6, 1), real_only=True)
        # Then no status rests on any demo point
        assert all(Origin.demo not in r.assessment.origins for r in rows)
        mine = next(r for r in rows if r.target == t)
        assert mine.assessment.origins == {Origin.published}

    def test_a_target_with_demo_data_only_has_insufficient_data(self, catalog: Catalog) -> None:
        # Given a target whose series is demo only
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["demo"] * 6))
        today = dt.date(2025, 6, 1)
        everything = next(r for r in views.target_rows(q, today=today) if r.target == t)
        real = next(r for r in views.target_rows(q, today=today, real_only=True) if r.target == t)
        # Then with all data it has a status; with real data only, « données insuffisantes »
        assert everything.assessment.status is not TargetStatus.insufficient_data
        assert real.assessment.status is TargetStatus.insufficient_data
        assert real.assessment.label == "Données insuffisantes"
        assert (real.assessment.current, real.assessment.progress) == (None, None)
        assert real.assessment.origins == frozenset()
