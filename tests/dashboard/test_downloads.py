"""Downloads a spreadsheet can use: one column schema (dashboard.records) for every file,
numbers as numbers in the three formats, ISO periods, unit, origin and source on every
row, and file names that say the view and differ between formats."""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient

from core.catalog import Catalog
from core.periods import iso_period
from core.vocabulary import Level
from dashboard import downloads, queries, records, urls, views
from dashboard.app import create_app
from dashboard.callbacks import tables
from dashboard.components.share import PERMALINK_ID
from dashboard.downloads import UnknownDownload, split_format, to_bytes
from dashboard.formatting import NNBSP, format_number
from dashboard.server_html import to_html
from tests.dashboard.demo_db import demo_url_fixture
from tests.fakes.queries import FakeQueries, Row

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
SEGUR = "segur_v1_taux_deploiement"  # percent, 1 decimal, monthly, breakdown by secteur
NOISY = 41.53195793808126
ISO_COLUMNS = ("period", "unit", "unit_label", "origin", "origin_label", "source", "source_url")


def _fake(catalog: Catalog) -> FakeQueries:
    return FakeQueries(
        catalog,
        rows=[
            Row(SEGUR, "national", "FR", JAN, 30.0, origin="published", source_label="ANS"),
            Row(SEGUR, "national", "FR", FEB, 31.04),
            Row(SEGUR, "national", "FR", FEB, 12.0, breakdown="ville"),
            Row(SEGUR, "national", "FR", FEB, 14.04, breakdown="hopital"),
            Row(SEGUR, "region", "53", FEB, NOISY, origin="source", source_label="Open data"),
            Row(SEGUR, "region", "11", FEB, 7.0),
        ],
    )


# -- the schema -----------------------------------------------------------------------------


class TestRecords:
    def test_values_are_rounded_to_the_published_precision(self, catalog: Catalog) -> None:
        frame = records.records(
            [{"indicator_id": SEGUR, "value": NOISY, "france_value": -0.04}], catalog=catalog
        )
        assert frame.loc[0, "value"] == 41.5
        assert str(frame.loc[0, "france_value"]) == "0.0"  # no « -0.0 »
        assert frame.loc[0, "decimals"] == 1

    def test_every_coded_field_has_its_code_and_its_label(self, catalog: Catalog) -> None:
        fact = {
            "indicator_id": SEGUR,
            "level": "department",
            "area_code": "2A",
            "period_start": FEB,
            "breakdown_code": "ville",
            "origin": "deposit",
            "status": "behind",
        }
        row = records.records([fact], catalog=catalog).iloc[0]
        assert (row["indicator_id"], row["indicator"]) == (SEGUR, catalog.get(SEGUR).short_label)
        assert (row["level"], row["level_label"]) == ("department", "Département")
        assert (row["area_code"], row["area"]) == ("2A", "Corse-du-Sud")
        assert (row["period"], row["period_label"]) == ("2025-02", "février 2025")
        assert (row["breakdown_code"], row["breakdown"]) == ("ville", "Médecine de ville (LGC)")
        assert (row["unit"], row["unit_label"]) == ("percent", "%")
        assert (row["origin"], row["origin_label"]) == ("deposit", "Dépôt ARS")
        assert (row["status"], row["status_label"]) == ("behind", "En retard")

    def test_several_origins_are_written_in_vocabulary_order(self, catalog: Catalog) -> None:
        row = records.records(
            [{"indicator_id": SEGUR, "origin": frozenset({"demo", "published"})}], catalog=catalog
        ).iloc[0]
        assert (row["origin"], row["origin_label"]) == (
            "published, demo",
            "Chiffre publié, Démonstration",
        )

    def test_required_columns_are_there_even_for_no_row(self, catalog: Catalog) -> None:
        assert list(records.records([], catalog=catalog).columns) == [
            c.key for c in records.COLUMNS if c.key in records.REQUIRED
        ]

    def test_an_unknown_fact_key_is_a_programming_error(self, catalog: Catalog) -> None:
        with pytest.raises(records.UnknownFact, match="valeur"):
            records.records([{"indicator_id": SEGUR, "valeur": 1}], catalog=catalog)

    @pytest.mark.parametrize(
        ("frequency", "expected"),
        [("monthly", "2024-03"), ("quarterly", "2024-Q1"), ("yearly", "2024")],
    )
    def test_iso_periods(self, frequency: str, expected: str) -> None:
        assert iso_period(dt.date(2024, 3, 1), frequency) == expected  # type: ignore[arg-type]

    def test_titles_are_unique(self) -> None:
        titles = [c.title for c in records.COLUMNS]
        assert len(set(titles)) == len(titles)


