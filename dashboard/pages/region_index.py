"""/regions: every région, as a tile map and a list of links to their fiches."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from core.vocabulary import Level
from dashboard import urls
from dashboard.pages._index import area_index_layout

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name=Level.region.plural.capitalize(),
    title=f"{Level.region.plural.capitalize()} — Tableau de bord du numérique en santé",
)


def layout(**params: Any) -> html.Div:
    return area_index_layout(Level.region, params)
