"""Dash on demand (dashboard/static/dash-on-demand.js): a server-rendered page is read,
browsed and its forms used without Dash's scripts or Plotly; they load on the reader's
first interaction, and Dash then takes the page over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.test_dashboard import INDICATOR

DASH_SCRIPTS = "/_dash-component-suites/"
PLOTLY = "plotly"


@pytest.fixture
def still_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page whose reader has not interacted yet, and the addresses it requested."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    yield page, requested
    context.close()


def _dash_requests(requested: list[str]) -> list[str]:
    return [u for u in requested if DASH_SCRIPTS in u or PLOTLY in u.rsplit("/", 1)[-1]]


class TestBeforeAnyInteraction:
    def test_the_page_is_whole_without_dash_or_plotly(
        self, still_page: tuple[Any, list[str]], live_url: str
    ) -> None:
        page, requested = still_page
        # When an indicator page is opened and left alone
        page.goto(live_url + INDICATOR, wait_until="networkidle")
        page.wait_for_timeout(500)
        # Then its content is the server's, and neither Dash nor Plotly was fetched
        assert page.locator("#tdb-server-page main h1").is_visible()
        assert page.locator("#tdb-server-page table").count() > 0
        assert _dash_requests(requested) == []

    def test_links_and_forms_load_pages_the_ordinary_way(
        self, still_page: tuple[Any, list[str]], live_url: str
    ) -> None:
        page, requested = still_page
        page.goto(live_url + "/regions", wait_until="networkidle")
        # When a link is followed without a pointer or a key (a script's click)
        link = page.locator("#tdb-server-page main a[href^='/regions/53']").first
        with page.expect_navigation():
            link.evaluate("a => a.click()")
        # Then the browser loaded the page itself: the server's copy of Bretagne's fiche
        page.wait_for_load_state("networkidle")
        assert page.url.split("?")[0].endswith("/regions/53")
        assert "Bretagne" in (page.locator("#tdb-server-page main h1").text_content() or "")
        assert _dash_requests(requested) == []


class TestFirstInteraction:
    def test_a_pointer_move_loads_dash_which_takes_the_page_over(
        self, still_page: tuple[Any, list[str]], live_url: str
    ) -> None:
        page, requested = still_page
        page.goto(live_url + INDICATOR, wait_until="networkidle")
        assert _dash_requests(requested) == []
        # When the reader moves the pointer
        page.mouse.move(200, 200)
        page.mouse.move(220, 240)
        # Then Dash loads, replaces the server's copy, and Plotly draws the charts
        page.wait_for_selector("#react-entry-point #contenu h1", timeout=15_000)
        page.wait_for_selector("#tdb-server-page", state="detached", timeout=15_000)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15_000)
        assert any(DASH_SCRIPTS in u for u in requested)
        assert any(PLOTLY in u.rsplit("/", 1)[-1] for u in requested)

    def test_a_key_loads_dash_too(self, still_page: tuple[Any, list[str]], live_url: str) -> None:
        page, requested = still_page
        page.goto(live_url + "/objectifs", wait_until="networkidle")
        # When the reader presses Tab, the keyboard's first move
        page.keyboard.press("Tab")
        # Then Dash takes the page over
        page.wait_for_selector("#tdb-server-page", state="detached", timeout=15_000)
        assert page.locator("#react-entry-point #contenu h1").is_visible()
        assert any(DASH_SCRIPTS in u for u in requested)


FOCUSED = """() => {
  const e = document.activeElement;
  return [e.tagName, e.id, (e.textContent || '').trim().slice(0, 60), e.getAttribute('href')];
}"""


class TestNothingLostWhenDashTakesOver:
    def test_the_keyboard_reader_goes_on_from_where_they_were(
        self, still_page: tuple[Any, list[str]], live_url: str
    ) -> None:
        page, _ = still_page
        page.goto(live_url + INDICATOR, wait_until="networkidle")
        # When the reader's first Tabs load Dash while they move through the server's copy
        for _ in range(5):
            page.keyboard.press("Tab")
        before = page.evaluate(FOCUSED)
        page.wait_for_selector("#tdb-server-page", state="detached", timeout=15_000)
        # Then focus is on the same element of Dash's page, not lost on <body>
        after = page.evaluate(FOCUSED)
        assert after[0] != "BODY"
        assert after == before

    def test_what_was_typed_stays_in_the_field(
        self, still_page: tuple[Any, list[str]], live_url: str
    ) -> None:
        page, _ = still_page
        page.goto(live_url + "/objectifs", wait_until="networkidle")
        # When the reader types in the header's search box before Dash has taken over
        page.focus("#recherche-entete")
        page.keyboard.type("Bretagne")
        page.wait_for_selector("#tdb-server-page", state="detached", timeout=15_000)
        # Then Dash's search box holds it, and still has focus
        assert page.input_value("#recherche-entete") == "Bretagne"
        assert page.evaluate("() => document.activeElement.id") == "recherche-entete"
