"""End-to-end: every page in headless Chromium, URL state, downloads, 404, keyboard, axe."""

from __future__ import annotations

import csv
import io
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import AXE

PAGES = [
    "/",
    "/indicateurs/mes_taux_activation",
    "/regions/53",
    "/departements/29",
    "/objectifs",
    "/a-propos",
]
INDICATOR = "/indicateurs/mes_taux_activation"


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#react-entry-point #contenu h1", timeout=15_000)  # Dash's, not the copy


class TestPagesRender:
    @pytest.mark.parametrize("path", PAGES)
    def test_page_renders_with_data_and_title(self, page: Any, live_url: str, path: str) -> None:
        # Given the demo database, When a page is opened
        _open(page, live_url + path)
        # Then it has a French title, a heading, the demo banner and no error
        assert "Tableau de bord du numérique en santé" in page.title()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("#bandeau-demo").count() == 1
        if path == INDICATOR:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15_000)
        if path == "/":
            # The cards' sparklines are SVG images with a text alternative, not Plotly charts
            spark = page.locator("img.tdb-sparkline").first
            assert (spark.get_attribute("src") or "").startswith("data:image/svg+xml")
            assert "Évolution de" in (spark.get_attribute("alt") or "")
            assert page.locator("main .js-plotly-plot").count() == 0

    def test_full_plotly_bundle_is_never_downloaded(self, page: Any, live_url: str) -> None:
        urls: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        _open(page, live_url + INDICATOR)
        page.wait_for_selector("#graphique-trajectoire .main-svg")
        plotly = [u for u in urls if "plotly" in u]
        assert plotly == [live_url + "/vendor/plotly-basic.min.js"]

    def test_the_chart_toolbar_is_french_and_sends_nothing_away(
        self, page: Any, live_url: str
    ) -> None:
        from dashboard.figures.theme import TOOLBAR_TITLES

        # Given every request the browser makes
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        # When the indicator page is opened and a chart's toolbar shown
        _open(page, live_url + INDICATOR)
        page.wait_for_selector("#graphique-trajectoire .main-svg")
        page.hover("#graphique-trajectoire")
        titles = page.eval_on_selector_all(
            ".modebar-btn", "els => els.map(e => e.getAttribute('data-title'))"
        )
        # Then only the allowed buttons are there, in French (no « Share chart » upload)
        assert titles and set(titles) <= TOOLBAR_TITLES
        # And no request left the loopback host
        assert [u for u in requests if not u.startswith(live_url)] == []


class TestUrlState:
    def test_choosing_a_region_updates_url_and_charts(self, page: Any, live_url: str) -> None:
        # Given the indicator page
        _open(page, live_url + INDICATOR)
        page.wait_for_selector("#graphique-trajectoire .main-svg")
        assert page.locator("#graphique-comparaison").count() == 0
        # When Bretagne is chosen for comparison and the form submitted
        page.select_option("#choix-comparer", ["53"])
        page.click("#bouton-afficher")
        # Then the URL holds the choice and the comparison chart shows Bretagne
        page.wait_for_url("**comparer=53**")
        page.wait_for_selector("#graphique-comparaison .main-svg", timeout=15_000)
        assert "Bretagne" in page.locator("#graphique-comparaison").inner_text()

    def test_permalink_reloads_the_same_view(self, page: Any, live_url: str) -> None:
        url = live_url + INDICATOR + "?niveau=departements&periode=2025-06&comparer=84&carte=tuiles"
        _open(page, url)
        assert page.locator("#choix-niveau").input_value() == "departements"
        assert page.locator("#choix-periode").input_value() == "2025-06"
        assert "juin 2025" in page.locator("h2:has-text('Carte des départements')").inner_text()
        page.wait_for_selector("#graphique-comparaison .main-svg")

    def test_back_returns_to_previous_view(self, page: Any, live_url: str) -> None:
        _open(page, live_url + INDICATOR)
        page.select_option("#choix-niveau", "departements")
        page.click("#bouton-afficher")
        page.wait_for_url("**niveau=departements**")
        page.wait_for_selector("h2:has-text('Carte des départements')")
        page.go_back()
        page.wait_for_selector("h2:has-text('Carte des régions')")

    def test_unknown_parameters_are_ignored(self, page: Any, live_url: str) -> None:
        _open(page, live_url + INDICATOR + "?foo=bar&periode=n'importe&level=departements")
        # the old `level` parameter is migrated to `niveau`
        assert page.locator("#choix-niveau").input_value() == "departements"


class TestDownloads:
    def test_csv_download_returns_the_table_shown(self, page: Any, live_url: str) -> None:
        _open(page, live_url + INDICATOR + "?periode=2025-06")
        # the rows are built in the browser when the <details> is first opened
        page.click("summary:has-text('Tableau des valeurs de la carte')")
        page.wait_for_selector("#tableau-carte tbody tr")
        shown = page.locator("#tableau-carte tbody tr").count()
        href = page.locator("a[href*='/carte-fr.csv']").get_attribute("href")
        with urllib.request.urlopen(live_url + href) as r:
            text = r.read().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert rows[0] == ["Rang", "Code", "Territoire", "Valeur", "Origine"]
        assert len(rows) - 1 == shown == 18
        first_name = (
            page.locator("#tableau-carte tbody tr").first.locator("td").nth(1).text_content()
        )
        assert rows[1][2] == first_name


class TestNotFound:
    @pytest.mark.parametrize("path", ["/indicateurs/inconnu", "/regions/99", "/nulle-part"])
    def test_unknown_code_gives_the_404_page(self, page: Any, live_url: str, path: str) -> None:
        _open(page, live_url + path)
        assert page.locator("h1").inner_text() == "Page non trouvée"


class TestKeyboard:
    def test_tab_reaches_skiplink_then_main_controls(self, page: Any, live_url: str) -> None:
        _open(page, live_url + INDICATOR)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Contenu"
        reached: set[str] = set()
        for _ in range(120):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("document.activeElement.id || ''"))
            if "bouton-afficher" in reached:
                break
        assert {"choix-niveau", "choix-periode", "choix-comparer", "bouton-afficher"} <= reached

    def test_form_works_from_the_keyboard(self, page: Any, live_url: str) -> None:
        _open(page, live_url + "/objectifs")
        page.focus("#choix-tri")
        page.keyboard.press("ArrowDown")
        page.focus("#bouton-objectifs")
        page.keyboard.press("Enter")
        page.wait_for_url("**tri=**")


class TestAccessibility:
    @pytest.mark.parametrize("path", [*PAGES, "/indicateurs/inconnu"])
    def test_axe_reports_no_serious_violation(self, page: Any, live_url: str, path: str) -> None:
        _open(page, live_url + path)
        page.wait_for_timeout(300)
        page.evaluate(AXE.read_text(encoding="utf-8"))  # a <script> tag would break the CSP
        violations = page.evaluate("async () => (await axe.run(document)).violations")
        bad = [
            (v["id"], v["impact"], [n["html"][:120] for n in v["nodes"][:3]])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == []
