"""The one column schema of every file the dashboard serves (and of the future API).

Every download (series, map, breakdown, fiche, objectives) is built by `records()` from
flat facts, so that all files speak the same way:

- each coded field is a code column beside its French label (indicator, level, area,
  breakdown, unit, origin, status);
- the period is ISO text (`2024-03`, `2024-Q1`, `2024`) beside its French label;
- numbers are numbers, rounded to the indicator's published precision (`decimals` in
  the catalogue, the precision the pages show), so that a cell equals the figure on
  screen and carries no float noise (41,53195793808126 → 41,5); a percentage is written in
  points (41,5 for 41,5 %), its unit in the unit columns;
- unit, origin and source are on every row;
- a count at région or département level carries its value per 100 000 inhabitants in its
  own column (`value_per_100k`, one decimal), beside the population and its year.

`Column.key` names a column for programs (the API), `Column.title` for spreadsheet
readers, `Column.kind` chooses the cell type and number format of an XLSX file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import pandas as pd

from core import geography
from core.catalog import Catalog, Indicator
from core.periods import iso_period
from core.vocabulary import Level, Origin, TargetStatus, Unit
from dashboard.formatting import format_period
from dashboard.measure import PER_CAPITA_DECIMALS

Kind = Literal["text", "measure", "per_capita", "integer", "percent", "date"]

YES, NO = "oui", "non"
PROGRESS_DECIMALS: Final = 0  # as /objectifs shows « Progression »
DEMO_SOURCE: Final = "Données de démonstration"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind
    description: str
    required: bool = False  # on every file, even where no row has anything to put in it


COLUMNS: Final[tuple[Column, ...]] = (
    Column("indicator_id", "Code indicateur", "text", "Identifiant au catalogue", True),
    Column("indicator", "Indicateur", "text", "Libellé de l'indicateur", True),
    Column("target", "Objectif", "text", "Libellé de l'objectif"),
    Column("level", "Code niveau", "text", "national, region ou department", True),
    Column("level_label", "Niveau", "text", "France, région ou département", True),
    Column("area_code", "Code territoire", "text", "FR, ou code INSEE du territoire", True),
    Column("area", "Territoire", "text", "Nom du territoire", True),
    Column("period", "Période (ISO)", "text", "AAAA-MM, AAAA-Q1 (trimestre) ou AAAA", True),
    Column("period_label", "Période", "text", "La période en toutes lettres", True),
    Column("breakdown_code", "Code ventilation", "text", "Code de la part (ex. secteur)"),
    Column("breakdown", "Ventilation", "text", "Libellé de la part"),
    Column("rank", "Rang", "integer", "1 = le plus favorable selon le sens de l'indicateur"),
    Column("ranked", "Territoires classés", "integer", "Nombre de territoires ayant une valeur"),
    Column("value", "Valeur", "measure", "Arrondie à la précision publiée ; % en points", True),
    Column(
        "value_per_100k",
        "Valeur pour 100 000 habitants",
        "per_capita",
        "Valeur ÷ population × 100 000, à une décimale (nombres des régions et départements)",
    ),
    Column("population", "Population", "integer", "Population du territoire (Insee)"),
    Column("population_year", "Année de la population", "integer", "Millésime de la population"),
    Column("masked", "Secret statistique", "text", "oui : valeur non diffusée"),
    Column("france_value", "Valeur France", "measure", "Valeur nationale à la même période"),
    Column("region_value", "Valeur région", "measure", "Valeur de la région à la même période"),
    Column(
        "france_per_100k",
        "France pour 100 000 habitants",
        "per_capita",
        "Valeur nationale ÷ population de la France × 100 000, à la même période",
    ),
    Column(
        "region_per_100k",
        "Région pour 100 000 habitants",
        "per_capita",
        "Valeur de la région ÷ sa population × 100 000, à la même période",
    ),
    Column(
        "region_rank", "Rang dans la région", "integer", "Rang parmi les départements de la région"
    ),
    Column(
        "region_ranked", "Classés dans la région", "integer", "Départements de la région classés"
    ),
    Column("target_value", "Cible", "measure", "Valeur cible, dans l'unité de la ligne"),
    Column("target_value_max", "Cible (borne haute)", "measure", "Borne haute d'une fourchette"),
    Column("deadline", "Échéance", "date", "Date de l'échéance de l'objectif"),
    Column("progress", "Progression (%)", "percent", "Taux d'avancement vers la cible"),
    Column("status", "Code statut", "text", "Code du statut de l'objectif"),
    Column("status_label", "Statut", "text", "Statut de l'objectif"),
    Column(
        "rests_on_demo", "Repose sur la démonstration", "text", "oui : une valeur de démo a servi"
    ),
    Column("basis", "Base du statut", "text", "Sur quelles données repose le statut"),
    Column("projected", "Atteinte projetée (ISO)", "text", "Période où la cible est atteinte"),
    Column("projected_label", "Atteinte projetée", "text", "La même, en toutes lettres"),
    Column("remark", "Remarque", "text", "Précision sur la ligne"),
    Column("unit", "Code unité", "text", "count, percent, ratio, euros ou days", True),
    Column("unit_label", "Unité", "text", "Unité des valeurs de la ligne", True),
    Column("decimals", "Décimales", "integer", "Précision publiée des valeurs", True),
    Column("origin", "Code origine", "text", "published, source, deposit, demo (un ou plus)", True),
    Column("origin_label", "Origine", "text", "D'où vient la valeur, en toutes lettres", True),
    Column("source", "Source", "text", "Source de la valeur", True),
    Column("source_url", "Lien de la source", "text", "Adresse de la source", True),
    Column("target_source", "Source de la cible", "text", "Texte qui fixe l'objectif"),
    Column("target_source_url", "Lien de la source de la cible", "text", "Adresse de ce texte"),
)
BY_KEY: Final = {c.key: c for c in COLUMNS}
REQUIRED: Final = tuple(c.key for c in COLUMNS if c.required)

FACT_KEYS: Final = frozenset(
    {
        "indicator_id", "level", "area_code", "area", "period_start", "breakdown_code",
        "value", "masked", "france_value", "rank", "ranked", "unit", "origin", "source",
        "source_url", "target", "target_value", "target_value_max", "deadline", "progress",
        "status", "rests_on_demo", "basis", "projected_start", "remark", "target_source",
        "target_source_url", "region_value", "region_rank", "region_ranked",
        "value_per_100k", "population", "population_year", "france_per_100k",
        "region_per_100k",
    }
)  # fmt: skip
"""What a fact may hold: `indicator_id` is required; a key left out leaves its columns out
(except REQUIRED ones, then empty)."""


class UnknownFact(ValueError):
    """A fact with a key outside FACT_KEYS: a programming error, never a reader's."""


