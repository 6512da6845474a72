"""The API's query parameters, declared once: each endpoint reads its parameters through
these declarations, and the OpenAPI document is built from the same objects.

A value that does not parse is a 400 problem naming the parameter and what was expected;
an unknown parameter too (a typo must not silently widen the answer).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.vocabulary import Level, Origin
from dashboard import urls
from dashboard.api.problems import ParameterError, bad_parameters

MAX_PAGE = 1000  # rows of one page of observations or changes
DEFAULT_PAGE = 100
MAX_AREAS = 120
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
LEVELS = tuple(lvl.value for lvl in Level)
ORIGINS = tuple(o.value for o in Origin)
FORMATS = ("json", "csv", "csv-fr", "xlsx")


class Invalid(ValueError):
    """A value that does not parse: the message says what was expected (French)."""


@dataclass(frozen=True)
class ApiParam:
    """One parameter: where it is, its JSON Schema, its French description, and `parse`,
    which turns its text into a value or raises Invalid."""

    name: str
    description: str
    schema: Mapping[str, Any]
    parse: Callable[[str], Any]
    where: str = "query"
    required: bool = False
    default: Any = None

    def openapi(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "in": self.where,
            "required": self.required or self.where == "path",
            "description": self.description,
            "schema": dict(self.schema),
        }
        if self.where == "query":
            out["allowEmptyValue"] = False
        return out


def read(params: Sequence[ApiParam], args: Mapping[str, list[str]]) -> dict[str, Any]:
    """The parsed query of a request (`args`: name → its values); 400 on any bad one,
    every wrong parameter named at once."""
    declared = {p.name: p for p in params if p.where == "query"}
    errors = [
        ParameterError(name[:40], "paramètre inconnu. Attendu : " + _names(declared))
        for name in args
        if name not in declared
    ]
    out: dict[str, Any] = {}
    for name, param in declared.items():
        values = args.get(name, [])
        if not values:
            if param.required:
                errors.append(ParameterError(name, "paramètre obligatoire absent."))
            out[name] = param.default
            continue
        if len(values) > 1:
            errors.append(ParameterError(name, "une seule valeur attendue."))
            continue
        try:
            out[name] = param.parse(values[0])
        except Invalid as exc:
            errors.append(ParameterError(name, f"{_echo(values[0])} : {exc}"))
    if errors:
        raise bad_parameters(errors)
    return out


def _names(declared: Mapping[str, ApiParam]) -> str:
    return ", ".join(declared) if declared else "aucun paramètre"


def _echo(text: str) -> str:
    return f"valeur invalide « {urls.shown(text)} »"


# -- parsers ----------------------------------------------------------------------------


def choice(*values: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in values:
            raise Invalid("Attendu : " + " ou ".join(values) + ".")
        return text

    return parse


def choices(*values: str) -> Callable[[str], tuple[str, ...]]:
    """Comma-separated values among `values`, deduplicated, in the given order."""

    def parse(text: str) -> tuple[str, ...]:
        items = text.split(",")
        if not all(i in values for i in items):
            raise Invalid("Attendu : une liste séparée par des virgules parmi " + ", ".join(values))
        return tuple(dict.fromkeys(items))

    return parse


def month(text: str) -> dt.date:
    found = MONTH.fullmatch(text)
    if found is None or int(found.group(1)) < dt.MINYEAR:
        raise Invalid("Attendu : une période AAAA-MM (ex. 2025-03).")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def day(text: str) -> dt.date:
    try:
        if DAY.fullmatch(text) is None:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid("Attendu : une date AAAA-MM-JJ (ex. 2025-03-31).") from None


def area_codes(text: str) -> tuple[str, ...]:
    """Codes as written; each is checked against the geography of the chosen level."""
    items = tuple(dict.fromkeys(text.split(",")))
    if len(items) > MAX_AREAS or not all(urls.AREA_CODE.fullmatch(i) for i in items):
        raise Invalid(
            f"Attendu : jusqu'à {MAX_AREAS} codes de territoire séparés par des virgules "
            "(ex. 29,35,2A)."
        )
    return items


BREAKDOWN_CODE = re.compile(r"[A-Za-z0-9_-]{1,48}", re.ASCII)


def breakdown_codes(text: str) -> tuple[str, ...]:
    """Codes as written; each is checked against the indicator's breakdown."""
    items = tuple(dict.fromkeys(text.split(",")))
    if len(items) > MAX_AREAS or not all(BREAKDOWN_CODE.fullmatch(i) for i in items):
        raise Invalid("Attendu : des codes de ventilation séparés par des virgules (ex. _total).")
    return items


