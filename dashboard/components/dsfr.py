"""DSFR components for Dash: one function per component, keeping the `fr-` classes and roles.

No Dash package exists for the State design system; the markup follows the DSFR 1.14
documentation so that its CSS and JS (served by the app) apply unchanged. Controls are
native HTML form elements inside GET forms: they work without JavaScript and the small
script in assets/ turns a submission into an in-page navigation (the view is the URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from core.policy import Actor, may_administer, may_deposit
from dashboard import urls
from dashboard.actor import current_actor

Child = Any  # a Dash component, a string or a list of them

SERVICE_TITLE = "Tableau de bord du numérique en santé"
SERVICE_TAGLINE = "Feuille de route du numérique en santé : indicateurs, objectifs, territoires"


def attrs(**attrs: Any) -> dict[str, Any]:
    """`aria_label="x"` → `{"aria-label": "x"}`: Dash takes aria-* and data-* as kwargs."""
    return {k.replace("_", "-"): v for k, v in attrs.items() if v is not None}


def skiplinks() -> html.Div:
    """« Accès rapide » links, the first focusable elements of every page (RGAA 12.7)."""
    links = [
        ("#contenu", "Contenu"),
        ("#navigation-principale", "Menu"),
        ("#pied-de-page", "Pied de page"),
    ]
    return html.Div(
        html.Nav(
            html.Ul(
                [html.Li(html.A(text, href=href, className="fr-link")) for href, text in links],
                className="fr-skiplinks__list",
            ),
            className="fr-container",
            role="navigation",
            **attrs(aria_label="Accès rapide"),
        ),
        className="fr-skiplinks",
    )


def header(*, state_marks: bool, current_path: str = "") -> html.Header:
    """Official header (« République française » block) or a neutral one outside the State."""
    brand_top: list[Child] = []
    if state_marks:
        brand_top = [
            html.Div(
                [
                    html.Div(
                        html.P(["République", html.Br(), "Française"], className="fr-logo"),
                        className="fr-header__logo",
                    ),
                    html.Div(
                        [
                            search_button(),
                            html.Button(
                                "Menu",
                                id="bouton-menu",
                                className="fr-btn--menu fr-btn",
                                title="Menu",
                                **attrs(
                                    data_fr_opened="false",
                                    aria_controls="menu-principal",
                                    aria_haspopup="menu",
                                ),
                            ),
                        ],
                        className="fr-header__navbar",
                    ),
                ],
                className="fr-header__brand-top",
            )
        ]
    service = html.Div(
        [
            html.A(
                html.P(SERVICE_TITLE, className="fr-header__service-title"),
                href=urls.HOME,
                title=f"Accueil — {SERVICE_TITLE}",
            ),
            html.P(SERVICE_TAGLINE, className="fr-header__service-tagline"),
        ],
        className="fr-header__service",
    )
    body = html.Div(
        html.Div(
            html.Div(
                [
                    html.Div([*brand_top, service], className="fr-header__brand fr-enlarge-link"),
                    header_search(account=account_links(current_actor(), current_path)),
                ],
                className="fr-header__body-row",
            ),
            className="fr-container",
        ),
        className="fr-header__body",
    )
    menu = html.Div(
        html.Div(
            [
                html.Button(
                    "Fermer",
                    className="fr-btn--close fr-btn",
                    title="Fermer",
                    **attrs(aria_controls="menu-principal"),
                ),
                html.Div(className="fr-header__menu-links"),  # DSFR copies the account links
                navigation(current_path=current_path),
            ],
            className="fr-container",
        ),
        id="menu-principal",
        className="fr-header__menu fr-modal",
        **attrs(aria_labelledby="bouton-menu"),
    )
    return html.Header([body, menu], className="fr-header", role="banner")


SEARCH_MODAL = "recherche-modale"
SEARCH_FIELD = "recherche-entete"


def search_button() -> html.Button:
    """« Rechercher » in the navbar: opens the search form on a phone (DSFR modal)."""
    return html.Button(
        "Rechercher",
        id="bouton-recherche",
        className="fr-btn--search fr-btn",
        title="Rechercher",
        **attrs(data_fr_opened="false", aria_controls=SEARCH_MODAL),
    )


def search_bar(*, field_id: str, value: str = "", label: str, landmark: str) -> html.Form:
    """A GET form to /recherche?q=…: it works without JavaScript (url-forms.js makes it an
    in-page navigation when scripts run). `landmark` names its search landmark: the header's
    and a page's own are told apart."""
    return html.Form(
        html.Div(
            [
                html.Label(label, className="fr-label", htmlFor=field_id),
                dcc.Input(
                    type="search",
                    name="q",
                    id=field_id,
                    value=value,
                    className="fr-input",
                    placeholder="Indicateur, territoire ou code",
                    autoComplete="off",
                    maxLength=urls.SEARCH_LENGTH,
                ),
                html.Button("Rechercher", className="fr-btn", title="Rechercher", type="submit"),
            ],
            className="fr-search-bar",
        ),
        action=urls.search(),
        method="get",
        role="search",
        **attrs(data_url_form="true", aria_label=landmark),
    )


