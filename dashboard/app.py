"""The Dash application factory: DSFR served by the app itself, partial Plotly, compression.

Nothing is loaded from a third-party CDN at run time: the DSFR and the partial Plotly
build come from node_modules (installed by `make` with `npm ci`) and are served under
/dsfr/ and /vendor/. dcc.Graph uses the `window.Plotly` already on the page, so Dash
never downloads its full Plotly bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import dash
import flask
from flask_compress import Compress

from dashboard import queries
from dashboard.downloads import register as register_downloads
from etl import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
DSFR_DIST = NODE_MODULES / "@gouvfr" / "dsfr" / "dist"
PLOTLY_DIST = NODE_MODULES / "plotly.js-basic-dist-min"
PLOTLY_FILE = "plotly-basic.min.js"
ASSETS = PROJECT_ROOT / "assets"
STATIC = Path(__file__).resolve().parent / "static"
ONE_YEAR = 365 * 24 * 3600


class SetupError(Exception):
    """A front-end dependency is missing; the message says which command installs it."""


INDEX_STRING = """<!DOCTYPE html>
<html lang="fr" data-fr-scheme="light">
    <head>
        {%metas%}
        <title>{%title%}</title>
        <link rel="icon" href="/dsfr/favicon/favicon.svg" type="image/svg+xml">
        {%css%}
        <script src="/vendor/plotly-basic.min.js"></script>
    </head>
    <body>
        {%app_entry%}
        <noscript>
            <p class="fr-container fr-my-2w">Les graphiques ont besoin de JavaScript ;
            chaque tableau de valeurs reste téléchargeable en CSV et XLSX.</p>
        </noscript>
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _check_front_end() -> None:
    for path in (DSFR_DIST / "dsfr.min.css", PLOTLY_DIST / PLOTLY_FILE):
        if not path.exists():
            raise SetupError(
                f"Fichier front absent : {path}. Installez les dépendances npm : "
                "« npm ci » (ou « make setup »)."
            )


def create_app(*, database_url: str | None = None, redis_url: str | None = None) -> dash.Dash:
    """Build the app; URLs default to the DATABASE_URL and REDIS_URL settings."""
    _check_front_end()
    queries.configure(
        database_url=database_url or settings.database_url(),
        redis_url=settings.redis_url() if redis_url is None else redis_url,
    )
    server = flask.Flask(__name__)
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
    app = dash.Dash(
        __name__,
        server=cast(Any, server),
        use_pages=True,
        pages_folder=str(Path(__file__).resolve().parent / "pages"),
        assets_folder=str(ASSETS),
        title="Tableau de bord du numérique en santé",
        update_title=cast(str, None),
        suppress_callback_exceptions=True,
        compress=False,  # flask-compress above already compresses every response
        external_stylesheets=["/dsfr/dsfr.min.css", "/dsfr/utility/icons/icons.min.css"],
        external_scripts=[{"src": "/dsfr/dsfr.module.min.js", "type": "module"}],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX_STRING
    app.layout = dash.page_container
    _routes(server)
    register_downloads(server)
    return app


def _routes(server: flask.Flask) -> None:
    @server.route("/dsfr/<path:name>")
    def dsfr(name: str) -> flask.Response:
        """The DSFR distribution, served whole (its CSS refers to fonts/ and icons/)."""
        response = flask.send_from_directory(DSFR_DIST, name, max_age=ONE_YEAR)
        return response

    @server.route("/vendor/plotly-basic.min.js")
    def plotly_js() -> flask.Response:
        return flask.send_from_directory(PLOTLY_DIST, PLOTLY_FILE, max_age=ONE_YEAR)

    @server.route("/static-tdb/<path:name>")
    def static_files(name: str) -> flask.Response:
        """Vendored contours, fetched by the browser only when a geographic map is chosen."""
        return flask.send_from_directory(STATIC, name, max_age=ONE_YEAR)

    @server.route("/sante")
    def health() -> tuple[dict[str, object], int]:
        try:
            version = queries.store().data_version()
        except queries.DataUnavailable as exc:
            return {"statut": "indisponible", "detail": str(exc)}, 503
        return {"statut": "ok", "version_donnees": version}, 200
