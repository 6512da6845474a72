"""The Dash application factory: DSFR served by the app itself, partial Plotly, compression.

Nothing is loaded from a third-party CDN at run time: the DSFR and the partial Plotly
build are package data (copied from node_modules into dashboard/static/vendor/ by `make`)
and are served under /dsfr/ and /vendor/. dcc.Graph loads Plotly from
`window._dashPlotlyJSURL` when it draws its first chart; the index pins that URL to the
partial build, so Dash never downloads its full bundle and pages without a chart load no
Plotly at all.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import re
import threading
import time
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any, cast

import dash
import flask
from flask_compress import Compress

from core import settings
from core.errors import UserError
from core.package_data import package_path
from core.policy import ANONYMOUS
from dashboard import (
    embed,
    guards,
    queries,
    security,
    server_html,
    sharing,
    signin,
    urls,
    view_files,
)
from dashboard.actor import current_actor
from dashboard.api import register as register_api
from dashboard.callbacks import tables
from dashboard.components import display
from dashboard.downloads import download_links
from dashboard.downloads import register as register_downloads
from dashboard.pages import administration, deposit
from dashboard.pages._common import NOT_KEPT_FLAG

STATIC = package_path("dashboard", "static")
VENDOR = STATIC / "vendor"  # copied from node_modules by `make`, not committed
DSFR_DIST = VENDOR / "dsfr"
PLOTLY_DIST = VENDOR
PLOTLY_FILE = "plotly-basic.min.js"
ASSETS = package_path("dashboard", "assets")
ONE_YEAR = 365 * 24 * 3600
CALLBACK_ROUTE = "_dash-update-component"  # Dash's callback endpoint (under its URL base)
PAGE_MAX_AGE = 60  # seconds a browser or proxy may show a page without asking again


class SetupError(UserError):
    """A front-end dependency is missing; the message says which command installs it."""


# dcc.Graph loads Plotly itself the first time a chart is drawn, from
# window._dashPlotlyJSURL (which Dash points at its full bundle): this script, in a file so
# that the Content-Security-Policy needs no inline script, makes it the partial build
# served here. Deferred, it runs before the deferred scripts of Dash that follow it. Pages
# without a chart never load Plotly.
PLOTLY_URL_JS = "chart-script-url.js"  # no « plotly » in its name: one Plotly file is loaded


def versioned(name: str) -> str:
    """A file of dashboard/static/ with its content's digest in the query: browsers keep
    these files a year (see _routes), and a new version gets a new address."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"{urls.static_file(name)}?v={digest}"


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="fr" data-fr-scheme="system">
    <head>
        {%metas%}
        <title>{%title%}</title>
        <link rel="icon" href="@favicon@" type="image/svg+xml">
        {%css%}
        <script defer src="@plotly_url_js@" data-plotly="@plotly@"></script>
        <noscript><style>._dash-loading, .@placeholder@:empty { display: none; }</style></noscript>
    </head>
    <body>
        {%app_entry%}
        @noscript@
        <div id="@announce@" class="fr-sr-only" role="status" aria-live="polite"></div>
        @display@
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


# Where url-forms.js says, once the view form has been submitted, what the page now shows.
ANNOUNCE_ID = "tdb-annonce"


NOSCRIPT_MARK = "@noscript@"


def noscript(*, server_rendered: bool) -> str:
    """What a browser without JavaScript shows, and only what is true: a page the server
    rendered needs nothing more; any other says so, and links what works without a script
    (the server-rendered pages, the objectives table's downloads)."""
    if server_rendered:
        return ""
    home = f'La <a href="{urls.HOME}">vue nationale</a> s\'affiche sans. '
    pages = home if urls.HOME in SERVER_RENDERED else ""
    downloads = ", ".join(
        f'<a href="{href}" download>{label}</a>'
        for label, href, _detail in download_links(urls.objectives_download())
    )
    return (
        '<noscript><div class="fr-container fr-my-2w" role="region" aria-label="Sans JavaScript">'
        f"<p>Cette page a besoin de JavaScript pour s'afficher. {pages}Le tableau des objectifs "
        f"se télécharge sans : {downloads}.</p></div></noscript>"
    )


