"""The open API: /api/v1/… (catalog, values, targets, areas, changes, exports, OpenAPI),
the Atom feed of changes and the health checks, on the dashboard's Flask server.

Every answer says only what the reader may see (core.policy with dashboard.actor): a
restricted indicator is a 404 for an anonymous caller and is absent from lists, exports
and the change feed. Errors are RFC 9457 problem documents in French, never a trace.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from werkzeug.exceptions import HTTPException

from dashboard import guards, queries, urls
from dashboard.api import http
from dashboard.api.answers import Answers
from dashboard.api.endpoints import ENDPOINTS, Endpoint
from dashboard.api.problems import Problem
from dashboard.api.problems import response as problem_response
from dashboard.api.routes import HANDLERS


def _view(endpoint: Endpoint, answers: Answers) -> Callable[..., flask.Response]:
    """The handler, behind validators (304), the answers already built for the same tag
    (answers.py), problems and the reader's cache headers."""
    handler = HANDLERS[endpoint.operation_id]

    def view(**path: str) -> flask.Response:
        try:
            if not endpoint.validated:
                return handler(**path)
            tag, modified = http.etag(), http.last_modified()
            if http.not_modified(tag, modified):
                response = flask.Response(status=304)
                http.validate(response, tag, modified)
                return response
            key = Answers.key(tag)
            kept = answers.get(key)
            response = kept if kept is not None else handler(**path)
            if kept is None:
                answers.keep(key, response)
            http.validate(response, tag, modified)
            return response
        except Problem as problem:
            return problem_response(problem)
        except queries.DataUnavailable as exc:
            return problem_response(Problem(503, str(exc)))
        except Exception:  # a bug must still answer a problem, never a trace
            # the app's logger: its records are cut to a bounded length (guards.BoundedRecords)
            flask.current_app.logger.exception("Erreur de l'API sur %s", flask.request.path)
            return problem_response(Problem(500, "Erreur interne du serveur."))

    view.__name__ = endpoint.operation_id
    return view


def _unknown(rest: str) -> flask.Response:
    return problem_response(Problem(404, "Aucune ressource à cette adresse."))


def register(server: flask.Flask, *, redis_url: str = "") -> None:
    """Routes, error shape, cache and CORS headers, and the rate limit of /api/."""
    blueprint = flask.Blueprint("api", __name__)
    answers = Answers()  # this server's, in its process
    for endpoint in ENDPOINTS:
        blueprint.add_url_rule(
            endpoint.route, endpoint.operation_id, _view(endpoint, answers), methods=["GET"]
        )
    blueprint.add_url_rule(urls.API_ANY, "unknown", _unknown, methods=["GET"])
    blueprint.after_request(http.cache_headers)
    server.register_blueprint(blueprint)
    http.install_limiter(server, redis_url=redis_url)
    server.register_error_handler(HTTPException, _http_error)


def _http_error(error: HTTPException) -> flask.Response:
    """API addresses answer problems; the rest keeps the dashboard's French text."""
    if http.is_api_request():
        return http.cache_headers(http.http_problem(error))
    return guards.http_error(error)
