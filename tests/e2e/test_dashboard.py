"""End-to-end: every page in headless Chromium, URL state, downloads, 404, keyboard.

axe-core and the keyboard-only walks: tests/e2e/test_accessibility.py.
"""

from __future__ import annotations

import csv
import io
import struct
import urllib.request
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dashboard.components.share import PERMALINK_ID
from dashboard.figures.theme import VIEW_NOTE
from dashboard.formatting import format_number

PAGES = [
    "/",
    "/indicateurs/mes_taux_activation",
    "/regions/53",
    "/departements/29",
    "/objectifs",
    "/a-propos",
    "/indicateurs",
    "/regions",
    "/departements",
    "/recherche?q=29",
    "/quoi-de-neuf",
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

    def test_png_export_is_named_after_the_view_and_told_in_french(
        self, page: Any, live_url: str
    ) -> None:
        # Given the region map of an indicator at a chosen period
        _open(page, live_url + INDICATOR + "?periode=2025-06")
        page.wait_for_selector("#graphique-carte .main-svg")
        page.hover("#graphique-carte")
        # When its PNG is downloaded from the toolbar
        with page.expect_download() as info:
            page.click(
                "#graphique-carte .modebar-btn[data-title='Télécharger le graphique en PNG']"
            )
        # Then the file says the view, and the toasts are French
        name = "mes_taux_activation-carte-regions-2025-06.png"
        assert info.value.suggested_filename == name
        page.wait_for_selector(f".notifier-note:has-text('Image téléchargée - {name}')")
        assert page.locator(".notifier-note:has-text('Préparation de l')").count() == 1

    def test_png_export_carries_the_title_source_date_demo_mark_and_url_of_the_view(
        self, page: Any, live_url: str
    ) -> None:
        # Given the comparison chart of a view (its permalink shown on the page)
        _open(page, live_url + INDICATOR + "?periode=2025-06&comparer=53")
        page.wait_for_selector("#graphique-comparaison .main-svg")
        permalink = page.locator(f"#{PERMALINK_ID}").get_attribute("href")
        assert permalink and permalink.startswith("/indicateurs/") and "comparer=53" in permalink
        layout = (
            "() => document.querySelector('#graphique-comparaison .js-plotly-plot')"
            ".layout.title.subtitle.text"
        )
        assert f"{VIEW_NOTE}{permalink}" in page.evaluate(layout)  # the path, until exported
        # When its PNG is downloaded from the toolbar
        page.hover("#graphique-comparaison")
        with page.expect_download() as info:
            page.click(
                "#graphique-comparaison .modebar-btn[data-title='Télécharger le graphique en PNG']"
            )
        # Then the chart copied into the image names the view by its whole address, beside
        # its source, the day and the demo mark (drawn on screen too, as exported)
        notes = page.evaluate(layout)
        assert f"{VIEW_NOTE}{live_url}{permalink}" in notes
        assert "DONNÉES DE DÉMONSTRATION" in notes and "Tableau de bord du numérique" in notes
        drawn = page.locator("#graphique-comparaison .gtitle-subtitle").text_content() or ""
        assert f"{live_url}{permalink}".replace("&", "") in drawn.replace("&", "")
        title = page.locator("#graphique-comparaison .gtitle").first.text_content() or ""
        assert "comparaison de territoires" in title
        # and the file is a PNG of the chart, at twice its size on screen
        png = Path(info.value.path()).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        box = page.locator("#graphique-comparaison .main-svg").first.bounding_box()
        assert (width, height) == (round(box["width"] * 2), round(box["height"] * 2))


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


class TestRealOnlySwitch:
    def test_the_switch_takes_the_demo_banner_away_and_back(self, page: Any, live_url: str) -> None:
        # Given the home page of the demo database, with its banner
        _open(page, live_url + "/")
        assert page.locator("#react-entry-point #bandeau-demo").count() == 1
        # When « Données réelles seulement » is chosen (in-page navigation)
        page.click("#react-entry-point #choix-donnees >> text=Données réelles seulement")
        page.wait_for_url("**reel=oui**")
        page.wait_for_selector(
            "#react-entry-point #choix-donnees [aria-current=page]"
            ":has-text('Données réelles seulement')"
        )
        # Then no page shows the banner, nor a demo value: here and on the next page
        assert page.locator("#react-entry-point #bandeau-demo").count() == 0
        assert page.locator("#react-entry-point .tdb-demo-value").count() == 0
        _open(page, live_url + INDICATOR + "?reel=oui")
        assert page.locator("#react-entry-point #bandeau-demo").count() == 0
        # And going back to all data brings it back
        _open(page, live_url + "/")
        assert page.locator("#react-entry-point #bandeau-demo").count() == 1


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
        header = rows[0]
        assert {"Période (ISO)", "Code unité", "Code origine", "Source", "Rang"} <= set(header)
        assert len(rows) - 1 == shown == 18
        first_name = (
            page.locator("#tableau-carte tbody tr").first.locator("td").nth(1).text_content()
        )
        assert rows[1][header.index("Territoire")] == first_name
        assert rows[1][header.index("Période (ISO)")] == "2025-06"

    def test_xlsx_cell_is_the_number_on_screen(self, page: Any, live_url: str) -> None:
        # Given the département map of an indicator, its table opened
        _open(page, live_url + INDICATOR + "?niveau=departements&periode=2025-06")
        page.click("summary:has-text('Tableau des valeurs de la carte')")
        page.wait_for_selector("#tableau-carte tbody tr")
        first = page.locator("#tableau-carte tbody tr").first
        cells = [c.strip() for c in first.locator("th, td").all_text_contents()]
        # When its XLSX is downloaded from the link beside the table
        with page.expect_download() as info:
            page.locator("a[href*='/carte.xlsx']").click()
        download = info.value
        assert download.suggested_filename == (
            "mes_taux_activation-carte-departements-2025-06.xlsx"
        )
        with open(download.path(), "rb") as f:  # no extension: openpyxl wants a stream then
            sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
        header = [c.value for c in sheet[1]]
        row = list(sheet[2])
        value = row[header.index("Valeur")]
        # Then the cell is a number, and written in French it is the text on screen
        assert value.data_type == "n"
        assert row[header.index("Territoire")].value in cells
        shown = format_number(value.value, unit="percent", decimals=1)
        assert shown in cells


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
