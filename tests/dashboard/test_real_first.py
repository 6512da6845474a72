"""Real figures first: the home cards show the latest real figure with its date, source
and age before any demo value, and say so when there is none."""

from __future__ import annotations

import datetime as dt
import sys
from types import ModuleType

import pandas as pd
import pytest

from core.catalog import Catalog
from core.vocabulary import Level
from dashboard import downloads, views
from dashboard.app import create_app
from dashboard.formatting import NNBSP, format_age
from dashboard.pages import _area
from dashboard.pages import _common as common
from dashboard.server_html import to_html
from tests.fakes.queries import FakeQueries, Row

TODAY = dt.date(2025, 6, 15)
REAL = "mes_activation_population"  # headline, monthly, percent with one decimal
DEMO_ONLY = "mes_taux_activation"  # headline, monthly, percent with one decimal
SOURCE = "DITP — Baromètre des résultats de l'action publique"
URL = "https://www.data.gouv.fr/fr/datasets/barometre-des-resultats-de-laction-publique-1/"


def _rows() -> list[Row]:
    real = [
        Row(REAL, "national", "FR", dt.date(2024, m, 1), 15.0 + m, "source", source_label=SOURCE)
        for m in (5, 6, 7)
    ]
    real[-1] = Row(
        REAL,
        "national",
        "FR",
        dt.date(2024, 7, 1),
        19.3,
        "source",
        source_label=SOURCE,
        source_url=URL,
    )
    demo = [
        Row(REAL, "national", "FR", dt.date(2025, m, 1), 31.0 + m, "demo") for m in (1, 2, 3)
    ] + [Row(DEMO_ONLY, "national", "FR", dt.date(2025, m, 1), 40.0 + m, "demo") for m in (1, 2)]
    return real + demo


@pytest.fixture
def home(db_url: str) -> ModuleType:
    create_app(database_url=db_url, redis_url="")  # registers the page modules
    return sys.modules["pages.home"]


def _figures(catalog: Catalog, indicator_id: str) -> views.LatestFigures:
    q = FakeQueries(catalog, rows=_rows())
    series = q.series(indicator_id=indicator_id, codes=["FR"])
    return views.latest_figures(series, ind=catalog.get(indicator_id), today=TODAY)


class TestLatestFigures:
    def test_the_real_and_the_demo_figures_are_told_apart(self, catalog: Catalog) -> None:
        figures = _figures(catalog, REAL)
        assert figures.real is not None and figures.demo is not None
        assert (figures.real.value, figures.real.period_start) == (19.3, dt.date(2024, 7, 1))
        assert (figures.demo.value, figures.demo.period_start) == (34.0, dt.date(2025, 3, 1))
        assert figures.real.source_url == URL
        # July 2024 to June 2025: eleven months old
        assert figures.real.age_months == 11
        assert figures.demo_is_newer

    def test_a_yearly_figure_is_as_old_as_its_last_month(self, catalog: Catalog) -> None:
        ind = next(i for i in catalog.indicators if i.frequency == "yearly")
        q = FakeQueries(
            catalog, rows=[Row(ind.id, "national", "FR", dt.date(2023, 1, 1), 5, "published")]
        )
        real = views.latest_figures(
            q.series(indicator_id=ind.id, codes=["FR"]), ind=ind, today=dt.date(2024, 1, 15)
        ).real
        assert real is not None and real.age_months == 1

    def test_a_demo_only_series_has_no_real_figure(self, catalog: Catalog) -> None:
        figures = _figures(catalog, DEMO_ONLY)
        assert figures.real is None
        assert figures.demo is not None and figures.demo.value == 42.0

    @pytest.mark.parametrize(
        ("months", "text"),
        [(0, "il y a moins d'un mois"), (1, "il y a 1 mois"), (14, "il y a 14 mois")],
    )
    def test_age_in_french(self, months: int, text: str) -> None:
        assert format_age(months) == text


