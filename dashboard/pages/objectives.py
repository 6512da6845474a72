"""/objectifs: every dated target in one table, sortable and filterable by axis.

Sorting and filtering are plain links and a GET form (server side), so they work without
JavaScript and each view is a permalink.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import html

from dashboard import queries, targets, urls, views
from dashboard.components import dsfr
from dashboard.formatting import format_count, sentence
from dashboard.pages._common import (
    downloads_block,
    editorial,
    hidden_fields,
    page,
    real_switch,
    updated,
)

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="Objectifs",
    title="Objectifs — Tableau de bord du numérique en santé",
)

SORT_COLUMNS = {
    "Indicateur": "indicateur",
    "Échéance": "echeance",
    "Statut": "statut",
    "Progression": "progression",
}


def layout(**params: Any) -> html.Div:
    return page(path=urls.objectives(), build=lambda q: _content(q, params), params=params)


def _content(q: queries.Queries, params: dict[str, Any]) -> list[Any]:
    state = urls.normalise(params)
    axes = {a.id: a.label for a in q.catalog.axes}
    axis = urls.value(state, "axe")
    axis = axis if axis in axes else None
    sort = urls.value(state, "tri")
    sort = sort if sort in views.SORTS else "echeance"
    real = urls.real_only(state)
    rows = views.target_rows(q, today=dt.date.today(), axis=axis, real_only=real)
    query = {"axe": axis, "tri": sort, **urls.kept(state)}
    frame = views.objectives_table(rows, sort=sort).drop(columns=[views.CODES_COLUMN])
    ordered = sorted(rows, key=views.SORTS[sort])
    columns = list(frame.columns)
    header_links = [
        urls.objectives({**query, "tri": SORT_COLUMNS[c]}) if c in SORT_COLUMNS else None
        for c in columns
    ]
    table_rows = []
    for r, (_, rec) in zip(ordered, frame.iterrows(), strict=True):
        cells: list[Any] = list(rec)
        cells[0] = html.A(rec["Indicateur"], href=urls.indicator(r.indicator.id))
        for column in ("Objectif", "Remarque"):
            cells[columns.index(column)] = editorial(rec[column])
        cells[columns.index("Statut")] = dsfr.badge(rec["Statut"], kind=r.assessment.status.tone)
        if r.assessment.rests_on_demo:
            cells[columns.index("Base du statut")] = dsfr.badge(rec["Base du statut"], kind="new")
        table_rows.append(cells)
    sort_label = {v: k for k, v in SORT_COLUMNS.items()}[sort]
    return [
        dsfr.breadcrumb([("Accueil", urls.HOME), ("Objectifs", None)]),
        html.H1("Objectifs datés"),
        html.P(
            "Chaque objectif daté fixé par un texte, avec la valeur actuelle, l'échéance, "
            "le statut "
            f"et la date d'atteinte projetée. {updated(q)}.",
            className="fr-text--lead",
        ),
        real_switch(urls.real_switch("objectives", state)),
        dsfr.form(
            [
                *hidden_fields(urls.kept(state)),
                html.Div(
                    [
                        html.Div(
                            dsfr.select(
                                name="axe",
                                label="Axe de la feuille de route",
                                options=[("", "Tous les axes"), *axes.items()],
                                value=axis or "",
                                select_id="choix-axe",
                            ),
                            className="fr-col-12 fr-col-md-6",
                        ),
                        html.Div(
                            dsfr.select(
                                name="tri",
                                label="Trier par",
                                options=[(v, k) for k, v in SORT_COLUMNS.items()],
                                value=sort,
                                select_id="choix-tri",
                            ),
                            className="fr-col-12 fr-col-md-3",
                        ),
                        html.Div(
                            dsfr.button("Afficher", button_id="bouton-objectifs"),
                            className="fr-col-12 fr-col-md-3 tdb-align-end",
                        ),
                    ],
                    className="fr-grid-row fr-grid-row--gutters",
                ),
            ],
            action=urls.objectives(),
            form_id="formulaire-objectifs",
            label="Filtrer et trier les objectifs",
        ),
        dsfr.tooltip(
            trigger_text="Méthode du statut",
            text=targets.METHOD_TEXT,
            tooltip_id="methode-objectifs",
        )
        if rows
        else html.Span(),
        dsfr.table(
            caption=sentence(format_count(len(rows), "objectif", "objectifs"))
            + f"{' — ' + axes[axis] if axis else ''}, "
            f"triés par {sort_label.lower()}",
            columns=columns,
            rows=table_rows,
            numeric=[c in ("Valeur actuelle", "Cible", "Progression") for c in columns],
            table_id="tableau-objectifs",
            header_links=header_links,
            compact=True,
        ),
        downloads_block(
            urls.objectives_download(),
            query=query,
            label="Télécharger ce tableau :",
        ),
    ]
