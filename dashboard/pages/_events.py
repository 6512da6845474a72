"""Page blocks of the roadmap milestones and of the change history: the words beside a
time chart's event lines, and an indicator's « Dernière mise à jour » line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from core.catalog import Event, Indicator
from dashboard import changes, queries, urls
from dashboard.components import dsfr
from dashboard.formatting import format_date
from dashboard.pages._common import real_switch

EVENTS_TITLE = "Jalons de la feuille de route sur le graphique"


def events_block(
    events: Sequence[Event], *, links: Sequence[tuple[str, str, bool]], shown: bool, block_id: str
) -> html.Div:
    """The milestones a chart draws, listed in words with their source (the accessible
    text of the vertical lines), and the « Jalons affichés / masqués » switch."""
    switch = real_switch(
        links,
        nav_id="choix-jalons",
        label="Jalons de la feuille de route sur les graphiques",
    )
    if not shown:
        body: list[Any] = [
            html.P("Jalons de la feuille de route masqués.", className="fr-text--sm")
        ]
    elif not events:
        body = [
            html.P(
                "Aucun jalon de la feuille de route dans les dates du graphique.",
                className="fr-text--sm",
            )
        ]
    else:
        body = [
            html.P(f"{EVENTS_TITLE} (lignes verticales en pointillé) :", className="fr-mb-1v"),
            html.Ul(
                [
                    html.Li(
                        [
                            f"{format_date(e.date)} — {e.label} : {e.long_label} Source : ",
                            dsfr.source_link(e.source_title, e.source_url),
                            ".",
                        ],
                        **dsfr.attrs(data_event=e.id),
                    )
                    for e in events
                ],
                className="fr-text--sm",
            ),
        ]
    return html.Div([*body, switch], id=block_id, className="fr-mb-2w")


def events_sentence(events: Sequence[Event]) -> str:
    """The milestones a chart draws, in its text alternative: « Jalons tracés : 17/05/2023,
    Feuille de route 2023-2027. » (their sources are listed under the trajectory)."""
    if not events:
        return ""
    return (
        " Jalons tracés : " + " ; ".join(f"{format_date(e.date)}, {e.label}" for e in events) + "."
    )


def last_update_line(q: queries.Reads, indicator: Indicator) -> html.P | None:
    """« Dernière mise à jour : 12/03/2026 — 3 nouvelles périodes, 2 valeurs révisées »,
    from the last update that changed a real value of the indicator the reader may see;
    None when there was none. It links to /quoi-de-neuf filtered on the indicator."""
    runs = q.change_runs(indicator_id=indicator.id).head(1)
    found = q.changes(run_ids=[int(r) for r in runs["run_id"]], indicator_id=indicator.id)
    updates = changes.summarise(runs, found, catalog=q.catalog)
    if not updates:
        return None
    update = updates[0]
    when = format_date(update.finished_at) if update.finished_at else "date inconnue"
    counts = update.indicators[0].counts()
    return html.P(
        [
            f"Dernière mise à jour : {when} — {counts}. ",
            html.A(
                "Quoi de neuf pour cet indicateur",
                href=urls.whats_new({"indicateur": indicator.id}),
                className="fr-link",
            ),
        ],
        id="derniere-mise-a-jour",
        className="fr-text--sm",
    )
