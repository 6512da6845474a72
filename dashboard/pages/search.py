"""/recherche?q=…: indicators, régions and départements by name or code.

The header's search form sends here (a plain GET form, no JavaScript needed). Every result
is listed, even a single one: the reader sees what was found instead of landing on a page
they did not choose. Any text can be asked, so no result page is cached.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from core import geography
from core.vocabulary import Level
from dashboard import queries, urls
from dashboard.components import dsfr
from dashboard.lookup import INDICATOR, Hit, search
from dashboard.pages._common import page
from dashboard.pages._index import visible_indicators

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="Recherche",
    title="Recherche — Tableau de bord du numérique en santé",
)

SEARCH_FIELD = "recherche-page"


def layout(**params: Any) -> html.Div:
    return page(
        path=urls.search(), build=lambda q: _content(q, params), params=params, cacheable=False
    )


def _href(hit: Hit, kept: dict[str, str]) -> str:
    if hit.kind == INDICATOR:
        return urls.indicator(hit.key, kept)
    return urls.area(hit.kind, hit.key, kept)


def _content(q: queries.Queries, params: dict[str, Any]) -> list[Any]:
    state = urls.normalise(params)
    kept = urls.kept(state)
    text = urls.value(state, "q") or ""
    parts: list[Any] = [
        dsfr.breadcrumb([("Accueil", urls.with_query(urls.HOME, kept)), ("Recherche", None)]),
        html.H1("Recherche"),
        dsfr.search_bar(
            field_id=SEARCH_FIELD,
            value=text,
            label="Indicateur, région ou département",
            landmark="Nouvelle recherche",
        ),
    ]
    if not text:
        parts.append(
            html.P(
                "Cherchez un indicateur, une région ou un département par son nom ou son code "
                "(par exemple « Finistère », « 29 » ou « Mon espace santé »).",
                className="fr-mt-2w",
            )
        )
        return parts
    hits = search(text, indicators=visible_indicators(q), areas=geography.areas())
    count = f"{len(hits)} résultat{'s' if len(hits) > 1 else ''}" if hits else "Aucun résultat"
    parts.append(html.P(f"{count} pour « {text} ».", className="fr-mt-2w", id="nombre-resultats"))
    groups = [(INDICATOR, "Indicateurs", urls.indicators(kept))]
    groups += [
        (str(lvl), lvl.plural.capitalize(), urls.area_index(lvl, kept))
        for lvl in Level.territorial()
    ]
    for kind, title, _ in groups:
        mine = [h for h in hits if h.kind == kind]
        if mine:
            parts.append(
                html.Section(
                    [
                        html.H2(title, className="fr-h4 fr-mt-4w"),
                        html.Ul(
                            [html.Li(html.A(_label(h), href=_href(h, kept))) for h in mine],
                            className="tdb-area-list",
                        ),
                    ],
                    **dsfr.attrs(aria_label=title),
                )
            )
    if not hits:
        parts.append(
            html.Ul(
                [html.Li(html.A(title, href=index)) for _, title, index in groups],
                className="fr-mt-2w",
                **dsfr.attrs(aria_label="Parcourir"),
            )
        )
    return parts


def _label(hit: Hit) -> str:
    return hit.label if hit.kind == INDICATOR else f"{hit.label} ({hit.key})"