# -- the three formats ----------------------------------------------------------------------


def _sample(catalog: Catalog) -> pd.DataFrame:
    return records.records(
        [
            {"indicator_id": SEGUR, "level": "region", "area_code": "53", "value": NOISY,
             "period_start": FEB, "origin": "source", "source": "Open data", "rank": 1},
            {"indicator_id": "mes_profils_crees", "level": "national", "area_code": "FR",
             "value": 1234567.0, "period_start": FEB, "origin": "demo", "rank": None,
             "deadline": dt.date(2027, 12, 31)},
        ],
        catalog=catalog,
    )  # fmt: skip


def _xlsx(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))[downloads.SHEET]
    rows = list(sheet.iter_rows())
    return [str(c.value) for c in rows[0]], [list(r) for r in rows[1:]]


def _csv(data: bytes, *, french: bool) -> pd.DataFrame:
    if french:
        assert data.startswith(b"\xef\xbb\xbf")
        return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    return pd.read_csv(io.BytesIO(data))


class TestToBytes:
    def test_xlsx_numbers_are_numeric_cells_with_a_number_format(self, catalog: Catalog) -> None:
        header, rows = _xlsx(to_bytes(_sample(catalog), fmt="xlsx"))
        value = rows[0][header.index("Valeur")]
        assert (value.data_type, value.value) == ("n", 41.5)
        assert value.number_format == '#,##0.0" %"'  # shown « 41,5 % », the number in points
        count = rows[1][header.index("Valeur")]
        assert (count.value, count.number_format) == (1234567, "#,##0")
        rank = rows[0][header.index("Rang")]
        assert (rank.data_type, rank.value) == ("n", 1)
        assert rows[1][header.index("Rang")].value is None
        deadline = rows[1][header.index("Échéance")]
        assert deadline.is_date and deadline.value.date() == dt.date(2027, 12, 31)

    @pytest.mark.parametrize(
        ("kind", "unit", "decimals", "expected"),
        [
            ("measure", "percent", 1, '#,##0.0" %"'),
            ("measure", "euros", 0, '#,##0" €"'),
            ("measure", "count", 0, "#,##0"),
            ("measure", "ratio", 2, "#,##0.00"),
            ("percent", None, 0, '0" %"'),
            ("date", None, 0, "dd/mm/yyyy"),
            ("text", None, 0, None),
        ],
    )
    def test_number_formats(
        self, kind: str, unit: str | None, decimals: int, expected: str | None
    ) -> None:
        assert downloads.number_format(kind, unit=unit, decimals=decimals) == expected

    def test_xlsx_describes_its_columns(self, catalog: Catalog) -> None:
        book = openpyxl.load_workbook(io.BytesIO(to_bytes(_sample(catalog), fmt="xlsx")))
        described = {r[0]: r[1] for r in book[downloads.COLUMNS_SHEET].iter_rows(values_only=True)}
        assert described["Période (ISO)"] == "period"

    def test_the_csvs_give_the_same_floats(self, catalog: Catalog) -> None:
        frame = _sample(catalog)
        standard = _csv(to_bytes(frame, fmt="csv"), french=False)
        french = _csv(to_bytes(frame, fmt="csv_fr"), french=True)
        assert standard["Valeur"].dtype == french["Valeur"].dtype == float
        assert list(standard["Valeur"]) == list(french["Valeur"]) == [41.5, 1234567.0]
        assert list(standard["Période (ISO)"]) == ["2025-02"] * 2

    def test_french_csv_has_semicolons_and_decimal_commas(self, catalog: Catalog) -> None:
        text = to_bytes(_sample(catalog), fmt="csv_fr").decode("utf-8-sig")
        assert ";Région;53;Bretagne;2025-02;février 2025;1;41,5;" in text
        assert "41.5" not in text

    def test_standard_csv_has_commas_and_decimal_points(self, catalog: Catalog) -> None:
        text = to_bytes(_sample(catalog), fmt="csv").decode("utf-8")
        assert ",Région,53,Bretagne,2025-02,février 2025,1,41.5," in text


