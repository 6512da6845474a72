"""What the index pages share: the indicators the reader may see, /regions and /departements.

The index pages are server-rendered (dashboard/app.py): their HTML paints before the scripts.
Their content depends on who reads (restricted indicators), so a signed-in reader's page is
never put in the shared page cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dash import html

from core import geography
from core.catalog import Indicator
from core.policy import may_see_indicator
from core.vocabulary import Level, Origin, TargetStatus
from dashboard import measure, queries, urls
from dashboard.actor import current_actor
from dashboard.components import dsfr
from dashboard.formatting import format_period
from dashboard.lookup import fold
from dashboard.pages._common import hidden_fields, page, updated
from dashboard.pages._tiles import tile_links


def visible_indicators(q: queries.Queries) -> list[Indicator]:
    """The catalog's indicators the reader may know of, in catalog order."""
    actor = current_actor()
    return [i for i in q.catalog.indicators if may_see_indicator(actor, i.visibility)]


def index_page(
    *, path: str, build: Callable[[queries.Queries], Sequence[Any]], params: dict[str, Any]
) -> html.Div:
    """`page()`, cached for anonymous readers only (the page lists what the reader may see)."""
    return page(path=path, build=build, params=params, cacheable=not current_actor().signed_in)


def area_index_layout(level: Level, params: dict[str, Any]) -> html.Div:
    return index_page(
        path=urls.area_index(level),
        build=lambda q: _area_index(q, level=level, params=params),
        params=params,
    )


def _area_index(q: queries.Queries, *, level: Level, params: dict[str, Any]) -> list[Any]:
    state = urls.normalise(params)
    kept = urls.kept(state)
    title = level.plural.capitalize()
    return [
        dsfr.breadcrumb([("Accueil", urls.with_query(urls.HOME, kept)), (title, None)]),
        html.H1(title),
        html.P(
            f"Chaque fiche rassemble les indicateurs de la feuille de route pour le territoire, "
            f"à côté de la valeur nationale. {updated(q)}.",
            className="fr-text--lead",
        ),
        *_tile_section(q, level=level, state=state),
        html.H2(f"Liste des {level.plural}", className="fr-h3 fr-mt-4w"),
        *_area_list(level, kept=kept),
    ]


def by_name(areas: Sequence[geography.Area]) -> list[geography.Area]:
    """Alphabetical order, accents ignored (« Île-de-France » among the I)."""
    return sorted(areas, key=lambda a: fold(a.name))


def _area_link(level: Level, area: geography.Area, kept: dict[str, str]) -> html.A:
    return html.A(f"{area.name} ({area.code})", href=urls.area(level, area.code, kept))


def _area_list(level: Level, *, kept: dict[str, str]) -> list[Any]:
    """Régions as one list; départements grouped by région (each under its heading)."""
    if level is Level.region:
        return [
            html.Ul(
                [html.Li(_area_link(level, a, kept)) for a in by_name(geography.by_level(level))],
                className="tdb-area-list",
            )
        ]
    parts: list[Any] = []
    for region in by_name(geography.by_level(Level.region)):
        parts += [
            html.H3(region.name, className="fr-h6 fr-mt-3w fr-mb-1w"),
            html.Ul(
                [
                    html.Li(_area_link(level, a, kept))
                    for a in geography.departments_of(region.code)
                ],
                className="tdb-area-list",
            ),
        ]
    return parts