SIGN_OUT_FORM = "formulaire-deconnexion-entete"


def account_links(actor: Actor, current_path: str = "") -> html.Div:
    """« Se connecter » for the public: a plain link, the same for every anonymous reader
    (no cookie, the page stays cacheable). For a signed-in person: the e-mail, « Déposer »
    and « Administration » where the policy allows and the page exists, and « Se
    déconnecter », a POST form with its CSRF token (a link must not sign out), except on
    the sign-in and sign-out pages, whose own form it would repeat."""
    if not actor.signed_in:
        items: list[Child] = [
            html.A(
                "Se connecter",
                href=urls.sign_in(None if _is_sign_in_page(current_path) else current_path),
                className="fr-btn",
            )
        ]
    else:
        items = [html.Span(actor.email, className="fr-btn")]
        deposit, admin = getattr(urls, "DEPOSIT", None), getattr(urls, "ADMIN", None)
        if deposit and may_deposit(actor, actor.region or ""):
            items.append(html.A("Déposer", href=deposit, className="fr-btn"))
        if admin and may_administer(actor):
            items.append(html.A("Administration", href=admin, className="fr-btn"))
        if not _is_sign_in_page(current_path):  # those pages have their own sign-out form
            items.append(_sign_out_form())
    return html.Div(
        html.Ul([html.Li(i) for i in items], className="fr-btns-group"),
        className="fr-header__tools-links",
    )


def _sign_out_form() -> html.Form:
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button(
                "Se déconnecter",
                type="submit",
                className="fr-btn",
            ),
        ],
        action=urls.SIGN_OUT,
        method="post",
        className=SIGN_OUT_FORM,
    )


def _is_sign_in_page(path: str) -> bool:
    return path.startswith((urls.SIGN_IN, urls.SIGN_OUT))


def header_search(account: Child = None) -> html.Div:
    """The header's search: shown beside the service name, behind a button on a phone."""
    return html.Div(
        [
            *([account] if account is not None else []),
            html.Div(
                html.Div(
                    [
                        html.Button(
                            "Fermer",
                            className="fr-btn--close fr-btn",
                            title="Fermer",
                            **attrs(aria_controls=SEARCH_MODAL),
                        ),
                        search_bar(
                            field_id=SEARCH_FIELD,
                            label="Rechercher un indicateur ou un territoire",
                            landmark="Recherche dans le site",
                        ),
                    ],
                    className="fr-container fr-container-lg--fluid",
                ),
                id=SEARCH_MODAL,
                className="fr-header__search fr-modal",
            ),
        ],
        className="fr-header__tools",
    )


def navigation(*, current_path: str = "") -> html.Nav:
    items = []
    for href, text in urls.navigation():
        current = "page" if urls.section(href) == urls.section(current_path) else None
        items.append(
            html.Li(
                html.A(text, href=href, className="fr-nav__link", **attrs(aria_current=current)),
                className="fr-nav__item",
            )
        )
    return html.Nav(
        html.Ul(items, className="fr-nav__list"),
        id="navigation-principale",
        className="fr-nav",
        role="navigation",
        **attrs(aria_label="Menu principal"),
    )


