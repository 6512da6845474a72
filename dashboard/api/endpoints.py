"""Every endpoint of the API, declared once: route, parameters, answers.

The routes (dashboard/api/routes.py) read their parameters through `Endpoint.read`, and the
OpenAPI document (dashboard/api/openapi.py) is built from the same declarations, so the
document cannot drift from what the server does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import flask

from dashboard import urls
from dashboard.api import params as p

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET = "application/vnd.apache.parquet"
ATOM = "application/atom+xml"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(item: str, **extra: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON page: `data`, the rows, and `next`, the address of the next page or null."""
    return {
        "type": "object",
        "required": ["data", "next", *extra],
        "properties": {
            "data": {"type": "array", "items": ref(item)},
            "next": {"type": ["string", "null"], "description": "Adresse de la page suivante."},
            **extra,
        },
    }


def list_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "array", "items": ref(item)}},
    }


FILE = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    route: str  # the Flask route, from dashboard/urls.py
    summary: str
    description: str
    tag: str
    params: tuple[p.ApiParam, ...] = ()
    content: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # 200: type → schema
    validated: bool = True  # ETag, Last-Modified and 304 from the data version
    database: bool = True  # answers 503 when the database cannot be read
    not_found: bool = False  # a path parameter may name nothing: 404

    def read(self) -> dict[str, Any]:
        """The request's query, parsed and checked against this endpoint's parameters."""
        args = flask.request.args
        return p.read(self.params, {k: args.getlist(k) for k in args})


INDICATORS = Endpoint(
    "listIndicators",
    urls.API_INDICATORS,
    "Indicateurs du catalogue",
    "Métadonnées de chaque indicateur visible : libellé, description, unité, axe, agrégation, "
    "niveaux, objectifs, sources, méthode, dernière période, dernier chiffre réel et sa date.",
    "catalogue",
    content={JSON: list_of("Indicator")},
)
INDICATOR = Endpoint(
    "getIndicator",
    urls.API_INDICATOR,
    "Un indicateur",
    "Métadonnées d'un indicateur ; 404 s'il est inconnu ou réservé.",
    "catalogue",
    params=(p.INDICATOR_ID,),
    content={JSON: ref("Indicator")},
    not_found=True,
)
OBSERVATIONS = Endpoint(
    "listObservations",
    urls.API_OBSERVATIONS,
    "Valeurs d'un indicateur",
    "Valeurs dans les colonnes des fichiers du tableau de bord (un code et un libellé par "
    "champ codé, période ISO, unité, origine, source), avec numérateur et dénominateur, "
    "drapeaux et traitement, dans l'ordre du tableau de la page d'un indicateur (France, puis "
    "territoires dans l'ordre du COG, total puis parts, période la plus récente d'abord). En "
    "JSON, par pages (curseur « next »), clés des colonnes ; en CSV (standard ou français) ou "
    "XLSX, toute la sélection en un fichier, titres des colonnes : les mêmes octets que le "
    "téléchargement « serie » de la même vue.",
    "données",
    params=(
        p.INDICATOR_ID,
        p.LEVEL,
        p.AREA,
        p.BREAKDOWN,
        p.FROM,
        p.TO,
        p.ORIGIN,
        p.FORMAT,
        p.LIMIT,
        p.CURSOR,
    ),
    content={
        JSON: page_of("Observation", indicator_id={"type": "string"}),
        CSV: FILE,
        XLSX: BINARY,
    },
    not_found=True,
)
AREAS = Endpoint(
    "listAreas",
    urls.API_AREAS,
    "Territoires",
    "Codes, noms, parents et populations des territoires d'un niveau (ou de tous).",
    "référentiels",
    params=(p.AREAS_LEVEL,),
    content={JSON: list_of("Area")},
    validated=False,
    database=False,
)
TARGETS = Endpoint(
    "listTargets",
    urls.API_TARGETS,
    "Objectifs datés et leur statut",
    "Chaque objectif daté des indicateurs visibles, avec statut, taux d'avancement, "
    "projection et origines des points utilisés, calculés par les fonctions de /objectifs.",
    "données",
    params=(p.REAL_ONLY,),
    content={
        JSON: {
            "type": "object",
            "required": ["data", "method"],
            "properties": {
                "data": {"type": "array", "items": ref("TargetAssessment")},
                "method": {"type": "string", "description": "Méthode de calcul, en français."},
            },
        }
    },
)
CHANGES = Endpoint(
    "listChanges",
    urls.API_CHANGES,
    "Changements depuis une date",
    "Historique des écritures : nouvelles valeurs, révisions (avant → après), retraits, "
    "par indicateur visible et par traitement ; par pages (curseur « next »). « new_sources » "
    "(le même à chaque page) : chaque source qui a apporté depuis la date ses premières "
    "valeurs réelles d'un indicateur visible.",
    "données",
    params=(p.SINCE, p.LIMIT, p.CURSOR),
    content={JSON: page_of("Change", new_sources={"type": "array", "items": ref("NewSource")})},
)
EXPORT_CSV = Endpoint(
    "exportObservationsCsv",
    urls.API_EXPORT_CSV,
    "Toutes les valeurs publiques (CSV)",
    "Toutes les valeurs des indicateurs visibles, à tous les niveaux, en un fichier long "
    "(colonnes de Observation, titrées comme les fichiers du tableau de bord).",
    "exports",
    content={CSV: FILE},
)
EXPORT_PARQUET = Endpoint(
    "exportObservationsParquet",
    urls.API_EXPORT_PARQUET,
    "Toutes les valeurs publiques (Parquet)",
    "Le même fichier que le CSV, en Parquet (écrit par DuckDB), colonnes nommées par leurs "
    "clés (celles du JSON).",
    "exports",
    content={PARQUET: BINARY},
)
OPENAPI = Endpoint(
    "getOpenApi",
    urls.API_OPENAPI,
    "Ce document",
    "La description OpenAPI 3.1 de l'API.",
    "service",
    content={JSON: {"type": "object"}},
    validated=False,
    database=False,
)
FEED = Endpoint(
    "getChangeFeed",
    urls.FEED,
    "Flux Atom des changements",
    "Les derniers traitements qui ont changé des valeurs, une entrée par indicateur visible ; "
    "une entrée « Nouvelle source » quand un traitement apporte les premières valeurs réelles "
    "d'un indicateur de sa source.",
    "service",
    content={ATOM: FILE},
)
HEALTHZ = Endpoint(
    "healthz",
    urls.HEALTHZ,
    "Processus en vie",
    "Répond sans lire la base.",
    "service",
    content={JSON: ref("Health")},
    validated=False,
    database=False,
)
READYZ = Endpoint(
    "readyz",
    urls.READYZ,
    "Prêt à servir",
    "Base joignable, version des données et fraîcheur du dernier chargement ; 503 sinon.",
    "service",
    content={JSON: ref("Readiness")},
    validated=False,
)

ENDPOINTS: tuple[Endpoint, ...] = (
    INDICATORS,
    INDICATOR,
    OBSERVATIONS,
    AREAS,
    TARGETS,
    CHANGES,
    EXPORT_CSV,
    EXPORT_PARQUET,
    OPENAPI,
    FEED,
    HEALTHZ,
    READYZ,
)
