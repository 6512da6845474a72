"""Vue nationale: one card per headline indicator, grouped by axis, and a summary of targets."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import dash
import pandas as pd
from dash import html

from core.catalog import Indicator
from core.vocabulary import Origin, TargetStatus
from dashboard import queries, targets, urls, views
from dashboard.components import dsfr
from dashboard.figures.sparkline import sparkline_svg
from dashboard.formatting import format_count, format_date, format_number, format_period, sentence
from dashboard.pages._common import editorial, figure_lines, page, real_switch, updated

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="Vue nationale",
    title="Vue nationale — Tableau de bord du numérique en santé",
)


METHOD_BUTTON = "Méthode du statut"  # the help button beside a status


def layout(**params: Any) -> html.Div:
    return page(path=urls.HOME, build=lambda q: _content(q, params), params=params)


def _content(q: queries.Queries, params: dict[str, Any] | None = None) -> list[Any]:
    today = dt.date.today()
    state = urls.normalise(params or {})
    real = urls.real_only(state)
    national = q.series(level="national", codes=["FR"])
    if real:
        national = targets.real_only(national)
    shown = [i for i in q.catalog.indicators if i.headline] or q.catalog.indicators
    rows = views.target_rows(q, today=today, real_only=real)
    sections: list[Any] = []
    for axis in sorted(q.catalog.axes, key=lambda a: a.order):
        cards = [
            html.Div(
                _card(
                    ind,
                    national[national["indicator_id"] == ind.id],
                    today=today,
                    q=q,
                    state=state,
                ),
                className="fr-col-12 fr-col-md-6 fr-col-lg-4",
            )
            for ind in shown
            if ind.axis == axis.id
        ]
        if cards:
            sections.append(
                html.Section(
                    [
                        html.H2(axis.label, className="fr-h4 fr-mt-6w"),
                        html.Div(cards, className="fr-grid-row fr-grid-row--gutters"),
                    ],
                    **dsfr.attrs(aria_label=axis.label),
                )
            )
    return [
        html.H1("Vue nationale", className="fr-mt-4w"),
        html.P(
            "Les indicateurs phares de la feuille de route du numérique en santé, avec leur "
            "dernière valeur, leur objectif daté et la trajectoire projetée. " + updated(q) + ".",
            className="fr-text--lead",
        ),
        real_switch(urls.real_switch("home", state)),
        _summary(rows, state=state),
        *sections,
    ]


def _summary(rows: list[views.TargetRow], *, state: dict[str, str]) -> html.Section:
    counts = Counter(r.assessment.status for r in rows)
    kept = urls.kept(state)
    on_demo = Counter(r.assessment.status for r in rows if r.assessment.rests_on_demo)
    tiles = [
        html.Div(
            html.Div(
                [
                    html.P(str(counts.get(s, 0)), className="tdb-count"),
                    html.P(
                        # the whole tile is the link (fr-enlarge-link): the table of those targets
                        html.A(s.label, href=urls.objectives({**kept, "statut": s.slug})),
                        className="fr-mb-0",
                    ),
                    *(
                        [html.P(demo_share(on_demo[s]), className="fr-text--xs fr-mb-0")]
                        if on_demo.get(s)
                        else []
                    ),
                ],
                className=f"tdb-summary tdb-summary--{s.value} fr-enlarge-link",
            ),
            className="fr-col-6 fr-col-md",
        )
        for s in TargetStatus
    ]
    return html.Section(
        [
            html.H2("Objectifs nationaux", className="fr-h4"),
            html.P(
                [
                    sentence(format_count(len(rows), "objectif daté", "objectifs datés")),
                    f", {demo_share(sum(on_demo.values()))}. " if on_demo else ". ",
                    html.A(
                        "Voir le tableau des objectifs",
                        href=urls.objectives(urls.kept(state)),
                        className="fr-link",
                    ),
                ],
                className="fr-text--sm",
            ),
            html.Div(tiles, className="fr-grid-row fr-grid-row--gutters"),
        ],
        className="fr-mt-4w",
        **dsfr.attrs(aria_label="Synthèse des objectifs"),
    )


def demo_share(count: int) -> str:
    """« dont 3 sur des données de démonstration »."""
    return f"dont {count} sur des données de démonstration"


def _card(
    ind: Indicator,
    series: pd.DataFrame,
    *,
    today: dt.date,
    q: queries.Queries,
    state: dict[str, str],
) -> Any:
    visible = series.dropna(subset=["value"])
    figures = views.latest_figures(series, ind=ind, today=today)
    target = views.main_target(ind, today=today)
    body: list[Any] = figure_lines(ind, figures, lead="Dernier chiffre réel : ")
    badges: list[Any] = []
    if figures.real is None and figures.demo is not None:
        badges.append(dsfr.badge(Origin.demo.label, kind="new", icon=False))
    if target is not None:
        a = views.assess(series, target, ind=ind, today=today)
        progress = (
            f" — {format_number(a.progress, unit='percent')} d'avancement"
            if a.progress is not None
            else ""
        )
        compared = views.compared_text(a, target, ind)
        if compared:  # a yearly target of a flow: its 12-month sum, not the monthly value
            body.append(html.P(compared, className="fr-text--sm fr-mb-1v tdb-compared"))
        body.append(
            html.P(
                f"Objectif : {views.target_text(target, ind)} "
                f"au {format_date(target.deadline)}{progress}",
                className="fr-text--sm fr-mb-1v",
            )
        )
        if a.reason:
            body.append(html.P(f"Non comparable : {a.reason}", className="fr-text--xs fr-mb-1v"))
        if a.rests_on_demo:
            body.append(
                html.P(f"Statut : {a.basis_label.lower()}", className="fr-text--xs fr-mb-1v")
            )
        body.append(
            html.Div(
                [
                    dsfr.badge(a.label, kind=a.status.tone),
                    dsfr.tooltip(
                        # one button per card: its name says which indicator it explains
                        trigger_text=f"{METHOD_BUTTON} : {ind.short_label}",
                        text=targets.METHOD_TEXT,
                        tooltip_id=f"methode-{ind.id}",
                    ),
                ],
                className="tdb-status",
            )
        )
    else:
        body.append(html.P("Pas d'objectif daté", className="fr-text--sm fr-mb-1v"))
    if not visible.empty:
        # A plain SVG image, not a Plotly chart: a dozen charts on this page cost seconds.
        body.append(
            html.Img(
                src=sparkline_svg(series, indicator=ind, width=240, height=40),
                alt=_spark_text(ind, visible),
                id=f"sparkline-{ind.id}",
                className="tdb-sparkline",
                width="240",
                height="40",
            )
        )
    source = ind.sources[0].name if ind.sources else ""
    return dsfr.card(
        title=ind.short_label,
        href=urls.indicator(ind.id, urls.kept(state)),
        body=body,
        badges=badges,
        detail_end=["Source : ", *editorial(source), f". {updated(q)}."],
    )


def _spark_text(ind: Indicator, visible: pd.DataFrame) -> str:
    first, last = visible.iloc[0], visible.iloc[-1]
    return (
        f"Évolution de {format_period(first['period_start'], frequency=ind.frequency)} "
        f"({format_number(float(first['value']), unit=ind.unit, decimals=ind.decimals)}) "
        f"à {format_period(last['period_start'], frequency=ind.frequency)} "
        f"({format_number(float(last['value']), unit=ind.unit, decimals=ind.decimals)})."
    )
