"""End-to-end accessibility: axe-core on every page template at 1280 px and 390 px (no
violation of any impact), tables readable on a phone, the keyboard alone, French words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import urls
from tests.e2e.conftest import AXE, add_account, reader_context
from tests.e2e.test_dashboard import INDICATOR, PAGES

# One instance of every route template, the 404 page included (light scheme: the index's
# data-fr-scheme="system" follows the browser context, which prefers light by default).
TEMPLATES = [*PAGES, "/nulle-part"]
WIDTHS = {"bureau": 1280, "telephone": 390}
DASH_TITLE = "#react-entry-point #contenu h1"  # Dash's page, not the server's copy
# What a focused element reports: tag, id, text, href, outline style and width, whether the
# browser shows its focus ring (:focus-visible).
FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 80),
          href: e.getAttribute('href') || '', outline: s.outlineStyle,
          width: parseFloat(s.outlineWidth), visible: e.matches(':focus-visible')};
}"""


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A page at a desktop (1280 px) or phone (390 px) width."""
    context = reader_context(
        browser, viewport={"width": WIDTHS[request.param], "height": 900}, locale="fr-FR"
    )
    yield context.new_page()
    context.close()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def still_sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """The same, for a reader who has not interacted yet: the server's copy of the page,
    before Dash loads (dashboard/static/dash-on-demand.js)."""
    context = browser.new_context(
        viewport={"width": WIDTHS[request.param], "height": 900}, locale="fr-FR"
    )
    yield context.new_page()
    context.close()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(DASH_TITLE, timeout=15_000)
    page.wait_for_selector("#tdb-server-page", state="detached", timeout=5_000)


def _axe(page: Any) -> list[tuple[str, str, list[str]]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # a <script> tag would break the CSP
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [(v["id"], v["impact"], [n["html"][:160] for n in v["nodes"][:3]]) for v in violations]


def _show_departments_by_keyboard(page: Any) -> None:
    """Choose the département map in the view form and submit it with Enter; wait until
    the new view is shown and announced."""
    page.focus("#choix-niveau")
    page.keyboard.press("ArrowDown")
    page.focus("#bouton-afficher")
    page.keyboard.press("Enter")
    page.wait_for_url("**niveau=departements**")
    page.wait_for_selector("h2:has-text('Carte des départements')")
    page.wait_for_function("() => document.getElementById('tdb-annonce').textContent !== ''")


class TestAxe:
    @pytest.mark.parametrize("path", TEMPLATES)
    def test_no_violation_of_any_impact(self, sized_page: Any, live_url: str, path: str) -> None:
        # Given a page template at a desktop or a phone width
        _open(sized_page, live_url + path)
        sized_page.wait_for_timeout(300)
        # When axe-core checks the whole document
        # Then it reports nothing, minor or moderate included
        assert _axe(sized_page) == []

    @pytest.mark.parametrize("path", TEMPLATES)
    def test_no_violation_before_dash_loads(
        self, still_sized_page: Any, live_url: str, path: str
    ) -> None:
        # Given a page template as the server sent it, before any interaction
        still_sized_page.goto(live_url + path, wait_until="networkidle")
        assert still_sized_page.locator("#tdb-server-page main h1").count() == 1
        # When axe-core checks the whole document, Then it reports nothing
        assert _axe(still_sized_page) == []

    def test_no_violation_once_the_view_form_has_been_used(self, page: Any, live_url: str) -> None:
        # Given the indicator page whose form was submitted (live region filled)
        _open(page, live_url + INDICATOR)
        _show_departments_by_keyboard(page)
        # Then axe still reports nothing
        assert _axe(page) == []


class TestTablesOnAPhone:
    @pytest.mark.parametrize(
        ("path", "table", "columns"),
        [
            ("/regions/53", "#tableau-territoire", ["Bretagne", "France", "Rang", "Origine"]),
            ("/departements/29", "#tableau-territoire", ["France", "Rang", "Origine"]),
            ("/objectifs", "#tableau-objectifs", ["Statut", "Échéance", "Progression"]),
        ],
    )
    def test_every_column_is_on_screen(
        self, browser: Any, live_url: str, path: str, table: str, columns: list[str]
    ) -> None:
        # Given a phone 390 px wide
        context = reader_context(browser, viewport={"width": 390, "height": 900}, locale="fr-FR")
        try:
            page = context.new_page()
            # When a page with a wide table is opened
            _open(page, live_url + path)
            # Then neither the page nor the table scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            row = page.locator(f"{table} tbody tr").first
            # And each cell of a row is on screen, preceded by its column's name
            for name in columns:
                cell = row.locator(f'[data-label="{name}"]')
                box = cell.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
                before = cell.evaluate("e => getComputedStyle(e, '::before').content")
                assert before == f'"{name}"'
        finally:
            context.close()

    def test_objectives_fit_a_desktop_page_without_scrolling(
        self, page: Any, live_url: str
    ) -> None:
        _open(page, live_url + "/objectifs")
        widths = page.eval_on_selector(
            "#tableau-objectifs",
            "t => { const c = t.closest('.fr-table__container');"
            " return [c.scrollWidth, c.clientWidth]; }",
        )
        assert widths[0] <= widths[1]

    def test_table_rows_built_in_the_browser_name_their_columns_too(
        self, sized_page: Any, live_url: str
    ) -> None:
        _open(sized_page, live_url + INDICATOR)
        sized_page.click("summary:has-text('Tableau des valeurs de la carte')")
        cell = sized_page.locator("#tableau-carte tbody tr").first.locator("td").last
        assert cell.get_attribute("data-label") == "Origine"
        assert sized_page.evaluate("document.documentElement.scrollWidth") <= sized_page.evaluate(
            "window.innerWidth"
        )


def _walk(page: Any, *, limit: int = 300) -> list[dict[str, Any]]:
    """Tab from the top of the page until focus leaves the document (or `limit` presses)."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BODY":
            break
        seen.append(focused)
    return seen


