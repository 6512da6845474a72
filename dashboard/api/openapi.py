"""The OpenAPI 3.1 document, built from the endpoint declarations (dashboard/api/endpoints.py)
and the record columns (dashboard/api/records.py, and dashboard/records.py for observations):
what the server reads and answers, not a copy of it."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

from core.catalog import Aggregation, Breakdown, SourceRef, Target
from dashboard import urls
from dashboard.api import problems, records
from dashboard.api.endpoints import ENDPOINTS, Endpoint, ref

VERSION = "1.0.0"
PROBLEM = {problems.PROBLEM_TYPE: {"schema": ref("Problem")}}
CACHE_HEADERS = {
    "ETag": {
        "description": "Version de la réponse (données, catalogue, droits du lecteur).",
        "required": True,
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "Fin du dernier chargement réussi.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public pour un lecteur anonyme, private pour un lecteur connecté.",
        "required": True,
        "schema": {"type": "string"},
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Secondes à attendre avant de réessayer.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _model(models: dict[str, Any], model: type[BaseModel]) -> None:
    """A catalog model's JSON Schema and the ones it refers to, as components."""
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization"
    )
    models.update(schema.pop("$defs", {}))
    models[model.__name__] = schema


def _indicator_schema() -> dict[str, Any]:
    string = {"type": "string"}
    strings = {"type": "array", "items": string}
    props: dict[str, Any] = {
        "id": string,
        "label": string,
        "short_label": string,
        "description": string,
        "axis": {
            "type": "object",
            "required": ["id", "label"],
            "properties": {"id": string, "label": string},
        },
        "unit": string,
        "unit_label": string,
        "decimals": {"type": "integer"},
        "nature": string,
        "frequency": string,
        "direction": string,
        "visibility": string,
        "aggregation": ref("Aggregation"),
        "breakdown": {"anyOf": [ref("Breakdown"), {"type": "null"}]},
        "levels": strings,
        "levels_published": strings,
        "methodology": string,
        "sources": {"type": "array", "items": ref("SourceRef")},
        "targets": {"type": "array", "items": ref("Target")},
        "latest_period": {"type": ["string", "null"], "format": "date"},
        "latest_real": {"anyOf": [ref("LatestFigure"), {"type": "null"}]},
        "last_update": {"type": ["string", "null"], "format": "date-time"},
        "links": {
            "type": "object",
            "required": ["self", "observations", "page"],
            "properties": {"self": string, "observations": string, "page": string},
        },
    }
    return {"type": "object", "required": list(props), "properties": props}


def components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Aggregation, Breakdown, SourceRef, Target):
        _model(schemas, model)
    area = records.object_schema(records.AREA_COLUMNS)
    area["properties"]["members"] = records.MEMBERS
    area["required"].append("members")
    schemas.update(
        {
            "Problem": problems.SCHEMA,
            "Indicator": _indicator_schema(),
            "LatestFigure": records.object_schema(records.LATEST_COLUMNS),
            "Observation": records.observation_schema(),
            "TargetAssessment": records.object_schema(records.TARGET_COLUMNS),
            "Area": area,
            "Change": records.object_schema(records.CHANGE_COLUMNS),
            "NewSource": records.object_schema(records.NEW_SOURCE_COLUMNS),
            "Health": {
                "type": "object",
                "required": ["statut"],
                "properties": {"statut": {"type": "string", "const": "ok"}},
            },
            "Readiness": {
                "type": "object",
                "required": ["statut", "version_donnees", "derniere_mise_a_jour", "age_secondes"],
                "properties": {
                    "statut": {"type": "string", "const": "ok"},
                    "version_donnees": {"type": "integer"},
                    "derniere_mise_a_jour": {"type": ["string", "null"], "format": "date-time"},
                    "age_secondes": {"type": ["integer", "null"]},
                },
            },
        }
    )
    return schemas


def operation(endpoint: Endpoint) -> dict[str, Any]:
    ok: dict[str, Any] = {
        "description": "Réponse.",
        "content": {kind: {"schema": dict(schema)} for kind, schema in endpoint.content.items()},
    }
    responses: dict[str, Any] = {"200": ok}
    if endpoint.validated:
        ok["headers"] = CACHE_HEADERS
        responses["304"] = {"description": "Inchangé depuis la version donnée (If-None-Match)."}
    if endpoint.params:
        responses["400"] = {"description": "Paramètre invalide.", "content": PROBLEM}
    responses["404"] = {"description": "Inconnu ou réservé.", "content": PROBLEM}
    if endpoint.route.startswith(urls.API_ROOT):
        responses["429"] = {
            "description": "Trop de requêtes pour ce client.",
            "headers": RETRY_AFTER,
            "content": PROBLEM,
        }
    if endpoint.database:
        responses["503"] = {"description": "Base de données injoignable.", "content": PROBLEM}
    return {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": endpoint.description,
        "tags": [endpoint.tag],
        "parameters": [param.openapi() for param in endpoint.params],
        "responses": responses,
    }


@cache
def document() -> dict[str, Any]:
    """The whole document (built once per process: it depends on code only)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API du tableau de bord national du numérique en santé",
            "version": VERSION,
            "description": (
                "Indicateurs publics de la feuille de route du numérique en santé : catalogue, "
                "valeurs, objectifs, territoires et changements. Les erreurs sont des documents "
                "RFC 9457 (application/problem+json) en français. Licence Ouverte (Etalab)."
            ),
            "license": {"name": "Licence Ouverte 2.0", "identifier": "etalab-2.0"},
        },
        "servers": [{"url": urls.HOME}],
        "paths": {urls.openapi_path(e.route): {"get": operation(e)} for e in ENDPOINTS},
        "components": {"schemas": components()},
    }
