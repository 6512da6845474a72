"""In Chromium: an ARS agent of Bretagne deposits a file, fixes its error, confirms, and
reads the new figure on the région's page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

from dashboard import urls
from tests.e2e.conftest import ROOT

EMAIL, PASSWORD = "agent.depot@ars.sante.fr", "Bretagne-Nord-2026!"
FLOW = "mes_documents_alimentes_mois"
PERIOD = "2025-12"  # the last month of the demo data: the deposit's figures are the latest
HEADER = "indicateur;niveau;code_territoire;periode;valeur\n"


def _file(values: dict[str, str]) -> bytes:
    body = "".join(f"{FLOW};departement;{code};{PERIOD};{v}\n" for code, v in values.items())
    return (HEADER + body).encode("utf-8")


def _upload(page: Any, data: bytes) -> None:
    page.get_by_label("Indicateur du fichier").select_option(FLOW)
    page.set_input_files(
        "#champ-fichier", files=[{"name": "bretagne.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Vérifier et prévisualiser").click()


def _text(page: Any, selector: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", page.locator(selector).inner_text())


def test_an_ars_agent_deposits_fixes_previews_confirms_and_sees_the_figure(
    page: Any, live_url: str, live_database_url: str
) -> None:
    # Given an ARS account of Bretagne created with the command line
    env = {**os.environ, "DATABASE_URL": live_database_url}
    subprocess.run(
        [sys.executable, "-m", "etl", "users", "add", EMAIL, "--role", "ars", "--region", "53",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    # When the agent opens the deposit page, is asked to sign in, and does
    page.goto(live_url + urls.DEPOSIT)
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#formulaire-depot", timeout=15_000)
    # and deposits a file whose third line holds a word instead of a number
    values = {"22": "1111", "29": "deux mille", "35": "3333", "56": "4444"}
    _upload(page, _file(values))
    # Then the error names its row, column and value, and nothing is kept
    page.wait_for_selector("#erreurs-depot", timeout=15_000)
    errors = _text(page, "#erreurs-depot")
    assert "3" in errors and "valeur" in errors and "deux mille" in errors
    # When the agent fixes it and deposits again, the preview shows what will change
    values["29"] = "2222"
    _upload(page, _file(values))
    page.wait_for_selector("#comptes-apercu", timeout=15_000)
    assert "Aperçu du dépôt" in page.locator("h1").inner_text()
    preview = _text(page, "#lignes-apercu")
    assert "2222" in preview.replace(" ", "") and "29" in preview
    # and confirms
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_selector("#depot-enregistre", timeout=15_000)
    # Then the région's page shows the new total of its départements (11 110)
    page.get_by_role("link", name="Voir la page de votre région").click()
    page.wait_for_url(re.compile(r".*/regions/53.*"))
    page.wait_for_selector("#tableau-territoire", timeout=15_000)
    assert "11 110" in _text(page, "#tableau-territoire")
