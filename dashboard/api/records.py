"""What the API answers, row by row: each record kind is declared once as columns, and the
same declaration gives the JSON records and the OpenAPI schema.

Observations are not declared here: they are the records of the dashboard's files
(`dashboard.records.observations`, one column schema for the downloads, the data by URL and
the API), and their OpenAPI schema comes from those columns (`observation_schema`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core import geography
from core.catalog import Catalog, Indicator
from core.vocabulary import Level, Origin, TargetStatus, Unit
from dashboard import records as shared
from dashboard import urls, views

JSON_TYPES = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a key of JSON_TYPES
    description: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(JSON_TYPES[self.kind])
        if self.enum is not None:
            out["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.nullable:
            out["type"] = [out["type"], "null"]
        out["description"] = self.description
        return out


def object_schema(columns: Sequence[Column]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [c.name for c in columns],
        "properties": {c.name: c.schema() for c in columns},
        "additionalProperties": False,
    }


LEVELS = tuple(lvl.value for lvl in Level)
ORIGINS = tuple(o.value for o in Origin)
QUALIFIERS = ("exact", "approx", "lower_bound", "upper_bound")


def observation_schema() -> dict[str, Any]:
    """The JSON Schema of an observation: the columns of the dashboard's observation files,
    types from their kind (`dashboard.records.Column.json_schema`); the values per 100 000
    inhabitants only for an indicator compared per inhabitant."""
    every = shared.observation_keys(per_capita=True)
    return {
        "type": "object",
        "required": list(shared.observation_keys(per_capita=False)),
        "properties": {k: shared.BY_KEY[k].json_schema() for k in every},
        "additionalProperties": False,
    }


def _iso_dates(values: pd.Series) -> pd.Series:
    """ISO dates as text, None where missing (vectorised: exports hold every row)."""
    days = pd.to_datetime(values)
    return days.dt.strftime("%Y-%m-%d").astype(object).where(days.notna(), None)


def iso_datetime(when: dt.datetime | None) -> str | None:
    """RFC 3339 with its offset: a naive time read from SQLite is UTC."""
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).isoformat()


def _texts_or_none(values: pd.Series) -> pd.Series:
    text = values.astype(object)
    return text.where(text.notna() & (text != ""), None)


def plain(value: Any) -> Any:
    """A cell as JSON takes it: numpy scalars unboxed, NaN and NA as null."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


json_records = shared.json_records


# -- indicators ---------------------------------------------------------------------------

LATEST_COLUMNS: tuple[Column, ...] = (
    Column("value", "number", "Dernier chiffre réel."),
    Column("qualifier", "string", "Exactitude.", enum=QUALIFIERS),
    Column("period_start", "date", "Premier jour de sa période."),
    Column("observed_on", "date", "Date exacte d'un stock, si connue.", nullable=True),
    Column("origin", "string", "Origine (réelle).", enum=ORIGINS),
    Column("source_label", "string", "Source."),
    Column("source_url", "string", "Adresse de la source."),
)


def latest_real(series: pd.DataFrame, *, ind: Indicator, today: dt.date) -> dict[str, Any] | None:
    """The latest real national figure, chosen by the function the indicator page uses."""
    figure = views.latest_figures(series, ind=ind, today=today).real
    if figure is None:
        return None
    return {
        "value": figure.value,
        "qualifier": figure.qualifier,
        "period_start": figure.period_start.isoformat(),
        "observed_on": figure.observed_on.isoformat() if figure.observed_on else None,
        "origin": figure.origin.value,
        "source_label": figure.source_label,
        "source_url": figure.source_url,
    }