INDEX_STRING = (
    INDEX_TEMPLATE.replace("@favicon@", urls.dsfr("favicon/favicon.svg"))
    .replace("@plotly_url_js@", versioned(PLOTLY_URL_JS))
    .replace("@plotly@", urls.PLOTLY_JS)
    .replace("@announce@", ANNOUNCE_ID)
    .replace("@display@", display.modal())
    .replace("@placeholder@", server_html.GRAPH_PLACEHOLDER)
)
# Dash's placeholder while its scripts and the layout load, in French (tdb.css hides the
# renderer's own English one the same way).
DASH_LOADING = "Loading..."
LOADING_TEXT = "Chargement…"

# Pages whose index carries their HTML (dashboard/server_html.py), shared caches included.
SERVER_RENDERED = frozenset(urls.SERVER_RENDERED)
SERVER_PAGE_ID = "tdb-server-page"  # hidden entry point beside it: dashboard/assets/tdb.css
SERVER_PAGE_MAX_AGE = 300  # seconds a shared cache may serve a server-rendered page
# Dash's own scripts (React, its renderer, its components) wait, inert in a <template>,
# for the reader's first interaction with a server-rendered page (any other page loads them
# at once): dash-on-demand.js then loads them in order and starts the renderer. The
# project's assets and the DSFR's script load with the page, deferred.
ON_DEMAND_JS = "dash-on-demand.js"
DASH_SCRIPTS_ID = "tdb-dash-scripts"
DASH_SCRIPT = re.compile(r'<script src="[^"]*_dash-component-suites/[^"]+"></script>\s*')
# The renderer's start, which Dash requires in the index; dash-on-demand.js does the same.
RENDERER_JS = "window.renderer = new DashRenderer();"


ON_DEMAND_SRC = escape(versioned(ON_DEMAND_JS), quote=True)  # hashed once, not per page


def split_scripts(scripts: str, renderer: str) -> str:
    """The page's scripts deferred, Dash's own (and its renderer) kept for the loader."""
    on_demand = "".join(m.group(0).strip() for m in DASH_SCRIPT.finditer(scripts))
    eager = DASH_SCRIPT.sub("", scripts).replace("<script src=", "<script defer src=")
    return (
        f'{eager}\n<template id="{DASH_SCRIPTS_ID}">{on_demand}{renderer}</template>'
        f'\n<script defer src="{ON_DEMAND_SRC}"></script>'
    )


logger = logging.getLogger(__name__)


class DashboardApp(dash.Dash):
    """Dash, with the HTML of the server-rendered pages in their index, and its own scripts
    loaded on demand (dash-on-demand.js; Plotly follows when Dash draws the first chart)."""

    def interpolate_index(
        self,
        metas: Any = "",
        title: Any = "",
        css: Any = "",
        config: Any = "",
        scripts: Any = "",
        app_entry: Any = "",
        favicon: Any = "",
        renderer: Any = "",
    ) -> Any:
        app_entry = app_entry.replace(DASH_LOADING, LOADING_TEXT)
        copy = ""
        if flask.has_request_context() and flask.request.method in ("GET", "HEAD"):
            copy = server_page(flask.request.path)
            app_entry = copy + app_entry
            meta = sharing.page_meta(flask.request.path, flask.request.args.to_dict(flat=False))
            title = escape(meta.title, quote=False)  # a catalog label is text, never markup
            metas = sharing.head_tags(meta, root=flask.request.host_url) + "\n        " + metas
        html = cast(
            str,
            super().interpolate_index(
                metas=metas,
                title=title,
                css=css,
                config=config,
                scripts=split_scripts(scripts, renderer),
                app_entry=app_entry,
                favicon=favicon,
                renderer="",  # in the <template> of split_scripts
            ),
        )
        return html.replace(NOSCRIPT_MARK, noscript(server_rendered=bool(copy)), 1)


FRONT_END_FILES = ("dsfr/dsfr.min.css", "dsfr/dsfr.module.min.js", PLOTLY_FILE)


