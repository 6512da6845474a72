"""Like with like: a flow compared with a yearly target (documents per month against 400 M
a year) shows the compared quantity, the sum of the last 12 months with its months, beside
the target and its progress, not a monthly value beside a yearly percentage."""

from __future__ import annotations

import datetime as dt
import sys
from types import ModuleType

import pytest

from core.catalog import Catalog, Indicator, Target
from dashboard import downloads, targets, views
from dashboard.app import create_app
from dashboard.formatting import format_number
from dashboard.server_html import to_html
from tests.fakes.queries import FakeQueries, Row

FLOW = "mes_documents_alimentes_mois"  # monthly flow; targets 16 M/month, 250 M and 400 M/year
TODAY = dt.date(2025, 3, 15)
MONTHS = [dt.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 15)]
VALUES = [20e6 + i * 1e6 for i in range(14)]  # January 2024 … February 2025
LAST_12 = sum(VALUES[2:])  # March 2024 … February 2025


def _target(ind: Indicator, comparison: str) -> Target:
    return next(t for t in ind.targets if t.comparison == comparison and t.value == 400e6)


def _rows(months: list[dt.date] = MONTHS, origin: str = "published") -> list[Row]:
    return [Row(FLOW, "national", "FR", m, v, origin) for m, v in zip(months, VALUES, strict=False)]


def _assess(catalog: Catalog, rows: list[Row], target: Target) -> targets.Assessment:
    ind = catalog.get(FLOW)
    series = FakeQueries(catalog, rows=rows).series(indicator_id=FLOW, codes=["FR"])
    return targets.assess(
        series, target, frequency=ind.frequency, direction=ind.direction, unit=ind.unit, today=TODAY
    )


def _count(value: float) -> str:
    return format_number(value, unit="count")


class TestComparedText:
    def test_a_yearly_target_of_a_flow_shows_the_last_12_months_and_their_range(
        self, catalog: Catalog
    ) -> None:
        # Given fourteen monthly figures and the 400 M a year target (rolling 12-month sum)
        ind = catalog.get(FLOW)
        target = _target(ind, "rolling_12m_sum")
        # When it is assessed and said
        a = _assess(catalog, _rows(), target)
        text = views.compared_text(a, target, ind)
        # Then the compared quantity is the sum of March 2024 to February 2025, named so
        assert a.current == LAST_12
        assert (a.current_from, a.current_period) == (dt.date(2024, 3, 1), dt.date(2025, 2, 1))
        assert text == f"12 derniers mois : {_count(LAST_12)} (mars 2024 – février 2025)"

    def test_twelve_months_with_a_gap_are_not_a_yearly_sum(self, catalog: Catalog) -> None:
        # Given twelve monthly figures spread over thirteen months (June 2024 missing)
        ind = catalog.get(FLOW)
        target = _target(ind, "rolling_12m_sum")
        months = [m for m in MONTHS[:13] if m != dt.date(2024, 6, 1)]
        # When it is assessed
        a = _assess(catalog, _rows(months), target)
        # Then no twelve consecutive months exist: no compared quantity, no status on it
        assert a.current is None
        assert views.compared_text(a, target, ind) is None
        assert a.status.value == "insufficient_data"

    def test_a_calendar_year_target_names_its_year(self, catalog: Catalog) -> None:
        # Given the same figures and a target on the calendar-year sum
        ind = catalog.get(FLOW)
        target = _target(ind, "rolling_12m_sum").model_copy(
            update={"comparison": "calendar_year_sum"}
        )
        # When it is assessed and said
        a = _assess(catalog, _rows(), target)
        # Then the complete year 2024 is the compared quantity
        assert views.compared_text(a, target, ind) == f"Année 2024 : {_count(sum(VALUES[:12]))}"

    def test_a_monthly_target_shows_no_sum(self, catalog: Catalog) -> None:
        # Given the 16 M documents a month target (latest value)
        ind = catalog.get(FLOW)
        target = next(t for t in ind.targets if t.comparison == "latest")
        # When it is assessed / Then the latest monthly figure is the compared quantity itself
        a = _assess(catalog, _rows(), target)
        assert views.compared_text(a, target, ind) is None


@pytest.fixture
def page_modules(db_url: str) -> dict[str, ModuleType]:
    create_app(database_url=db_url, redis_url="")  # registers the page modules
    return {name: sys.modules[f"pages.{name}"] for name in ("home", "indicator")}


class TestPages:
    expected = f"12 derniers mois : {_count(LAST_12)} (mars 2024 – février 2025)"

    def test_the_home_card_shows_the_12_month_sum_beside_the_yearly_target(
        self, page_modules: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        # Given monthly document figures and the home page
        q = FakeQueries(catalog, rows=_rows())
        html = to_html(page_modules["home"]._content(q, {}))
        # When the card of documents is read
        card = html[html.index(catalog.get(FLOW).short_label) :]
        # Then the 12-month sum comes before the yearly target and its progress
        assert self.expected in card
        assert card.index(self.expected) < card.index("Objectif : 400")
        assert card.index("Objectif : 400") < card.index("d'avancement")

    def test_the_indicator_page_shows_the_12_month_sum_of_each_yearly_target(
        self, page_modules: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        # Given the same figures and the indicator page
        q = FakeQueries(catalog, rows=_rows())
        view = views.indicator_view(q, catalog.get(FLOW), {})
        html = to_html(page_modules["indicator"]._content(q, view))
        statuses = html[html.index("Trajectoire nationale") : html.index("Méthode du statut")]
        # Then both yearly targets (250 M and 400 M) state the sum they are judged on
        assert statuses.count(self.expected) == 2


class TestObjectivesTable:
    def test_the_current_value_of_a_yearly_target_says_which_months_it_sums(
        self, catalog: Catalog
    ) -> None:
        # Given the same figures and the objectives table (page and downloads)
        q = FakeQueries(catalog, rows=_rows())
        label = _target(catalog.get(FLOW), "rolling_12m_sum").label
        rows = views.target_rows(q, today=dt.date.today())  # type: ignore[arg-type]
        page = views.objectives_table(rows, sort="echeance")
        row = page[page["Objectif"] == label].iloc[0]
        # Then « Valeur actuelle » is the 12-month sum, and the remark names its months
        assert row["Valeur actuelle"] == _count(LAST_12)
        remark = f"12 derniers mois : {_count(LAST_12)} (mars 2024 – février 2025)."
        assert row["Remarque"].startswith(remark)
        # and the file holds the same sum as a number, with the same remark
        file = downloads.objectives_frame(q, params={}).frame  # type: ignore[arg-type]
        line = file[file["target"] == label].iloc[0]
        assert line["value"] == LAST_12
        assert line["remark"].startswith(remark)