def records(facts: Iterable[Mapping[str, Any]], *, catalog: Catalog) -> pd.DataFrame:
    """The file form of a table: one row per fact, the columns of COLUMNS (keys) that the
    facts fill plus every REQUIRED one, in COLUMNS order.

    A fact gives codes (`indicator_id`, `level`, `area_code`, `breakdown_code`, `unit`,
    `origin` (one code or several), `status`), dates (`period_start`, `projected_start`,
    `deadline`), raw numbers and texts; the labels, ISO periods and rounding come from here.
    """
    rows = [_row(fact, catalog=catalog) for fact in facts]
    present = {key for row in rows for key in row} | set(REQUIRED)
    keys = [c.key for c in COLUMNS if c.key in present]
    frame = pd.DataFrame([[row.get(k) for k in keys] for row in rows], columns=keys)
    for key in keys:
        kind = BY_KEY[key].kind
        if kind in ("measure", "per_capita", "percent"):
            frame[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)
        elif kind == "integer":
            frame[key] = pd.array(frame[key].tolist(), dtype="Int64") if rows else frame[key]
        else:
            frame[key] = frame[key].astype(object).where(frame[key].notna(), None)
    return frame


def titled(frame: pd.DataFrame) -> pd.DataFrame:
    """A records frame with the French titles as headers (the spreadsheet reader's)."""
    return frame.rename(columns={k: BY_KEY[k].title for k in frame.columns if k in BY_KEY})


