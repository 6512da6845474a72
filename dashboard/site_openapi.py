"""An OpenAPI 3.1 description of the pages and files a reader opens (not the API): pages,
data by URL, the old download links, embeds and the sign-in page, so that schemathesis can
fuzz them as it fuzzes the API (tests/dashboard/test_api_schemathesis.py).

Built from the declarations the server routes with: the page table, the view parameters
and their old names, the data-by-URL suffixes and the download routes (dashboard/urls.py),
the download formats (dashboard/downloads.py, dashboard/view_files.py) and the record
columns (dashboard/records.py). Every parameter is a free text, its declared values given
as examples: an invalid value must get the default view or the not-found page, never a 500.
No page answers 400 (an invalid view parameter means its default) nor 304 (no ETag: Dash
writes a token of its own into every page). Not served: only the tests read it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from core import geography
from core.vocabulary import Level
from dashboard import downloads, records, security, urls

VERSION = "1.0.0"
NOT_FOUND_PAGE = "not_found_404"
TEXT = "text/plain"
HTML = "text/html"
# Values the view parameters take, as examples (each is kept by `urls.normalise`, a test
# checks; "" is the default of a switch, else every example request would set it): those of
# the catalogue (`axe`, `indicateur`) are added by `document`.
PARAM_EXAMPLES: dict[str, tuple[str, ...]] = {
    "territoire": (urls.territory_param("region", "53"), urls.territory_param("department", "2A")),
    "par_habitant": ("oui", "non"),
    "reel": ("oui", ""),
    "niveau": urls.LEVEL_VALUES,
    "periode": ("2019-06", "2019-06-01"),
    "comparer": ("53", "29"),
    "carte": ("tuiles", "geo"),
    "tri": urls.SORT_VALUES,
    "statut": urls.STATUS_VALUES,
    "q": ("bretagne", "29", "activation"),
    "code": ("84", "2A"),
    "evenements": ("non", ""),
    urls.PAGE_PARAM: ("2", str(urls.MAX_PAGE)),
}


# The areas given first as examples: mainland, Corsica, overseas (a test checks they exist).
AREA_EXAMPLES = {Level.region: ("53", "84", "94"), Level.department: ("29", "2A", "971")}


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


def _const(value: str) -> dict[str, Any]:
    return {"type": "string", "const": value}


def _headers(*, framed: bool = False, cache: dict[str, Any] | None = None) -> dict[str, Any]:
    """The headers every answer carries (dashboard/security.py), and its cache policy."""
    ancestors = re.escape("frame-ancestors " + ("*" if framed else "'none'"))
    out = {
        name: _header("En-tête de sécurité.", _const(value))
        for name, value in security.SECURITY_HEADERS.items()
    }
    out["Content-Security-Policy"] = _header(
        "Scripts de ce site seulement ; seules les intégrations se laissent encadrer.",
        {"type": "string", "pattern": f"^default-src 'self'; .*{ancestors}$"},
    )
    if cache is not None:
        out["Cache-Control"] = _header("Durée de conservation.", cache)
    return out


PAGE_CACHE = {"type": "string", "pattern": "^public, max-age=[0-9]+$"}
FILE_CACHE = _const("no-cache")
ERROR_CACHE = _const("no-store")  # errors, and the sign-in form (its CSRF token)
ATTACHMENT = _header(
    "Nom du fichier, qui dit la vue.",
    {
        "type": "string",
        "pattern": '^attachment; filename="[A-Za-z0-9_-]+('
        + "|".join(re.escape(s) for s in downloads.FORMATS)
        + ')"$',
    },
)


def _not_found(*, framed: bool = False) -> dict[str, Any]:
    """Unknown address: the DSFR not-found page, or a plain French text at a file's address
    (an id with a `/` is no file address, so the page answers)."""
    return {
        "description": "Adresse inconnue.",
        "headers": _headers(framed=framed, cache=ERROR_CACHE),
        "content": {HTML: {"schema": {"type": "string"}}, TEXT: {"schema": {"type": "string"}}},
    }


UNAVAILABLE = {
    "description": "Base de données injoignable.",
    "headers": _headers(cache=ERROR_CACHE),
    "content": {TEXT: {"schema": {"type": "string"}}},
}


def _free(examples: Sequence[str], *, known: Collection[str] = ()) -> dict[str, Any]:
    """Any text, the known values (`enum`) drawn as often as free ones."""
    schema: dict[str, Any] = {"type": "string"}
    if known:
        schema = {"anyOf": [{"type": "string", "enum": sorted(known)}, schema]}
    return schema | ({"examples": list(examples)} if examples else {})


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_params(examples: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Each view parameter and each of its old names, free text; a many-valued one repeats
    (`comparer=53&comparer=29`)."""
    out = []
    for param in urls.PARAMS:
        values = list(examples.get(param.name, ()))
        for name in (param.name, *param.old_names):
            schema = _free(values)
            if param.many:
                schema = {"type": "array", "items": schema, "maxItems": urls.MAX_COMPARED + 2}
            out.append(
                {"name": name, "in": "query", "required": False, "schema": schema}
                | ({"style": "form", "explode": True} if param.many else {})
            )
    return out


def _operation(
    operation_id: str,
    summary: str,
    *,
    path_params: list[dict[str, Any]],
    query: list[dict[str, Any]],
    responses: dict[str, Any],
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [*path_params, *query],
            "responses": responses,
        }
    }


def _overrides(
    path: str,
    query: list[dict[str, Any]],
    variables: dict[str, Callable[[str], dict[str, Any]]],
    module: str,
) -> list[dict[str, Any]]:
    """A page's path variables as query parameters too: Dash lets the query override them
    (`/indicateurs/a?indicator_id=b`, the area chooser's `?code=84`), and its data by URL
    follows."""
    taken = {p["name"] for p in query}
    return [
        {"name": n, "in": "query", "required": False, "schema": variables[n](module)}
        for n in re.findall(r"<(\w+)>", path)
        if n not in taken
    ]


def _records_schema() -> dict[str, Any]:
    """A JSON file's records: the columns of dashboard.records, typed by their kind."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(records.REQUIRED),
        "properties": {c.key: c.json_schema() for c in records.COLUMNS},
    }


def _json_file_schema() -> dict[str, Any]:
    string, nullable = {"type": "string"}, {"type": ["string", "null"]}
    props = {
        "title": string,
        "source": nullable,
        "permalink": string,
        "licence": _const(downloads.LICENCE),
        "licence_url": _const(downloads.LICENCE_URL),
        "file": string,
        "records": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(props),
        "properties": props,
    }


def _file_ok(suffixes: Sequence[str]) -> dict[str, Any]:
    """200: the table in the suffix's format; CSV and XLSX are attachments."""
    types = {
        downloads.JSON_MIMETYPE
        if s == downloads.JSON_SUFFIX
        else downloads.MIMETYPES[downloads.FORMATS[s]]
        for s in suffixes
    }
    content: dict[str, Any] = {
        kind: {
            "schema": {"$ref": "#/components/schemas/JsonFile"}
            if kind == downloads.JSON_MIMETYPE
            else {"type": "string"}
        }
        for kind in sorted(types)
    }
    headers = _headers(cache=FILE_CACHE)
    if downloads.JSON_SUFFIX not in suffixes:
        headers["Content-Disposition"] = ATTACHMENT
    return {"description": "Le tableau de la vue.", "headers": headers, "content": content}


def _file_responses(suffixes: Sequence[str], *, may_miss: bool) -> dict[str, Any]:
    out = {"200": _file_ok(suffixes), "503": UNAVAILABLE}
    if may_miss:
        out["404"] = _not_found()
    return out


def _area_codes(level: Level) -> list[str]:
    """Every code of the level, AREA_EXAMPLES first."""
    first = AREA_EXAMPLES[level]
    return [*first, *(a.code for a in geography.by_level(level.value) if a.code not in first)]


