"""Fiche département."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from core.vocabulary import Level
from dashboard import urls
from dashboard.pages._area import area_layout, area_title


def _title(code: str | None = None, **_: Any) -> str:
    return area_title("department", code)


dash.register_page(
    __name__,
    **urls.registration(__name__),
    name=Level.department.label.capitalize(),
    title=_title,
)


def layout(code: str | None = None, **params: Any) -> html.Div:
    if (
        code == urls.AREA_CHOOSER
    ):  # the chooser form without JavaScript: /departements/choisir?code=29
        code = urls.value(urls.normalise(params), "code") or ""
    return area_layout(level="department", code=code, params=params)