def footer(*, state_marks: bool) -> html.Footer:
    """Official footer (Marianne block, State links) or a neutral one."""
    brand = (
        [
            html.Div(
                html.A(
                    html.P(["République", html.Br(), "Française"], className="fr-logo"),
                    href=urls.HOME,
                    title=f"Retour à l'accueil — {SERVICE_TITLE}",
                ),
                className="fr-footer__brand fr-enlarge-link",
            )
        ]
        if state_marks
        else []
    )
    official = [
        ("https://www.info.gouv.fr", "info.gouv.fr"),
        ("https://www.service-public.fr", "service-public.fr"),
        ("https://www.data.gouv.fr", "data.gouv.fr"),
    ]
    content = html.Div(
        [
            html.P(
                "Indicateurs de la feuille de route du numérique en santé : valeurs publiées, "
                "chargements des sources ouvertes et objectifs datés.",
                className="fr-footer__content-desc",
            ),
            html.Ul(
                [
                    html.Li(
                        html.A(text, href=href, className="fr-footer__content-link"),
                        className="fr-footer__content-item",
                    )
                    for href, text in (official if state_marks else official[2:])
                ],
                className="fr-footer__content-list",
            ),
        ],
        className="fr-footer__content",
    )
    bottom_links = [
        (urls.about("accessibilite"), "Accessibilité : partiellement conforme"),
        (urls.about("mentions-legales"), "Mentions légales"),
        (urls.about("methodologie"), "Méthodologie"),
        (urls.about("sources"), "Sources et licences"),
    ]
    bottom = html.Div(
        [
            html.Ul(
                [
                    *(
                        html.Li(
                            html.A(text, href=href, className="fr-footer__bottom-link"),
                            className="fr-footer__bottom-item",
                        )
                        for href, text in bottom_links
                    ),
                    html.Li(display_button(), className="fr-footer__bottom-item"),
                ],
                className="fr-footer__bottom-list",
            ),
            html.Div(
                html.P(
                    "Sauf mention contraire, les contenus de ce site sont proposés sous "
                    "Licence Ouverte / Open Licence (Etalab 2.0)."
                ),
                className="fr-footer__bottom-copy",
            ),
        ],
        className="fr-footer__bottom",
    )
    return html.Footer(
        html.Div(
            [html.Div([*brand, content], className="fr-footer__body"), bottom],
            className="fr-container",
        ),
        id="pied-de-page",
        className="fr-footer",
        role="contentinfo",
    )


DISPLAY_MODAL_ID = "fr-theme-modal"  # the modal itself is in the index (dashboard/app.py)


def display_button() -> html.Button:
    """« Paramètres d'affichage » (light, dark or system theme), as the DSFR puts it in the
    footer. The theme needs the DSFR's script: without it the button is hidden (tdb-theme.css)."""
    return html.Button(
        "Paramètres d'affichage",
        type="button",
        className="fr-footer__bottom-link tdb-display-button",
        **attrs(aria_controls=DISPLAY_MODAL_ID, data_fr_opened="false"),
    )


def breadcrumb(items: Sequence[tuple[str, str | None]]) -> html.Nav:
    """`[("Accueil", "/"), ("Indicateur", None)]`: the last item is the current page.

    The current page is not a link (DSFR: « n'est pas structurée dans un lien »): a <span>
    with the link's class, so that every <a> a crawler meets has an address."""
    lis = []
    for i, (text, href) in enumerate(items):
        last = i == len(items) - 1
        link = (
            html.Span(text, className="fr-breadcrumb__link", **attrs(aria_current="page"))
            if last or href is None
            else html.A(text, href=href, className="fr-breadcrumb__link")
        )
        lis.append(html.Li(link))
    return html.Nav(
        [
            html.Button(
                "Voir le fil d'Ariane",
                className="fr-breadcrumb__button",
                **attrs(aria_expanded="false", aria_controls="fil-ariane"),
            ),
            html.Div(
                html.Ol(lis, className="fr-breadcrumb__list"),
                className="fr-collapse",
                id="fil-ariane",
            ),
        ],
        className="fr-breadcrumb",
        role="navigation",
        **attrs(aria_label="vous êtes ici :"),
    )


def alert(kind: str, *, title: str, text: Child = None, small: bool = False) -> html.Div:
    """`kind` in info | success | warning | error; errors are announced (role="alert")."""
    classes = f"fr-alert fr-alert--{kind}" + (" fr-alert--sm" if small else "")
    children: list[Child] = [html.H3(title, className="fr-alert__title")] if title else []
    if text is not None:
        children.append(html.P(text) if isinstance(text, str) else text)
    role = "alert" if kind == "error" else None
    return html.Div(children, className=classes, **attrs(role=role))


