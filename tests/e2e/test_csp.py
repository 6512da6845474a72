"""End-to-end: the pages work in Chromium under the Content-Security-Policy, signed in too."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard import urls
from tests.e2e.conftest import add_account

INDICATOR = urls.indicator("mes_taux_activation")


def _watch(page: Any) -> list[str]:
    """Console messages that tell of a blocked resource or a script error."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


class TestContentSecurityPolicy:
    @pytest.mark.parametrize("path", [urls.HOME, INDICATOR])
    def test_a_page_renders_with_no_csp_violation(
        self, page: Any, live_url: str, path: str
    ) -> None:
        # Given a browser that reports every console error
        problems = _watch(page)
        # When the page is opened and Dash has rendered it (a chart on the indicator page)
        response = page.goto(live_url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("#react-entry-point #contenu h1", timeout=15_000)
        if path == INDICATOR:
            page.wait_for_selector("#graphique-trajectoire .main-svg", timeout=15_000)
        # Then nothing was blocked and no script failed
        assert problems == []

    def test_the_sign_in_page_renders_with_no_csp_violation(self, page: Any, live_url: str) -> None:
        problems = _watch(page)
        page.goto(live_url + urls.SIGN_IN)
        assert page.get_by_label("Adresse électronique").count() == 1
        assert page.get_by_label("Mot de passe").count() == 1
        page.wait_for_load_state("networkidle")
        assert problems == []


class TestSignInInTheBrowser:
    def test_an_agent_signs_in_browses_a_chart_and_signs_out(
        self, page: Any, live_url: str, live_database_url: str
    ) -> None:
        # Given a DNS account created with the command line
        add_account(live_database_url, "chef@sante.gouv.fr", "Bretagne-Nord-2026!", "--role", "dns")
        problems = _watch(page)
        # When the agent signs in with the form
        page.goto(live_url + urls.SIGN_IN)
        page.get_by_label("Adresse électronique").fill("chef@sante.gouv.fr")
        page.get_by_label("Mot de passe").fill("Bretagne-Nord-2026!")
        page.get_by_role("button", name="Se connecter").click()
        # Then the home page opens, and a chart page works (Dash's callbacks, session cookie)
        page.wait_for_selector("#react-entry-point #contenu h1", timeout=15_000)
        [cookie] = page.context.cookies()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.goto(live_url + INDICATOR)
        page.wait_for_selector("#graphique-trajectoire .main-svg", timeout=15_000)
        # And signing out ends the session
        page.goto(live_url + urls.SIGN_OUT)
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_selector("#react-entry-point #contenu h1", timeout=15_000)
        assert page.context.cookies() == []
        assert problems == []
