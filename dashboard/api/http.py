"""HTTP around the API's answers: validators and 304, cache and CORS headers, rate limit.

The ETag is a digest of the data version (last successful load), the catalog version, the
reader's scope (core.policy.scope: two readers who see the same data share answers) and
the request's address, so a CDN or a browser may keep an answer until the next load.
Anonymous answers are `public` and open to every origin; a signed-in reader's are `private`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import flask
from werkzeug.exceptions import HTTPException

from core import settings
from core.policy import scope
from dashboard import queries, urls
from dashboard.actor import current_actor
from dashboard.api import problems

PUBLIC_MAX_AGE = 300  # seconds a shared cache may serve an anonymous answer unasked
PRIVATE_MAX_AGE = 60
EXPOSED = "ETag, Last-Modified, Link, Retry-After"
logger = logging.getLogger(__name__)


def etag() -> str:
    q = queries.store()
    parts = (
        str(q.data_version()),
        q.catalog_version,
        scope(current_actor()),
        flask.request.full_path,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def last_modified() -> dt.datetime | None:
    when = queries.store().last_update()
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def not_modified(tag: str, modified: dt.datetime | None) -> bool:
    """Whether the client's copy is current: If-None-Match first (RFC 9110 §13.2.2)."""
    request = flask.request
    if request.if_none_match:
        return request.if_none_match.contains_weak(tag)
    since = request.if_modified_since
    return since is not None and modified is not None and modified.replace(microsecond=0) <= since


def validate(response: flask.Response, tag: str, modified: dt.datetime | None) -> None:
    response.set_etag(tag, weak=True)
    if modified is not None:
        response.last_modified = modified


def cache_headers(response: flask.Response) -> flask.Response:
    """Cache-Control by reader (errors are never stored), CORS for anonymous API reads."""
    actor = current_actor()
    path = flask.request.path
    if response.status_code >= 400 or path in (urls.HEALTHZ, urls.READYZ):
        response.headers["Cache-Control"] = "no-store"
    elif actor.signed_in:
        response.headers["Cache-Control"] = f"private, max-age={PRIVATE_MAX_AGE}"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.vary.add("Cookie")
    if path.startswith(urls.API_ROOT) and not actor.signed_in:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if flask.request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    return response


def is_api_request() -> bool:
    return flask.request.path.startswith(urls.API_ROOT) or flask.request.path in (
        urls.HEALTHZ,
        urls.READYZ,
        urls.FEED,
    )


def http_problem(error: HTTPException) -> flask.Response:
    """An HTTP error of the API (404, 405, 429…) as a problem document, its headers kept."""
    status = error.code or 500
    detail = {
        404: "Aucune ressource à cette adresse.",
        405: "Méthode non autorisée : l'API ne répond qu'à GET.",
        429: "Trop de requêtes pour ce client : réessayez après le délai de Retry-After.",
    }.get(status, problems.TITLES.get(status, f"Erreur {status}."))
    response = problems.response(problems.Problem(status, detail))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# -- rate limit -----------------------------------------------------------------------------


def install_limiter(server: flask.Flask, *, redis_url: str) -> object | None:
    """Anonymous clients of /api/ only, per address (flask-limiter; Redis when REDIS_URL is
    set, so that every worker counts the same requests). None when API_RATE_LIMIT is 0."""
    rate = settings.dashboard().api_rate_limit
    if rate in ("", "0"):
        return None
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=redis_url or "memory://",
        headers_enabled=True,
        default_limits=[rate],
        default_limits_exempt_when=_not_limited,
        key_prefix="tdb-api",
        swallow_errors=True,  # Redis unreachable: serve unlimited rather than fail
    )
    return limiter


def _not_limited() -> bool:
    """Pages, Dash's routes, health checks and signed-in readers are never limited."""
    return not flask.request.path.startswith(urls.API_ROOT) or current_actor().signed_in