def indicator_record(
    ind: Indicator,
    *,
    catalog: Catalog,
    national: pd.DataFrame,
    last_update: dt.datetime | None,
    today: dt.date,
) -> dict[str, Any]:
    """Catalog metadata of one indicator with its latest period and latest real figure;
    `national` is its national series (all origins)."""
    axis = next((a for a in catalog.axes if a.id == ind.axis), None)
    observed = national.dropna(subset=["value"])
    latest = observed["period_start"].max() if not observed.empty else None
    return {
        "id": ind.id,
        "label": ind.label,
        "short_label": ind.short_label,
        "description": ind.description,
        "axis": {"id": ind.axis, "label": axis.label if axis else ind.axis},
        "unit": ind.unit.value,
        "unit_label": ind.unit.label,
        "decimals": ind.decimals,
        "nature": ind.nature,
        "frequency": ind.frequency,
        "direction": ind.direction,
        "visibility": ind.visibility.value,
        "aggregation": ind.aggregation.model_dump(mode="json"),
        "breakdown": ind.breakdown.model_dump(mode="json") if ind.breakdown else None,
        "levels": [lvl.value for lvl in ind.levels_shown],
        "levels_published": [lvl.value for lvl in ind.levels_published],
        "methodology": ind.methodology,
        "sources": [s.model_dump(mode="json") for s in ind.sources],
        "targets": [t.model_dump(mode="json") for t in ind.targets],
        "latest_period": pd.Timestamp(latest).date().isoformat() if latest is not None else None,
        "latest_real": latest_real(national, ind=ind, today=today),
        "last_update": iso_datetime(last_update),
        "links": {
            "self": urls.api_indicator(ind.id),
            "observations": urls.api_observations(ind.id),
            "page": urls.indicator(ind.id),
        },
    }


# -- targets --------------------------------------------------------------------------------

TARGET_COLUMNS: tuple[Column, ...] = (
    Column("indicator_id", "string", "Identifiant de l'indicateur."),
    Column("indicator_label", "string", "Libellé court de l'indicateur."),
    Column("scope", "string", "FR ou code de la région de l'objectif."),
    Column("label", "string", "Objectif, tel que le texte le fixe."),
    Column("value", "number", "Cible."),
    Column("value_max", "number", "Borne haute d'une cible en fourchette.", nullable=True),
    Column("unit", "string", "Unité de la cible.", enum=tuple(u.value for u in Unit)),
    Column("deadline", "date", "Échéance."),
    Column("comparison", "string", "Grandeur comparée (latest, rolling_12m_sum…)."),
    Column("source_title", "string", "Texte qui fixe l'objectif."),
    Column("source_url", "string", "Adresse du texte.", nullable=True),
    Column("status", "string", "Code du statut.", enum=tuple(s.value for s in TargetStatus)),
    Column("status_label", "string", "Statut, en français (comme /objectifs)."),
    Column("progress", "number", "Taux d'avancement (%), comme /objectifs.", nullable=True),
    Column("current", "number", "Grandeur comparée à la dernière période.", nullable=True),
    Column("current_period", "date", "Dernière période observée.", nullable=True),
    Column("projected", "number", "Projection à l'échéance.", nullable=True),
    Column(
        "projected_date", "date", "Période où la cible est (ou serait) atteinte.", nullable=True
    ),
    Column("reached_on", "date", "Première période qui atteint la cible.", nullable=True),
    Column("reason", "string", "Pourquoi aucun statut n'est calculé.", nullable=True),
    Column("origins", "string", "Origines des points utilisés, séparées par « , »."),
    Column("rests_on_demo", "boolean", "Le statut utilise au moins une valeur de démonstration."),
    Column("basis", "string", "Ce sur quoi repose le statut, en français."),
)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def target_record(row: views.TargetRow) -> dict[str, Any]:
    t, a = row.target, row.assessment
    return {
        "indicator_id": row.indicator.id,
        "indicator_label": row.indicator.short_label,
        "scope": t.scope,
        "label": t.label,
        "value": t.value,
        "value_max": t.value_max,
        "unit": t.unit.value,
        "deadline": t.deadline.isoformat(),
        "comparison": t.comparison,
        "source_title": t.source_title,
        "source_url": t.source_url,
        "status": a.status.value,
        "status_label": a.label,
        "progress": plain(a.progress),
        "current": plain(a.current),
        "current_period": _iso(a.current_period),
        "projected": plain(a.projected),
        "projected_date": _iso(a.projected_date),
        "reached_on": _iso(a.reached_on),
        "reason": a.reason,
        "origins": a.origin_codes,
        "rests_on_demo": a.rests_on_demo,
        "basis": a.basis_label,
    }


def target_scopes(indicators: Iterable[Indicator]) -> list[str]:
    """« FR » first, then the régions that have a target of their own."""
    scopes = {t.scope for ind in indicators for t in ind.targets}
    return sorted(scopes, key=lambda s: (s != "FR", s))


# -- areas ----------------------------------------------------------------------------------

