"""The DSFR 404 page for any unknown address."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import urls
from dashboard.pages._common import not_found, page

dash.register_page(
    __name__,
    **urls.registration(__name__),
    title="Page non trouvée — Tableau de bord du numérique en santé",
)


def layout(**params: Any) -> html.Div:
    return page(
        path=urls.BY_MODULE["not_found_404"].path,
        build=lambda q: not_found("La page que vous cherchez est introuvable."),
        params=params,  # the demo banner follows `reel`
    )