def _assert_visible_and_no_trap(seen: list[dict[str, Any]], *, limit: int = 300) -> None:
    # Focus went through the whole page and out (no trap), every stop with a visible ring
    assert 0 < len(seen) < limit
    assert [
        s for s in seen if not (s["visible"] and s["outline"] != "none" and s["width"] >= 1)
    ] == []
    assert seen[-1]["text"] == "Paramètres d'affichage"  # the last control of the footer


class TestKeyboardOnly:
    def test_home_page(self, page: Any, live_url: str) -> None:
        # Given the home page, When it is walked with Tab only
        _open(page, live_url + "/")
        seen = _walk(page)
        texts = [s["text"] for s in seen]
        # Then the skip links come first, then the menu, the targets table, every card
        assert texts[:3] == ["Contenu", "Menu", "Pied de page"]
        order = [
            texts.index("Vue nationale"),
            texts.index("Objectifs"),
            texts.index("Voir le tableau des objectifs"),
            texts.index("Profils Mon espace santé créés"),
        ]
        assert order == sorted(order)
        cards = page.eval_on_selector_all(".fr-card__title a", "els => els.map(e => e.textContent)")
        assert [t for t in texts if t in cards] == cards
        # And each status help button names its indicator
        helps = [s["text"] for s in seen if s["text"].startswith("Méthode du statut")]
        assert len(helps) > 1 and len(set(helps)) == len(helps)
        _assert_visible_and_no_trap(seen)

    def test_indicator_page(self, page: Any, live_url: str) -> None:
        # Given an indicator page, When it is walked with Tab only
        _open(page, live_url + INDICATOR)
        page.wait_for_selector("#graphique-trajectoire .main-svg")
        seen = _walk(page)
        ids = [s["id"] for s in seen]
        # Then the view's controls come in reading order, the button last
        controls = ["choix-niveau", "choix-periode", "choix-carte", "choix-comparer"]
        positions = [ids.index(c) for c in [*controls, "bouton-afficher"]]
        assert positions == sorted(positions)
        # And the downloads and the table of values are reached
        assert any("XLSX" in s["text"] for s in seen)
        assert any("Tableau des valeurs de la série" in s["text"] for s in seen)
        _assert_visible_and_no_trap(seen)

    def test_submitting_the_view_keeps_focus_and_announces_the_page(
        self, page: Any, live_url: str
    ) -> None:
        # Given the indicator page, When the view form is submitted from the keyboard
        _open(page, live_url + INDICATOR)
        _show_departments_by_keyboard(page)
        # Then focus stays on the button, not lost on <body>
        page.wait_for_function("() => document.activeElement.id === 'bouton-afficher'")
        # And the live region says that the view was updated, naming the page
        title = page.locator("#contenu h1").inner_text()
        assert page.locator("#tdb-annonce").text_content() == f"Vue mise à jour : {title}"


