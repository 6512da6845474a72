"""/indicateurs: the catalogue by axis, each indicator with its status, levels and freshness.

Filtered by axis and by the status of its main national target (`axe`, `statut`) with a
GET form: each view is a permalink and works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import html

from core.vocabulary import TargetStatus
from dashboard import queries, urls, views
from dashboard.components import dsfr
from dashboard.pages._common import real_switch, updated
from dashboard.pages._index import (
    axis_status_selects,
    index_page,
    level_names,
    view_form,
    visible_indicators,
)

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="Indicateurs",
    title="Indicateurs — Tableau de bord du numérique en santé",
)

NO_TARGET = "Pas d'objectif daté"
NO_FIGURE = "Aucun chiffre"


def layout(**params: Any) -> html.Div:
    return index_page(path=urls.indicators(), build=lambda q: _content(q, params), params=params)


def freshness(row: views.CatalogueRow) -> str:
    """« en octobre 2025, il y a 2 mois (Chiffre publié) »: the latest real figure, else the
    latest demo value said as such."""
    ind, latest = row.indicator, row.latest
    figure = latest.real or latest.demo
    if figure is None:
        return NO_FIGURE
    return f"{figure.date_text(ind)}, {figure.age_text} ({figure.origin.label})"


def _content(q: queries.Queries, params: dict[str, Any]) -> list[Any]:
    state = urls.normalise(params)
    kept = urls.kept(state)
    visible = visible_indicators(q)
    axes = sorted(q.catalog.axes, key=lambda a: a.order)
    axis = urls.value(state, "axe")
    axis = axis if axis in {a.id for a in axes} else None
    status = TargetStatus.from_slug(urls.value(state, "statut"))
    rows = views.catalogue_rows(
        q,
        visible,
        today=dt.date.today(),
        axis=axis,
        status=status,
        real_only=urls.real_only(state),
    )
    sections: list[Any] = []
    for a in axes:
        mine = [r for r in rows if r.indicator.axis == a.id]
        if mine:
            sections.append(
                html.Section(
                    [html.H2(a.label, className="fr-h4 fr-mt-4w"), _table(mine, a.label, kept)],
                    **dsfr.attrs(aria_label=a.label),
                )
            )
    filters = [f"axe « {a.label} »" for a in axes if a.id == axis]
    filters += [f"statut « {status.label} »" for _ in [status] if status is not None]
    summary = f"{len(rows)} indicateur{'s' if len(rows) > 1 else ''}"
    summary += f" sur {len(visible)} ({', '.join(filters)})" if filters else ""
    return [
        dsfr.breadcrumb([("Accueil", urls.with_query(urls.HOME, kept)), ("Indicateurs", None)]),
        html.H1("Indicateurs"),
        html.P(
            "Les indicateurs de la feuille de route du numérique en santé, par axe : le statut "
            "de leur objectif national, les niveaux géographiques où ils ont des valeurs et la "
            f"date de leur dernier chiffre. {updated(q)}.",
            className="fr-text--lead",
        ),
        real_switch(urls.real_switch("indicator_index", state)),
        _filters(axes=[(a.id, a.label) for a in axes], axis=axis, status=status, kept=kept),
        html.P(summary + ".", className="fr-mt-2w", id="nombre-indicateurs"),
        *(
            sections
            or [
                html.P(
                    [
                        "Aucun indicateur ne correspond à ces filtres. ",
                        html.A("Voir tous les indicateurs", href=urls.indicators(kept)),
                    ]
                )
            ]
        ),
    ]


def _filters(
    *,
    axes: list[tuple[str, str]],
    axis: str | None,
    status: TargetStatus | None,
    kept: dict[str, str],
) -> html.Form:
    return view_form(
        axis_status_selects(
            axes=axes,
            axis=axis,
            status=status,
            ids=("filtre-axe", "filtre-statut"),
            status_label="Statut de l'objectif national",
        ),
        kept=kept,
        action=urls.indicators(),
        form_id="formulaire-indicateurs",
        label="Filtrer les indicateurs",
        button_id="bouton-indicateurs",
    )


def _table(rows: list[views.CatalogueRow], axis_label: str, kept: dict[str, str]) -> html.Div:
    cells = []
    for r in rows:
        a = r.assessment
        cells.append(
            [
                html.A(r.indicator.short_label, href=urls.indicator(r.indicator.id, kept)),
                dsfr.badge(a.label, kind=a.status.tone) if a is not None else NO_TARGET,
                level_names(r.levels) or NO_FIGURE,
                freshness(r),
            ]
        )
    return dsfr.table(
        caption=f"Indicateurs de l'axe « {axis_label} »",
        columns=["Indicateur", "Statut", "Niveaux disponibles", "Dernier chiffre"],
        rows=cells,
        caption_hidden=True,
    )