def server_page(path: str) -> str:
    """The page's HTML before Dash's entry point; "" where Dash renders alone.

    Every page template is copied: the layout Dash's router would call for this path
    (its path variables, then the query, as Dash passes them; the 404 page for a path
    that names none), built as the request's reader (dashboard.actor.current_actor(): the
    page cache is keyed on their scope). Dash replaces it once mounted
    (assets/server-page.js). Without data, or with a component that has no server HTML,
    the page is left to Dash alone, as before.
    """
    found = _page_layout(path)
    if found is None:
        return ""
    layout, values = found
    args = {**values, **_query()}
    try:
        q = queries.store()
        q.data_version()
        if current_actor().signed_in:  # their header names them and carries their CSRF token
            body = _page_html(layout, args)
        else:
            # the path variables as the layout sees them: a query parameter of the same
            # name overrides one (`/indicateurs/a?indicator_id=b` is b's page, not a's)
            shown = tuple(sorted(urls.layout_values(values, args).items()))
            key = (
                path,
                shown,
                urls.cache_key(args),
                dt.date.today(),
                settings.dashboard().state_marks,
            )
            body = q.memo("server-html", key, lambda: _page_html(layout, args))
    except _NotKept as exc:
        body = exc.html
    except queries.DataUnavailable:
        return ""
    except server_html.UnrenderableComponent as exc:
        logger.warning("Page %s rendue par Dash seul : %s", path, exc)
        return ""
    flask.g.tdb_server_rendered = True
    return f'<div id="{SERVER_PAGE_ID}">{body}</div>\n'


def _query() -> dict[str, str | list[str]]:
    """The query as Dash's router passes it to a layout: a repeated parameter as a list
    (`comparer=29&comparer=22`), the others as text; blank values kept."""
    return {k: v[0] if len(v) == 1 else v for k, v in flask.request.args.lists()}


def _page_layout(path: str) -> tuple[Any, dict[str, str]] | None:
    """The registered layout a path opens, with its path variables (urls.find), or the 404
    page's; None for a path outside the pages (files, routes) or not server-rendered."""
    found = urls.find(path)
    page, values = found if found is not None else (urls.BY_MODULE["not_found_404"], {})
    if page.path not in SERVER_RENDERED:
        return None
    entry = next(
        (e for e in dash.page_registry.values() if e["module"].rsplit(".", 1)[-1] == page.module),
        None,
    )
    return None if entry is None else (entry["layout"], values)


class _NotKept(Exception):
    """A page shown but never kept whole (see dashboard.pages._common.NOT_KEPT_FLAG)."""

    def __init__(self, html: str) -> None:
        self.html = html


def _page_html(layout: Any, args: Mapping[str, str | list[str]]) -> str:
    """The page's HTML, kept per page (normalised parameters, day, reader's scope and
    versions, like the page's content): converting the layout costs more than building
    a warm one. A page that says the data cannot be read, refuses its parameters or
    names what may not exist is not kept."""
    flask.g.pop(NOT_KEPT_FLAG, None)
    html = server_html.to_html(layout(**args))
    if flask.g.pop(NOT_KEPT_FLAG, False):
        raise _NotKept(html)
    return html


def _check_front_end(vendor: Path = VENDOR) -> None:
    for name in FRONT_END_FILES:
        path = vendor / name
        if not path.exists():
            raise SetupError(
                f"Fichier front absent : {path}. Copiez les fichiers front depuis node_modules "
                "avec « make front-end » (ou « make setup »), ou installez le paquet construit."
            )


