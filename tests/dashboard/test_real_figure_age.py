"""Each indicator states the date of its latest real figure and how old it is, on its
home card as on its page, in French (« Dernier chiffre réel : 19,3 % en juillet 2024 »,
« il y a 11 mois »)."""

from __future__ import annotations

import datetime as dt
import sys
from types import ModuleType

import pytest

from core.catalog import Catalog
from dashboard.app import create_app
from dashboard.formatting import NNBSP, format_age
from dashboard.server_html import to_html
from tests.dashboard.test_real_first import REAL, _rows
from tests.fakes.queries import FakeQueries, Row


@pytest.fixture
def home(db_url: str) -> ModuleType:
    create_app(database_url=db_url, redis_url="")  # registers the page modules
    return sys.modules["pages.home"]


def _card(home: ModuleType, catalog: Catalog, rows: list[Row], indicator_id: str) -> str:
    html = to_html(home._content(FakeQueries(catalog, rows=rows), {}))
    start = html.index(f'href="/indicateurs/{indicator_id}"')
    end = html.find('class="fr-card__title"', start + 1)
    return html[start : end if end > 0 else len(html)]


class TestHomeCardDate:
    def test_the_card_names_the_latest_real_figure_its_month_and_age(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        # Given a real figure of July 2024 and later demo values
        card = _card(home, catalog, _rows(), REAL)
        today = dt.date.today()
        age = (today.year - 2024) * 12 + today.month - 7  # July 2024 to this month
        # Then the card says it is the latest real figure, with its month and its age
        lead = card.index("Dernier chiffre réel : ")
        assert lead < card.index(f"19,3{NNBSP}%") < card.index("en juillet 2024")
        assert format_age(age) in card

    def test_a_figure_dated_to_the_day_gives_its_date(
        self, home: ModuleType, catalog: Catalog
    ) -> None:
        # Given a real figure observed on 10 January 2024
        day = dt.date(2024, 1, 10)
        rows = [
            Row(REAL, "national", "FR", dt.date(2024, 1, 1), 15.4, "published", observed_on=day)
        ]
        # Then its card gives the day in the French format
        card = _card(home, catalog, rows, REAL)
        assert "Dernier chiffre réel : " in card and "au 10/01/2024" in card

    def test_without_real_figure_the_card_says_so(self, home: ModuleType, catalog: Catalog) -> None:
        rows = [Row(REAL, "national", "FR", dt.date(2025, 1, 1), 30.0, "demo")]
        card = _card(home, catalog, rows, REAL)
        assert "Dernier chiffre réel : " not in card
        assert "Aucun chiffre réel publié" in card
