"""End-to-end: « Copier le lien », the printed fiche and the DSFR display settings."""

from __future__ import annotations

from typing import Any

from dashboard.components.share import COPIED, COPY_BUTTON_ID, PERMALINK_ID
from tests.e2e.conftest import reader_context

INDICATOR = "/indicateurs/mes_taux_activation?niveau=departements"
FICHE = "/regions/53"
FICHE_TABLE = "#tableau-territoire"


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#react-entry-point #contenu h1", timeout=20_000)


class TestCopyLink:
    def test_the_button_copies_the_address_and_says_so(self, browser: Any, live_url: str) -> None:
        # Given a browser that lets the page write to and read the clipboard
        context = reader_context(browser, locale="fr-FR")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
        try:
            page = context.new_page()
            _open(page, live_url + INDICATOR)
            button = page.locator(f"#{COPY_BUTTON_ID}")
            # When the reader activates « Copier le lien »
            button.click()
            # Then the page's address is in the clipboard, and « Lien copié » is announced
            page.wait_for_function(
                "() => document.getElementById('tdb-annonce').textContent === 'Lien copié'",
                timeout=5_000,
            )
            assert page.evaluate("navigator.clipboard.readText()") == page.url
            assert page.locator(".tdb-copy-status").inner_text() == COPIED
            # And the permalink shown beside it is the whole address of the view
            permalink = page.locator(f"#{PERMALINK_ID}").inner_text()
            assert permalink.startswith(live_url + "/indicateurs/mes_taux_activation?")
            assert "niveau=departements" in permalink
        finally:
            context.close()


class TestPrint:
    def test_a_printed_fiche_keeps_its_table_and_drops_the_navigation(
        self, page: Any, live_url: str
    ) -> None:
        # Given a région's fiche on a narrow screen width, where its table scrolls or stacks
        page.set_viewport_size({"width": 760, "height": 900})
        _open(page, live_url + FICHE)
        page.wait_for_selector(f"{FICHE_TABLE} tbody tr", timeout=10_000)
        # When it is laid out for print
        page.emulate_media(media="print")
        # Then the header's navigation, search, forms and buttons are not printed
        for selector in ("#navigation-principale", ".fr-header__tools", "#formulaire-territoire"):
            assert not page.locator(selector).is_visible(), selector
        assert page.locator(".tdb-page button:visible").count() == 0
        assert page.locator(".fr-footer__bottom-list").is_hidden()
        # And the table is whole: a real table (not stacked), nothing cut by a scrolling box
        table = page.locator(FICHE_TABLE)
        layout = table.evaluate(
            """t => {
                const box = t.closest('.fr-table__container');
                const style = getComputedStyle(box);
                const rows = [...t.querySelectorAll('tbody tr')];
                return {
                    overflow: style.overflowX,
                    cut: box.scrollWidth > box.clientWidth + 1,
                    display: getComputedStyle(t).display,
                    head: getComputedStyle(t.querySelector('thead')).display,
                    rows: rows.length,
                    hidden: rows.filter(r => r.getBoundingClientRect().height === 0).length,
                    right: t.getBoundingClientRect().right,
                    page: document.documentElement.clientWidth,
                    breakInside: getComputedStyle(rows[0]).breakInside,
                };
            }"""
        )
        assert layout["overflow"] == "visible"
        assert not layout["cut"]
        assert layout["display"] == "table"
        assert layout["head"] == "table-header-group"
        assert layout["rows"] > 10
        assert layout["hidden"] == 0
        assert layout["right"] <= layout["page"] + 1
        assert layout["breakInside"] == "avoid"
        # And the page's address is printed
        assert page.locator(f"#{PERMALINK_ID}").is_visible()
        assert page.locator(f"#{PERMALINK_ID}").inner_text().startswith(live_url + FICHE)

    def test_a_printed_indicator_page_keeps_its_chart_without_its_toolbar(
        self, page: Any, live_url: str
    ) -> None:
        _open(page, live_url + INDICATOR)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
        page.emulate_media(media="print")
        assert page.locator(".js-plotly-plot .main-svg").first.is_visible()
        assert page.locator(".modebar-container:visible").count() == 0
        assert page.locator("#navigation-principale").is_hidden()


class TestDisplaySettings:
    def test_the_reader_switches_to_the_dark_theme(self, page: Any, live_url: str) -> None:
        # Given the home page in the default (light) look of the system
        _open(page, live_url + "/")
        assert page.evaluate("document.documentElement.dataset.frScheme") == "system"
        page.wait_for_function("() => document.documentElement.dataset.frTheme === 'light'")
        # When the reader opens « Paramètres d'affichage » and chooses the dark theme
        page.locator("#react-entry-point").get_by_role(
            "button", name="Paramètres d'affichage"
        ).click()
        modal = page.locator("#fr-theme-modal")
        modal.get_by_text("Thème sombre").click()
        # Then the DSFR applies it to the whole page
        page.wait_for_function("() => document.documentElement.dataset.frTheme === 'dark'")
        # And the sparklines are redrawn for a dark page (inverted, their hues kept)
        spark = page.locator(".tdb-sparkline").first
        assert "invert" in spark.evaluate("e => getComputedStyle(e).filter")
