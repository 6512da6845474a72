"""Connectors built from the catalog's `sources:` list, each entry validated by its type.

A connector type is a module of etl.sources with a pydantic `Config` and a connector class;
adding one is a line in `CONNECTOR_TYPES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from core.catalog import Catalog
from core.errors import UserError
from etl.sources.base import Connector

# type -> (module, connector class name)
CONNECTOR_TYPES: dict[str, tuple[str, str]] = {
    "datagouv": ("etl.sources.datagouv", "DatagouvConnector"),
    "opendatasoft": ("etl.sources.opendatasoft", "OpendatasoftConnector"),
    "http_file": ("etl.sources.http_file", "HttpFileConnector"),
    "local_file": ("etl.sources.local_file", "LocalFileConnector"),
    "damir": ("etl.sources.damir", "DamirConnector"),
    "ditp": ("etl.sources.ditp", "DitpConnector"),
}


class SourceConfigError(UserError):
    """A `sources:` entry of the catalog is invalid; the message is French."""


def _describe(name: str, error: ValidationError) -> str:
    lines = []
    for err in error.errors()[:10]:
        field = ".".join(str(p) for p in err["loc"]) or "(racine)"
        msg = str(err.get("msg", err["type"])).removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "champ obligatoire absent"
        elif err["type"] == "extra_forbidden":
            msg = "champ inconnu"
        lines.append(f"- source « {name} », champ « {field} » : {msg}")
    return "\n".join(lines)


def build_connector(entry: dict[str, Any], *, catalog: Catalog) -> Connector:
    """One connector from one `sources:` entry; its indicators must exist in the catalog."""
    name = str(entry.get("name", "(sans nom)"))
    kind = entry.get("type")
    if kind not in CONNECTOR_TYPES:
        raise SourceConfigError(
            f"Source « {name} » : type inconnu « {kind} ». "
            f"Attendu : {', '.join(sorted(CONNECTOR_TYPES))}."
        )
    module_name, class_name = CONNECTOR_TYPES[str(kind)]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise SourceConfigError(
            f"Source « {name} » : le connecteur « {kind} » n'est pas installé ({module_name})."
        ) from None
    config_model: type[BaseModel] = module.Config
    try:
        config = config_model.model_validate(entry)
    except ValidationError as exc:
        raise SourceConfigError(
            "Configuration de source invalide dans le catalogue :\n" + _describe(name, exc)
        ) from None
    mapping = getattr(config, "table", None)
    indicator = getattr(mapping, "indicator", None) or getattr(config, "indicator", None)
    if indicator is not None and indicator not in catalog.by_id:
        raise SourceConfigError(f"Source « {name} » : indicateur inconnu « {indicator} ».")
    connector: Connector = getattr(module, class_name).from_config(config)
    return connector


def build_connectors(catalog: Catalog, *, names: Sequence[str] = ()) -> list[Connector]:
    """The catalog's enabled sources (or the named ones, enabled or not), in catalog order."""
    entries = catalog.sources
    known = [str(e.get("name")) for e in entries]
    seen: set[str] = set()
    for n in known:
        if n in seen:
            raise SourceConfigError(f"Source « {n} » en double dans le catalogue.")
        seen.add(n)
    unknown = [n for n in names if n not in seen]
    if unknown:
        raise SourceConfigError(
            f"Source inconnue : {', '.join(f'« {n} »' for n in unknown)}. "
            f"Sources du catalogue : {', '.join(known) or 'aucune'}."
        )
    if names:
        chosen = [e for e in entries if str(e.get("name")) in names]
    else:
        chosen = [e for e in entries if e.get("enabled", True)]
    return [build_connector(e, catalog=catalog) for e in chosen]