class TestHomeCards:
    def test_a_real_figure_comes_first_with_its_date_source_and_age(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        html = to_html(common.figure_lines(catalog.get(REAL), _figures(catalog, REAL)))
        real = html.index(f"19,3{NNBSP}%")
        demo = html.index(f"34,0{NNBSP}%")
        # Then the real figure comes before the demo value, with its month, source and age
        assert real < demo
        assert "en juillet 2024" in html
        assert f'href="{URL}"' in html and SOURCE in html
        assert "Source ouverte" in html
        assert "il y a 11 mois" in html
        # And the demo value is marked as such, after it
        assert html.index("Valeur de démonstration") > real
        assert "Aucun chiffre réel publié" not in html

    def test_a_demo_only_card_says_there_is_no_real_figure(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        html = to_html(common.figure_lines(catalog.get(DEMO_ONLY), _figures(catalog, DEMO_ONLY)))
        assert html.index("Aucun chiffre réel publié") < html.index(f"42,0{NNBSP}%")
        assert "Valeur de démonstration" in html

    def test_real_only_shows_no_demo_value_on_any_card(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        q = FakeQueries(catalog, rows=_rows())
        everything = to_html(home._content(q, {}))
        real = to_html(home._content(q, {"reel": "oui"}))
        # Every demo value is on the page with all data, none with real data only
        for value in ("34,0", "42,0"):
            assert f"{value}{NNBSP}%" in everything
            assert f"{value}{NNBSP}%" not in real
        assert "Valeur de démonstration" in everything
        assert "Valeur de démonstration" not in real
        # The real figure stays, and the demo-only card says it has no real figure
        assert f"19,3{NNBSP}%" in real
        assert "Aucun chiffre réel publié" in real


@pytest.fixture
def indicator_page(db_url: str) -> ModuleType:
    create_app(database_url=db_url, redis_url="")
    return sys.modules["pages.indicator"]


def _header(page: ModuleType, catalog: Catalog, indicator_id: str) -> str:
    """The indicator page's text from its title to its national trajectory."""
    q = FakeQueries(catalog, rows=_rows())
    html = to_html(page._content(q, views.indicator_view(q, catalog.get(indicator_id), {})))
    return html[: html.index("Trajectoire nationale")]


class TestIndicatorHeader:
    def test_the_header_states_the_latest_real_figure_its_date_and_age(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        header = _header(indicator_page, catalog, REAL)
        today = dt.date.today()
        age = (today.year - 2024) * 12 + today.month - 7  # July 2024 to this month
        assert "Dernier chiffre réel : " in header
        assert header.index(f"19,3{NNBSP}%") < header.index("Valeur de démonstration")
        assert "en juillet 2024" in header and SOURCE in header
        assert format_age(age) in header

    def test_the_header_says_when_there_is_no_real_figure(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        header = _header(indicator_page, catalog, DEMO_ONLY)
        assert "Aucun chiffre réel publié" in header
        assert "Dernier chiffre réel : " not in header
        assert "Valeur de démonstration" in header


SAS = "sas_couverture_population"  # monthly, by département


def _territorial(catalog: Catalog) -> FakeQueries:
    """Two départements: real values in September 2024, demo values in March 2025, and one
    demo value beside a real one in September 2024."""
    rows = [
        Row(SAS, "department", "29", dt.date(2024, 9, 1), 61.0, "source"),
        Row(SAS, "department", "56", dt.date(2024, 9, 1), 77.0, "demo"),
        Row(SAS, "department", "29", dt.date(2025, 3, 1), 88.0, "demo"),
        Row(SAS, "department", "56", dt.date(2025, 3, 1), 99.0, "demo"),
        Row(SAS, "national", "FR", dt.date(2024, 9, 1), 95.0, "source"),
        Row(SAS, "national", "FR", dt.date(2025, 3, 1), 97.0, "demo"),
    ]
    return FakeQueries(catalog, rows=rows)


class TestIndicatorRealOnly:
    def test_the_view_keeps_real_values_only(self, catalog: Catalog) -> None:
        q = _territorial(catalog)
        ind = catalog.get(SAS)
        everything = views.indicator_view(q, ind, {"niveau": "departements"})
        real = views.indicator_view(q, ind, {"niveau": "departements", "reel": "oui"})
        # With all data the map opens on the latest (demo) month; real only, on the real one
        assert everything.period == dt.date(2025, 3, 1)
        assert real.period == dt.date(2024, 9, 1) and real.periods == [dt.date(2024, 9, 1)]
        # The demo value beside the real one is taken out of the map, not set to 0
        table = views.snapshot_table(real).set_index("Code")
        assert table.loc["29", "Valeur"] == 61.0
        assert pd.isna(table.loc["56", "Valeur"])
        assert "Démonstration" not in set(table["Origine"])
        assert list(views.series_table(real)["Valeur"]) == [95.0]
        # And its links keep the choice
        assert real.params()["reel"] == "oui" and "reel" not in everything.params()

    def test_the_downloads_follow_the_switch(self, catalog: Catalog) -> None:
        q = _territorial(catalog)
        for table in ("serie", "carte"):
            frame = downloads.indicator_frame(
                q,
                indicator_id=SAS,
                table=table,
                params={"niveau": "departements", "reel": "oui"},
            ).frame
            assert "demo" not in set(frame["origin"])
            assert frame["value"].notna().any()

    def test_the_page_shows_no_demo_value_and_says_so(
        self, indicator_page: ModuleType, catalog: Catalog
    ) -> None:
        q = FakeQueries(catalog, rows=_rows())
        ind = catalog.get(REAL)
        everything = to_html(indicator_page._content(q, views.indicator_view(q, ind, {})))
        real = to_html(indicator_page._content(q, views.indicator_view(q, ind, {"reel": "oui"})))
        assert f"34,0{NNBSP}%" in everything and f"34,0{NNBSP}%" not in real
        assert f"19,3{NNBSP}%" in real
        assert "sont retirées des graphiques" in real
        assert "sont retirées des graphiques" not in everything
        # The switch, the form and the downloads keep the choice
        assert (
            'class="fr-link tdb-tab--current" href="/indicateurs/mes_activation_population?' in real
        )
        assert "serie.csv?" in real and "reel=oui" in real.split("serie.csv?", 1)[1][:120]
        # The view form of a territorial indicator keeps it in a hidden field
        q = _territorial(catalog)
        view = views.indicator_view(q, catalog.get(SAS), {"reel": "oui"})
        form = to_html(indicator_page._content(q, view))
        assert '<input name="reel" type="hidden" value="oui"' in form.replace("\n", "")


class TestAreaRealOnly:
    def test_the_area_table_keeps_real_values_ranks_and_france(self, catalog: Catalog) -> None:
        q = _territorial(catalog)
        every = views.area_table(q, level="department", code="29").set_index("indicator_id")
        real = views.area_table(q, level="department", code="29", real_only=True)
        real = real.set_index("indicator_id")
        assert (every.loc[SAS, "Valeur"], every.loc[SAS, "France"]) == (88.0, 97.0)
        assert (real.loc[SAS, "Valeur"], real.loc[SAS, "France"]) == (61.0, 95.0)
        assert real.loc[SAS, "Période"] == "septembre 2024"
        assert real.loc[SAS, "Rang"] == "1/1"  # the demo value of Morbihan is not ranked
        assert real.loc[SAS, "Origine"] == "Source ouverte"
        # A département with demo values only has no real figure
        other = views.area_table(q, level="department", code="56", real_only=True)
        row = other.set_index("indicator_id").loc[SAS]
        assert pd.isna(row["Valeur"]) and row["Origine"] == "Aucun chiffre réel publié"

    def test_an_area_without_value_says_why(self, catalog: Catalog) -> None:
        q = FakeQueries(catalog, rows=_rows() + _territorial(catalog).rows)
        real = views.area_table(q, level="department", code="29", real_only=True)
        origin = real.set_index("indicator_id")["Origine"]
        # Real national figures only: published nationally; demo only: no real figure
        assert origin[REAL] == "Publié à l'échelle nationale uniquement"
        assert origin[DEMO_ONLY] == "Aucun chiffre réel publié"

    def test_the_departments_table_and_the_download_follow_the_switch(
        self, catalog: Catalog
    ) -> None:
        q = _territorial(catalog)
        table = views.departments_table(
            q, region_code="53", indicator=catalog.get(SAS), real_only=True
        ).set_index("Code")
        assert table.loc["29", "Valeur"] == 61.0 and pd.isna(table.loc["56", "Valeur"])
        assert "Démonstration" not in set(table["Origine"])
        frame = downloads.area_frame(
            q,
            level=Level.department,
            code="29",
            params={"reel": "oui"},
        ).frame
        assert "demo" not in set(frame["origin"])
        assert 61.0 in set(frame["value"])

    def test_the_region_page_shows_no_demo_value_and_says_so(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        q = _territorial(catalog)
        every = to_html(_area._content(q, level="region", code="53", params={}))
        real = to_html(_area._content(q, level="region", code="53", params={"reel": "oui"}))
        for demo in ("88,0", "99,0"):
            assert f"{demo}{NNBSP}%" in every and f"{demo}{NNBSP}%" not in real
        assert f"61,0{NNBSP}%" in real
        assert "sont retirées des graphiques" in real
        assert 'class="fr-link tdb-tab--current" href="/regions/53?reel=oui"' in real
        # Links, the chooser and the download keep the choice
        # (and the fiche's territory, which the indicator page highlights)
        assert (
            'href="/indicateurs/sas_couverture_population?reel=oui&amp;territoire=region-53"'
            in real
        )
        assert '<input name="reel" type="hidden" value="oui"' in real
        assert "regions/53.csv?reel=oui" in real
