"""End-to-end: every page paints from the server's HTML, then Dash takes it over once."""

from __future__ import annotations

from typing import Any

import pytest

COPY = "#tdb-server-page"
DASH_TITLE = "#react-entry-point #contenu h1"


class TestServerRenderedHome:
    def test_without_javascript_the_page_is_readable(self, browser: Any, live_url: str) -> None:
        # Given a browser that runs no script
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        try:
            page = context.new_page()
            # When the home page is opened
            page.goto(live_url + "/")
            # Then its title and cards show, and Dash's « Loading... » does not
            assert page.locator("h1").inner_text() == "Vue nationale"
            assert page.locator(".fr-card").count() > 0
            assert page.locator(".fr-card").first.is_visible()
            assert not page.get_by_text("Loading...").is_visible()
        finally:
            context.close()

    def test_the_copy_paints_before_dash_and_goes_once_dash_has_rendered(
        self, page: Any, live_url: str
    ) -> None:
        # Given the first frame that shows the page's title, recorded before any page script
        page.add_init_script(
            "new MutationObserver((_, o) => { const h = document.querySelector('main h1');"
            " if (h) { window.__firstTitle = h.closest('#tdb-server-page') ? 'copy' : 'dash';"
            " o.disconnect(); } }).observe(document, {childList: true, subtree: true});"
        )
        # When the home page is opened and Dash has rendered it
        page.goto(live_url + "/")
        page.wait_for_selector(DASH_TITLE, timeout=15_000)
        # Then the title came from the server's HTML first
        assert page.evaluate("window.__firstTitle") == "copy"
        # And the copy is gone: one page, one main, one title, the cards once
        page.wait_for_selector(COPY, state="detached", timeout=5_000)
        assert page.locator("main").count() == 1
        assert page.locator("h1").count() == 1
        assert page.locator("#react-entry-point").is_visible()
        cards = page.locator(".fr-card").count()
        assert cards > 0
        assert page.locator("#react-entry-point .fr-card").count() == cards

    def test_the_page_still_works_after_dash_mounts(self, page: Any, live_url: str) -> None:
        # Given the home page taken over by Dash
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_url + "/")
        page.wait_for_selector(DASH_TITLE, timeout=15_000)
        page.wait_for_selector(COPY, state="detached", timeout=5_000)
        # When the link to the targets is followed
        page.get_by_role("link", name="Voir le tableau des objectifs").click()
        # Then the targets page shows, with no script error on the way
        page.wait_for_url("**/objectifs")
        page.wait_for_selector(DASH_TITLE, timeout=15_000)
        assert page.locator("h1").count() == 1
        assert errors == []


# One instance of each page template: its title, and the element that holds its content.
TEMPLATES = [
    ("/", "Vue nationale", "main .fr-card"),
    ("/indicateurs", "Indicateurs", "main table tbody tr"),
    ("/regions", "Régions", 'main a:has-text("Bretagne")'),
    ("/departements", "Départements", 'main a:has-text("Finistère")'),
    ("/recherche?q=bretagne", "Recherche", 'main a:has-text("Bretagne")'),
    ("/objectifs", "Objectifs datés", "main table tbody tr"),
    ("/a-propos", "À propos du tableau de bord", 'main h2:has-text("Sources et licences")'),
    ("/regions/53", "Bretagne", "main table tbody tr"),
    ("/departements/29", "Finistère", "main table tbody tr"),
    ("/indicateurs/mssante_messages_mois", None, "main details table tbody tr"),
    ("/page-inexistante", "Page non trouvée", 'main a:has-text("Page d\'accueil")'),
]


class TestEveryTemplateWithoutJavaScript:
    @pytest.mark.parametrize(("path", "title", "content"), TEMPLATES)
    def test_the_page_shows_its_title_and_main_table(
        self, browser: Any, live_url: str, path: str, title: str | None, content: str
    ) -> None:
        # Given a browser that runs no script
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        try:
            page = context.new_page()
            # When the page is opened
            page.goto(live_url + path)
            # Then its one title shows
            heading = page.locator("h1")
            assert heading.count() == 1 and heading.is_visible()
            if title is not None:
                assert heading.inner_text() == title
            # And its main content; a value table's <details> opens without a script
            for summary in page.locator("main details:has(table) > summary").all()[:1]:
                summary.click()
            first = page.locator(content).first
            assert first.is_visible(), content
            # And every chart box on screen shows its static drawing (an empty one is hidden),
            # and no loading text is left
            for box in page.locator(".tdb-graph").all():
                assert not box.is_visible() or box.locator("svg:visible").count() == 1
            assert not page.get_by_text("Chargement…").is_visible()
        finally:
            context.close()