class TestSplitFormat:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("serie-fr.csv", ("serie", "csv_fr")),
            ("serie.csv", ("serie", "csv")),
            ("carte.xlsx", ("carte", "xlsx")),
        ],
    )
    def test_known_suffixes(self, name: str, expected: tuple[str, str]) -> None:
        assert split_format(name) == expected

    def test_unknown_suffix_is_refused(self) -> None:
        with pytest.raises(UnknownDownload, match="Format"):
            split_format("serie.pdf")


# -- each table, against the views ----------------------------------------------------------


class TestIndicatorFiles:
    def test_map_file_has_the_rows_ranks_and_values_of_the_screen_table(
        self, catalog: Catalog
    ) -> None:
        q = _fake(catalog)
        file = downloads.indicator_frame(q, indicator_id=SEGUR, table="carte", params={})
        shown = views.snapshot_table(views.indicator_view(q, catalog.get(SEGUR), {}))
        frame = file.frame
        assert list(frame["area_code"]) == list(shown["Code"])
        assert list(frame["rank"].dropna()) == list(shown["Rang"].dropna())
        bretagne = frame.set_index("area_code").loc["53"]
        assert bretagne["value"] == 41.5  # 41,53195793808126 rounded as the page shows it
        assert (bretagne["level"], bretagne["period"], bretagne["ranked"]) == (
            "region",
            "2025-02",
            2,
        )
        assert (bretagne["origin"], bretagne["source"]) == ("source", "Open data")
        assert file.name == f"{SEGUR}-carte-regions-2025-02"

    def test_series_file_names_france_and_compared_regions(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        file = downloads.indicator_frame(
            q, indicator_id=SEGUR, table="serie", params={"comparer": "53", "reel": "oui"}
        )
        assert file.name == f"{SEGUR}-serie-france-regions-53-donnees-reelles"
        assert list(zip(file.frame["area_code"], file.frame["period"], strict=True)) == [
            ("FR", "2025-01"),
            ("53", "2025-02"),
        ]

    def test_breakdown_file_has_one_row_per_part_and_period(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        file = downloads.indicator_frame(q, indicator_id=SEGUR, table="repartition", params={})
        assert file.name == f"{SEGUR}-repartition-secteur-france"
        assert list(file.frame["breakdown_code"]) == ["hopital", "ville"]  # catalogue order
        assert list(file.frame["value"]) == [14.0, 12.0]
        shown = views.breakdown_table(views.indicator_view(q, catalog.get(SEGUR), {}))
        assert list(shown[catalog.get(SEGUR).breakdown.label]) == list(  # type: ignore[union-attr]
            file.frame["breakdown"]
        )

    def test_unknown_table_is_refused(self, catalog: Catalog) -> None:
        with pytest.raises(UnknownDownload, match="Tableau inconnu"):
            downloads.indicator_frame(_fake(catalog), indicator_id=SEGUR, table="x", params={})


class TestAreaAndObjectivesFiles:
    def test_area_file_has_level_period_rank_and_france(self, catalog: Catalog) -> None:
        q = _fake(catalog)
        file = downloads.area_frame(q, level=Level.region, code="53", params={})
        row = file.frame.set_index("indicator_id").loc[SEGUR]
        assert (row["level"], row["area"], row["period"], row["value"]) == (
            "region",
            "Bretagne",
            "2025-02",
            41.5,
        )
        assert (row["france_value"], row["rank"], row["ranked"]) == (31.0, 1, 2)
        assert file.name == "regions-53"
        nothing = file.frame[file.frame["value"].isna()].iloc[0]
        assert nothing["remark"] == views.NATIONAL_ONLY

    def test_objectives_file_has_numbers_and_units_not_text(self, catalog: Catalog) -> None:
        file = downloads.objectives_frame(_fake(catalog), params={}, today=dt.date(2026, 1, 5))
        frame = file.frame
        assert file.name == "objectifs-au-2026-01-05"
        assert frame["target_value"].dtype == float
        assert frame["progress"].dtype == float
        segur = frame[frame["indicator_id"] == SEGUR].iloc[0]
        assert (segur["value"], segur["unit"], segur["unit_label"]) == (31.0, "percent", "%")
        euros = frame[frame["unit"] == "euros"].iloc[0]
        assert euros["target_value"] >= 1e9  # « 2,0 Md€ » on screen, the amount in the file
        assert set(frame["rests_on_demo"]) <= {"oui", "non"}


# -- over HTTP, every route -----------------------------------------------------------------


# demo data up to March 2024: every indicator has values (some start in 2022)
demo_url = demo_url_fixture("downloads", seed=3, until=dt.date(2024, 3, 1))


@pytest.fixture(scope="module")
def client(demo_url: str) -> FlaskClient:
    return create_app(database_url=demo_url, redis_url="").server.test_client()


ROUTES = {
    "serie": urls.indicator_download("mes_taux_activation", "serie") + "{}?comparer=53",
    "carte": urls.indicator_download("mes_taux_activation", "carte") + "{}?niveau=departements",
    "repartition": urls.indicator_download(SEGUR, "repartition") + "{}",
    "region": urls.area_download("region", "53") + "{}",
    "departement": urls.area_download("department", "29") + "{}",
    "objectifs": urls.objectives_download() + "{}",
}


def _get(client: FlaskClient, route: str, suffix: str) -> tuple[str, bytes]:
    response = client.get(ROUTES[route].format(suffix))
    assert response.status_code == 200, response.data[:200]
    disposition = response.headers["Content-Disposition"]
    return disposition.split('filename="', 1)[1].rstrip('"'), response.data


@pytest.mark.parametrize("route", list(ROUTES))
class TestEveryRoute:
    def test_three_formats_three_names_the_same_numbers(
        self, client: FlaskClient, route: str
    ) -> None:
        names = {}
        for suffix in downloads.FORMATS:
            name, data = _get(client, route, suffix)
            names[suffix] = name
            if suffix == ".xlsx":
                header, rows = _xlsx(data)
                value_cells = [r[header.index("Valeur")] for r in rows]
                filled = [c for c in value_cells if c.value is not None]
                assert filled and all(c.data_type == "n" for c in filled)
                xlsx_values = [c.value for c in value_cells]
            elif suffix == ".csv":
                standard = _csv(data, french=False)
            else:
                french = _csv(data, french=True)
        # distinct names, each ending as its format, each saying the view
        assert len(set(names.values())) == 3
        assert names["-fr.csv"].endswith("-fr.csv") and names[".xlsx"].endswith(".xlsx")
        assert standard["Valeur"].dtype == float
        assert standard["Valeur"].equals(french["Valeur"])
        assert list(standard.columns) == list(french.columns) == header
        as_floats = [float("nan") if v is None else float(v) for v in xlsx_values]
        assert pd.Series(as_floats).equals(standard["Valeur"])
        # every file has an ISO period, the unit, the origin and the source
        titles = {records.BY_KEY[k].title for k in ISO_COLUMNS}
        assert titles <= set(header)
        periods = standard["Période (ISO)"].dropna()
        assert not periods.empty
        assert periods.astype(str).str.fullmatch(r"\d{4}(-(\d{2}|Q[1-4]))?").all()


class TestFilesMatchTheViews:
    def test_department_map_cells_equal_the_page(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # Given the département map of an indicator, as the page builds it (the client's
        # application set the process-wide store)
        q = queries.store()
        ind = catalog.get("mes_taux_activation")
        view = views.indicator_view(q, ind, {"niveau": "departements"})
        shown = views.snapshot_table(view).set_index("Code")
        # When its XLSX is downloaded
        name, data = _get(client, "carte", ".xlsx")
        header, rows = _xlsx(data)
        assert view.period is not None
        period = iso_period(view.period, ind.frequency)
        assert name == f"mes_taux_activation-carte-departements-{period}.xlsx"
        # Then each value cell is a number whose French text is the one on the page
        for row in rows:
            code = row[header.index("Code territoire")].value
            cell = row[header.index("Valeur")]
            on_page = shown.loc[code, "Valeur"]
            fmt = {"unit": ind.unit, "decimals": ind.decimals}
            expected = format_number(None if pd.isna(on_page) else float(on_page), **fmt)
            assert format_number(cell.value, **fmt) == expected
            if cell.value is not None:
                assert cell.data_type == "n"
                assert cell.value == round(float(on_page), ind.decimals)


# -- on the indicator page ------------------------------------------------------------------


@pytest.fixture
def indicator_page(db_url: str) -> ModuleType:
    create_app(database_url=db_url, redis_url="")  # registers the page modules
    return sys.modules["pages.indicator"]


def _components(node: Any) -> Iterator[Any]:
    """Every Dash component under `node`, depth first."""
    if isinstance(node, list | tuple):
        for item in node:
            yield from _components(item)
    elif hasattr(node, "to_plotly_json"):
        yield node
        yield from _components(getattr(node, "children", None))


def _by_id(tree: Any, component_id: object) -> Any:
    return next(c for c in _components(tree) if getattr(c, "id", None) == component_id)


class TestBreakdownOnThePage:
    def test_breakdown_chart_has_its_table_downloads_and_named_png(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        # Given a series broken down by sector, When its indicator page is built
        q = _fake(catalog)
        view = views.indicator_view(q, catalog.get(SEGUR), {})
        tree = indicator_page._content(q, view)
        # Then the breakdown chart has a value table with the rows of the file, as shown
        store = _by_id(tree, tables.component_id(tables.DATA, "tableau-repartition"))
        assert [row[1:3] for row in store.data["rows"]] == [
            ["Hôpital (DPI)", f"14,0{NNBSP}%"],
            ["Médecine de ville (LGC)", f"12,0{NNBSP}%"],
        ]
        # And the three downloads, and a PNG export named after the view
        html = to_html(tree)
        for suffix in downloads.FORMATS:
            assert f"{urls.indicator_download(SEGUR, 'repartition')}{suffix}" in html
        graph = _by_id(tree, "graphique-repartition")
        assert graph.config["toImageButtonOptions"]["filename"] == (
            f"{SEGUR}-repartition-secteur-france"
        )
        carte = _by_id(tree, "graphique-carte")
        assert carte.config["toImageButtonOptions"]["filename"] == (
            f"{SEGUR}-carte-regions-2025-02"
        )

    def test_each_chart_carries_its_title_sources_periods_and_demo_mark(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        q = _fake(catalog)
        ind = catalog.get(SEGUR)
        tree = indicator_page._content(q, views.indicator_view(q, ind, {}))
        trajectory = _by_id(tree, "graphique-trajectoire").figure["layout"]["title"]
        assert trajectory["text"] == f"{ind.short_label} — trajectoire nationale"
        notes = trajectory["subtitle"]["text"].split("<br>")
        # published and demo points: the catalogue's sources and the demo mark
        assert notes[0] == "Source : " + " ; ".join(s.name for s in ind.sources)
        assert notes[1].startswith(
            "<b>DONNÉES DE DÉMONSTRATION</b> · Données : janvier 2025 à février 2025"
        )
        # and the URL of the view: the page's permalink (written whole by the browser)
        permalink = _by_id(tree, PERMALINK_ID).href
        assert permalink.startswith(urls.indicator(SEGUR))
        assert notes[2] == f"Vue : {permalink}"
        compared = indicator_page._content(
            q, views.indicator_view(q, ind, {"comparer": "53", "niveau": "regions"})
        )
        permalink = _by_id(compared, PERMALINK_ID).href
        assert "comparer=53" in permalink
        for graph_id in ("graphique-trajectoire", "graphique-carte", "graphique-comparaison"):
            last = _by_id(compared, graph_id).figure["layout"]["title"]["subtitle"]["text"]
            assert last.split("<br>")[-1] == f"Vue : {permalink}"
        # the map: its one period
        carte = _by_id(tree, "graphique-carte").figure["layout"]["title"]
        assert carte["text"] == f"{ind.short_label} — carte des régions"
        assert (
            "<b>DONNÉES DE DÉMONSTRATION</b> · Données : février 2025 · "
            in carte["subtitle"]["text"]
        )

    def test_real_values_only_carry_no_demo_mark(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        q = _fake(catalog)
        view = views.indicator_view(q, catalog.get(SEGUR), {"reel": "oui"})
        tree = indicator_page._content(q, view)
        notes = _by_id(tree, "graphique-trajectoire").figure["layout"]["title"]["subtitle"]
        assert "DÉMONSTRATION" not in notes["text"]
        assert "Données : janvier 2025 · " in notes["text"]