AREA_COLUMNS: tuple[Column, ...] = (
    Column("level", "string", "Niveau géographique.", enum=LEVELS),
    Column("code", "string", "Code (COG ; FR pour la France)."),
    Column("name", "string", "Nom."),
    Column("parent_code", "string", "Code du territoire parent.", nullable=True),
    Column("population", "integer", "Population légale."),
    Column("population_year", "integer", "Millésime de la population."),
)
MEMBERS = {"type": "array", "items": {"type": "string"}, "description": "Régions d'un groupe."}


def area_record(area: geography.Area) -> dict[str, Any]:
    return {
        "level": area.level.value,
        "code": area.code,
        "name": area.name,
        "parent_code": area.parent_code,
        "population": area.population,
        "population_year": area.population_year,
        "members": list(area.members),
    }


# -- changes --------------------------------------------------------------------------------

CHANGE_COLUMNS: tuple[Column, ...] = (
    Column("id", "integer", "Numéro du changement (croissant)."),
    Column("changed_at", "date-time", "Moment du changement (UTC)."),
    Column("run_id", "integer", "Traitement (ETL) qui l'a fait."),
    Column(
        "kind",
        "string",
        "insert (nouvelle valeur), update (révision), delete, withdrawal.",
        enum=("insert", "update", "delete", "withdrawal"),
    ),
    Column("indicator_id", "string", "Identifiant de l'indicateur."),
    Column("level", "string", "Niveau géographique.", enum=LEVELS),
    Column("area_code", "string", "Code du territoire."),
    Column("period_start", "date", "Premier jour de la période."),
    Column("breakdown", "string", "Ventilation ; _total pour le total."),
    Column("origin", "string", "Origine de la valeur écrite."),
    Column("value", "number", "Nouvelle valeur ; null pour un retrait.", nullable=True),
    Column("previous_value", "number", "Valeur d'avant ; null pour une insertion.", nullable=True),
    Column("previous_origin", "string", "Origine d'avant.", nullable=True),
)


def change_frame(changes: pd.DataFrame) -> pd.DataFrame:
    out = changes.rename(columns={"code": "area_code"}).copy()
    out["changed_at"] = [pd.Timestamp(v).isoformat() for v in out["changed_at"]]
    out["period_start"] = _iso_dates(out["period_start"])
    out["id"] = out["id"].astype("int64")
    out["run_id"] = out["run_id"].astype("int64")
    out["origin"] = out["origin"].astype(str)
    return out[[c.name for c in CHANGE_COLUMNS]]


NEW_SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("indicator_id", "string", "Identifiant de l'indicateur."),
    Column("indicator_label", "string", "Libellé court de l'indicateur."),
    Column("source", "string", "Source qui a apporté pour la première fois des valeurs réelles."),
    Column("source_url", "string", "Adresse de la source.", nullable=True),
    Column("run_id", "integer", "Premier traitement (ETL) de cette source pour l'indicateur."),
    Column("changed_at", "date-time", "Fin de ce traitement (UTC)."),
    Column("label", "string", "« Nouvelle source : … », en français."),
)


def new_source_records(firsts: pd.DataFrame, *, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """queries.new_sources as NEW_SOURCE_COLUMNS records."""
    return [
        {
            "indicator_id": str(r.indicator_id),
            "indicator_label": labels.get(str(r.indicator_id), str(r.indicator_id)),
            "source": str(r.source),
            "source_url": str(r.source_url) if isinstance(r.source_url, str) else None,
            "run_id": int(r.run_id),
            "changed_at": iso_datetime(pd.Timestamp(r.changed_at).to_pydatetime()),
            "label": new_source_text(str(r.source)),
        }
        for r in firsts.itertuples(index=False)
    ]


def new_source_text(source: str) -> str:
    return f"Nouvelle source : {source}"


def kinds_text(counts: Mapping[str, int]) -> str:
    """« 12 nouvelles valeurs, 3 révisées, 1 retirée » for one run and indicator."""
    words = {
        "insert": ("nouvelle valeur", "nouvelles valeurs"),
        "update": ("valeur révisée", "valeurs révisées"),
        "delete": ("valeur retirée", "valeurs retirées"),
        "withdrawal": ("valeur retirée", "valeurs retirées"),
    }
    parts = []
    for kind, (one, many) in words.items():
        n = counts.get(kind, 0)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)