class TestFrenchOnScreen:
    def test_counts_articles_and_loading_words(self, page: Any, live_url: str) -> None:
        # Given an indicator page comparing France with Île-de-France
        _open(page, live_url + INDICATOR + "?comparer=11")
        page.wait_for_selector("#graphique-comparaison .main-svg")
        captions = page.locator("figcaption").all_inner_texts()
        text = " ".join(captions)
        # Then names take their article, and a zero count is « aucun »
        assert "Évolution comparée de la France et de l'Île-de-France" in text
        assert "Aucun territoire sans valeur" in text
        assert "0 territoires" not in text
        # And nothing English is left from Dash's loading placeholder
        assert "Loading" not in page.locator("body").inner_text()

    def test_without_javascript_a_page_shows_its_content_and_real_downloads(
        self, browser: Any, live_url: str
    ) -> None:
        import urllib.request

        from dashboard import urls

        # Given a browser that runs no script
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        try:
            page = context.new_page()
            # When the objectives page is opened
            page.goto(live_url + "/objectifs")
            body = page.locator("body").inner_text()
            # Then the server's copy is there: its heading and table, with no loading
            # placeholder and no message saying the page needs a script
            assert page.locator("main h1").first.inner_text() == "Objectifs datés"
            assert page.locator("main table tbody tr").count() > 0
            assert "Loading" not in body and "Chargement" not in body
            assert "besoin de JavaScript" not in body
            # And its download links are real files
            hrefs = page.locator("main a").evaluate_all(
                "els => els.map(e => e.getAttribute('href') || '')"
            )
            files = [h for h in hrefs if h.startswith(urls.objectives_download())]
            assert len(files) == 3
            for href in files:
                with urllib.request.urlopen(live_url + href) as response:
                    assert response.status == 200
        finally:
            context.close()


AGENT = ("axe.dns@sante.gouv.fr", "Delegation-Axe-2026!")
RESTRICTED = "patients_chroniques_acte_telesante"  # the catalogue's restricted indicator
# The pages only a signed-in reader sees, and the sign-in page itself.
SIGNED_IN_PAGES = [
    urls.DEPOSIT,
    urls.ADMIN,
    f"/indicateurs/{RESTRICTED}",
    "/objectifs",
    "/regions/53",
]


@pytest.fixture(scope="module")
def delegation_account(live_url: str, live_database_url: str) -> tuple[str, str]:
    add_account(live_database_url, *AGENT, "--role", "dns")
    return AGENT


class TestAxeSignedIn:
    """The signed-in and restricted variants: the delegation's pages, deposit and
    administration forms, a restricted indicator; and the sign-in form."""

    @pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
    def test_sign_in_page(self, browser: Any, live_url: str, width: int) -> None:
        context = reader_context(browser, viewport={"width": width, "height": 900}, locale="fr-FR")
        try:
            page = context.new_page()
            page.goto(live_url + urls.SIGN_IN, wait_until="networkidle")
            assert _axe(page) == []
        finally:
            context.close()

    @pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
    def test_no_violation_on_the_pages_of_a_signed_in_reader(
        self, browser: Any, live_url: str, delegation_account: tuple[str, str], width: int
    ) -> None:
        # Given the delegation signed in, at a desktop or a phone width
        context = reader_context(browser, viewport={"width": width, "height": 900}, locale="fr-FR")
        try:
            page = context.new_page()
            page.goto(live_url + urls.SIGN_IN)
            email, password = delegation_account
            page.get_by_label("Adresse électronique").fill(email)
            page.get_by_label("Mot de passe").fill(password)
            page.locator("main").get_by_role("button", name="Se connecter").click()
            page.wait_for_load_state("networkidle")
            found = {}
            for path in SIGNED_IN_PAGES:
                # When each of their pages is opened, Then axe-core reports nothing
                page.goto(live_url + path, wait_until="networkidle")
                page.wait_for_function("() => !document.getElementById('tdb-server-page')")
                assert page.locator("main h1").count() == 1, path
                found[path] = _axe(page)
            assert {p: v for p, v in found.items() if v} == {}
        finally:
            context.close()
