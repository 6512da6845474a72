"""End-to-end: the pages still work in Chromium under the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard import urls

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
