"""Fiches région / département: each indicator's trajectory beside France as small SVG
multiples (demo drawn as demo, with a text alternative), the départements of a région with
France, the région, ranks and a download, the territory's own targets (SAS), and the values
a région shares with its group (Corse, the DROM)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import dash
import flask
import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from core import geography
from core.catalog import Catalog
from core.vocabulary import Level, Origin
from dashboard import app, downloads, fiches, measure, queries, targets, urls, views
from dashboard.figures.small_multiple import (
    AREA_COLOURS,
    DEMO_DASH,
    Line,
    Point,
    points_of,
    small_multiple_svg,
)
from dashboard.server_html import to_html
from tests.dashboard.test_grouped_page import load_damir_month
from tests.dashboard.test_guards import router_body
from tests.dashboard.test_territorial_targets import SAS, loaded  # noqa: F401 (fixture)
from tests.fakes.queries import FakeQueries, Row

PUBLIC = "mssante_messages_mois"  # public, with régions and départements in the demo data
RESTRICTED = "patients_chroniques_acte_telesante"  # `visibility: restricted`
BRETAGNE = ("22", "29", "35", "56")


def _svg(uri: str) -> str:
    prefix = "data:image/svg+xml;utf8,"
    assert uri.startswith(prefix)
    return unquote(uri[len(prefix) :])


def _points(*values: tuple[int, float, bool]) -> tuple[Point, ...]:
    return tuple(Point(dt.date(2024, m, 1), v, demo) for m, v, demo in values)


# -- the SVG builder (pure) ------------------------------------------------------------------


class TestSmallMultipleSvg:
    def test_real_points_are_solid_and_demo_points_dashed_and_lighter(self) -> None:
        # Given a line whose two first points are real and two last are demo
        line = Line(_points((1, 1.0, False), (2, 2.0, False), (3, 3.0, True), (4, 4.0, True)))
        # When it is drawn
        svg = _svg(small_multiple_svg([line]))
        # Then the real run is a solid polyline in the real colour, the demo run a dashed
        # one in the lighter colour; real points filled, demo points hollow
        runs = re.findall(r"<polyline [^>]*/>", svg)
        assert len(runs) == 2
        real, demo = runs
        assert f'stroke="{AREA_COLOURS[0]}"' in real and "dasharray" not in real
        assert f'stroke="{AREA_COLOURS[1]}"' in demo and f'stroke-dasharray="{DEMO_DASH}"' in demo
        circles = re.findall(r"<circle [^>]*/>", svg)
        assert [c.count('data-kind="demo"') for c in circles] == [0, 0, 1, 1]
        assert all('fill="#ffffff"' in c for c in circles if "demo" in c)
        # the segment between the last real and the first demo point is drawn as demo
        assert demo.count(",") == 3 and real.count(",") == 2

    def test_all_real_has_no_demo_mark(self) -> None:
        svg = _svg(small_multiple_svg([Line(_points((1, 1.0, False), (2, 5.0, False)))]))
        assert "dasharray" not in svg and 'data-kind="demo"' not in svg

    def test_a_single_point_is_drawn_as_a_marker(self) -> None:
        svg = _svg(small_multiple_svg([Line(_points((1, 1.0, False)))]))
        assert "<polyline" not in svg and svg.count("<circle") == 1

    def test_a_shared_scale_or_one_scale_per_line(self) -> None:
        # Given a territory's count far below France's
        small = Line(_points((1, 10.0, False), (2, 20.0, False)))
        large = Line(_points((1, 1000.0, False), (2, 2000.0, False)))

        def heights(svg: str) -> list[float]:
            return [float(y) for y in re.findall(r'cy="([0-9.]+)"', svg)]

        # When drawn on one scale, the territory is flat at the bottom; on its own scale
        # it spans the plot like France
        shared = heights(_svg(small_multiple_svg([small, large], height=120)))
        own = heights(_svg(small_multiple_svg([small, large], height=120, shared_scale=False)))
        assert abs(shared[0] - shared[1]) < 2
        assert own[0:2] == own[2:4]

    def test_the_value_marks_are_escaped_text(self) -> None:
        svg = _svg(small_multiple_svg([Line(_points((1, 1.0, False)))], labels=("<0", "1 & 2")))
        assert "&lt;0" in svg and "1 &amp; 2" in svg

    def test_points_of_keeps_the_total_rows_and_marks_demo(self) -> None:
        frame = pd.DataFrame(
            {
                "period_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]),
                "value": [1.0, 2.0, 9.0],
                "breakdown": ["_total", "_total", "secteur"],
                "origin": [Origin.source.value, Origin.demo.value, Origin.demo.value],
            }
        )
        assert points_of(frame) == _points((1, 1.0, False), (2, 2.0, True))
        assert points_of(frame, limit=1) == _points((2, 2.0, True))


# -- the départements table (view, on an in-memory fake) ----------------------------------------


class TestRegionDepartments:
    def test_values_references_and_ranks_equal_at_the_published_precision(
        self, catalog: Catalog
    ) -> None:
        # Given SAS coverage (one decimal published) for Bretagne's départements and Paris,
        # Finistère and Côtes-d'Armor equal at one decimal (61,04 and 61,01)
        day = dt.date(2024, 9, 1)
        values = {"22": 61.01, "29": 61.04, "35": 70.0, "56": 50.0, "75": 80.0}
        rows = [Row(SAS, "department", c, day, v, "source") for c, v in values.items()]
        rows += [Row(SAS, "region", "53", day, 62.0), Row(SAS, "national", "FR", day, 65.0)]
        q = FakeQueries(catalog, rows=rows)
        # When the table of Bretagne's départements is built
        table = fiches.region_departments(q, region_code="53", indicator=catalog.get(SAS))
        got = table.set_index("code")
        # Then each has its value, France and the région at the same period
        assert list(table["code"]) == ["35", "22", "29", "56"]
        assert set(table["france_value"]) == {65.0} and set(table["region_value"]) == {62.0}
        assert set(table["period_start"]) == {day}
        # and values equal at the published precision share their rank, in the région and in France
        assert got.loc[["35", "22", "29", "56"], "region_rank"].tolist() == [1, 2, 2, 4]
        assert got.loc[["35", "22", "29", "56"], "rank"].tolist() == [2, 3, 3, 5]
        assert set(table["region_ranked"]) == {4} and set(table["ranked"]) == {5}
        assert set(table["origin"]) == {Origin.source.value}

    def test_real_only_leaves_the_demo_values_out(self, catalog: Catalog) -> None:
        day = dt.date(2024, 9, 1)
        rows = [
            Row(SAS, "department", "29", day, 61.0, "source"),
            Row(SAS, "department", "56", day, 77.0, "demo"),
        ]
        q = FakeQueries(catalog, rows=rows)
        table = fiches.region_departments(
            q, region_code="53", indicator=catalog.get(SAS), real_only=True
        ).set_index("code")
        assert table.loc["29", "region_rank"] == 1 and pd.isna(table.loc["56", "value"])


# -- pages and downloads over HTTP (demo data) ---------------------------------------------


HEADER = "X-Acteur-Test"


@pytest.fixture(scope="module")
def server(demo_url: str) -> flask.Flask:
    """The app on the demo database, with a test hook standing for the sign-in layer."""
    from core.policy import Actor, Role

    flask_app = app.create_app(database_url=demo_url, redis_url="").server

    @flask_app.before_request
    def sign_in() -> None:
        if flask.request.headers.get(HEADER) == "ars-53":
            flask.g.actor = Actor(Role.ars, region="53", email="ars@bretagne.test")

    return flask_app


@pytest.fixture
def client(server: flask.Flask) -> FlaskClient:
    return server.test_client()


def page(client: FlaskClient, path: str, search: str = "", who: str = "") -> Any:
    """The page Dash's router answers for an address, as JSON components."""
    response = client.post(
        "/_dash-update-component", json=router_body(path, search), headers={HEADER: who}
    )
    assert response.status_code == 200
    return response.get_json()


