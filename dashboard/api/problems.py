"""One error shape for the whole API: RFC 9457 problem details, in French.

`{"type", "title", "status", "detail", "errors": [{"parameter", "message"}]}`, served as
`application/problem+json`: a client reads any failure the same way, and never a trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import flask

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Paramètre invalide",
    404: "Ressource introuvable",
    405: "Méthode non autorisée",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Données indisponibles",
}


@dataclass(frozen=True)
class ParameterError:
    parameter: str
    message: str


@dataclass
class Problem(Exception):
    """An API failure with its HTTP status; `errors` name each wrong parameter."""

    status: int
    detail: str
    errors: list[ParameterError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


def bad_parameters(errors: list[ParameterError]) -> Problem:
    names = ", ".join(f"« {e.parameter} »" for e in errors)
    return Problem(400, f"Paramètre(s) invalide(s) : {names}.", errors)


def not_found(detail: str) -> Problem:
    return Problem(404, detail)


def body(problem: Problem) -> dict[str, object]:
    out: dict[str, object] = {
        "type": "about:blank",
        "title": TITLES.get(problem.status, f"Erreur {problem.status}"),
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        out["errors"] = [{"parameter": e.parameter, "message": e.message} for e in problem.errors]
    return out


def response(problem: Problem) -> flask.Response:
    text = json.dumps(body(problem), ensure_ascii=False)
    out = flask.Response(text, status=problem.status, mimetype=PROBLEM_TYPE)
    out.headers["Cache-Control"] = "no-store"
    out.headers["X-Content-Type-Options"] = "nosniff"
    return out


SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["parameter", "message"],
                "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
"""The problem document's JSON Schema (OpenAPI components)."""