def notice(text: Child, *, title: str = "") -> html.Div:
    """The DSFR « bandeau d'information importante », used for the demo-data banner.

    A region named by its title: between the header and <main>, it would otherwise be the
    one piece of content outside any landmark (axe `region`).
    """
    return html.Div(
        html.Div(
            html.Div(
                html.P(
                    [html.Strong(title + " ") if title else "", text], className="fr-notice__title"
                ),
                className="fr-notice__body",
            ),
            className="fr-container",
        ),
        className="fr-notice fr-notice--info",
        id="bandeau-demo",
        role="region",
        **attrs(aria_label=title.rstrip(" :") or "Information importante"),
    )


def badge(text: str, *, kind: str = "", small: bool = True, icon: bool = True) -> html.P:
    """A status badge; `kind` is success | info | warning | error | new or '' (neutral)."""
    classes = "fr-badge"
    if kind:
        classes += f" fr-badge--{kind}"
        if not icon:
            classes += " fr-badge--no-icon"
    if small:
        classes += " fr-badge--sm"
    return html.P(text, className=classes)


def tooltip(*, trigger_text: str, text: str, tooltip_id: str) -> html.Span:
    """A DSFR tooltip on a small button: reachable with the keyboard and read by screen readers."""
    return html.Span(
        [
            html.Button(
                trigger_text,
                className="fr-btn--tooltip fr-btn",
                type="button",
                id=f"{tooltip_id}-bouton",
                **attrs(aria_describedby=tooltip_id),
            ),
            html.Span(
                text,
                className="fr-tooltip fr-placement",
                id=tooltip_id,
                role="tooltip",
                **attrs(aria_hidden="true"),
            ),
        ]
    )


def card(
    *,
    title: str,
    href: str,
    body: Sequence[Child] = (),
    detail_start: Child = None,
    detail_end: Child = None,
    badges: Sequence[Child] = (),
    heading_level: int = 3,
    extra: Sequence[Child] = (),
) -> html.Div:
    """A DSFR card whose title is the link (the whole card is clickable: fr-enlarge-link off,

    so that the tooltips inside stay reachable)."""
    heading = getattr(html, f"H{heading_level}")
    content: list[Child] = []
    if badges:
        content.append(html.Ul([html.Li(b) for b in badges], className="fr-badges-group"))
    content.append(heading(html.A(title, href=href), className="fr-card__title"))
    if body:
        content.append(html.Div(list(body), className="fr-card__desc"))
    if detail_start is not None:
        content.insert(
            0,
            html.Div(html.P(detail_start, className="fr-card__detail"), className="fr-card__start"),
        )
    if detail_end is not None:
        content.append(
            html.Div(html.P(detail_end, className="fr-card__detail"), className="fr-card__end")
        )
    return html.Div(
        html.Div(
            [html.Div(content, className="fr-card__content"), *extra],
            className="fr-card__body",
        ),
        className="fr-card fr-card--sm",
    )


def tile(*, title: str, href: str, description: str = "", detail: str = "") -> html.Div:
    children: list[Child] = [html.H3(html.A(title, href=href), className="fr-tile__title")]
    if description:
        children.append(html.P(description, className="fr-tile__desc"))
    if detail:
        children.append(html.P(detail, className="fr-tile__detail"))
    return html.Div(
        html.Div(html.Div(children, className="fr-tile__content"), className="fr-tile__body"),
        className="fr-tile fr-enlarge-link fr-tile--sm",
    )


