"""Indicateur: series with targets and projection, map, ranking, comparison, tables, sources.

The whole view is in the URL (`niveau`, `periode`, `carte`, `comparer`): the controls
are a GET form, so any view is a permalink and back/forward work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash
import pandas as pd
from dash import html

from core import geography
from core.catalog import CatalogError, Event, Indicator
from core.vocabulary import Level, Unit
from dashboard import measure, queries, targets, urls, views
from dashboard.components import dsfr
from dashboard.components.share import share_link
from dashboard.downloads import export_marks, view_name
from dashboard.figures import breakdown, comparison, geo_map, ranking, tile_map, trajectory
from dashboard.figures.comparison import comparison_events
from dashboard.figures.trajectory import shown_events
from dashboard.formatting import (
    format_count,
    format_date,
    format_number,
    format_period,
    join_labels,
    sentence,
)
from dashboard.measure import PER_CAPITA_WORDS
from dashboard.pages._common import (
    NATIONAL_ONLY,
    UNVERIFIED_SOURCE,
    details,
    downloads_block,
    editorial,
    figure_lines,
    graph,
    hidden_fields,
    not_found,
    page,
    real_only_note,
    real_switch,
    table_details,
    updated,
)
from dashboard.pages._events import events_block, events_sentence, last_update_line


def _title(indicator_id: str | None = None, **_: Any) -> str:
    try:
        label = queries.store().catalog.get(indicator_id or "").short_label
    except CatalogError:
        label = "Indicateur inconnu"
    return f"{label} — Tableau de bord du numérique en santé"


dash.register_page(__name__, **urls.registration(__name__), name="Indicateur", title=_title)


def layout(indicator_id: object = None, **params: Any) -> html.Div:
    indicator_id = urls.path_value(indicator_id)
    path = urls.indicator(indicator_id)

    def build(q: queries.Queries) -> list[Any]:
        try:
            indicator = q.catalog.get(indicator_id)
        except CatalogError:
            return not_found(f"L'indicateur « {indicator_id} » n'existe pas.")
        return _content(q, views.indicator_view(q, indicator, params))

    known = indicator_id in queries.store().catalog.by_id
    return page(path=path, build=build, params=params, cacheable=known)


def _content(q: queries.Queries, view: views.IndicatorView) -> list[Any]:
    ind = view.indicator
    today = dt.date.today()
    kept = urls.kept(view.state())
    return [
        dsfr.breadcrumb(
            [
                ("Accueil", urls.with_query(urls.HOME, kept)),
                ("Indicateurs", urls.indicators(kept)),
                (ind.short_label, None),
            ]
        ),
        html.H1(ind.label),
        html.P(editorial(ind.description), className="fr-text--lead"),
        *_territory_link(view, kept),
        real_switch(urls.real_switch("indicator", view.state(), indicator_id=ind.id)),
        *([real_only_note()] if view.real_only else []),
        html.Div(
            figure_lines(
                ind,
                views.latest_figures(view.national, ind=ind, today=today),
                lead="Dernier chiffre réel : ",
            ),
            id="dernier-chiffre-reel",
        ),
        html.P(updated(q) + ".", className="fr-text--sm"),
        share_link(urls.indicator(ind.id, urls.normalise(view.state()))),
        last_update_line(q, ind) or html.Span(),
        _embed_details(view),
        _trajectory_section(view, today=today, events=q.catalog.events),
        _controls(view),
        _territorial_section(q, view),
        _comparison_section(view, events=q.catalog.events),
        _breakdown_section(view),
        _about_section(q, view),
    ]


def _embed_details(view: views.IndicatorView) -> html.Details:
    """« Intégrer ce graphique »: the chart alone for an iframe, and where its code is (the
    code names this site's address, which a cached page cannot know)."""
    ind = view.indicator
    return details(
        "Intégrer ce graphique",
        [
            html.P(
                [
                    "Ce graphique se montre seul, avec sa source et un lien vers cette vue, "
                    "dans un cadre (iframe) sur un autre site : ",
                    html.A(
                        "le graphique seul",
                        href=urls.embed_indicator(ind.id, urls.normalise(view.state())),
                        className="fr-link",
                        id="lien-integrer",
                    ),
                    ". ",
                    html.A(
                        "Code d'intégration à copier",
                        href=urls.open_data({"indicateur": ind.id}, urls.EMBED_ANCHOR),
                        className="fr-link",
                    ),
                    ".",
                ],
                className="fr-text--sm",
            )
        ],
    )


def _territory_link(view: views.IndicatorView, kept: dict[str, str]) -> list[Any]:
    """« Retour à la fiche Bretagne », keeping the territory (and the switches)."""
    if view.territory is None:
        return []
    level, code = view.territory
    area = geography.get_area(level, code)
    return [
        html.P(
            html.A(
                f"Retour à la fiche {area.name}",
                href=urls.area(level, code, kept),
                className="fr-link",
                id="lien-fiche-territoire",
            ),
            className="fr-mb-2w",
        )
    ]


def _fmt(ind: Indicator) -> Any:
    return lambda v: format_number(
        None if pd.isna(v) else float(v), unit=ind.unit, decimals=ind.decimals
    )


def _trajectory_section(
    view: views.IndicatorView, *, today: dt.date, events: Sequence[Event] = ()
) -> html.Section:
    ind = view.indicator
    fr_targets = [t for t in ind.targets if t.scope == "FR"]
    upcoming = sorted(
        (t for t in fr_targets if t.deadline >= today and targets.comparable(t, unit=ind.unit)),
        key=lambda t: t.deadline,
    )
    proj = (
        targets.projection(view.national, upcoming[0], frequency=ind.frequency, today=today)
        if upcoming
        else None
    )
    statuses = []
    for t in fr_targets:
        a = targets.assess(
            view.national,
            t,
            frequency=ind.frequency,
            direction=ind.direction,
            unit=ind.unit,
            today=today,
        )
        when = (
            f" Atteinte projetée : {format_period(a.projected_date, frequency=ind.frequency)}."
            if a.projected_date and not a.status.is_reached
            else ""
        )
        if a.reached_on:
            when += f" {views.reached_text(a, frequency=ind.frequency)}"
        compared = views.compared_text(a, t, ind)
        if compared:
            when = f" {compared}.{when}"
        if a.reason:
            when += f" Non comparable : {a.reason}"
        if a.rests_on_demo:
            when += f" Statut : {a.basis_label.lower()}."
        statuses.append(
            html.Li(
                [
                    dsfr.badge(a.label, kind=a.status.tone),
                    " ",
                    *editorial(
                        f"{t.label} : {views.target_text(t, ind)} au {format_date(t.deadline)} "
                        f"(source : {t.source_title}).{when}"
                    ),
                ]
            )
        )
    visible = view.national.dropna(subset=["value"])
    text = "Aucune valeur nationale disponible."
    if not visible.empty:
        last = visible.iloc[-1]
        text = (
            "Série nationale de "
            f"{format_period(visible.iloc[0]['period_start'], frequency=ind.frequency)} "
            f"à {format_period(last['period_start'], frequency=ind.frequency)} ; dernière valeur "
            f"{format_number(float(last['value']), unit=ind.unit, decimals=ind.decimals)}. "
            "Les points publiés sont marqués d'un losange ; les valeurs de démonstration en gris."
        )
    table = views.series_table(view)
    drawn = (
        shown_events(
            view.national, indicator=ind, targets=fr_targets, projection=proj, events=events
        )
        if view.events_shown
        else []
    )
    return html.Section(
        [
            html.H2("Trajectoire nationale", className="fr-h3 fr-mt-4w"),
            html.Ul(statuses, className="tdb-targets")
            if statuses
            else html.P("Pas d'objectif daté."),
            # the method explains statuses: no status, no button
            dsfr.tooltip(
                trigger_text="Méthode du statut",
                text=targets.METHOD_TEXT,
                tooltip_id="methode-statut",
            )
            if statuses
            else html.Span(),
            graph(
                trajectory(
                    view.national,
                    indicator=ind,
                    targets=fr_targets,
                    projection=proj,
                    events=drawn,
                ),
                graph_id="graphique-trajectoire",
                filename=view_name(view, "trajectoire"),
                description=text,
                marks=export_marks(view, "trajectoire nationale", [view.national]),
            ),
            events_block(
                drawn,
                links=urls.events_switch("indicator", view.state(), indicator_id=ind.id),
                shown=view.events_shown,
                block_id="jalons-trajectoire",
            ),
            *_values(
                view,
                "serie",
                frame=table,
                summary="Tableau des valeurs de la série",
                caption=f"{ind.short_label} : valeurs par période",
                download_label="Télécharger la série affichée :",
            ),
        ],
        **dsfr.attrs(aria_label="Trajectoire nationale"),
    )


def compared_label(level: Level) -> str:
    """« Régions comparées », « Départements comparés »."""
    return f"{level.plural.capitalize()} comparé{'es' if level.words.feminine else 's'}"


def _controls(view: views.IndicatorView) -> html.Section:
    ind = view.indicator
    levels = [lvl for lvl in Level.territorial() if lvl in ind.levels_shown]
    fields: list[Any] = []
    if levels:
        fields.append(
            dsfr.select(
                name="niveau",
                label="Niveau de la carte",
                options=[(str(lvl.slug), lvl.plural.capitalize()) for lvl in levels],
                value=Level(view.level).slug,
                select_id="choix-niveau",
            )
        )
    if view.periods:
        fields.append(
            dsfr.select(
                name="periode",
                label="Période",
                options=[
                    (urls.period_param(p), format_period(p, frequency=ind.frequency))
                    for p in reversed(view.periods)
                ],
                value=urls.period_param(view.period) if view.period else None,
                select_id="choix-periode",
            )
        )
        fields.append(
            dsfr.select(
                name="carte",
                label="Type de carte",
                options=[("tuiles", "Carte en tuiles"), ("geo", "Carte géographique")],
                value=view.map_kind,
                select_id="choix-carte",
            )
        )
    if view.territorial_data:
        fields.append(
            dsfr.select(
                name="comparer",
                label=compared_label(Level(view.level)),
                hint="Plusieurs choix possibles (Ctrl ou Maj + clic, ou Espace)",
                options=[(a.code, f"{a.name} ({a.code})") for a in geography.by_level(view.level)],
                value=view.compared,
                select_id="choix-comparer",
                multiple=True,
            )
        )
    if not fields:
        return html.Section()
    return html.Section(
        dsfr.form(
            [
                html.H2("Choisir la vue", className="fr-h5"),
                html.Div(
                    [html.Div(f, className="fr-col-12 fr-col-md-3") for f in fields],
                    className="fr-grid-row fr-grid-row--gutters",
                ),
                *hidden_fields(urls.kept(view.state())),
                dsfr.button("Afficher", button_id="bouton-afficher"),
            ],
            action=urls.indicator(ind.id),
            form_id="formulaire-vue",
            label="Choix de la vue",
        ),
        className="fr-mt-4w tdb-controls",
    )


def _territorial_section(q: queries.Queries, view: views.IndicatorView) -> html.Section:
    ind = view.indicator
    level_name = Level(view.level).plural
    if view.snapshot is None or not view.territorial_data or view.period is None:
        return html.Section(
            [
                html.H2(f"Carte des {level_name}", className="fr-h3 fr-mt-4w"),
                dsfr.alert(
                    "info",
                    title=NATIONAL_ONLY,
                    text="Aucune valeur territoriale n'est disponible pour cet indicateur à ce "
                    "niveau : aucune source publique ne le publie, et aucune n'a été chargée.",
                ),
            ]
        )
    snap = views.map_snapshot(view)
    shown = view.shown
    period_text = format_period(view.period, frequency=ind.frequency)
    per_100k = f", {PER_CAPITA_WORDS}" if shown.per_capita else ""  # in titles
    # the PNG's title says which populations, as the note on the page does
    populations = f" ({views.population_text(view)})" if shown.per_capita else ""
    marked = view.highlighted
    if view.map_kind == "geo":
        fig = geo_map(
            snap,
            indicator=ind,
            level=view.level,
            contours=queries.contours(view.level),
            highlight=marked,
            shown=shown,
        )
    else:
        fig = tile_map(snap, indicator=ind, level=view.level, highlight=marked, shown=shown)
    table = views.snapshot_table(view)
    shared_note = views.shared_values_note(view)
    known = table[pd.to_numeric(table["Valeur"], errors="coerce").notna()]
    map_text = f"Carte des {level_name}{per_100k}, {period_text}. "
    if not known.empty:
        best, worst = known.iloc[0], known.iloc[-1]
        map_text += (
            f"Valeur la plus favorable : {best['Territoire']} "
            f"({shown.sentence(best['Valeur'], unit=ind.unit)}) ; "
            f"la moins favorable : {worst['Territoire']} "
            f"({shown.sentence(worst['Valeur'], unit=ind.unit)}). "
            + sentence(format_count(len(table) - len(known), "territoire", "territoires"))
            + " sans valeur ou sous secret statistique."
        )
    reference = views.france_reference(view)
    origins = set(snap["origin"].dropna())
    targets_note = views.territories_text(view.territories)
    if targets_note:
        map_text += targets_note
    demo_note = (
        [dsfr.badge("Valeurs de démonstration", kind="new", icon=False)]
        if "demo" in origins
        else []
    )
    return html.Section(
        [
            html.H2(
                f"Carte des {level_name} — {period_text}{per_100k}", className="fr-h3 fr-mt-4w"
            ),
            *demo_note,
            *_measure(view),
            html.P(targets_note, id="cibles-territoriales") if targets_note else html.Span(),
            *_territory_values(view, table),
            graph(
                fig,
                graph_id="graphique-carte",
                filename=view_name(view, "carte"),
                description=map_text,
                marks=export_marks(view, f"carte des {level_name}{per_100k}{populations}", [snap]),
            ),
            html.P(
                "Contours : Source : IGN – ADMIN EXPRESS COG 2018, conversion france-geojson "
                "(G. David), Licence Ouverte.",
                className="fr-text--xs",
            )
            if view.map_kind == "geo"
            else html.Span(),
            html.P(shared_note, className="fr-text--sm") if shared_note else html.Span(),
            html.H3(f"Classement des {level_name}{per_100k}", className="fr-h4 fr-mt-4w"),
            graph(
                ranking(
                    views.ranking_snapshot(snap),
                    indicator=ind,
                    reference=reference,
                    highlight=marked,
                    shown=shown,
                ),
                graph_id="graphique-classement",
                filename=view_name(view, "classement"),
                marks=export_marks(
                    view, f"classement des {level_name}{per_100k}{populations}", [snap]
                ),
                description=f"Classement des {level_name}{per_100k}, {period_text}, "
                "du plus au moins favorable ; des valeurs égales à la précision affichée "
                "partagent leur rang (ex aequo). Les valeurs sont dans le tableau ci-dessous.",
            ),
            table_details(
                "Tableau des valeurs de la carte et du classement",
                caption=f"{ind.short_label} par {Level(view.level).label}{per_100k}, {period_text}",
                frame=table,
                formatters={
                    "Valeur": lambda v: v if isinstance(v, str) else shown.text(v, unit=ind.unit),
                    "Rang": _rank_formatter(table["Rang"]),
                    views.TOTAL_COLUMN: _fmt(ind),
                },
                numeric=["Valeur", "Rang", views.TOTAL_COLUMN],
                table_id="tableau-carte",
            ),
            downloads_block(
                urls.indicator_download(ind.id, "carte"),
                query=view.params(),
                label="Télécharger les valeurs de la carte :",
            ),
        ]
    )


COMPARISON_TITLE = "Évolution comparée à la France"


def _measure(view: views.IndicatorView) -> list[Any]:
    """What the map and the ranking compare, and for a count the « Pour 100 000 habitants /
    Totaux » switch (links that keep the rest of the view)."""
    note = views.measure_note(view)
    parts: list[Any] = [html.P(note, id="mesure-carte", className="fr-text--sm")] if note else []
    if measure.applies(view.indicator, view.level):
        state = urls.normalise(view.state())
        links = urls.per_capita_switch("indicator", state, indicator_id=view.indicator.id)
        parts.append(
            html.Nav(
                html.Ul(
                    [
                        html.Li(
                            html.A(
                                label,
                                href=href,
                                className="fr-tag",
                                **dsfr.attrs(aria_current="true" if current else None),
                            )
                        )
                        for label, href, current in links
                    ],
                    className="fr-tags-group",
                ),
                id="choix-par-habitant",
                **dsfr.attrs(aria_label="Valeurs de la carte et du classement"),
            )
        )
    return parts


def _rank_formatter(ranks: pd.Series) -> Any:
    """« 1er », « 2e », « 1er ex aequo » for a rank shared with another area."""
    shared = set(ranks[measure.tied(ranks.astype("Float64"))].dropna().astype(int))
    return lambda r: "—" if pd.isna(r) else measure.rank_text(int(r), tied=int(r) in shared)


def _territory_values(view: views.IndicatorView, table: pd.DataFrame) -> list[Any]:
    """The highlighted areas' values and ranks in words (the map outlines them)."""
    if view.territory is None or not view.highlighted:
        return []
    ind = view.indicator
    count = int(table["Rang"].notna().sum())
    shared = measure.tied(table["Rang"].astype("Float64"))
    mine = table[table["Code"].isin(view.highlighted)]
    items = [
        html.Li(
            f"{r['Territoire']} : "
            + view.shown.sentence(r["Valeur"], unit=ind.unit)
            + (
                f", rang {int(r['Rang'])}{' ex aequo' if shared[i] else ''} sur {count}"
                if pd.notna(r["Rang"])
                else ""
            )
        )
        for i, r in mine.iterrows()
    ]
    return [
        html.P(
            "Territoire suivi (contour épais sur la carte, en gras dans le classement) :",
            className="fr-mb-1v fr-mt-2w",
        ),
        html.Ul(items, id="valeurs-territoire"),
    ]


def _comparison_section(view: views.IndicatorView, *, events: Sequence[Event] = ()) -> html.Section:
    ind = view.indicator
    title = COMPARISON_TITLE
    choose = compared_label(Level(view.level))
    if view.compared_series.empty:
        return html.Section(
            [
                html.H2(title, className="fr-h3 fr-mt-4w"),
                html.P(
                    f"Choisissez un ou plusieurs territoires dans « {choose} » ci-dessus."
                    if view.territorial_data
                    else NATIONAL_ONLY + ".",
                    className="fr-text--sm",
                ),
            ]
        )
    frame = views.comparison_frame(view)
    areas = [geography.get_area("national", geography.NATIONAL_CODE)] + [
        geography.get_area(level, code)
        for level, code in dict.fromkeys(
            zip(view.compared_series["level"], view.compared_series["code"], strict=True)
        )
    ]
    compared = join_labels([geography.of_area(a) for a in areas])  # « de la France, de l'Île… »
    drawn = comparison_events(frame, events=events) if view.events_shown else []
    per_100k = f", {PER_CAPITA_WORDS}" if view.per_capita else ""
    populations = f" ({_series_populations(frame)})" if view.per_capita else ""
    return html.Section(
        [
            html.H2(title + per_100k, className="fr-h3 fr-mt-4w"),
            *_comparison_measure(view, populations=populations),
            graph(
                comparison(frame, indicator=ind, events=drawn, shown=view.shown),
                graph_id="graphique-comparaison",
                filename=view_name(view, "comparaison"),
                marks=export_marks(
                    view, f"comparaison de territoires{per_100k}{populations}", [frame]
                ),
                description=f"Évolution comparée {compared}{per_100k}. "
                "Les valeurs sont dans le tableau de la série." + events_sentence(drawn),
            ),
        ]
    )


def _series_populations(frame: pd.DataFrame) -> str:
    """« population Insee 2023 »: the populations the comparison divides by."""
    years = zip(frame["name"].astype(str), frame["population_year"].astype(int), strict=True)
    return measure.population_note(years)


def _comparison_measure(view: views.IndicatorView, *, populations: str) -> list[Any]:
    """For a count: whether the comparison draws values per 100 000 inhabitants of each
    area (France's for France) or the totals, with the link to the other."""
    if not measure.applies(view.indicator, view.level):
        return []
    state = urls.normalise(view.state())
    links = urls.per_capita_switch("indicator", state, indicator_id=view.indicator.id)
    other = next(href for _, href, current in links if not current)
    text = (
        f"Valeurs {PER_CAPITA_WORDS}{populations} : la valeur de chaque territoire divisée "
        "par sa population, celle de la France par la population de la France ; les totaux "
        "sont dans le tableau de la série. "
        if view.per_capita
        else "Valeurs totales, qui dépendent de la taille de chaque territoire. "
    )
    label = "Voir les totaux" if view.per_capita else f"Comparer {PER_CAPITA_WORDS}"
    return [
        html.P(
            [text, html.A(label, href=other, className="fr-link")],
            id="mesure-comparaison",
            className="fr-text--sm",
        )
    ]


def _breakdown_section(view: views.IndicatorView) -> html.Section:
    ind = view.indicator
    if view.breakdowns.empty or ind.breakdown is None:
        return html.Section()
    frame = view.breakdowns.copy()
    frame["label"] = frame["breakdown"].map(
        lambda b: ind.breakdown.values.get(b, b) if ind.breakdown else b
    )
    return html.Section(
        [
            html.H2(f"Répartition par {ind.breakdown.label.lower()}", className="fr-h3 fr-mt-4w"),
            graph(
                breakdown(view.breakdowns, indicator=ind),
                graph_id="graphique-repartition",
                filename=view_name(view, "repartition"),
                marks=export_marks(
                    view, f"répartition par {ind.breakdown.label.lower()}", [view.breakdowns]
                ),
                description=f"Répartition nationale par {ind.breakdown.label.lower()} : "
                + join_labels(sorted(set(frame["label"])))
                + ". Les valeurs sont dans le tableau ci-dessous.",
            ),
            *_values(
                view,
                "repartition",
                frame=views.breakdown_table(view),
                summary="Tableau des valeurs de la répartition",
                caption=f"{ind.short_label} par {ind.breakdown.label.lower()}, par période",
                download_label="Télécharger la répartition affichée :",
            ),
        ]
    )


def _values(
    view: views.IndicatorView,
    table: str,
    *,
    frame: pd.DataFrame,
    summary: str,
    caption: str,
    download_label: str,
) -> list[Any]:
    """A chart's value table (values formatted as on the chart) and its three downloads."""
    return [
        table_details(
            summary,
            caption=caption,
            frame=frame,
            formatters={
                "Valeur": _fmt(view.indicator),
                views.PER_CAPITA_COLUMN: lambda v: measure.shown(
                    view.indicator, level=view.level, per_capita=True
                ).text(v, unit=view.indicator.unit),
            },
            numeric=["Valeur", views.PER_CAPITA_COLUMN],
            table_id=f"tableau-{table}",
        ),
        downloads_block(
            urls.indicator_download(view.indicator.id, table),
            query=view.params(),
            label=download_label,
        ),
    ]


def _about_section(q: queries.Queries, view: views.IndicatorView) -> html.Section:
    ind = view.indicator
    published = q.published_figures(indicator_id=ind.id)
    sources = [
        html.Li(
            [
                dsfr.source_link(editorial(s.name), s.url),
                f" — {s.publisher}",
                f" (licence : {s.licence})" if s.licence else "",
                UNVERIFIED_SOURCE if not s.verified else "",
            ]
        )
        for s in ind.sources
    ]
    parts: list[Any] = [
        html.H2("Définition et méthodologie", className="fr-h3 fr-mt-6w"),
        html.P(editorial(ind.description)),
        html.P(editorial(ind.methodology)),
        html.H3("Sources", className="fr-h5"),
        html.Ul(sources),
        html.P(updated(q) + ".", className="fr-text--sm"),
    ]
    if not published.empty:
        rows = [
            [
                format_date(r.period_start),
                format_number(
                    float(r.value),
                    unit=str(r.unit) if r.unit in Unit.__members__ else Unit.count,
                    qualifier=str(r.qualifier or "exact"),
                ),
                "Oui" if r.in_series else "Non (affiché à côté de la série)",
                dsfr.source_link(editorial(r.source_title), r.source_url),
            ]
            for r in published.itertuples()
        ]
        parts.append(
            details(
                f"Chiffres publiés ({len(published)})",
                [
                    dsfr.table(
                        caption=f"Chiffres publiés pour « {ind.short_label} », "
                        "y compris les valeurs alternatives",
                        columns=["Période", "Valeur", "Dans la série", "Source"],
                        rows=rows,
                        numeric=[False, True, False, False],
                    )
                ],
            )
        )
    return html.Section(parts, id="methodologie-indicateur")
