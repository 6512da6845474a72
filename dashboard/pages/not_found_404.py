"""The DSFR 404 page for any unknown address."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.pages._common import not_found, page

dash.register_page(
    __name__, path="/404", title="Page non trouvée — Tableau de bord du numérique en santé"
)


def layout(**_: Any) -> html.Div:
    return page(
        path="/404", build=lambda q: not_found("La page que vous cherchez est introuvable.")
    )