def _tile_section(q: queries.Queries, *, level: Level, state: dict[str, str]) -> list[Any]:
    """The tile map of one indicator at this level (`indicateur`, else the first headline
    indicator with values there), linked to that indicator's page."""
    shown = [
        i
        for i in visible_indicators(q)
        if level in i.levels_shown and q.territorial_levels(indicator_id=i.id).get(level.value)
    ]
    if not shown:
        return []
    asked = urls.value(state, "indicateur")
    ind = next(
        (i for i in shown if i.id == asked),
        next((i for i in shown if i.headline), shown[0]),
    )
    periods = q.periods(indicator_id=ind.id, level=level.value)
    if not periods:
        return []
    snapshot = q.snapshot(indicator_id=ind.id, level=level.value, period=periods[-1])
    # a count per 100 000 inhabitants (unless `par_habitant=non`), a yes/no fact as such
    measured = measure.shown(ind, level=level.value, per_capita=urls.per_capita(state))
    if measured.per_capita:
        snapshot = measure.as_per_capita(snapshot, level=level.value)
    per_100k = f", {measure.PER_CAPITA_WORDS}" if measured.per_capita else ""
    period_text = format_period(periods[-1], frequency=ind.frequency)
    demo = Origin.demo.value in set(snapshot["origin"].dropna())
    kept = urls.kept(state)
    chooser = view_form(
        [
            html.Div(
                dsfr.select(
                    name="indicateur",
                    label="Indicateur de la carte",
                    options=[(i.id, i.short_label) for i in shown],
                    value=ind.id,
                    select_id="choix-indicateur-carte",
                ),
                className="fr-col-12 fr-col-md-6",
            )
        ],
        kept=kept,
        action=urls.area_index(level),
        form_id="formulaire-carte",
        label="Choix de l'indicateur de la carte",
        button_id="bouton-carte",
    )
    return [
        html.H2(
            f"Carte des {level.plural} : {ind.short_label}{per_100k}", className="fr-h3 fr-mt-4w"
        ),
        chooser,
        *([dsfr.badge("Valeurs de démonstration", kind="new", icon=False)] if demo else []),
        html.Figure(
            [
                tile_links(snapshot, indicator=ind, level=level, shown=measured, kept=kept),
                html.Figcaption(
                    f"{ind.short_label} par {level.label}{per_100k}, {period_text} : une "
                    f"tuile par {level.label}, chacune un lien vers sa fiche ; chaque fiche "
                    "est aussi dans la liste ci-dessous.",
                    id="carte-index-description",
                    className="fr-text--sm tdb-figcaption",
                ),
            ],
            id="carte-index",
            className="tdb-figure",
            **dsfr.attrs(aria_labelledby="carte-index-description"),
        ),
        html.P(
            html.A(
                f"Voir l'indicateur « {ind.short_label} » par {level.label}",
                href=urls.indicator(ind.id, {**kept, "niveau": level.slug}),
                className="fr-link",
            )
        ),
    ]


def view_form(
    fields: Sequence[html.Div],
    *,
    kept: dict[str, str],
    action: str,
    form_id: str,
    label: str,
    button_id: str,
) -> html.Form:
    """A GET form of view parameters: its fields (grid columns) and « Afficher » on one row,
    the kept parameters as hidden fields."""
    button = html.Div(
        dsfr.button("Afficher", button_id=button_id),
        className="fr-col-12 fr-col-md-3 tdb-align-end",
    )
    return dsfr.form(
        [
            *hidden_fields(kept),
            html.Div([*fields, button], className="fr-grid-row fr-grid-row--gutters"),
        ],
        action=action,
        form_id=form_id,
        label=label,
    )


def axis_status_selects(
    *,
    axes: Sequence[tuple[str, str]],
    axis: str | None,
    status: TargetStatus | None,
    ids: tuple[str, str],
    status_label: str,
) -> list[html.Div]:
    """The « axe » and « statut » filters of /objectifs and /indicateurs, as form columns."""
    return [
        html.Div(
            dsfr.select(
                name="axe",
                label="Axe de la feuille de route",
                options=[("", "Tous les axes"), *axes],
                value=axis or "",
                select_id=ids[0],
            ),
            className="fr-col-12 fr-col-md-4",
        ),
        html.Div(
            dsfr.select(
                name="statut",
                label=status_label,
                options=[("", "Tous les statuts"), *((s.slug, s.label) for s in TargetStatus)],
                value=status.slug if status else "",
                select_id=ids[1],
            ),
            className="fr-col-12 fr-col-md-3",
        ),
    ]


def level_names(levels: Sequence[Level]) -> str:
    """« France, régions, départements »."""
    return ", ".join(lvl.plural if lvl is not Level.national else lvl.label for lvl in levels)