def _row(fact: Mapping[str, Any], *, catalog: Catalog) -> dict[str, Any]:
    unknown = set(fact) - FACT_KEYS
    if unknown:
        raise UnknownFact(f"unknown fact keys: {sorted(unknown)}")
    ind = catalog.get(str(fact["indicator_id"]))
    unit = Unit(fact.get("unit") or ind.unit)
    row: dict[str, Any] = {
        "indicator_id": ind.id,
        "indicator": ind.short_label,
        "unit": unit.value,
        "unit_label": unit.label,
        "decimals": ind.decimals,
    }
    if "target" in fact:
        row["target"] = _text(fact["target"])
    row.update(_area(fact))
    if "period_start" in fact:
        row.update(_period(fact["period_start"], ind, key="period"))
    if "breakdown_code" in fact:
        code = _text(fact["breakdown_code"])
        labels = ind.breakdown.values if ind.breakdown else {}
        row["breakdown_code"], row["breakdown"] = code, labels.get(code or "", code)
    for key in ("value", "france_value", "region_value", "target_value", "target_value_max"):
        if key in fact:
            row[key] = _rounded(fact[key], ind.decimals)
    if "progress" in fact:
        row["progress"] = _rounded(fact["progress"], PROGRESS_DECIMALS)
    for key in ("value_per_100k", "france_per_100k", "region_per_100k"):
        if key in fact:
            row[key] = _rounded(fact[key], PER_CAPITA_DECIMALS)
    for key in ("rank", "ranked", "region_rank", "region_ranked", "population", "population_year"):
        if key in fact:
            row[key] = None if _missing(fact[key]) else int(fact[key])
    for key in ("masked", "rests_on_demo"):
        if key in fact:
            row[key] = YES if bool(fact[key]) else NO
    if "deadline" in fact:
        row["deadline"] = (
            None if _missing(fact["deadline"]) else pd.Timestamp(fact["deadline"]).date()
        )
    if "status" in fact:
        status = TargetStatus(fact["status"])
        row["status"], row["status_label"] = status.value, status.label
    if "projected_start" in fact:
        row.update(_period(fact["projected_start"], ind, key="projected"))
    row.update(_origin(fact.get("origin")))
    for key in ("basis", "remark", "source", "source_url", "target_source", "target_source_url"):
        if key in fact:
            row[key] = _text(fact[key])
    return row


def _area(fact: Mapping[str, Any]) -> dict[str, Any]:
    if "level" not in fact:
        return {}
    level = Level(fact["level"])
    code = _text(fact.get("area_code"))
    name = _text(fact.get("area"))
    if name is None and code is not None:
        name = geography.get_area(level, code).name
    return {
        "level": level.value,
        "level_label": level.label[:1].upper() + level.label[1:],
        "area_code": code,
        "area": name,
    }


def _period(value: object, ind: Indicator, *, key: str) -> dict[str, Any]:
    if _missing(value):
        return {key: None, f"{key}_label": None}
    start = pd.Timestamp(value).date()
    return {
        key: iso_period(start, ind.frequency),
        f"{key}_label": format_period(start, frequency=ind.frequency),
    }


def _origin(value: object) -> dict[str, Any]:
    """One origin code, or several (what a status rests on), in vocabulary order."""
    if _missing(value) or value == "":
        return {"origin": None, "origin_label": None}
    codes = {str(value)} if isinstance(value, str) else {str(v) for v in _collection(value)}
    known = [o for o in Origin if o.value in codes]
    if not known:
        return {"origin": None, "origin_label": None}
    return {
        "origin": ", ".join(o.value for o in known),
        "origin_label": ", ".join(o.label for o in known),
    }


def _collection(value: object) -> Collection[object]:
    return value if isinstance(value, Collection) else ()


def _rounded(value: object, decimals: int) -> float | None:
    if _missing(value):
        return None
    number = round(float(value), decimals)  # type: ignore[arg-type]
    return number + 0.0  # no « -0.0 » in a file


def _text(value: object) -> str | None:
    return None if _missing(value) else str(value)


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if value is pd.NaT:
        return True
    if isinstance(value, dt.date | str | Collection):
        return False
    return bool(pd.isna(value))