def table(
    *,
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Child]],
    numeric: Sequence[bool] | None = None,
    table_id: str | None = None,
    header_links: Sequence[str | None] | None = None,
    caption_hidden: bool = False,
    body_id: Any = None,
    compact: bool = False,
) -> html.Div:
    """A DSFR table with a caption, column headers and row headers (first column).

    `body_id` names the <tbody> (a table whose rows are filled in the browser).

    No column is lost on a phone: below the DSFR « lg » breakpoint (62em) each row becomes
    a block whose cells write their column's name (`data-label`, assets/tdb.css).
    Wherever the table still scrolls sideways, its container is a named region reachable
    with the keyboard (axe `scrollable-region-focusable`). `compact` tightens the cells
    on wide screens, so that a table of many columns fits a 1280 px page without scrolling.
    """
    numeric = numeric or [False] * len(columns)
    heads = []
    for i, name in enumerate(columns):
        link = header_links[i] if header_links else None
        heads.append(
            html.Th(
                html.A(name, href=link) if link else name,
                scope="col",
                className="fr-cell--right" if numeric[i] else None,
            )
        )
    body = []
    for row in rows:
        cells = [
            html.Th(row[0], scope="row", **attrs(data_label=columns[0]))
            if i == 0
            else html.Td(
                cell,
                className="fr-cell--right tdb-num" if numeric[i] else None,
                **attrs(data_label=columns[i]),
            )
            for i, cell in enumerate(row)
        ]
        body.append(html.Tr(cells))
    caption_class = "fr-sr-only" if caption_hidden else None
    return html.Div(
        html.Div(
            html.Div(
                html.Div(
                    html.Table(
                        [
                            html.Caption(caption, className=caption_class),
                            html.Thead(html.Tr(heads)),
                            html.Tbody(body, **attrs(id=body_id)),
                        ],
                        **attrs(id=table_id),
                    ),
                    className="fr-table__content",
                ),
                className="fr-table__container",  # scrolls sideways when too wide
                role="region",
                tabIndex="0",
                **attrs(aria_label=caption),
            ),
            className="fr-table__wrapper",
        ),
        # multiline: long labels wrap instead of widening the page
        className="fr-table fr-table--multiline"
        + (" fr-table--no-caption" if caption_hidden else "")
        + " tdb-table--stack"
        + (" tdb-table--compact" if compact else ""),
    )


def select(
    *,
    name: str,
    label: str,
    options: Sequence[tuple[str, str]],
    value: str | Sequence[str] | None,
    select_id: str,
    hint: str = "",
    multiple: bool = False,
) -> html.Div:
    """A native `<select>` (no dcc.Dropdown: its hidden focus target fails axe).

    `multiple` gives a list box whose selected options are the current values.
    """
    values = [value] if isinstance(value, str) else list(value or [])
    size = min(len(options), 6) if multiple else None
    label_children: list[Child] = [label]
    if hint:
        label_children.append(html.Span(hint, className="fr-hint-text"))
    return html.Div(
        [
            html.Label(label_children, className="fr-label", htmlFor=select_id),
            html.Select(
                [_option(val, text, selected=val in values) for val, text in options],
                className="fr-select" + (" tdb-select-multiple" if multiple else ""),
                id=select_id,
                name=name,
                multiple=multiple,
                size=size,
            ),
        ],
        className="fr-select-group",
    )


def _option(value: str, text: str, *, selected: bool) -> html.Option:
    return (
        html.Option(text, value=value, selected=True)
        if selected
        else html.Option(text, value=value)
    )


def button(
    text: str, *, kind: str = "primary", button_id: str | None = None, submit: bool = True
) -> html.Button:
    classes = "fr-btn" if kind == "primary" else f"fr-btn fr-btn--{kind}"
    extra: dict[str, Any] = {"id": button_id} if button_id else {}
    return html.Button(text, className=classes, type="submit" if submit else "button", **extra)


def link(text: str, *, href: str, download: bool = False, detail: str = "") -> html.A:
    """A DSFR link; a download link says its format and is a plain server route."""
    if download:
        return html.A(
            [text, html.Span(detail, className="fr-link__detail")] if detail else text,
            href=href,
            className="fr-link fr-link--download",
            **attrs(download=""),
        )
    return html.A(text, href=href, className="fr-link")


PUBLIC_SCHEMES = ("https://", "http://")


def source_link(label: Child, url: str | None) -> html.A | html.Span:
    """A source's name, linked to its address when that is a public web address: a file the
    ETL read from disk (file://, a vendored snapshot, a deposit) is named, never linked."""
    if url and url.lower().startswith(PUBLIC_SCHEMES):
        return html.A(label, href=url)
    return html.Span(label)


def form(
    children: Sequence[Child],
    *,
    action: str,
    form_id: str,
    label: str,
    path_template: str | None = None,
) -> html.Form:
    """A GET form whose fields are the URL parameters of the view (works without JS).

    `path_template` (e.g. "/regions/{code}") lets the script put a field in the path.
    """
    return html.Form(
        list(children),
        action=action,
        method="get",
        id=form_id,
        className="tdb-form",
        **attrs(aria_label=label, data_url_form="true", data_path_template=path_template),
    )
