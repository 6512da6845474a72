"""/quoi-de-neuf: what the last updates changed, read from the change history.

Update by update (latest first, RUNS_PER_PAGE a page), then indicator by indicator: new
periods, revised values (before → after), withdrawn values, and « Nouvelle source : … » when
the update is the first of its source to bring values of the indicator. Demo values are left
out (they are synthetic, not news) and an indicator the reader may not see is absent (the
reads of dashboard.queries filter them). `indicateur=…` keeps one indicator.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import changes, queries, urls
from dashboard.components import dsfr
from dashboard.formatting import format_date, format_period
from dashboard.pages._common import not_found, page

NEW_SOURCE = "Nouvelle source"  # first values of an indicator from this source
RUNS_PER_PAGE = 10
REVISIONS_SHOWN = 20  # revisions listed per indicator and update; the rest are counted
TITLE = "Quoi de neuf"
LEAD = (
    "Ce qu'ont changé les dernières mises à jour des données : nouvelles périodes, valeurs "
    "révisées (avant → après), valeurs retirées et nouvelles sources d'un indicateur, la plus "
    "récente d'abord. Les données de démonstration n'y figurent pas."
)

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name=TITLE,
    title=f"{TITLE} — Tableau de bord du numérique en santé",
)


def layout(**params: Any) -> html.Div:
    state = urls.normalise(params)
    indicator_id = state.get("indicateur")
    known = indicator_id is None or indicator_id in queries.store().catalog.by_id

    def build(q: queries.Queries) -> list[Any]:
        if indicator_id is not None and indicator_id not in q.catalog.by_id:
            return not_found(f"L'indicateur « {indicator_id} » n'existe pas.")
        return _content(q, state)

    return page(path=urls.whats_new(), build=build, params=params, cacheable=known)


def _content(q: queries.Queries, state: dict[str, str]) -> list[Any]:
    indicator_id = state.get("indicateur")
    number = int(urls.value(state, "page") or "1")
    runs = q.change_runs(indicator_id=indicator_id)
    shown = runs.iloc[(number - 1) * RUNS_PER_PAGE : number * RUNS_PER_PAGE]
    found = q.changes(run_ids=[int(r) for r in shown["run_id"]], indicator_id=indicator_id)
    firsts = q.new_sources(indicator_id=indicator_id)
    updates = changes.summarise(shown, found, catalog=q.catalog, new_sources=firsts)
    parts: list[Any] = [
        dsfr.breadcrumb([("Accueil", urls.HOME), (TITLE, None)]),
        html.H1(TITLE),
        html.P(LEAD, className="fr-text--lead"),
    ]
    if indicator_id is not None:
        label = q.catalog.get(indicator_id).short_label
        parts.append(
            html.P(
                [
                    f"Indicateur : {label}. ",
                    html.A("Toutes les mises à jour", href=urls.whats_new(), className="fr-link"),
                ],
                id="filtre-indicateur",
            )
        )
    if not updates:
        parts += [  # a heading of level 2: the DSFR alert's is 3, which would skip one
            html.H2("Aucune mise à jour à signaler", className="fr-h4 fr-mt-4w"),
            html.P("Aucune donnée réelle n'a encore été chargée ou modifiée.", id="aucune-maj"),
        ]
    parts += [_update(u) for u in updates]
    parts.append(_pager(state, number=number, total=len(runs)))
    return parts


def _update(update: changes.RunChanges) -> html.Section:
    when = format_date(update.finished_at) if update.finished_at else "date inconnue"
    source: list[Any] = [
        f"Mise à jour n° {update.run_id} ({update.kind_label}) : ",
        dsfr.source_link(update.source, update.source_url),
    ]
    badges = [dsfr.badge("Nouvelle source", kind="new", icon=False)] if update.new_source else []
    return html.Section(
        [
            html.H2(f"{when} — {update.source}", className="fr-h4 fr-mt-4w"),
            *badges,
            html.P(source, className="fr-text--sm"),
            *[_indicator(i) for i in update.indicators],
        ],
        className="tdb-update",
        **dsfr.attrs(data_run=str(update.run_id)),
    )


def _indicator(found: changes.IndicatorChanges) -> html.Div:
    ind = found.indicator
    parts: list[Any] = [
        html.H3(html.A(ind.short_label, href=urls.indicator(ind.id)), className="fr-h6 fr-mb-1w"),
        html.P(found.counts() + ".", className="fr-mb-1w"),
    ]
    if found.new_source:
        parts.append(html.P(f"{NEW_SOURCE} : {found.new_source}.", className="tdb-new-source"))
    if found.new_periods:
        parts.append(html.P(f"Nouvelles périodes : {found.new_periods_text()}."))
    if found.revisions:
        rows = [
            [
                r.where + (f" ({r.breakdown})" if r.breakdown else ""),
                format_period(r.period, frequency=ind.frequency),
                found.value_text(r.before),
                found.value_text(r.after),
            ]
            for r in found.revisions[:REVISIONS_SHOWN]
        ]
        parts.append(
            dsfr.table(
                caption=f"{ind.short_label} : valeurs révisées (avant → après)",
                columns=["Territoire", "Période", "Avant", "Après"],
                rows=rows,
                numeric=[False, False, True, True],
                compact=True,
            )
        )
        rest = len(found.revisions) - REVISIONS_SHOWN
        if rest > 0:
            parts.append(html.P(f"… et {rest} autres valeurs révisées.", className="fr-text--sm"))
    return html.Div(parts, className="fr-mb-3w")


def _pager(state: dict[str, str], *, number: int, total: int) -> html.Nav | html.Span:
    """Links to the newer and older updates (plain links: no JavaScript needed)."""
    links = []
    if number > 1:
        newer = {**state, "page": str(number - 1) if number > 2 else None}
        links.append(
            html.Li(
                html.A(
                    "Mises à jour plus récentes", href=urls.whats_new(newer), className="fr-link"
                )
            )
        )
    if number * RUNS_PER_PAGE < total:
        older = {**state, "page": str(number + 1)}
        links.append(
            html.Li(
                html.A(
                    "Mises à jour plus anciennes", href=urls.whats_new(older), className="fr-link"
                )
            )
        )
    if not links:
        return html.Span()
    return html.Nav(
        html.Ul(links, className="tdb-tabs"),
        className="fr-mt-4w",
        **dsfr.attrs(aria_label="Pages des mises à jour"),
    )