def create_app(
    *, database_url: str | None = None, redis_url: str | None = None, warm: bool = False
) -> dash.Dash:
    """Build the app; URLs default to the DATABASE_URL and REDIS_URL settings.

    `warm` builds the default pages in a background thread (see `warm_cache`): the
    server entry points ask for it, tests and scripts do not.
    """
    _check_front_end()
    redis_url = settings.dashboard().redis_url if redis_url is None else redis_url
    queries.configure(database_url=database_url or settings.database_url(), redis_url=redis_url)
    server = flask.Flask(__name__)
    _server_timing(server)  # first: its after_request then runs last, after compression
    server.config["COMPRESS_MIMETYPES"] = [
        "text/html",
        "text/css",
        "text/csv",
        "application/javascript",
        "text/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
    ]
    server.config["COMPRESS_ALGORITHM"] = ["br", "gzip"]
    server.config["COMPRESS_MIN_SIZE"] = 500
    Compress(server)
    app = DashboardApp(
        __name__,
        server=cast(Any, server),
        use_pages=True,
        pages_folder=str(package_path("dashboard", "pages")),
        assets_folder=str(ASSETS),
        title="Tableau de bord du numérique en santé",
        update_title=cast(str, None),
        suppress_callback_exceptions=True,
        compress=False,  # flask-compress above already compresses every response
        external_stylesheets=[urls.dsfr("dsfr.min.css")],  # no utility icon class is used
        external_scripts=[{"src": urls.dsfr("dsfr.module.min.js"), "type": "module"}],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        include_pages_meta=False,  # dashboard/sharing.py writes them, description included
    )
    app.index_string = INDEX_STRING
    app.renderer = RENDERER_JS
    app.layout = dash.page_container
    tables.register(app)
    _routes(server)
    signin.install(app, callback_path=app.config.routes_pathname_prefix + CALLBACK_ROUTE)
    deposit.install(server)
    administration.install(server)
    guards.install(app, callback_path=app.config.routes_pathname_prefix + CALLBACK_ROUTE)
    _cache_headers(server)  # before _not_found_status: its hook then sees the final status
    _not_found_status(server)
    register_downloads(server)
    view_files.register(server)
    embed.register(server)
    register_api(server, redis_url=redis_url)
    security.install_headers(app)
    if warm:  # a served process (python -m dashboard, gunicorn), not tests or scripts
        _freeze_heap()
        start_warming(server)
    return app


def _freeze_heap() -> None:
    """Keep the objects built so far (modules, Plotly's validators, the contours, the
    warmed pages…), which live as long as the process, out of the garbage collector's
    full passes: those walked them all and took ~120 ms in one callback out of a few,
    putting the p95 of the callbacks above 100 ms. They are still freed by reference
    counting."""
    gc.collect()
    gc.freeze()


def warm_paths() -> list[tuple[str, dict[str, str]]]:
    """The pages built ahead for anonymous readers: `/`, `/objectifs`, the index pages and
    each public indicator's default view."""
    return urls.warm_paths([i.id for i in queries.store().catalog_for(ANONYMOUS).indicators])


# The indicator views that cost most to build (département tiles, geographic maps, up to
# 0.2 s each), warmed after the default pages: `?niveau=departements`, `?carte=geo`.
WARM_VIEWS: tuple[dict[str, str], ...] = (
    {"niveau": "departements"},
    {"carte": "geo"},
    {"niveau": "departements", "carte": "geo"},
)


def warm_view_paths() -> list[tuple[str, dict[str, str]]]:
    """The département-level and geographic-map views of each indicator (see WARM_VIEWS)."""
    ids = [i.id for i in queries.store().catalog_for(ANONYMOUS).indicators]
    return [
        (urls.BY_MODULE["indicator"].path, {"indicator_id": i, **view})
        for view in WARM_VIEWS
        for i in ids
    ]


def warm_cache(server: flask.Flask, paths: list[tuple[str, dict[str, str]]] | None = None) -> int:
    """Build the layout of the default pages (or of `paths`) once, so that the first
    visitor of each finds it in the cache (keyed on the data version, like every read).
    Reads only, as the public: only anonymous pages are built ahead.

    Returns how many pages were built; a page that fails is skipped (its visitor will
    get the error page as usual), so warming can never take the server down.
    """
    layouts = {
        entry.get("path_template") or entry["path"]: entry["layout"]
        for entry in dash.page_registry.values()
    }
    built = 0
    for path, kwargs in warm_paths() if paths is None else paths:
        layout = layouts.get(path)
        if layout is None:
            continue
        url = urls.fill_query(path, kwargs)
        try:
            with server.test_request_context(url):
                flask.g.actor = ANONYMOUS
                layout(**kwargs)
            built += 1
        except Exception:  # best effort: the request itself reports errors
            continue
    return built


def warm_all(server: flask.Flask) -> int:
    """The default pages first (what most visitors open), then the costlier views."""
    built = warm_cache(server)
    try:
        views_paths = warm_view_paths()
    except queries.DataUnavailable:
        return built
    built += warm_cache(server, views_paths)
    _freeze_heap()
    return built


