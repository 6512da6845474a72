"""/objectifs: every dated target in one table, sortable and filterable by axis.

Sorting and filtering are plain links and a GET form (server side), so they work without
JavaScript and each view is a permalink.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import html

from core.vocabulary import Level, TargetStatus
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
from dashboard.pages._index import axis_status_selects

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
    status = TargetStatus.from_slug(urls.value(state, "statut"))
    rows = views.target_rows(q, today=dt.date.today(), axis=axis, real_only=real)
    rows = views.with_status(rows, status)
    query = {
        "axe": axis,
        "statut": status.slug if status else None,
        "tri": sort,
        **urls.kept(state),
    }
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
        cells[0] = html.A(rec["Indicateur"], href=urls.indicator(r.indicator.id, urls.kept(state)))
        for column in ("Objectif", "Remarque"):
            cells[columns.index(column)] = editorial(rec[column])
        cells[columns.index("Statut")] = dsfr.badge(rec["Statut"], kind=r.assessment.status.tone)
        if r.assessment.rests_on_demo:
            cells[columns.index("Base du statut")] = dsfr.badge(rec["Base du statut"], kind="new")
        if r.territories:
            cells[columns.index("Remarque")] = _territories_cell(rec["Remarque"], r, state)
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
                        *axis_status_selects(
                            axes=list(axes.items()),
                            axis=axis,
                            status=status,
                            ids=("choix-axe", "choix-statut"),
                            status_label="Statut",
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
                            className="fr-col-12 fr-col-md-2 tdb-align-end",
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
            + f"{' — ' + axes[axis] if axis else ''}"
            + f"{' — ' + status.label.lower() if status else ''}, "
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


def _territories_cell(remark: str, row: views.TargetRow, state: dict[str, str]) -> html.Span:
    """The remark, then a link to the map of the areas that have their own target."""
    level = Level(row.territories[0].level)
    query = {"niveau": level.slug, **urls.kept(state)}
    return html.Span(
        [
            remark + " ",
            html.A(
                f"Voir la carte des {level.plural}", href=urls.indicator(row.indicator.id, query)
            ),
        ]
    )
