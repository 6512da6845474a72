"""The page shell (skip links, header, demo banner, main, footer) and shared page parts.

Every page layout goes through `page()`, which also turns an unreachable database into
a clear French page instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import urlencode

import flask
from dash import dcc, html

from core import settings
from core.catalog import Indicator
from core.errors import UserError
from core.vocabulary import Origin
from dashboard import queries, urls, views
from dashboard.callbacks import tables
from dashboard.components import dsfr
from dashboard.downloads import download_links
from dashboard.figures import graph_config
from dashboard.figures.theme import Figure, with_export_marks, with_font
from dashboard.formatting import ORDINAL, format_date, french_text

DEMO_TEXT = (
    "ces chiffres sont synthétiques, produits pour montrer le fonctionnement du tableau "
    "de bord ; ils ne décrivent pas la réalité. Les valeurs réellement publiées sont "
    "signalées comme telles dans les graphiques et les tableaux."
)
NATIONAL_ONLY = views.NATIONAL_ONLY
# A catalog source marked `verified: false`, said in words a reader understands.
UNVERIFIED_SOURCE = " — à confirmer : la publication d'origine n'a pas pu être consultée"


# Set when a page must not be kept whole (dashboard/app.py): it says the data cannot be
# read or refuses its parameters, or it names something that may not exist (cacheable=False).
NOT_KEPT_FLAG = "tdb_page_not_kept"


def page(
    *,
    path: str,
    build: Callable[[queries.Queries], Sequence[Any]],
    params: dict[str, Any] | None = None,
    cacheable: bool = True,
) -> html.Div:
    """The whole page; `build` returns the content of <main>.

    `cacheable=False` for what the URL names but does not exist (an unknown code or id):
    any string can be asked, so such pages must never add a cache entry.

    The content is cached per URL, day and data version: a warm page costs one version read.
    """
    marks = settings.dashboard().state_marks
    # Normalised parameters only: an unknown or invalid one adds no cache entry.
    key = (path, urls.cache_key(params or {}), dt.date.today(), marks)  # font: the marks
    try:
        q = queries.store()
        content = q.memo("page", key, lambda: list(build(q))) if cacheable else list(build(q))
        banner = demo_banner(q, params or {})
    except queries.DataUnavailable as exc:
        content = unavailable(str(exc))
        banner = []
        cacheable = False
    except UserError as exc:  # any other error whose French message is meant for the reader
        content = refused(str(exc))
        banner = []
        cacheable = False
    if not cacheable and flask.has_request_context():
        flask.g.setdefault(NOT_KEPT_FLAG, True)
    return html.Div(
        [
            dsfr.skiplinks(),
            dsfr.header(state_marks=marks, current_path=path),
            *banner,
            html.Main(
                html.Div(content, className="fr-container fr-mb-8w"),
                id="contenu",
                role="main",
                tabIndex="-1",
                **dsfr.attrs(data_render=uuid.uuid4().hex),
            ),
            dsfr.footer(state_marks=marks),
        ],
        className="tdb-page" + ("" if marks else " tdb-neutre"),
        # url-forms.js leaves links to these to the browser (files, not pages)
        **dsfr.attrs(data_file_prefixes=" ".join(urls.FILE_PREFIXES)),
    )


def demo_banner(q: queries.Reads, params: dict[str, Any]) -> list[Any]:
    """The demo banner, when synthetic values exist and the view may show them.

    With `reel=oui` every page leaves demo values, statuses and projections out: the
    banner would then announce what the page does not show.
    """
    if urls.real_only(urls.normalise(params)) or not q.has_demo():
        return []
    return [dsfr.notice(DEMO_TEXT, title="Données de démonstration :")]


def unavailable(message: str) -> list[Any]:
    return [
        html.H1("Données momentanément indisponibles", className="fr-mt-4w"),
        dsfr.alert("error", title="La base de données ne répond pas", text=message),
        html.P(html.A("Réessayer", href=urls.HOME, className="fr-btn fr-mt-2w")),
    ]


def refused(message: str) -> list[Any]:
    """A user error (core.errors.UserError) met while building the page: its own message."""
    return [
        html.H1("Cette page ne peut pas être affichée", className="fr-mt-4w"),
        dsfr.alert("error", title="Données ou paramètres invalides", text=message),
        html.P(html.A("Retour à l'accueil", href=urls.HOME, className="fr-btn fr-mt-2w")),
    ]


def not_found(what: str) -> list[Any]:
    """The DSFR 404 page content."""
    return [
        html.Div(
            html.Div(
                [
                    html.H1("Page non trouvée"),
                    html.P("Erreur 404", className="fr-text--sm fr-mb-3w"),
                    html.P(what, className="fr-text--lead fr-mb-3w"),
                    html.P(
                        "Si vous avez tapé l'adresse web dans le navigateur, vérifiez qu'elle est "
                        "correcte. La page n'est peut-être plus disponible.",
                        className="fr-text--sm fr-mb-5w",
                    ),
                    html.Ul(
                        [
                            html.Li(html.A("Page d'accueil", href=urls.HOME, className="fr-btn")),
                            html.Li(
                                html.A(
                                    "Tous les objectifs",
                                    href=urls.objectives(),
                                    className="fr-btn fr-btn--secondary",
                                )
                            ),
                        ],
                        className="fr-btns-group fr-btns-group--inline-md",
                    ),
                ],
                className="fr-py-0 fr-col-12 fr-col-md-6",
            ),
            className="fr-my-7w fr-mt-md-12w fr-mb-md-10w fr-grid-row fr-grid-row--gutters "
            "fr-grid-row--middle fr-grid-row--center",
        )
    ]


def updated(q: queries.Queries) -> str:
    last = q.last_update()
    return f"Mis à jour le {format_date(last)}" if last else "Jamais mis à jour"


def graph(
    figure: Figure,
    *,
    graph_id: str,
    filename: str,
    description: str,
    marks: tuple[str, Sequence[str]] | None = None,
) -> html.Figure:
    """A chart with its text alternative (aria-describedby + a caption), PNG via the modebar.

    The chart stays a <figure> labelled by its <figcaption>: it holds the modebar buttons.
    `marks` (title, notes) are drawn on the chart, so that its PNG export carries them.
    """
    desc_id = f"{graph_id}-description"
    if marks is not None:
        figure = with_export_marks(figure, title=marks[0], notes=marks[1])
    chart = dcc.Graph(
        id=graph_id,
        figure=with_font(figure, state_marks=settings.dashboard().state_marks),
        config=cast(Any, graph_config(filename=filename)),
        className="tdb-graph",
    )
    return html.Figure(
        [chart, html.Figcaption(description, id=desc_id, className="fr-text--sm tdb-figcaption")],
        **dsfr.attrs(aria_labelledby=desc_id),
        className="tdb-figure",
    )


def data_table(
    *,
    caption: str,
    frame: Any,
    formatters: dict[str, Callable[[Any], str]],
    numeric: Sequence[str] = (),
    table_id: str | None = None,
    limit: int = 400,
) -> html.Div:
    """A DSFR table of a frame from `views` (the same frame the downloads send)."""
    columns, rows = _formatted(frame, formatters=formatters, limit=limit)
    return dsfr.table(
        caption=caption,
        columns=columns,
        rows=rows,
        numeric=[c in numeric for c in columns],
        table_id=table_id,
    )


def _formatted(
    frame: Any, *, formatters: dict[str, Callable[[Any], str]], limit: int
) -> tuple[list[str], list[list[str]]]:
    columns = [str(c) for c in frame.columns]
    rows = []
    for record in frame.head(limit).itertuples(index=False):
        cells = []
        for col, value in zip(columns, record, strict=True):
            fmt = formatters.get(col)
            cells.append(fmt(value) if fmt else ("" if value is None else str(value)))
        rows.append(cells)
    return columns, rows


def table_details(
    summary: str,
    *,
    caption: str,
    frame: Any,
    formatters: dict[str, Callable[[Any], str]],
    numeric: Sequence[str] = (),
    table_id: str,
    limit: int = 400,
) -> html.Details:
    """A value table in a closed <details>, its rows built in the browser on first opening.

    The page carries the formatted cells once (a dcc.Store) instead of a component per
    cell: see dashboard/callbacks/tables.py. Same caption, headers and cells as
    `data_table`; the downloads beside it send the same frame.
    """
    columns, rows = _formatted(frame, formatters=formatters, limit=limit)
    flags = [c in numeric for c in columns]
    return html.Details(
        [
            html.Summary(
                summary, id=tables.component_id(tables.OPEN, table_id), className="fr-link"
            ),
            dsfr.table(
                caption=caption,
                columns=columns,
                rows=[],
                numeric=flags,
                table_id=table_id,
                body_id=tables.component_id(tables.ROWS, table_id),
            ),
            dcc.Store(
                id=tables.component_id(tables.DATA, table_id),
                data=tables.store_data(rows, flags, columns),
            ),
        ],
        className="tdb-details fr-mt-2w",
    )


def details(summary: str, children: Sequence[Any], *, open_: bool = False) -> html.Details:
    return html.Details(
        [html.Summary(summary, className="fr-link"), *children],
        className="tdb-details fr-mt-2w",
        open=open_,
    )


def downloads_block(base: str, *, query: dict[str, Any] | None = None, label: str) -> html.Div:
    qs = urlencode({k: v for k, v in (query or {}).items() if v}, doseq=True)
    return html.Div(
        [
            html.P(label, className="fr-text--sm fr-mb-1v"),
            html.Ul(
                [
                    html.Li(dsfr.link(text, href=href, download=True, detail=detail))
                    for text, href, detail in download_links(base, query=qs)
                ],
                className="tdb-downloads",
            ),
        ],
        className="fr-mt-2w",
    )


def real_switch(
    links: Sequence[tuple[str, str, bool]],
    *,
    nav_id: str = "choix-donnees",
    label: str = "Données prises en compte dans les statuts",
) -> html.Nav:
    """The « Toutes les données / Données réelles seulement » switch (or another two-way
    switch of the view: `nav_id`, `label`): plain links (no JavaScript needed), the current
    choice marked in words for screen readers and in bold."""
    return html.Nav(
        html.Ul(
            [
                html.Li(
                    html.A(
                        label,
                        href=href,
                        className="fr-link tdb-tab--current" if current else "fr-link",
                        **dsfr.attrs(aria_current="page" if current else None),
                    )
                )
                for label, href, current in links
            ],
            className="tdb-tabs",
        ),
        id=nav_id,
        className="fr-mb-2w",
        **dsfr.attrs(aria_label=label),
    )


def figure_lines(ind: Indicator, figures: views.LatestFigures, *, lead: str = "") -> list[Any]:
    """The latest real figure first, with its date, source and age; then the demo value,
    secondary and marked, when it is newer (or when there is no real figure). The home
    cards and the indicator pages say it in the same words."""
    lines: list[Any] = []
    real, demo = figures.real, figures.demo
    if real is not None:
        lines.append(
            html.P(
                [
                    lead,
                    html.Span(real.value_text(ind), className="tdb-value"),
                    html.Span(f" {real.date_text(ind)}", className="fr-text--sm"),
                ],
                className="fr-mb-0 tdb-real",
            )
        )
        lines.append(html.P(real_source(real), className="fr-text--xs fr-mb-1v tdb-real-source"))
    else:
        lines.append(html.P(views.NO_REAL_FIGURE, className="fr-text--sm fr-mb-1v tdb-no-real"))
    if demo is not None and figures.demo_is_newer:
        lines.append(
            html.P(
                [
                    dsfr.badge(Origin.demo.label, kind="new", icon=False),
                    f" Valeur de {Origin.demo.label.lower()} : {demo.value_text(ind)} "
                    f"{demo.date_text(ind)}",
                ],
                className="fr-text--xs fr-mb-1v tdb-demo-value",
            )
        )
    return lines


def real_source(real: views.LatestFigure) -> list[Any]:
    """« Chiffre publié — ANS — Chiffres clés (1er octobre 2024), il y a 3 mois »: the origin, the
    source (a published figure's names its publisher first), linked, and the age."""
    label = editorial(real.source_label or real.origin.label)
    source = dsfr.source_link(label, real.source_url)
    return [f"{real.origin.label} — source : ", source, f", {real.age_text}."]


def hidden_fields(kept: dict[str, str]) -> list[dcc.Input]:
    """The kept parameters (`reel`…) as hidden fields, so that a GET form keeps them."""
    return [dcc.Input(type="hidden", name=k, value=v) for k, v in kept.items()]


def real_only_note() -> Any:
    """What `reel=oui` changes on a page that shows values, said above them."""
    return dsfr.alert(
        "info",
        title=urls.REAL_SWITCH[1][0],
        text=f"Les valeurs de {Origin.demo.label.lower()} sont retirées des graphiques, de la "
        "carte, des tableaux et des téléchargements de cette page.",
    )


def editorial(text: str | None) -> list[Any]:
    """Catalog prose and source titles as French typography sets them: `french_text`
    (narrow no-break spaces in numbers, dates in words) and ordinals with their suffix in
    superscript (« 1<sup>er</sup> janvier »)."""
    if not text:
        return []
    text = french_text(text)
    parts: list[Any] = []
    end = 0
    for match in ORDINAL.finditer(text):
        parts.extend([text[end : match.start()], match[1], html.Sup(match[2])])
        end = match.end()
    parts.append(text[end:])
    return [part for part in parts if part != ""]