def page_size(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise Invalid(f"Attendu : un entier de 1 à {MAX_PAGE}.")
    return int(text)


def boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise Invalid("Attendu : true ou false.")
    return text == "true"


def cursor(text: str) -> list[Any]:
    """An opaque cursor given by a previous page (`next`): the key of its last row."""
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"==")
        value = json.loads(raw)
    except (ValueError, UnicodeError, binascii.Error):
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise Invalid("Attendu : le curseur « next » d'une page précédente, tel quel.")
    return value


def make_cursor(key: Sequence[str | int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


# -- the declarations -------------------------------------------------------------------

INDICATOR_ID = ApiParam(
    "indicator_id",
    f"Identifiant de l'indicateur (liste : {urls.API_INDICATORS}).",
    {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
    str,
    where="path",
)
LEVEL = ApiParam(
    "level",
    "Niveau géographique : national, region, department ou group (régions publiées "
    "ensemble par une source).",
    {"type": "string", "enum": list(LEVELS), "default": "national"},
    choice(*LEVELS),
    default="national",
)
AREAS_LEVEL = ApiParam(
    "level",
    "Niveau géographique ; absent : tous les niveaux.",
    {"type": "string", "enum": list(LEVELS)},
    choice(*LEVELS),
)
AREA = ApiParam(
    "area",
    f"Codes de territoire du niveau, séparés par des virgules (jusqu'à {MAX_AREAS}) ; FR y "
    "ajoute la série de la France (en tête, comme le tableau de la page d'un indicateur) ; "
    "absent : tous.",
    {"type": "string", "pattern": "^[0-9A-Za-z]{1,3}(,[0-9A-Za-z]{1,3})*$"},
    area_codes,
)
BREAKDOWN = ApiParam(
    "breakdown",
    "Ventilations retenues, séparées par des virgules : _total (le total seul, comme la "
    "série de la page d'un indicateur) ou les codes de la ventilation de l'indicateur ; "
    "absent : toutes.",
    {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,48}(,[A-Za-z0-9_-]{1,48})*$"},
    breakdown_codes,
)
FROM = ApiParam(
    "from",
    "Première période incluse, AAAA-MM.",
    {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
    month,
)
TO = ApiParam(
    "to",
    "Dernière période incluse, AAAA-MM.",
    {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
    month,
)
ORIGIN = ApiParam(
    "origin",
    "Origines retenues, séparées par des virgules : published (chiffre publié), source "
    "(source ouverte), deposit (dépôt ARS), demo (démonstration) ; absent : toutes.",
    {"type": "string", "pattern": "^(" + "|".join(ORIGINS) + ")(,(" + "|".join(ORIGINS) + "))*$"},
    choices(*ORIGINS),
)
FORMAT = ApiParam(
    "format",
    "json (paginé) ; csv (« , » et point décimal), csv-fr (« ; », virgule décimale, UTF-8 "
    "avec BOM, pour Excel en français) ou xlsx : toute la sélection en un fichier.",
    {"type": "string", "enum": list(FORMATS), "default": "json"},
    choice(*FORMATS),
    default="json",
)
LIMIT = ApiParam(
    "limit",
    f"Nombre de lignes par page (1 à {MAX_PAGE}).",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
    page_size,
    default=DEFAULT_PAGE,
)
CURSOR = ApiParam(
    "cursor",
    "Curseur de la page suivante, donné par « next » de la page précédente.",
    {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,200}$"},
    cursor,
)
SINCE = ApiParam(
    "since",
    "Date AAAA-MM-JJ : les changements enregistrés depuis ce jour (inclus).",
    {"type": "string", "format": "date"},
    day,
    required=True,
)
REAL_ONLY = ApiParam(
    "real_only",
    "true : statuts, progressions et projections calculés sur les seuls chiffres réels "
    "(comme « Données réelles seulement » de /objectifs).",
    {"type": "boolean", "default": False},
    boolean,
    default=False,
)
