"""What a page says of itself before any script runs: its title, its description and its
permalink, for search engines and for the preview of a shared link (`og:` tags).

One function, `page_meta`, maps a URL to them, with the same data as the page: the title
is the one the page registers with Dash, an indicator's description gives its latest figure
in the words of the page (real first; a demo value says it is one), a fiche names its
territory. The canonical address is the permalink: the page's path with its normalised view
parameters (urls.normalise), so that every spelling of a view shares one address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

import dash

from core import geography
from core.catalog import CatalogError
from core.vocabulary import Level
from dashboard import queries, urls, views

SITE_NAME = "Tableau de bord du numérique en santé"
ROADMAP = "la feuille de route du numérique en santé"
LOCALE = "fr_FR"


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    canonical: str | None  # path and normalised query; None for a page that does not exist


def page_meta(path: str, args: Mapping[str, object]) -> PageMeta:
    """Title, description and permalink of the page a URL names (the 404 page's if none)."""
    found = urls.find(path)
    if found is None or not _exists(path, args):
        return PageMeta(_title("not_found_404", {}), NOT_FOUND, None)
    page, values = found
    state = urls.normalise(args)
    values = _canonical_values(page, urls.layout_values(values, args), state)
    canonical = urls.with_query(
        page.fill(**values), {k: v for k, v in state.items() if k != "code"}
    )
    describe = DESCRIPTIONS.get(page.module)
    try:
        description = describe(values, state) if describe else SITE_DESCRIPTION
    except queries.DataUnavailable:
        description = SITE_DESCRIPTION
    return PageMeta(_title(page.module, values), description, canonical)


def _exists(path: str, args: Mapping[str, object]) -> bool:
    """Whether the page exists (the same decision as its HTTP status)."""
    query = {k: urls.path_value(v) for k, v in args.items()}
    try:
        ids = set(queries.store().catalog.by_id)
    except queries.DataUnavailable:
        return True  # the page says itself that the data cannot be read
    return urls.page_exists(path, query, indicator_ids=ids)


def _canonical_values(
    page: urls.Page, values: dict[str, str], state: Mapping[str, str]
) -> dict[str, str]:
    """An area's code as the fiche writes it (`2a` → `2A`; the chooser's `?code=`)."""
    level = next((lvl for lvl, p in urls.AREA_PAGES.items() if p == page), None)
    if level is None:
        return values
    code = values["code"]
    code = state.get("code", "") if code == urls.AREA_CHOOSER else code
    return {**values, "code": urls.valid_code(level, code) or code}


def _title(module: str, values: Mapping[str, str]) -> str:
    """The title the page registers with Dash (a text, or a function of its path)."""
    entry = next(
        (e for e in dash.page_registry.values() if e["module"].rsplit(".", 1)[-1] == module), None
    )
    title = entry.get("title") if entry else None
    if callable(title):
        return str(title(**values))
    return str(title) if title else SITE_NAME


SITE_DESCRIPTION = (
    f"Indicateurs de {ROADMAP} : valeurs publiées, sources ouvertes, objectifs datés, "
    "pour la France, les régions et les départements."
)
NOT_FOUND = f"Cette page n'existe pas. {SITE_DESCRIPTION}"


def _home(_values: Mapping[str, str], _state: Mapping[str, str]) -> str:
    return (
        f"Vue nationale des indicateurs phares de {ROADMAP} : dernière valeur, source, "
        "objectif daté et trajectoire projetée, avec le bilan des objectifs tenus ou en retard."
    )


def _objectives(_values: Mapping[str, str], _state: Mapping[str, str]) -> str:
    return (
        f"Tous les objectifs datés de {ROADMAP} : échéance, valeur visée, dernière valeur "
        "réelle et statut (atteint, en avance, en retard), avec leur source."
    )


def _indicator_index(_values: Mapping[str, str], _state: Mapping[str, str]) -> str:
    count = len(queries.store().catalog.indicators)
    return (
        f"Les {count} indicateurs de {ROADMAP}, par axe : définition, source, fréquence, "
        "niveaux publiés et objectifs."
    )


def _area_index(level: Level) -> Callable[[Mapping[str, str], Mapping[str, str]], str]:
    def describe(_values: Mapping[str, str], _state: Mapping[str, str]) -> str:
        count = len(geography.by_level(level.value))
        return (
            f"Les {count} {level.plural.lower()} : carte et liste, et pour chacune sa fiche, "
            f"chaque indicateur de {ROADMAP} à côté de la valeur nationale."
        )

    return describe


def _area(level: Level) -> Callable[[Mapping[str, str], Mapping[str, str]], str]:
    def describe(values: Mapping[str, str], _state: Mapping[str, str]) -> str:
        code = urls.valid_code(level.value, values["code"])
        if code is None:
            return NOT_FOUND
        area = geography.get_area(level.value, code)
        return (
            f"Fiche {level.label} {area.name} ({code}) : chaque indicateur de {ROADMAP} pour "
            f"{geography.with_article(area)}, à côté de la valeur nationale, avec son rang "
            f"parmi les {level.plural.lower()}."
        )

    return describe


def _indicator(values: Mapping[str, str], _state: Mapping[str, str]) -> str:
    q = queries.store()
    try:
        ind = q.catalog.get(values["indicator_id"])
    except CatalogError:
        return NOT_FOUND
    series = q.series(indicator_id=ind.id, level=Level.national.value)
    figures = views.latest_figures(series, ind=ind, today=dt.date.today())
    if figures.real is not None:
        real = figures.real
        source = f", source : {real.source_label}" if real.source_label else ""
        figure = (
            f"{real.value_text(ind)} {real.date_text(ind)} en France "
            f"({real.origin.label.lower()}{source})"
        )
    elif figures.demo is not None:
        demo = figures.demo
        figure = (
            f"{views.NO_REAL_FIGURE.lower()} ; valeur de démonstration "
            f"{demo.value_text(ind)} {demo.date_text(ind)}"
        )
    else:
        figure = views.NO_REAL_FIGURE.lower()
    return f"{ind.label} : {figure}. Évolution, territoires et objectifs de {ROADMAP}."


def _about(_values: Mapping[str, str], _state: Mapping[str, str]) -> str:
    return (
        "Méthodologie, sources et licences, accessibilité et mentions légales du tableau de "
        f"bord de {ROADMAP}."
    )


def _search(_values: Mapping[str, str], state: Mapping[str, str]) -> str:
    words = state.get("q")
    found = f"Résultats pour « {words} » : " if words else ""
    return f"{found}rechercher un indicateur, une région ou un département par son nom ou son code."


DESCRIPTIONS: dict[str, Callable[[Mapping[str, str], Mapping[str, str]], str]] = {
    "home": _home,
    "objectives": _objectives,
    "indicator_index": _indicator_index,
    "region_index": _area_index(Level.region),
    "department_index": _area_index(Level.department),
    "about": _about,
    "search": _search,
    "region": _area(Level.region),
    "department": _area(Level.department),
    "indicator": _indicator,
}


def head_tags(meta: PageMeta, *, root: str) -> str:
    """The <head> tags of a page: description, `og:` tags and canonical link. `root` is the
    site's address (`https://host/`), which `og:url` and the canonical link need whole."""
    url = urljoin(root, meta.canonical) if meta.canonical is not None else None
    metas = [
        ("name", "description", meta.description),
        ("property", "og:title", meta.title),
        ("property", "og:description", meta.description),
        *([("property", "og:url", url)] if url else []),
        ("property", "og:type", "website"),
        ("property", "og:locale", LOCALE),
        ("property", "og:site_name", SITE_NAME),
        ("name", "twitter:card", "summary"),
    ]
    tags = [f'<meta {kind}="{name}" content="{escape(value)}">' for kind, name, value in metas]
    if url:  # a page that does not exist has no permalink
        tags.append(f'<link rel="canonical" href="{escape(url)}">')
    return "\n        ".join(tags)
