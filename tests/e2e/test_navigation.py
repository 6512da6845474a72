"""End-to-end: the header's search leads to a département, and a fiche région opens its
indicators with the région selected (the index pages are in test_dashboard.PAGES: rendering,
toolbar, axe)."""

from __future__ import annotations

from typing import Any

DASH_TITLE = "#react-entry-point #contenu h1"  # Dash's, not the server's copy


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(DASH_TITLE, timeout=15_000)


class TestSearch:
    def test_searching_finistere_leads_to_the_departement_page(
        self, page: Any, live_url: str
    ) -> None:
        # Given the home page
        _open(page, live_url + "/")
        # When « finistère » is typed in the header's search box and sent
        page.fill("#recherche-entete", "finistère")
        page.press("#recherche-entete", "Enter")
        # Then the results page lists Finistère (one result is listed, not redirected)
        page.wait_for_url("**/recherche?q=**")
        result = page.locator("#react-entry-point main a", has_text="Finistère (29)")
        result.wait_for(timeout=15_000)
        # And following it opens the fiche département
        result.click()
        page.wait_for_url("**/departements/29")
        page.wait_for_function(
            "() => document.querySelector('#react-entry-point #contenu h1')"
            "?.textContent === 'Finistère'",
            timeout=15_000,
        )

    def test_the_search_works_without_javascript(self, browser: Any, live_url: str) -> None:
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        try:
            page = context.new_page()
            page.goto(live_url + "/")
            page.fill("#recherche-entete", "ile de france")
            page.press("#recherche-entete", "Enter")
            page.wait_for_url("**/recherche?q=ile+de+france")
            page.get_by_role("link", name="Île-de-France (11)").click()
            page.wait_for_url("**/regions/11")
        finally:
            context.close()


class TestTerritoryCarried:
    def test_a_fiche_region_opens_an_indicator_with_the_region_selected(
        self, page: Any, live_url: str
    ) -> None:
        # Given the fiche of Bretagne
        _open(page, live_url + "/regions/53")
        # When an indicator of its table is followed
        page.locator("#tableau-territoire a", has_text="Taux d'activation Mon espace santé").click()
        # Then the indicator page keeps Bretagne: in the URL, in words beside the map, on the
        # comparison chart with France, and in the link back to the fiche
        page.wait_for_url("**/indicateurs/mes_taux_activation?territoire=region-53")
        page.wait_for_selector("#react-entry-point #valeurs-territoire", timeout=15_000)
        assert "Bretagne" in page.locator("#valeurs-territoire").inner_text()
        page.wait_for_selector("#graphique-comparaison .main-svg", timeout=15_000)
        legend = page.locator("#graphique-comparaison").inner_text()
        assert "Bretagne" in legend and "France" in legend
        back = page.locator("#lien-fiche-territoire")
        assert back.get_attribute("href") == "/regions/53?territoire=region-53"
        back.click()
        page.wait_for_url("**/regions/53?territoire=region-53")


class TestTileMap:
    def test_a_tile_is_reached_by_keyboard_and_opens_its_fiche_with_the_view(
        self, page: Any, live_url: str
    ) -> None:
        # Given the index of the régions, the totals asked in the address
        _open(page, live_url + "/regions?par_habitant=non")
        tiles = page.locator("#react-entry-point #tuiles-fiches")
        # Then each tile is a link named after its région
        tile = tiles.get_by_role("link", name="Bretagne", exact=True)
        assert tile.count() == 1
        # When the reader tabs (in reading order, row by row) from the tile before it,
        # Grand Est's, to Bretagne's and presses Enter
        before = tiles.get_by_role("link", name="Grand Est", exact=True)
        before.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.id")
        assert focused == "tuile-53"
        page.keyboard.press("Enter")
        # Then the fiche of Bretagne opens, the view parameter kept
        page.wait_for_url("**/regions/53?par_habitant=non", timeout=15_000)
        page.wait_for_function(
            "() => document.querySelector('#react-entry-point #contenu h1')"
            "?.textContent === 'Bretagne'",
            timeout=15_000,
        )
