"""End-to-end: the header's account links, from « Se connecter » on a page of the
dashboard back to that page signed in, then « Se déconnecter » from the header."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from dashboard import urls
from tests.e2e.conftest import add_account

EMAIL, PASSWORD = "agent.entete@ars.sante.fr", "Bretagne-Sud-2026!"
FICHE = "/regions/53"
TOOLS = ".fr-header__tools-links"
WAIT = 20_000


class TestHeaderAccount:
    def test_sign_in_from_a_page_comes_back_to_it_and_the_header_signs_out(
        self, page: Any, live_url: str, live_database_url: str
    ) -> None:
        # Given an ARS account created with the command line
        add_account(live_database_url, EMAIL, PASSWORD, "--role", "ars", "--region", "53")
        # When an anonymous reader of a fiche clicks « Se connecter » in the header
        page.goto(live_url + FICHE)
        page.wait_for_selector("#react-entry-point #contenu h1", timeout=WAIT)
        assert page.context.cookies() == []
        page.locator(TOOLS).get_by_role("link", name="Se connecter").click()
        # Then the server's sign-in page opens (not a page of the Dash router)
        page.wait_for_url(f"**{urls.SIGN_IN}?*", timeout=WAIT)
        expect(page.locator("main h1")).to_have_text("Se connecter")
        # When the agent signs in
        page.get_by_label("Adresse électronique").fill(EMAIL)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.locator("main").get_by_role("button", name="Se connecter").click()
        # Then the fiche opens again, and the header names the agent
        page.wait_for_url(f"**{FICHE}", timeout=WAIT)
        tools = page.locator(TOOLS)
        expect(tools).to_contain_text(EMAIL, timeout=WAIT)
        assert tools.get_by_role("link", name="Se connecter").count() == 0
        # When the agent clicks « Se déconnecter » in the header
        tools.get_by_role("button", name="Se déconnecter").click()
        # Then the session ends and the header offers « Se connecter » again
        page.wait_for_url(live_url + urls.HOME, timeout=WAIT)
        expect(page.locator(TOOLS).get_by_role("link", name="Se connecter")).to_be_visible(
            timeout=WAIT
        )
        assert page.context.cookies() == []