def find(node: Any, component_id: str) -> dict[str, Any]:
    """The props of the component with this id."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("props", {}).get("id") == component_id:
                return dict(item["props"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    raise AssertionError(f"{component_id} absent")


def text(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False)


class TestSmallMultiplesOnTheFiches:
    @pytest.mark.parametrize(("level", "code", "name"), [("region", "53", "Bretagne")])
    def test_each_indicator_beside_france_with_its_text_alternative(
        self, client: FlaskClient, catalog: Catalog, level: str, code: str, name: str
    ) -> None:
        # When the fiche of Bretagne is opened
        answer = page(client, urls.area(level, code))
        # Then the indicator has its small multiple, an image whose text gives the last
        # values of Bretagne and France with their periods and origin
        img = find(answer, f"evolution-{PUBLIC}")
        assert img["alt"].startswith(catalog.by_id[PUBLIC].short_label)
        assert f"{name} : " in img["alt"] and "France : " in img["alt"]
        assert "(démonstration)" in img["alt"].lower()
        # drawn as demo (every value of this database is demo): dashed, lighter, no real mark
        svg = _svg(img["src"])
        assert "stroke-dasharray" in svg and 'data-kind="real"' not in svg
        # with the legend that says so, and its name links to the indicator with the territory
        assert "données de démonstration (tirets" in text(find(answer, "legende-evolutions"))
        link = urls.indicator(PUBLIC, {"territoire": urls.territory_param(level, code)})
        assert link in text(find(answer, "petits-multiples"))
        # a count (messages) is drawn per 100 000 inhabitants on France's scale, still as demo
        items = find(answer, "petits-multiples")["children"]
        (item,) = [i for i in items if f"evolution-{PUBLIC}" in text(i)]
        assert measure.PER_CAPITA_WORDS in img["alt"] and "propre échelle" not in text(item)
        # and in totals (`par_habitant=non`) on its own scale beside France's, as the fiche says
        totals = page(client, urls.area(level, code), "?par_habitant=non")
        items = find(totals, "petits-multiples")["children"]
        (item,) = [i for i in items if f"evolution-{PUBLIC}" in text(i)]
        assert "France sur sa propre échelle" in text(item) and "pour 100" not in text(item)
        assert "stroke-dasharray" in _svg(find(totals, f"evolution-{PUBLIC}")["src"])

    def test_real_data_only_draws_no_demo_value(self, client: FlaskClient) -> None:
        # Given a database of demo values only, When the fiche is asked with real data only
        answer = page(client, urls.area("region", "53"), "?reel=oui")
        # Then no small multiple is drawn, and the page says there is no real figure
        assert f"evolution-{PUBLIC}" not in text(answer)
        assert views.NO_REAL_FIGURE in text(find(answer, "petits-multiples"))

    def test_a_departement_fiche_has_them_too(self, client: FlaskClient) -> None:
        img = find(page(client, urls.area("department", "29")), f"evolution-{PUBLIC}")
        assert "Finistère : " in img["alt"]

    def test_a_restricted_indicator_stays_invisible_to_the_public(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        label = catalog.by_id[RESTRICTED].short_label
        for path in (urls.area("region", "53"), urls.area("department", "29")):
            public = text(page(client, path))
            assert RESTRICTED not in public and label not in public
        # while the ARS of Bretagne sees it on its own fiche
        assert f"evolution-{RESTRICTED}" in text(
            page(client, urls.area("region", "53"), who="ars-53")
        )


class TestDepartmentsTable:
    def test_the_table_has_period_france_region_and_ranks(self, client: FlaskClient) -> None:
        answer = page(client, urls.area("region", "53"), f"?indicateur={PUBLIC}")
        table = text(find(answer, "tableau-departements"))
        for column in ("Période", "France", "Région", "Rang dans la région", "Rang en France"):
            assert f'"{column}"' in table
        for code in BRETAGNE:
            assert f"({code})" in table
        assert re.search(r'"[1-4]/4"', table) and re.search(r'"\d+/10[01]"', table)
        # and its download carries the chosen indicator
        href = urls.region_departments_download("53") + ".xlsx?indicateur=" + PUBLIC
        assert href in text(answer)

    def test_the_download_has_numbers_as_numbers(self, client: FlaskClient, demo_url: str) -> None:
        base = urls.region_departments_download("53")
        query = f"?indicateur={PUBLIC}"
        # CSV standard: one row per département, ranks 1 to 4 among them
        plain = client.get(base + ".csv" + query)
        assert plain.status_code == 200
        rows = list(csv.DictReader(io.StringIO(plain.get_data(as_text=True))))
        assert sorted(r["Code territoire"] for r in rows) == list(BRETAGNE)
        assert {r["Code indicateur"] for r in rows} == {PUBLIC}
        assert sorted(int(r["Rang dans la région"]) for r in rows) == [1, 2, 3, 4]
        assert all(float(r["Valeur"]) >= 0 and float(r["Valeur France"]) > 0 for r in rows)
        assert all(r["Valeur région"] and r["Période (ISO)"] for r in rows)
        # XLSX: numeric cells
        book = openpyxl.load_workbook(io.BytesIO(client.get(base + ".xlsx" + query).data))
        sheet = book[downloads.SHEET]
        titles = [c.value for c in sheet[1]]
        first = {t: c.value for t, c in zip(titles, sheet[2], strict=True)}
        for title in ("Valeur", "Valeur France", "Valeur région"):
            assert isinstance(first[title], float | int)
        assert isinstance(first["Rang dans la région"], int)
        assert isinstance(first["Rang"], int)
        # French CSV: « ; » and a decimal comma, under its own file name
        french = client.get(base + "-fr.csv" + query)
        assert french.get_data(as_text=True).splitlines()[0].count(";") > 5
        names = {
            r.headers["Content-Disposition"]
            for r in (plain, french, client.get(base + ".xlsx" + query))
        }
        assert len(names) == 3 and all(f"departements-{PUBLIC}" in n for n in names)
        # And it equals the table of the page, value by value
        q = queries.configure(database_url=demo_url)
        table = fiches.region_departments(
            q, region_code="53", indicator=q.catalog.get(PUBLIC)
        ).set_index("code")
        for r in rows:
            got = table.loc[r["Code territoire"], "value"]
            assert float(r["Valeur"]) == pytest.approx(got, abs=0.5)

    @pytest.mark.parametrize(
        "path",
        [
            urls.region_departments_download("99") + ".csv",
            urls.region_departments_download("53").replace("departements", "autre") + ".csv",
            urls.region_departments_download("53") + ".pdf",
        ],
    )
    def test_an_unknown_address_is_a_french_404(self, client: FlaskClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        assert "inconnu" in response.get_data(as_text=True)

    def test_a_restricted_indicator_is_not_downloaded_by_the_public(
        self, client: FlaskClient
    ) -> None:
        path = urls.region_departments_download("53") + f".csv?indicateur={RESTRICTED}"
        data = client.get(path).get_data(as_text=True)
        assert RESTRICTED not in data
        own = client.get(path, headers={HEADER: "ars-53"}).get_data(as_text=True)
        assert RESTRICTED in own


# -- own targets of the territory (DITP: SAS coverage per département) --------------------------


def render(db_url: str, module: str, **params: str) -> str:
    application = app.create_app(database_url=db_url, redis_url="")
    layout = next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]
    with application.server.test_request_context("/"):
        return to_html(layout(**params))


class TestOwnTargets:
    def test_a_departement_shows_its_target_progress_and_status(
        self,
        db_url: str,
        loaded: queries.Queries,  # noqa: F811
    ) -> None:
        # Given the DITP sources loaded (each département's own SAS target), the status of
        # Pyrénées-Atlantiques today as the views compute it
        ind = loaded.catalog.get(SAS)
        items = views.territory_assessments(loaded, ind, level="department", today=dt.date.today())
        mine = [i for i in items if i.code == "64"]
        assert mine
        # When its fiche is built
        html = render(db_url, "pages.department", code="64")
        # Then the SAS row gives the target, the progress rate, the status and its basis
        section = html.split('id="tableau-cibles-propres"')[1]
        assert ind.short_label in section
        assert "Taux d&#x27;avancement" in section or "Taux d'avancement" in section
        for item in mine:
            assert item.assessment.label in section
            assert fiches.progress_text(item) in section
        assert targets.REAL_BASIS in section
        assert "66" in section  # its baseline (66 %)

    def test_a_region_says_which_departements_are_behind(
        self,
        db_url: str,
        loaded: queries.Queries,  # noqa: F811
    ) -> None:
        items = views.territory_assessments(
            loaded, loaded.catalog.get(SAS), level="department", today=dt.date.today()
        )
        codes = {d.code for d in geography.departments_of("75")}
        behind = {i.name for i in items if i.code in codes and i.is_behind}
        assert "Pyrénées-Atlantiques" in behind
        html = render(db_url, "pages.region", code="75")
        # its own targets (the Baromètre's, for Nouvelle-Aquitaine) are shown with their status
        own = html.split('id="tableau-cibles-propres"')[1].split("</table>")[0]
        expected = fiches.own_targets(
            loaded, level="region", codes=["75"], visible_from=("region", "75"),
            today=dt.date.today(),
        )  # fmt: skip
        assert expected
        for o in expected:
            assert o.indicator.short_label in own and o.item.assessment.label in own
        listed = html.split('id="departements-en-retard"')[1].split("</ul>")[0]
        # the line of the SAS (the aidants have their own line)
        (line,) = [li for li in listed.split("<li") if loaded.catalog.get(SAS).short_label in li]
        with_target = {i.code for i in items if i.code in codes}
        noun = "départements" if len(behind) > 1 else "département"
        assert f"{len(behind)} {noun} sur {len(with_target)} n" in line
        names = set(line.split(") : ")[-1].split("</li>")[0].rstrip(".").split(", "))
        assert names == behind


# -- région groups: Corse and the DROM -------------------------------------------------------------


def test_corse_and_the_drom_show_their_group_never_a_split_value(
    engine: Engine, db_url: str, catalog: Catalog, httpserver: HTTPServer, tmp_path: Path
) -> None:
    # Given a month of Open DAMIR: Île-de-France, PACA-Corse (zone 93) and the DROM (zone 5)
    load_damir_month(engine, catalog, httpserver, tmp_path)
    # When the fiche of Corse and of Guadeloupe are built
    corse = render(db_url, "pages.region", code="94")
    guadeloupe = render(db_url, "pages.region", code="01")
    # Then each says with which région it is published, with the group's value
    assert "publié avec une autre région : PACA et Corse — valeur commune : 3 " in corse
    assert "publié avec une autre région : Outre-mer (5 DROM) — valeur commune : 2 " in guadeloupe
    # and its small multiple draws the group's series, named as such, per 100 000 of the
    # group's inhabitants by default, in totals with `par_habitant=non`
    named = "PACA et Corse (publié avec une autre région : PACA et Corse) : "
    said = corse.split(named, 1)[1].split(" en ", 1)[0]
    assert said.endswith(measure.PER_CAPITA_WORDS)
    totals = render(db_url, "pages.region", code="94", par_habitant="non")
    assert f"{named}3 " in totals
    # never a split value: the table and the file leave Corse's own value empty
    q = queries.configure(database_url=db_url)
    with app.create_app(database_url=db_url, redis_url="").server.test_request_context("/"):
        file = downloads.area_frame(q, level=Level.region, code="94", params={})
    row = file.frame.set_index("indicator_id").loc["teleconsultations_actes"]
    assert pd.isna(row["value"])
    assert row["remark"].startswith("publié avec une autre région : PACA et Corse")