def document(*, indicator_ids: Collection[str], axis_ids: Collection[str] = ()) -> dict[str, Any]:
    """The pages, their data by URL, the downloads, the embeds and the sign-in page, for
    the public catalogue's indicators (their ids are drawn beside free texts)."""
    ids = sorted(indicator_ids)
    examples = {**PARAM_EXAMPLES, "axe": tuple(sorted(axis_ids)), "indicateur": tuple(ids[:3])}
    query = _query_params(examples)
    codes = {
        urls.AREA_PAGES[lvl].module: [*_area_codes(lvl), urls.AREA_CHOOSER]
        for lvl in Level.territorial()
    }
    variables: dict[str, Callable[[str], dict[str, Any]]] = {
        "indicator_id": lambda _module: _free(ids[:3], known=ids),
        "code": lambda module: _free(codes[module][:3], known=codes[module]),
    }

    def path_params(module: str) -> list[dict[str, Any]]:
        names = re.findall(r"<(\w+)>", urls.BY_MODULE[module].path)
        return [_path_param(n, variables[n](module)) for n in names]

    paths: dict[str, Any] = {}
    for page in urls.PAGES:
        if page.module == NOT_FOUND_PAGE:  # what every unknown address below answers
            continue
        responses: dict[str, Any] = {
            "200": {
                "description": "La page.",
                "headers": _headers(cache=PAGE_CACHE),
                "content": {HTML: {"schema": {"type": "string"}}},
            }
        }
        if page.is_template:
            responses["404"] = _not_found()
        paths[urls.openapi_path(page.path)] = _operation(
            f"page_{page.module}",
            f"Page {page.path}",
            path_params=path_params(page.module),
            query=query + _overrides(page.path, query, variables, page.module),
            responses=responses,
        )
    for module in urls.VIEW_FILE_PAGES:
        page = urls.BY_MODULE[module]
        for suffix in urls.VIEW_FILE_SUFFIXES:
            paths[urls.openapi_path(page.path) + suffix] = _operation(
                f"file_{module}_{downloads.FORMATS.get(suffix, 'json')}",
                f"Données de la vue {page.path}, en {suffix}",
                path_params=path_params(module),
                query=query + _overrides(page.path, query, variables, module),
                responses=_file_responses([suffix], may_miss=page.is_template),
            )
    paths.update(_downloads(ids, codes=codes, query=query))
    embed = urls.openapi_path(urls.EMBED_INDICATOR_ROUTE)
    paths[embed] = _operation(
        "embed_indicator",
        "Graphique d'un indicateur à intégrer",
        path_params=path_params("indicator"),
        query=query,
        responses={
            "200": {
                "description": "Le graphique et sa source.",
                "headers": _headers(framed=True, cache=PAGE_CACHE),
                "content": {HTML: {"schema": {"type": "string"}}},
            },
            "404": _not_found(framed=True),
            "503": UNAVAILABLE,
        },
    )
    paths[urls.SIGN_IN] = _operation(
        "sign_in",
        "Page de connexion",
        path_params=[],
        query=[
            {
                "name": urls.NEXT_PARAM,
                "in": "query",
                "required": False,
                "schema": _free([urls.HOME, urls.objectives(), urls.indicator(ids[0])]),
            }
        ],
        responses={
            "200": {
                "description": "Le formulaire, qui ne renvoie qu'à une adresse de ce site.",
                "headers": _headers(cache=ERROR_CACHE),
                "content": {HTML: {"schema": {"type": "string"}}},
            }
        },
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pages et fichiers du tableau de bord national du numérique en santé",
            "version": VERSION,
            "description": (
                "Les pages et les fichiers que lit un lecteur (hors API) : ce document sert "
                "aux tests, qui les explorent avec schemathesis."
            ),
        },
        "servers": [{"url": urls.HOME}],
        "paths": paths,
        "components": {"schemas": {"Record": _records_schema(), "JsonFile": _json_file_schema()}},
    }


def _downloads(
    ids: Sequence[str], *, codes: dict[str, list[str]], query: list[dict[str, Any]]
) -> dict[str, Any]:
    """The old `/donnees/…` links: the tables of an indicator view, of a fiche, of a fiche
    région's départements and of /objectifs, in each format."""
    suffixes = list(downloads.FORMATS)
    with_json = [*suffixes, downloads.JSON_SUFFIX]  # an indicator's tables are JSON too

    def names(*bases: str, json: bool = False) -> list[str]:
        return [f"{b}{s}" for b in bases for s in (with_json if json else suffixes)]

    def each_format(*bases: str) -> list[str]:
        """One name per base, each in the next format: examples of files that exist."""
        return [f"{b}{s}" for b, s in zip(bases, itertools.cycle(suffixes), strict=False)]

    regions = codes[urls.AREA_PAGES[Level.region].module]
    firsts = {lvl: codes[urls.AREA_PAGES[lvl].module][0] for lvl in Level.territorial()}
    slugs = [*(str(lvl.slug) for lvl in firsts), urls.OBJECTIVES_SLUG]
    area_names = [*firsts.values(), urls.OBJECTIVES_TABLE]
    tables = downloads.INDICATOR_TABLES
    # the i-th examples of a route's parameters name one file together
    routes = {
        ("indicator", urls.INDICATOR_DOWNLOAD_ROUTE): {
            "indicator_id": _free(ids[: len(tables)], known=ids),
            "name": _free(each_format(*tables), known=names(*tables, json=True)),
        },
        ("region_departments", urls.REGION_DEPARTMENTS_ROUTE): {
            "code": _free(regions[: len(suffixes)], known=regions),
            "name": _free(names(urls.DEPARTMENTS_TABLE), known=names(urls.DEPARTMENTS_TABLE)),
        },
        ("area", urls.AREA_DOWNLOAD_ROUTE): {
            "level_slug": _free(slugs, known=slugs),
            "name": _free(each_format(*area_names), known=names(*area_names, *regions[1:3])),
        },
    }
    return {
        urls.openapi_path(route): _operation(
            f"download_{name}",
            f"Téléchargement {urls.openapi_path(route)}",
            path_params=[_path_param(n, s) for n, s in params.items()],
            query=query,
            responses=_file_responses(
                with_json if name == "indicator" else suffixes, may_miss=True
            ),
        )
        for (name, route), params in routes.items()
    }
