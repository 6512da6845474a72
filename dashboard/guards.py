"""What the server answers to malformed requests: a short French 400/404, never a 500.

Dash's callback endpoint trusts its JSON body: a missing key, a wrong type or an unknown
output raises inside Dash, answers 500 and logs the offending field whole (a megabyte
`output` gives a megabyte log line). `check_callback` validates the body against the
callbacks the app declares, through Flask's public `before_request`, before Dash reads it.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Mapping, Sequence
from typing import Any, cast

import dash
import flask
from dash.exceptions import DependencyException, InvalidResourceError
from werkzeug.exceptions import HTTPException

MAX_CALLBACK_BYTES = 64 * 1024  # the page router's requests are well under 2 kB
MAX_ITEMS = 64  # inputs, states, outputs or changed properties in one request
MAX_LOGGED = 2000  # characters of one log record, message and traceback included
LOCATION_PROPS = frozenset({"pathname", "search", "hash", "href"})  # always text in a browser
ERROR_TEXTS = {
    400: "Requête invalide.",
    404: "Adresse introuvable : aucune page ni aucun fichier à cette adresse.",
    405: "Méthode non autorisée à cette adresse.",
    413: "Requête trop volumineuse.",
    500: "Erreur interne du serveur. Réessayez dans quelques minutes.",
}


class BadCallback(Exception):
    """A callback request that Dash must not see; the message is French and short."""


def check_callback(
    body: object, *, callbacks: Mapping[str, Mapping[str, Any]], pathname_prefix: str
) -> None:
    """Raise BadCallback unless the body names a server callback of the app and carries
    exactly its outputs, inputs and state (same ids and properties, in order), with
    addresses under the app's prefix as a browser sends them."""
    if not isinstance(body, dict):
        raise BadCallback("le corps doit être un objet JSON.")
    output = body.get("output")
    callback = callbacks.get(output, {}) if isinstance(output, str) else {}
    if not isinstance(output, str) or "callback" not in callback:  # clientside: no function
        raise BadCallback("« output » ne désigne aucun rappel du serveur.")
    _check_outputs(body.get("outputs"), declared=_declared_outputs(output))
    _check_dependencies(body.get("inputs"), declared=callback["inputs"], key="inputs")
    _check_dependencies(body.get("state", []), declared=callback["state"], key="state")
    values = [i for i in body["inputs"] + body.get("state", []) if isinstance(i, dict)]
    pathnames = [i.get("value") for i in values if i.get("property") == "pathname"]
    if not all(isinstance(p, str) and p.startswith(pathname_prefix) for p in pathnames):
        raise BadCallback(f"« pathname » doit commencer par « {pathname_prefix} ».")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > MAX_ITEMS:
        raise BadCallback("« changedPropIds » doit être une liste courte.")
    if not all(isinstance(c, str) for c in changed):
        raise BadCallback("« changedPropIds » ne doit contenir que des textes.")


def _declared_outputs(output: str) -> list[dict[str, str]]:
    """`..a.children...b.data..` (several outputs) or `a.children` → ids and properties."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    pairs = [part.rsplit(".", 1) for part in parts]
    return [{"id": p[0], "property": p[-1]} for p in pairs]


def _check_outputs(outputs: object, *, declared: list[dict[str, str]]) -> None:
    """Dash sends one output as an object, several as a list."""
    if len(declared) > 1:
        _check_dependencies(outputs, declared=declared, key="outputs")
    else:
        _check_items([outputs], declared=declared, key="outputs")


def _check_dependencies(items: object, *, declared: Sequence[Mapping[str, str]], key: str) -> None:
    if not isinstance(items, list):
        raise BadCallback(f"« {key} » doit être une liste.")
    _check_items(items, declared=declared, key=key)


def _check_items(items: list[Any], *, declared: Sequence[Mapping[str, str]], key: str) -> None:
    if len(items) != len(declared):
        raise BadCallback(f"« {key} » : {len(declared)} élément(s) attendu(s).")
    for item, expected in zip(items, declared, strict=True):
        group = item if isinstance(item, list) and _is_pattern(expected["id"]) else [item]
        if len(group) > MAX_ITEMS or not all(_matches(one, expected) for one in group):
            raise BadCallback(f"« {key} » ne correspond pas aux dépendances déclarées.")


def _is_pattern(component_id: str) -> bool:
    """Pattern-matching ids are declared as JSON objects (`{"type": …, "index": …}`)."""
    return component_id.startswith("{")


def _matches(item: object, expected: Mapping[str, str]) -> bool:
    if not isinstance(item, dict) or item.get("property") != expected["property"]:
        return False
    if _is_pattern(expected["id"]):
        keys = set(json.loads(expected["id"]))
        found = item.get("id")
        return isinstance(found, dict) and set(found) == keys and all(map(_scalar, found.values()))
    if item.get("id") != expected["id"]:
        return False
    return expected["property"] not in LOCATION_PROPS or isinstance(item.get("value"), str)


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


def install(app: dash.Dash, *, callback_path: str) -> None:
    """French errors for every HTTP error, the callback guard, bounded logs."""
    server = cast(flask.Flask, app.server)
    server.register_error_handler(HTTPException, http_error)
    for missing in (DependencyException, InvalidResourceError):  # Dash: a file it lacks
        server.register_error_handler(missing, missing_file)
    for logger in (server.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, BoundedRecords) for f in logger.filters):
            logger.addFilter(BoundedRecords())

    @server.before_request
    def guard_callbacks() -> flask.Response | None:
        """Registered after Dash's own hooks, so its callbacks are all declared by now."""
        request = flask.request
        if request.path != callback_path or request.method != "POST":
            return None
        if request.content_length is None or request.content_length > MAX_CALLBACK_BYTES:
            return refuse(f"corps absent ou de plus de {MAX_CALLBACK_BYTES // 1024} ko.")
        try:
            check_callback(
                _json_body(request),
                callbacks=app.callback_map,
                pathname_prefix=app.config.requests_pathname_prefix,
            )
        except BadCallback as exc:
            return refuse(str(exc))
        return None


def _json_body(request: flask.Request) -> object:
    """The parsed body, or None if it is not JSON (too deep a nesting included)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def refuse(reason: str) -> flask.Response:
    """400, with what is wrong in a few French words (no echo of the request)."""
    flask.current_app.logger.warning("Requête de rappel refusée : %s", reason)
    return text_response(f"{ERROR_TEXTS[400]} {reason}", status=400)


def text_response(text: str, *, status: int) -> flask.Response:
    response = flask.Response(text, status=status, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def missing_file(_: Exception) -> flask.Response:
    """Dash raises these for a front-end file it does not have (500 or English 404)."""
    return text_response(ERROR_TEXTS[404], status=404)


def http_error(error: HTTPException) -> flask.Response:
    """Every HTTP error (and a 500 for an uncaught exception) as short French text,
    keeping the error's own headers (`Allow` on a 405)."""
    status = error.code or 500
    response = text_response(ERROR_TEXTS.get(status, f"Erreur {status}."), status=status)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


class BoundedRecords(logging.Filter):
    """Cut every record of a logger to MAX_LOGGED characters, traceback included: a
    request's fields must not reach the log whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            trace = "".join(traceback.format_exception(*record.exc_info))
            record.exc_info, record.exc_text = None, None
            message = f"{message}\n{trace}"
        record.msg, record.args = _cut(message), None
        return True


def _cut(text: str) -> str:
    if len(text) <= MAX_LOGGED:
        return text
    half = MAX_LOGGED // 2
    return f"{text[:half]} […{len(text) - 2 * half} caractères…] {text[-half:]}"
