"""Counts per 100 000 inhabitants on the indicator page, the fiches and the files; ties at the
displayed precision and yes/no facts on the page (against the in-memory fake of the queries)."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import dash
import openpyxl
import pandas as pd
import pytest

from core import geography
from core.catalog import Catalog
from core.vocabulary import Level
from dashboard import downloads, fiches, records, urls, views
from dashboard.app import create_app
from dashboard.callbacks import tables
from dashboard.formatting import NNBSP, format_number, format_period
from dashboard.pages import _area, _index
from dashboard.server_html import to_html
from tests.dashboard.test_downloads import _by_id, _components
from tests.fakes.queries import FakeQueries, Row

FEB = dt.date(2025, 1, 1)  # a month, and the first quarter of ECPS
ECPS = "ecps_actives"  # count, 0 decimals, régions and départements
RATE = "mes_taux_activation"  # percent
SAS = "sas_departements_couverts"  # yes/no per département (count_true)
COVERAGE = "sas_couverture_population"  # percent, one decimal
TC = "teleconsultations_actes"  # count, régions and région groups
MSS = "mssante_messages_mois"  # count, régions and départements
PER_100K = f"pour 100{NNBSP}000 habitants"
QUARTER = format_period(FEB, frequency="quarterly")


def _population(code: str, level: str = Level.region) -> int:
    return geography.get_area(level, code).population


# Bretagne has the fewest cards but the most per inhabitant; Île-de-France the most cards
PER_CAPITA = {"53": 2000.0, "84": 1500.0, "11": 1000.0}
TOTALS = {code: v * _population(code) / 100_000 for code, v in PER_CAPITA.items()}
FRANCE_TOTAL = 1200.0 * _population("FR", Level.national) / 100_000


def _fake(catalog: Catalog) -> FakeQueries:
    rows = [Row(ECPS, "national", "FR", FEB, FRANCE_TOTAL, origin="published")]
    rows += [
        Row(ECPS, "region", code, FEB, total, origin="source") for code, total in TOTALS.items()
    ]
    rows += [
        Row(RATE, "national", "FR", FEB, 40.0),
        Row(RATE, "region", "53", FEB, 42.0),
        Row(RATE, "region", "11", FEB, 41.0),
        # the SAS: a yes/no fact per département, and its population coverage
        Row(SAS, "national", "FR", FEB, 2.0),
        Row(SAS, "department", "29", FEB, 1.0),
        Row(SAS, "department", "35", FEB, 0.0),
        Row(SAS, "department", "22", FEB, 1.0),
        Row(COVERAGE, "national", "FR", FEB, 99.99999990),
        Row(COVERAGE, "region", "53", FEB, 99.99999993),
        Row(COVERAGE, "region", "11", FEB, 99.99999988),
        Row(COVERAGE, "region", "84", FEB, 97.0),
        # teleconsultations: Bretagne alone, PACA and Corse together (Open DAMIR zone 93)
        Row(TC, "national", "FR", FEB, 1e6),
        Row(TC, "region", "53", FEB, 3449.37),
        Row(TC, "group", "PACA-COR", FEB, 55744.46),
    ]
    return FakeQueries(catalog, rows=rows)


@pytest.fixture(scope="module")
def indicator_page(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("percapita") / "unused.sqlite"
    create_app(database_url=f"sqlite:///{path}", redis_url="")  # registers the page modules
    return sys.modules["pages.indicator"]


def _page(
    page: ModuleType, catalog: Catalog, indicator_id: str, params: dict[str, str] | None = None
) -> tuple[views.IndicatorView, list[Any]]:
    q = _fake(catalog)
    view = views.indicator_view(q, catalog.get(indicator_id), params or {})
    return view, page._content(q, view)


def _table_rows(tree: Any) -> list[list[str]]:
    store = _by_id(tree, tables.component_id(tables.DATA, "tableau-carte"))
    return [list(map(str, row)) for row in store.data["rows"]]


class TestIndicatorPage:
    def test_a_count_is_mapped_and_ranked_per_100_000_inhabitants_by_default(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, tree = _page(indicator_page, catalog, ECPS)
        assert view.per_capita
        # the ranking: Bretagne first per inhabitant, though it has the fewest cards
        bars = _by_id(tree, "graphique-classement").figure
        assert bars["data"][0]["y"][:3] == [
            "1. Bretagne",
            "2. Auvergne-Rhône-Alpes",
            "3. Île-de-France",
        ]
        assert bars["data"][0]["text"][0] == f"2{NNBSP}000,0"
        assert bars["layout"]["xaxis"]["title"]["text"] == f"nombre {PER_100K}"
        # France per 100 000 inhabitants is the reference line
        assert bars["layout"]["annotations"][0]["text"] == f"France : 1{NNBSP}200,0"
        # the map's colour bar and the chart titles say what is shown
        tiles = _by_id(tree, "graphique-carte").figure
        assert tiles["data"][-1]["marker"]["colorbar"]["title"]["text"] == f"nombre {PER_100K}"
        assert tiles["layout"]["title"]["text"].endswith(
            f"carte des régions, {PER_100K} (population Insee 2023)"
        )
        html = to_html(tree)
        assert f"Carte des régions — {QUARTER}, {PER_100K}</h2>" in html
        assert f"Classement des régions, {PER_100K}</h3>" in html
        note = _by_id(tree, "mesure-carte").children
        assert note.startswith(f"Valeurs {PER_100K} (population Insee 2023)")

    def test_the_table_gives_the_value_per_100_000_and_the_total(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        _, tree = _page(indicator_page, catalog, ECPS)
        header = _by_id(tree, tables.component_id(tables.DATA, "tableau-carte")).data
        rows = _table_rows(tree)
        assert rows[0][:5] == ["1er", "53", "Bretagne", f"2{NNBSP}000,0", f"68{NNBSP}987"]
        assert "Total" in str(header)

    def test_par_habitant_non_shows_the_totals(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, tree = _page(indicator_page, catalog, ECPS, {"par_habitant": "non"})
        assert not view.per_capita
        bars = _by_id(tree, "graphique-classement").figure
        assert bars["data"][0]["y"][0] == "1. Île-de-France"
        assert bars["layout"]["xaxis"]["title"]["text"] == "nombre"
        assert not bars["layout"].get("annotations")  # France, the sum, is no reference
        html = to_html(tree)
        assert PER_100K not in _by_id(tree, "graphique-carte").figure["layout"]["title"]["text"]
        assert f"Carte des régions — {QUARTER}</h2>" in html
        # the permalinks keep the choice: downloads and the switch back
        assert f"{urls.indicator_download(ECPS, 'carte')}.csv?" in html
        assert "par_habitant=non" in html.split(urls.indicator_download(ECPS, "carte"))[1][:200]
        switch = to_html(_by_id(tree, "choix-par-habitant"))
        # back to per 100 000 inhabitants: the default, not written
        assert f'href="/indicateurs/{ECPS}?periode=2025-01"' in switch

    def test_the_switch_marks_the_current_choice(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        _, tree = _page(indicator_page, catalog, ECPS)
        links = [
            c
            for c in _components(_by_id(tree, "choix-par-habitant"))
            if c.__class__.__name__ == "A"
        ]
        assert [(a.children, a.href) for a in links] == [
            (f"Pour 100{NNBSP}000 habitants", f"/indicateurs/{ECPS}?periode=2025-01"),
            ("Totaux", f"/indicateurs/{ECPS}?periode=2025-01&par_habitant=non"),
        ]
        assert to_html(links[0]).count('aria-current="true"') == 1
        assert "aria-current" not in to_html(links[1])

    def test_a_rate_is_never_divided(self, indicator_page: ModuleType, catalog: Catalog) -> None:
        view, tree = _page(indicator_page, catalog, RATE)
        assert not view.per_capita
        assert PER_100K not in to_html(tree)
        assert not [c for c in _components(tree) if getattr(c, "id", None) == "choix-par-habitant"]
        assert _table_rows(tree)[0][:4] == ["1er", "53", "Bretagne", f"42,0{NNBSP}%"]

    def test_a_region_group_is_divided_by_the_sum_of_its_members_populations(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, _ = _page(indicator_page, catalog, TC)
        table = views.snapshot_table(view).set_index("Code")
        paca_corse = _population("93") + _population("94")
        assert table.loc["PACA-COR", "Valeur"] == pytest.approx(55744.46 / paca_corse * 1e5)
        assert table.loc["53", "Valeur"] == pytest.approx(100.0)
        assert table.loc["PACA-COR", "Rang"] == 1


class TestTiesAndYesNo:
    def test_regions_equal_at_the_displayed_precision_share_the_first_rank(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        _, tree = _page(indicator_page, catalog, COVERAGE)
        rows = _table_rows(tree)
        assert [r[:3] for r in rows[:3]] == [
            ["1er ex aequo", "11", "Île-de-France"],
            ["1er ex aequo", "53", "Bretagne"],
            ["3e", "84", "Auvergne-Rhône-Alpes"],
        ]
        tiles = _by_id(tree, "graphique-carte").figure
        colours = [s["fillcolor"] for s in tiles["layout"]["shapes"] if "fillcolor" in s]
        assert len(colours) == 3 and len(set(colours)) == 2  # the two « 100,0 % »: one colour

    def test_the_sas_is_written_and_drawn_as_oui_or_non(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        _, tree = _page(indicator_page, catalog, SAS, {"niveau": "departements"})
        rows = {r[1]: r for r in _table_rows(tree)}
        assert rows["29"][3] == "oui" and rows["35"][3] == "non"
        assert rows["29"][0] == rows["35"][0] == "—"  # not ranked
        tiles = _by_id(tree, "graphique-carte").figure
        assert [t["name"] for t in tiles["data"] if t.get("showlegend")] == ["oui", "non"]
        bars = _by_id(tree, "graphique-classement").figure["data"][0]
        assert bars["text"][:3] == ["oui", "oui", "non"]
        assert "Fait oui / non par département" in _by_id(tree, "mesure-carte").children

    def test_at_region_level_the_sas_counts_departements_as_is(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, _ = _page(indicator_page, catalog, SAS)
        assert view.level == "region" and not view.per_capita and not view.shown.yes_no


class TestAreaIndex:
    def test_the_tile_map_of_a_count_is_per_100_000_inhabitants(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        parts = _index._tile_section(q, level=Level.region, state={"indicateur": ECPS})
        html = to_html(parts)
        assert f"Carte des régions : {catalog.get(ECPS).short_label}, {PER_100K}</h2>" in html
        # each tile is coloured and titled per 100 000 inhabitants, the legend says so
        bretagne = to_html(_by_id(parts, "tuile-53"))
        assert f'title="Bretagne (53) : 2{NNBSP}000,0 {PER_100K}"' in bretagne
        assert f"(nombre {PER_100K})" in html
        totals = _index._tile_section(
            q, level=Level.region, state={"indicateur": ECPS, "par_habitant": "non"}
        )
        assert PER_100K not in to_html(totals)


class TestFiche:
    def test_a_count_is_ranked_per_100_000_inhabitants_on_the_fiche(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        table = views.area_table(q, level="region", code="53").set_index("indicator_id")
        assert table.loc[ECPS, "Rang"] == f"1/3 pour 100{NNBSP}000 hab."
        assert table.loc[ECPS, "Valeur"] == pytest.approx(TOTALS["53"])  # the value stays
        assert table.loc[ECPS, "value_per_100k"] == pytest.approx(2000.0)
        assert table.loc[RATE, "Rang"] == "1/2"  # a rate: as is
        assert table.loc[COVERAGE, "Rang"] == "1/3 ex aequo"
        totals = views.area_table(q, level="region", code="53", totals=True)
        assert totals.set_index("indicator_id").loc[ECPS, "Rang"] == "3/3"

    def test_the_fiche_says_how_it_ranks_and_links_to_the_totals(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        tree = _area._content(q, level="region", code="53", params={})
        note = to_html(_by_id(tree, "rang-par-habitant"))
        assert f"les nombres sont classés {PER_100K} (population Insee 2023 (Mayotte : 2017))" in (
            note
        )
        assert 'href="/regions/53?par_habitant=non"' in note
        assert f"1/3 pour 100{NNBSP}000 hab." in to_html(_by_id(tree, "tableau-territoire"))
        totals = _area._content(q, level="region", code="53", params={"par_habitant": "non"})
        note = to_html(_by_id(totals, "rang-par-habitant"))
        assert "selon leur total" in note and 'href="/regions/53"' in note


def _file(
    catalog: Catalog, indicator_id: str = ECPS, table: str = "carte", **params: str
) -> downloads.File:
    return downloads.indicator_frame(
        _fake(catalog), indicator_id=indicator_id, table=table, params=params
    )


class TestYesNoOnTheFiche:
    def test_a_departement_fiche_writes_oui_and_gives_no_rank(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        table = views.area_table(q, level="department", code="29").set_index("indicator_id")
        assert table.loc[SAS, "Rang"] == "—"
        tree = _area._content(q, level="department", code="29", params={})
        cells = to_html(_by_id(tree, "tableau-territoire"))
        row = cells.split(catalog.get(SAS).short_label, 1)[1].split("</tr>", 1)[0]
        assert ">oui<" in row
        file = downloads.area_frame(q, level=Level.department, code="29", params={})
        assert file.frame.set_index("indicator_id").loc[SAS, "value"] == 1.0  # a number


class TestFiles:
    def test_the_map_file_carries_the_value_per_100_000_in_its_own_column(
        self, catalog: Catalog
    ) -> None:
        file = _file(catalog)
        frame = file.frame.set_index("area_code")
        assert file.name == f"{ECPS}-carte-regions-2025-Q1-pour-100000-habitants"
        assert frame.loc["53", "value"] == round(TOTALS["53"])  # the total, as published
        assert frame.loc["53", "value_per_100k"] == 2000.0
        assert frame.loc["53", "population"] == _population("53")
        assert frame.loc["53", "population_year"] == 2023
        assert frame.loc["53", "rank"] == 1 and frame.loc["11", "rank"] == 3
        assert pd.api.types.is_float_dtype(frame["value_per_100k"])
        assert records.BY_KEY["value_per_100k"].title == "Valeur pour 100 000 habitants"

    def test_with_par_habitant_non_ranks_are_the_totals_and_the_name_says_nothing_more(
        self, catalog: Catalog
    ) -> None:
        file = _file(catalog, par_habitant="non")
        frame = file.frame.set_index("area_code")
        assert file.name == f"{ECPS}-carte-regions-2025-Q1"  # quarterly
        assert frame.loc["11", "rank"] == 1
        assert frame.loc["53", "value_per_100k"] == 2000.0  # still there

    def test_xlsx_cells_are_numbers_at_one_decimal(self, catalog: Catalog) -> None:
        file = _file(catalog)
        book = openpyxl.load_workbook(io.BytesIO(downloads.to_bytes(file.frame, fmt="xlsx")))
        sheet = book[downloads.SHEET]
        header = [c.value for c in sheet[1]]
        column = header.index("Valeur pour 100 000 habitants") + 1
        cell = sheet.cell(row=2, column=column)
        assert cell.data_type == "n" and cell.value == 2000.0
        assert cell.number_format == "#,##0.0"
        population = sheet.cell(row=2, column=header.index("Population") + 1)
        assert population.data_type == "n" and population.value == _population("53")

    def test_french_csv_has_the_column_with_a_decimal_comma(self, catalog: Catalog) -> None:
        file = _file(catalog)
        text = downloads.to_bytes(file.frame, fmt="csv_fr").decode("utf-8-sig")
        header, first = text.splitlines()[:2]
        assert "Valeur pour 100 000 habitants" in header.split(";")
        assert first.split(";")[header.split(";").index("Valeur pour 100 000 habitants")] == (
            "2000,0"
        )

    def test_a_rate_file_has_no_per_capita_column(self, catalog: Catalog) -> None:
        file = _file(catalog, RATE)
        assert "value_per_100k" not in file.frame.columns
        assert file.name == f"{RATE}-carte-regions-2025-01"

    def test_the_series_file_divides_france_and_the_compared_regions(
        self, catalog: Catalog
    ) -> None:
        file = _file(catalog, table="serie", comparer="53")
        frame = file.frame.set_index("area_code")
        assert frame.loc["FR", "value_per_100k"] == 1200.0
        assert frame.loc["53", "value_per_100k"] == 2000.0

    def test_the_fiche_file_has_the_value_per_100_000_and_says_its_ranks(
        self, catalog: Catalog
    ) -> None:
        q = _fake(catalog)
        file = downloads.area_frame(q, level=Level.region, code="53", params={})
        frame = file.frame.set_index("indicator_id")
        assert file.name == "regions-53"
        assert frame.loc[ECPS, "value_per_100k"] == 2000.0
        assert frame.loc[ECPS, "rank"] == 1
        assert pd.isna(frame.loc[RATE, "value_per_100k"])
        totals = downloads.area_frame(
            q, level=Level.region, code="53", params={"par_habitant": "non"}
        )
        assert totals.name == "regions-53-rangs-totaux"
        assert totals.frame.set_index("indicator_id").loc[ECPS, "rank"] == 3


class TestOnTheDemoDatabase:
    """The same through the real queries (one year of demo data, 2019)."""

    @pytest.mark.parametrize(
        ("indicator_id", "params", "words"),
        [
            (TC, {}, PER_100K),
            (MSS, {"niveau": "departements"}, PER_100K),
            (MSS, {"par_habitant": "non"}, "Totaux</a>"),
            (RATE, {}, "Carte des régions"),
        ],
    )
    def test_indicator_pages_and_map_files(
        self, demo_url: str, indicator_id: str, params: dict[str, str], words: str
    ) -> None:
        app = create_app(database_url=demo_url, redis_url="")
        layout = next(
            p["layout"] for p in dash.page_registry.values() if p["module"] == "pages.indicator"
        )
        with app.server.test_request_context("/"):
            text = to_html(layout(indicator_id=indicator_id, **params))
        assert words in text
        assert (PER_100K in text) == (indicator_id != RATE and "par_habitant" not in params)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        reply = app.server.test_client().get(
            f"{urls.indicator_download(indicator_id, 'carte')}.xlsx?{query}"
        )
        assert reply.status_code == 200
        header = [c.value for c in openpyxl.load_workbook(io.BytesIO(reply.data)).active[1]]
        assert ("Valeur pour 100 000 habitants" in header) == (indicator_id != RATE)


# -- the départements of a région and the comparison over time, per 100 000 inhabitants --------

# Finistère has fewer cards than Ille-et-Vilaine but more per inhabitant; Morbihan lags
DEPT_PER_CAPITA = {"22": 900.0, "29": 1100.0, "35": 1000.0, "56": 700.0, "75": 1500.0}
DEPT_TOTALS = {
    code: v * _population(code, Level.department) / 100_000 for code, v in DEPT_PER_CAPITA.items()
}


def _with_departments(catalog: Catalog) -> FakeQueries:
    """The fake with ECPS per département too (Bretagne's four and Paris)."""
    q = _fake(catalog)
    rows = [Row(ECPS, "department", c, FEB, v, origin="source") for c, v in DEPT_TOTALS.items()]
    return FakeQueries(catalog, rows=[*q.rows, *rows])


class TestRegionDepartmentsPerCapita:
    def test_a_count_is_ranked_per_100_000_inhabitants_france_and_region_too(
        self, catalog: Catalog
    ) -> None:
        q = _with_departments(catalog)
        table = fiches.region_departments(q, region_code="53", indicator=catalog.get(ECPS))
        assert list(table["code"]) == ["29", "35", "22", "56"]  # per inhabitant
        got = table.set_index("code")
        assert got.loc["29", "value_per_100k"] == pytest.approx(1100.0)
        assert got.loc["29", "value"] == pytest.approx(DEPT_TOTALS["29"])  # the total stays
        assert got.loc["29", "population"] == _population("29", Level.department)
        assert set(table["france_per_100k"].round(6)) == {1200.0}
        assert set(table["region_per_100k"].round(6)) == {2000.0}
        assert got.loc["56", "region_rank"] == 4 and got.loc["56", "rank"] == 5
        assert got.loc["29", "rank"] == 2  # Paris first in France
        assert table["per_capita"].all()

    def test_totals_rank_the_totals(self, catalog: Catalog) -> None:
        q = _with_departments(catalog)
        table = fiches.region_departments(
            q, region_code="53", indicator=catalog.get(ECPS), totals=True
        )
        assert list(table["code"]) == ["35", "29", "22", "56"]
        assert table["value_per_100k"].isna().all() and not table["per_capita"].any()

    def test_a_rate_is_never_divided(self, catalog: Catalog) -> None:
        rows = [Row(RATE, "department", c, FEB, v) for c, v in {"29": 40.0, "35": 50.0}.items()]
        q = FakeQueries(catalog, rows=rows)
        table = fiches.region_departments(q, region_code="53", indicator=catalog.get(RATE))
        assert list(table["code"][:2]) == ["35", "29"] and not table["per_capita"].any()

    def test_the_fiche_table_writes_values_per_100_000_with_the_totals_beside(
        self, catalog: Catalog
    ) -> None:
        q = _with_departments(catalog)
        tree = _area._content(q, level="region", code="53", params={"indicateur": ECPS})
        html = to_html(_by_id(tree, "tableau-departements"))
        assert f"départements de la région, dernière période, {PER_100K}" in html
        head = html.split("</thead>", 1)[0]
        for column in (f"Pour 100{NNBSP}000 hab.", "Total", "France", "Région"):
            assert f">{column}<" in head
        first = html.split("<tbody", 1)[1].split("</tr>", 1)[0]
        for cell in ("Finistère (29)", f"1{NNBSP}100,0", f"1{NNBSP}200,0", f"2{NNBSP}000,0"):
            assert f">{cell}<" in first
        assert ">1/4<" in first
        note = to_html(_by_id(tree, "departements-par-habitant"))
        assert f"Valeurs {PER_100K} (population Insee 2023)" in note
        assert f'href="/regions/53?indicateur={ECPS}&amp;par_habitant=non#' in note
        # par_habitant=non: the totals, ranked as such, with the link back
        totals = _area._content(
            q, level="region", code="53", params={"indicateur": ECPS, "par_habitant": "non"}
        )
        html = to_html(_by_id(totals, "tableau-departements"))
        assert ">Valeur<" in html and f"Pour 100{NNBSP}000" not in html
        assert ">Ille-et-Vilaine (35)<" in html.split("<tbody", 1)[1].split("</tr>", 1)[0]
        note = to_html(_by_id(totals, "departements-par-habitant"))
        assert f"Comparer {PER_100K}" in note

    def test_the_file_carries_the_values_per_100_000_and_ranks_on_them(
        self, catalog: Catalog
    ) -> None:
        q = _with_departments(catalog)
        file = downloads.region_departments_frame(q, region_code="53", params={"indicateur": ECPS})
        assert file.name == f"regions-53-departements-{ECPS}-pour-100000-habitants"
        frame = file.frame.set_index("area_code")
        assert frame.loc["29", "value_per_100k"] == 1100.0
        assert frame.loc["29", "value"] == round(DEPT_TOTALS["29"])
        assert frame.loc["29", "france_per_100k"] == 1200.0
        assert frame.loc["29", "region_per_100k"] == 2000.0
        assert frame.loc["29", "region_rank"] == 1 and frame.loc["56", "region_rank"] == 4
        titles = records.titled(file.frame).columns
        assert {"France pour 100 000 habitants", "Région pour 100 000 habitants"} <= set(titles)
        book = openpyxl.load_workbook(io.BytesIO(downloads.to_bytes(file.frame, fmt="xlsx")))
        header = [c.value for c in book[downloads.SHEET][1]]
        cell = book[downloads.SHEET].cell(
            row=2, column=header.index("Région pour 100 000 habitants") + 1
        )
        assert cell.data_type == "n" and cell.number_format == "#,##0.0"
        totals = downloads.region_departments_frame(
            q, region_code="53", params={"indicateur": ECPS, "par_habitant": "non"}
        )
        assert totals.name == f"regions-53-departements-{ECPS}-rangs-totaux"
        assert "value_per_100k" not in totals.frame.columns
        assert totals.frame.set_index("area_code").loc["35", "region_rank"] == 1


class TestComparisonPerCapita:
    def test_the_comparison_draws_each_area_and_france_per_100_000(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, tree = _page(indicator_page, catalog, ECPS, {"comparer": "53,11"})
        fig = _by_id(tree, "graphique-comparaison").figure
        lines = {t["name"]: t for t in fig["data"] if t.get("mode") == "lines"}
        assert lines["France"]["y"][0] == pytest.approx(1200.0)
        assert lines["Bretagne"]["y"][0] == pytest.approx(2000.0)
        assert lines["Île-de-France"]["y"][0] == pytest.approx(1000.0)
        assert fig["layout"]["yaxis"]["title"]["text"] == f"nombre {PER_100K}"
        assert f"2{NNBSP}000,0 {PER_100K}" in lines["Bretagne"]["text"][0]
        assert PER_100K in fig["layout"]["title"]["text"]  # the PNG's title
        png = _by_id(tree, "graphique-comparaison").config["toImageButtonOptions"]["filename"]
        assert png == f"{ECPS}-comparaison-france-regions-53-11-pour-100000-habitants"
        html = to_html(tree)
        assert f"Évolution comparée à la France, {PER_100K}</h2>" in html
        assert 'par_habitant=non"' in to_html(_by_id(tree, "mesure-comparaison"))
        # the series table gives the values per 100 000 beside the totals
        store = _by_id(tree, tables.component_id(tables.DATA, "tableau-serie")).data
        assert store["columns"][2:4] == ["Valeur", views.PER_CAPITA_COLUMN]
        assert store["rows"][0][:4] == ["France", QUARTER, f"820{NNBSP}210", f"1{NNBSP}200,0"]
        table = views.series_table(view).set_index("Territoire")
        assert table.loc["Bretagne", views.PER_CAPITA_COLUMN] == pytest.approx(2000.0)
        assert table.loc["France", views.PER_CAPITA_COLUMN] == pytest.approx(1200.0)
        assert table.loc["Bretagne", "Valeur"] == pytest.approx(TOTALS["53"])
        # while the national trajectory, France's with its targets, stays in totals
        national = _by_id(tree, "graphique-trajectoire").figure
        drawn = [
            y
            for t in national["data"]
            if t.get("name") != "projection (tendance)"
            for y in t.get("y", [])
            if y is not None
        ]
        assert FRANCE_TOTAL in drawn and PER_100K not in str(national["layout"]["yaxis"])

    def test_departements_compared_over_time_per_100_000(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        q = _with_departments(catalog)
        view = views.indicator_view(q, catalog.get(ECPS), {"comparer": "29,35"})
        assert view.level == Level.department and view.per_capita
        graph = _by_id(indicator_page._content(q, view), "graphique-comparaison")
        fig = graph.figure
        assert graph.config["toImageButtonOptions"]["filename"] == (
            f"{ECPS}-comparaison-france-departements-29-35-pour-100000-habitants"
        )
        lines = {t["name"]: t["y"][0] for t in fig["data"] if t.get("mode") == "lines"}
        assert lines["Finistère"] == pytest.approx(1100.0)
        assert lines["Ille-et-Vilaine"] == pytest.approx(1000.0)

    def test_par_habitant_non_draws_the_totals(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        view, tree = _page(indicator_page, catalog, ECPS, {"comparer": "53", "par_habitant": "non"})
        fig = _by_id(tree, "graphique-comparaison").figure
        lines = {t["name"]: t["y"][0] for t in fig["data"] if t.get("mode") == "lines"}
        assert lines["Bretagne"] == pytest.approx(TOTALS["53"])
        assert PER_100K not in fig["layout"]["yaxis"]["title"]["text"]
        assert views.PER_CAPITA_COLUMN not in views.series_table(view).columns

    def test_a_rate_is_compared_as_is(self, indicator_page: ModuleType, catalog: Catalog) -> None:
        _, tree = _page(indicator_page, catalog, RATE, {"comparer": "53"})
        fig = _by_id(tree, "graphique-comparaison").figure
        lines = {t["name"]: t["y"][0] for t in fig["data"] if t.get("mode") == "lines"}
        assert lines["Bretagne"] == 42.0
        assert PER_100K not in str(fig["layout"]["yaxis"])


# -- the trajectories of the fiches (small multiples) -------------------------------------------


def _svg_of(tree: Any, indicator_id: str) -> tuple[Any, str]:
    """The image of an indicator's small multiple and its SVG text."""
    img = _by_id(tree, f"evolution-{indicator_id}")
    return img, unquote(img.src.split(",", 1)[1])


def _item_of(tree: Any, indicator_id: str) -> str:
    """The HTML of an indicator's small multiple: its title, image and caption."""
    items = _by_id(tree, "petits-multiples").children
    (item,) = [i for i in items if f"evolution-{indicator_id}" in to_html(i)]
    return to_html(item)


class TestSmallMultiplesPerCapita:
    def test_a_count_and_france_are_each_divided_by_their_own_population(
        self, catalog: Catalog
    ) -> None:
        # Given Bretagne's cards (2 000 per 100 000) and France's (1 200 per 100 000)
        q = _fake(catalog)
        # When the fiche's trajectories are built per 100 000 inhabitants
        got = {
            t.indicator.id: t
            for t in fiches.trajectories(q, level="region", code="53", per_capita=True)
        }
        # Then the count is divided, each by its own population, the totals kept beside
        ecps = got[ECPS]
        assert ecps.per_capita
        assert ecps.area["value"].iloc[-1] == pytest.approx(2000.0)
        assert ecps.france["value"].iloc[-1] == pytest.approx(1200.0)
        assert ecps.area["total"].iloc[-1] == pytest.approx(TOTALS["53"])
        assert ecps.france["population"].iloc[-1] == _population("FR", Level.national)
        # while a rate is never divided
        assert not got[RATE].per_capita and got[RATE].area["value"].iloc[-1] == 42.0
        # and without per capita (`par_habitant=non`), the totals as stored
        totals = {t.indicator.id: t for t in fiches.trajectories(q, level="region", code="53")}
        assert not totals[ECPS].per_capita
        assert totals[ECPS].area["value"].iloc[-1] == pytest.approx(TOTALS["53"])

    def test_a_region_published_with_others_is_divided_by_its_groups_population(
        self, catalog: Catalog
    ) -> None:
        # Given teleconsultations published for PACA and Corse together
        q = _fake(catalog)
        (tc,) = [
            t
            for t in fiches.trajectories(q, level="region", code="94", per_capita=True)
            if t.indicator.id == TC
        ]
        # Then Corse's small multiple is the group's value per 100 000 of the group's people
        group = geography.get_area(Level.group, "PACA-COR")
        shared = fiches.shared_text(group)
        assert tc.group == group and tc.per_capita
        assert tc.area["value"].iloc[-1] == pytest.approx(55744.46 / group.population * 1e5)
        said = fiches.trajectory_text(tc, area_name="Corse")
        assert f"PACA et Corse ({shared}) : 1{NNBSP}000,0 {PER_100K}" in said
        # and the fiche says whose population divides it
        tree = _area._content(q, level="region", code="94", params={})
        note = to_html(_by_id(tree, "evolutions-par-habitant"))
        assert "(celle de son groupe pour une valeur publiée avec une autre région)" in note

    def test_the_fiche_draws_them_on_one_scale_and_says_per_100_000_everywhere(
        self, catalog: Catalog
    ) -> None:
        # When the fiche of Bretagne is built (per 100 000 inhabitants by default)
        tree = _area._content(_fake(catalog), level="region", code="53", params={})
        img, svg = _svg_of(tree, ECPS)
        # Then its text alternative gives both values per 100 000 inhabitants
        assert f"Bretagne : 2{NNBSP}000,0 {PER_100K} en {QUARTER}" in img.alt
        assert f"France : 1{NNBSP}200,0 {PER_100K} en {QUARTER}" in img.alt
        assert img.alt.startswith(f"{catalog.get(ECPS).short_label}, {PER_100K}.")
        # both on one scale: Bretagne's 2 000 at the top, France's 1 200 at the bottom
        heights = [float(y) for y in re.findall(r'cy="([0-9.]+)"', svg)]
        assert heights[0] < heights[1]
        assert f"2{NNBSP}000,0 pour 100{NNBSP}000 hab." in svg and f"1{NNBSP}200,0" in svg
        # its title and caption say so, with the populations; France is not on its own scale
        item = _item_of(tree, ECPS)
        assert f", {PER_100K}</h3>" in item
        assert f"{PER_100K} (population Insee 2023)" in item
        assert "propre échelle" not in item
        # the section says how it divides and links to the totals
        note = to_html(_by_id(tree, "evolutions-par-habitant"))
        assert "divisée par sa population, celle de la France par celle de la France" in note
        assert 'href="/regions/53?par_habitant=non#petits-multiples"' in note
        # a rate stays as is
        rate, _ = _svg_of(tree, RATE)
        assert PER_100K not in rate.alt and PER_100K not in _item_of(tree, RATE)

    def test_par_habitant_non_keeps_the_totals_france_on_its_own_scale(
        self, catalog: Catalog
    ) -> None:
        tree = _area._content(
            _fake(catalog), level="region", code="53", params={"par_habitant": "non"}
        )
        img, svg = _svg_of(tree, ECPS)
        total = format_number(TOTALS["53"], unit="count", decimals=0)
        assert f"Bretagne : {total} en {QUARTER}" in img.alt and PER_100K not in img.alt
        assert "pour 100" not in svg
        item = _item_of(tree, ECPS)
        assert "France sur sa propre échelle" in item and PER_100K not in item
        note = to_html(_by_id(tree, "evolutions-par-habitant"))
        assert "en totaux" in note and 'href="/regions/53#petits-multiples"' in note

    def test_a_departement_fiche_too(self, catalog: Catalog) -> None:
        tree = _area._content(_with_departments(catalog), level="department", code="29", params={})
        img, _ = _svg_of(tree, ECPS)
        assert f"Finistère : 1{NNBSP}100,0 {PER_100K}" in img.alt
        assert f"France : 1{NNBSP}200,0 {PER_100K}" in img.alt

    def test_no_count_no_note(self, catalog: Catalog) -> None:
        # Given a territory with rates only, Then the section says nothing of inhabitants
        q = FakeQueries(catalog, rows=[Row(RATE, "region", "53", FEB, 42.0)])
        tree = _area._content(q, level="region", code="53", params={})
        assert not [
            c for c in _components(tree) if getattr(c, "id", None) == "evolutions-par-habitant"
        ]
