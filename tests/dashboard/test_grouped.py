"""Région groups (Open DAMIR zones 5 and 93) on the région views: tables, ranking and maps."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.catalog import Catalog
from dashboard import views
from dashboard.figures import ranking, tile_map
from dashboard.grouped import GROUPED_ELSEWHERE
from tests.fakes.queries import FakeQueries, Row

JAN = dt.date(2024, 1, 1)
TC = "teleconsultations_actes"  # count, higher is better, shown by région and région group
DROM_MEMBERS = {"01", "02", "03", "04", "06"}


def _rows(*, demo_corse: bool = False) -> list[Row]:
    rows = [
        Row(TC, "national", "FR", JAN, 1000.0, origin="source"),
        Row(TC, "region", "11", JAN, 300.0, origin="source"),
        Row(TC, "region", "53", JAN, 50.0, origin="source"),
        Row(TC, "group", "PACA-COR", JAN, 120.0, origin="source"),
        Row(TC, "group", "DROM", JAN, 40.0, origin="source"),
    ]
    if demo_corse:
        rows.append(Row(TC, "region", "94", JAN, 9.0, origin="demo"))
    return rows


def _view(
    catalog: Catalog, params: dict[str, str] | None = None, **kw: bool
) -> views.IndicatorView:
    q = FakeQueries(catalog, rows=_rows(**kw))
    return views.indicator_view(q, q.catalog.get(TC), params or {})


class TestTable:
    def test_groups_are_rows_of_their_own_ranked_with_the_regions(self, catalog: Catalog) -> None:
        # Given January's values: 2 régions, PACA-Corse and the DROM as groups, as totals
        table = views.snapshot_table(_view(catalog, {"par_habitant": "non"}))
        ranked = table.dropna(subset=["Rang"])
        # Then the groups are ranked among the régions, marked as groups
        assert ranked[["Code", "Territoire", "Valeur"]].values.tolist() == [
            ["11", "Île-de-France", 300.0],
            ["PACA-COR", "PACA et Corse — groupe de régions", 120.0],
            ["53", "Bretagne", 50.0],
            ["DROM", "Outre-mer (5 DROM) — groupe de régions", 40.0],
        ]
        assert set(ranked["Origine"]) == {"Source ouverte"}

    def test_members_say_published_with_another_region_instead_of_a_value(
        self, catalog: Catalog
    ) -> None:
        table = views.snapshot_table(_view(catalog)).set_index("Code")
        for code in ("93", "94", *DROM_MEMBERS):
            assert str(table.loc[code, "Valeur"]).startswith(GROUPED_ELSEWHERE), code
            assert pd.isna(table.loc[code, "Rang"])
        assert table.loc["94", "Valeur"] == "publié avec une autre région : PACA et Corse"
        assert table.loc["06", "Valeur"] == ("publié avec une autre région : Outre-mer (5 DROM)")
        # The other régions without a figure stay « without value », not grouped
        assert pd.isna(table.loc["24", "Valeur"])
        # 18 régions and 2 groups, each listed once
        assert len(table) == 20

    def test_a_group_real_figure_beats_a_member_demo_value(self, catalog: Catalog) -> None:
        table = views.snapshot_table(_view(catalog, demo_corse=True)).set_index("Code")
        assert str(table.loc["94", "Valeur"]).startswith(GROUPED_ELSEWHERE)

    def test_the_real_only_switch_keeps_the_groups(self, catalog: Catalog) -> None:
        table = views.snapshot_table(_view(catalog, {"reel": "oui"}, demo_corse=True))
        assert "PACA-COR" in set(table["Code"])

    def test_departements_have_no_groups(self, catalog: Catalog) -> None:
        # The groups are région groups: a département view is left as it was
        q = FakeQueries(catalog, rows=_rows())
        ind = q.catalog.get("mes_taux_activation")
        view = views.indicator_view(q, ind, {"niveau": "departements"})
        assert view.snapshot is None or "group_code" not in view.snapshot.columns

    def test_no_group_value_leaves_the_region_table_as_it_was(self, catalog: Catalog) -> None:
        q = FakeQueries(catalog, rows=[r for r in _rows() if r.level != "group"])
        view = views.indicator_view(q, q.catalog.get(TC), {})
        table = views.snapshot_table(view)
        assert len(table) == 18 and not table["Valeur"].astype(str).str.contains("publié").any()


class TestRankingAndMap:
    def test_ranking_bars_are_the_table_rows(self, catalog: Catalog) -> None:
        view = _view(catalog)
        assert view.snapshot is not None
        fig = ranking(views.ranking_snapshot(view.snapshot), indicator=view.indicator)
        bars = fig["data"][0]
        labels = list(bars["y"])
        assert labels[:4] == [
            "1. Île-de-France",
            "2. PACA et Corse — groupe de régions",
            "3. Bretagne",
            "4. Outre-mer (5 DROM) — groupe de régions",
        ]
        texts = dict(zip(labels, bars["text"], strict=True))
        assert texts["Corse"] == "publié avec une autre région : PACA et Corse"

    def test_map_draws_the_shared_value_over_each_member_marked_as_grouped(
        self, catalog: Catalog
    ) -> None:
        view = _view(catalog)
        assert view.snapshot is not None
        snap = view.snapshot.set_index("code")
        # Then each member carries the group's value, marked with the group
        assert snap.loc["94", "value"] == snap.loc["93", "value"] == 120.0
        assert set(snap.loc[list(DROM_MEMBERS), "value"]) == {40.0}
        assert snap.loc["94", "group_name"] == "PACA et Corse"
        assert pd.isna(snap.loc["53", "group_name"])
        # and the tile map's hover says the value is shared
        fig = tile_map(view.snapshot, indicator=view.indicator, level="region")
        hover = dict(zip(fig["data"][-1]["text"], fig["data"][-1]["hovertext"], strict=True))
        assert "valeur commune « PACA et Corse »" in hover["COR"]
        assert "valeur commune" not in hover["BRE"]
        # and the page states it under the map
        note = views.shared_values_note(view)
        assert "Provence-Alpes-Côte d'Azur, Corse : valeur commune « PACA et Corse »" in note

    @pytest.mark.parametrize("code", ["93", "94"])
    def test_a_member_is_never_given_a_share_by_population(
        self, catalog: Catalog, code: str
    ) -> None:
        # Given PACA and Corse published together (120), never split 5.2 M / 0.36 M
        view = _view(catalog)
        assert view.snapshot is not None
        assert view.snapshot.set_index("code").loc[code, "value"] == 120.0