def start_warming(server: flask.Flask) -> threading.Thread:
    """`warm_all` in a daemon thread: start-up does not wait for it."""
    thread = threading.Thread(target=warm_all, args=(server,), name="tdb-warm-cache", daemon=True)
    thread.start()
    return thread


def _server_timing(server: flask.Flask) -> None:
    """`Server-Timing: app;dur=<ms>` on every Dash callback response (always on, cheap).

    The time from the first before_request hook to the last after_request hook: the
    callback itself, Dash's serialisation and the compression. Browsers show it in their
    network panel; benchmarks/bench_dashboard.py reads it for the server-side p95.
    """

    @server.before_request
    def start_timer() -> None:
        if flask.request.path.endswith(CALLBACK_ROUTE):
            flask.g.tdb_started = time.perf_counter()

    @server.after_request
    def add_server_timing(response: flask.Response) -> flask.Response:
        started = flask.g.pop("tdb_started", None)
        if started is not None:
            ms = (time.perf_counter() - started) * 1000
            metric = f"app;dur={ms:.1f}"
            previous = response.headers.get("Server-Timing")
            response.headers["Server-Timing"] = f"{previous}, {metric}" if previous else metric
        return response


def _cache_headers(server: flask.Flask) -> None:
    """Pages may be reused for PAGE_MAX_AGE seconds, a server-rendered page (the same for
    every anonymous reader) for SERVER_PAGE_MAX_AGE; an error is never stored (it may be
    gone a minute later). What a signed-in reader receives depends on who they are: only
    their own browser may keep it (`private`), and never for another cookie (`Vary`).
    No ETag: Dash writes a token of its own into every page (`end_id`), so no two pages
    are the same bytes and an ETag would never validate."""

    @server.after_request
    def cache_control(response: flask.Response) -> flask.Response:
        server_rendered = flask.g.pop("tdb_server_rendered", False)
        if response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
        elif current_actor().signed_in:
            if _is_page(response) and "Cache-Control" not in response.headers:
                response.cache_control.max_age = PAGE_MAX_AGE
            response.cache_control.public = False
            response.cache_control.private = True
            response.vary.add("Cookie")
        elif _is_page(response) and "Cache-Control" not in response.headers:
            max_age = SERVER_PAGE_MAX_AGE if server_rendered else PAGE_MAX_AGE
            # a signed-in reader's page lists what only they may see: never in a shared cache
            scope = "private" if current_actor().signed_in else "public"
            response.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
        return response


def _is_page(response: flask.Response) -> bool:
    """A page answered to GET or HEAD (not a file, a callback or an error)."""
    return (
        flask.request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "text/html"
    )


def _not_found_status(server: flask.Flask) -> None:
    @server.after_request
    def status_404(response: flask.Response) -> flask.Response:
        request = flask.request
        if (
            request.method in ("GET", "HEAD")
            and request.endpoint == urls.DASH_CATCH_ALL
            and response.status_code == 200
        ):
            ids = {i.id for i in queries.store().catalog.indicators}
            query = request.args.to_dict(flat=False)
            if not urls.page_exists(request.path, query, indicator_ids=ids):
                response.status_code = 404
        return response


def _routes(server: flask.Flask) -> None:
    @server.route(urls.DSFR_ROUTE)
    def dsfr(name: str) -> flask.Response:
        """The DSFR files the pages load (its CSS refers to fonts/ and icons/)."""
        response = flask.send_from_directory(DSFR_DIST, name, max_age=ONE_YEAR)
        return response

    @server.route(urls.PLOTLY_JS)
    def plotly_js() -> flask.Response:
        return flask.send_from_directory(PLOTLY_DIST, PLOTLY_FILE, max_age=ONE_YEAR)

    @server.route(urls.STATIC_ROUTE)
    def static_files(name: str) -> flask.Response:
        """Vendored contours, fetched by the browser only when a geographic map is chosen."""
        return flask.send_from_directory(STATIC, name, max_age=ONE_YEAR)

    @server.route(urls.HEALTH)
    def health() -> tuple[dict[str, object], int]:
        try:
            version = queries.store().data_version()
        except queries.DataUnavailable as exc:
            return {"statut": "indisponible", "detail": str(exc)}, 503
        return {"statut": "ok", "version_donnees": version}, 200
