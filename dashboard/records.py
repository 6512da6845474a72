"""The one column schema of every file the dashboard serves, and of the API's observations.

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
- a value's flags are `oui`/`non` columns (masked, provisional) beside its exactness (qualifier
  code and label); a ratio keeps its numerator and denominator as the source gave them, and
  each value names the run (ETL) that wrote it;
- a count at région or département level carries its value per 100 000 inhabitants in its
  own column (`value_per_100k`, one decimal), beside the population and its year.

`Column.key` names a column for programs (the API's JSON and Parquet), `Column.title` for
spreadsheet readers (CSV and XLSX headers), `Column.kind` chooses the cell type and number
format of an XLSX file and the JSON Schema type of the API (`Column.json_schema`).

The observation files — the indicator page's series and breakdown downloads, the API's
observations and its bulk exports — are `observations()`: the same facts (`observation_facts`)
and always the same columns (OBSERVATION_KEYS), so that the same view gives the same bytes
from the dashboard and from the API.
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
from core.models import TOTAL, Qualifier
from core.periods import iso_period
from core.vocabulary import Level, Origin, TargetStatus, Unit
from dashboard import measure
from dashboard.formatting import QUALIFIER_PREFIXES, format_period
from dashboard.measure import PER_CAPITA_DECIMALS

Kind = Literal["text", "flag", "measure", "number", "per_capita", "integer", "percent", "date"]

YES, NO = "oui", "non"
PROGRESS_DECIMALS: Final = 0  # as /objectifs shows « Progression »
DEMO_SOURCE: Final = "Données de démonstration"
TOTAL_LABEL: Final = "Total"  # the breakdown of a total row
EXACT: Final = "exacte"  # the label of an exact value (the others are formatting's prefixes)


JSON_TYPES: Final[dict[str, dict[str, Any]]] = {
    "text": {"type": "string"},
    "flag": {"type": "string", "enum": [YES, NO]},
    "measure": {"type": "number"},
    "number": {"type": "number"},
    "per_capita": {"type": "number"},
    "integer": {"type": "integer"},
    "percent": {"type": "number"},
    "date": {"type": "string", "format": "date"},
}
"""The JSON Schema of each kind of cell: `flag` is `oui` or `non`, `number` is a number as
the source gave it (not rounded), `date` an ISO date."""


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind
    description: str
    required: bool = False  # on every file, even where no row has anything to put in it
    nullable: bool = True  # False: never empty where the column is

    def json_schema(self) -> dict[str, Any]:
        """This column's JSON Schema, from its kind (the API's OpenAPI document)."""
        out: dict[str, Any] = {k: list(v) if isinstance(v, list) else v for k, v in
                               JSON_TYPES[self.kind].items()}  # fmt: skip
        if self.nullable:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        out["description"] = f"{self.title} : {self.description}"
        return out


COLUMNS: Final[tuple[Column, ...]] = (
    Column("indicator_id", "Code indicateur", "text", "Identifiant au catalogue", True, False),
    Column("indicator", "Indicateur", "text", "Libellé de l'indicateur", True, False),
    Column("target", "Objectif", "text", "Libellé de l'objectif"),
    Column("level", "Code niveau", "text", "national, region ou department", True),
    Column("level_label", "Niveau", "text", "France, région ou département", True),
    Column("area_code", "Code territoire", "text", "FR, ou code INSEE du territoire", True),
    Column("area", "Territoire", "text", "Nom du territoire", True),
    Column("period", "Période (ISO)", "text", "AAAA-MM, AAAA-Q1 (trimestre) ou AAAA", True),
    Column("period_label", "Période", "text", "La période en toutes lettres", True),
    Column("breakdown_code", "Code ventilation", "text", "Code de la part ; _total : le total"),
    Column("breakdown", "Ventilation", "text", "Libellé de la part ; Total : le total"),
    Column("rank", "Rang", "integer", "1 = le plus favorable selon le sens de l'indicateur"),
    Column("ranked", "Territoires classés", "integer", "Nombre de territoires ayant une valeur"),
    Column("value", "Valeur", "measure", "Arrondie à la précision publiée ; % en points", True),
    Column("numerator", "Numérateur", "number", "Numérateur d'un ratio, tel que donné"),
    Column("denominator", "Dénominateur", "number", "Dénominateur d'un ratio, tel quel"),
    Column(
        "value_per_100k",
        "Valeur pour 100 000 habitants",
        "per_capita",
        "Valeur ÷ population × 100 000, à une décimale (nombres des régions et départements)",
    ),
    Column("population", "Population", "integer", "Population du territoire (Insee)"),
    Column("population_year", "Année de la population", "integer", "Millésime de la population"),
    Column("masked", "Secret statistique", "flag", "oui : valeur non diffusée"),
    Column("qualifier", "Code exactitude", "text", "exact, approx, lower_bound ou upper_bound"),
    Column("qualifier_label", "Exactitude", "text", "exacte, environ, plus de ou moins de"),
    Column("provisional", "Provisoire", "flag", "oui : valeur provisoire"),
    Column("observed_on", "Date d'observation", "date", "Date exacte d'un stock, si connue"),
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
        "rests_on_demo", "Repose sur la démonstration", "flag", "oui : une valeur de démo a servi"
    ),
    Column("basis", "Base du statut", "text", "Sur quelles données repose le statut"),
    Column("projected", "Atteinte projetée (ISO)", "text", "Période où la cible est atteinte"),
    Column("projected_label", "Atteinte projetée", "text", "La même, en toutes lettres"),
    Column("remark", "Remarque", "text", "Précision sur la ligne"),
    Column("unit", "Code unité", "text", "count, percent, ratio, euros ou days", True, False),
    Column("unit_label", "Unité", "text", "Unité des valeurs de la ligne", True, False),
    Column("decimals", "Décimales", "integer", "Précision publiée des valeurs", True, False),
    Column("origin", "Code origine", "text", "published, source, deposit, demo (un ou plus)", True),
    Column("origin_label", "Origine", "text", "D'où vient la valeur, en toutes lettres", True),
    Column("source", "Source", "text", "Source de la valeur", True),
    Column("source_url", "Lien de la source", "text", "Adresse de la source", True),
    Column("run_id", "Traitement", "integer", "Numéro du traitement (ETL) qui a écrit la valeur"),
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
        "value_per_100k", "population", "population_year", "numerator", "denominator",
        "qualifier", "provisional", "observed_on", "run_id", "france_per_100k",
        "region_per_100k",
    }
)  # fmt: skip
"""What a fact may hold: `indicator_id` is required; a key left out leaves its columns out
(except REQUIRED ones, then empty)."""


class UnknownFact(ValueError):
    """A fact with a key outside FACT_KEYS: a programming error, never a reader's."""


def records(
    facts: Iterable[Mapping[str, Any]], *, catalog: Catalog, keys: Collection[str] = ()
) -> pd.DataFrame:
    """The file form of a table: one row per fact, the columns of COLUMNS (keys) that the
    facts fill plus every REQUIRED one and those of `keys`, in COLUMNS order.

    A fact gives codes (`indicator_id`, `level`, `area_code`, `breakdown_code`, `unit`,
    `origin` (one code or several), `status`), dates (`period_start`, `projected_start`,
    `deadline`), raw numbers and texts; the labels, ISO periods and rounding come from here.
    """
    rows = [_row(fact, catalog=catalog) for fact in facts]
    present = {key for row in rows for key in row} | set(REQUIRED) | set(keys)
    shown = [c.key for c in COLUMNS if c.key in present]
    return _typed(pd.DataFrame([[row.get(k) for k in shown] for row in rows], columns=shown))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Each column in the type of its kind: floats, nullable integers, objects with None."""
    for key in frame.columns:
        kind = BY_KEY[key].kind
        if kind in ("measure", "number", "per_capita", "percent"):
            frame[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)
        elif kind == "integer":
            frame[key] = pd.array(frame[key].tolist(), dtype="Int64") if len(frame) else frame[key]
        else:
            frame[key] = frame[key].astype(object).where(frame[key].notna(), None)
    return frame


OBSERVATION_FACTS: Final = (
    "indicator_id", "level", "area_code", "area", "period_start", "breakdown_code", "value",
    "numerator", "denominator", "masked", "qualifier", "provisional", "observed_on", "origin",
    "source", "source_url", "run_id",
)  # fmt: skip
PER_CAPITA_FACTS: Final = ("value_per_100k", "population", "population_year")
OBSERVATION_COLUMNS: Final = frozenset(
    {
        *REQUIRED, "breakdown_code", "breakdown", "numerator", "denominator", "masked",
        "qualifier", "qualifier_label", "provisional", "observed_on", "run_id",
    }
)  # fmt: skip
"""What the facts of OBSERVATION_FACTS fill (tests/dashboard/test_records_schema.py checks)."""


def observation_keys(*, per_capita: bool) -> tuple[str, ...]:
    """The columns of every observation file, in COLUMNS order (with the values per
    100 000 inhabitants for an indicator compared per inhabitant)."""
    keys = {*OBSERVATION_COLUMNS, *(PER_CAPITA_FACTS if per_capita else ())}
    return tuple(c.key for c in COLUMNS if c.key in keys)


def observation_facts(frame: pd.DataFrame, *, per_capita: bool) -> list[dict[str, Any]]:
    """Facts of rows in the series columns (dashboard.queries.SERIES_COLUMNS); with
    `per_capita`, each value per 100 000 inhabitants of its area too."""
    runs = frame["run_id"] if "run_id" in frame.columns else pd.Series(None, index=frame.index)
    out = []
    for r, run_id in zip(frame.itertuples(index=False), runs, strict=True):
        fact: dict[str, Any] = {
            "indicator_id": r.indicator_id,
            "level": r.level,
            "area_code": r.code,
            "area": r.name,
            "period_start": r.period_start,
            "breakdown_code": r.breakdown,
            "value": r.value,
            "numerator": r.numerator,
            "denominator": r.denominator,
            "masked": r.is_masked,
            "qualifier": r.qualifier,
            "provisional": r.is_provisional,
            "observed_on": r.observed_on,
            "origin": r.origin,
            "source": r.source_label,
            "source_url": r.source_url,
            "run_id": run_id,
        }
        if per_capita:
            area = geography.get_area(r.level, r.code)
            fact["value_per_100k"] = measure.per_capita(r.value, area.population)
            fact["population"] = area.population
            fact["population_year"] = area.population_year
        out.append(fact)
    return out


def observations(frame: pd.DataFrame, *, ind: Indicator, catalog: Catalog) -> pd.DataFrame:
    """An observation file of one indicator: the rows of a `series` frame, in its order,
    always in the columns of `observation_keys` (the dashboard's series and breakdown
    downloads and the API's observations and exports are this function).

    Column by column (the bulk export holds every value), the same cells as `records` of
    `observation_facts` (tests/dashboard/test_records_schema.py)."""
    per_capita = ind.is_per_capita
    keys = observation_keys(per_capita=per_capita)
    if frame.empty:
        return records([], catalog=catalog, keys=keys)[list(keys)]
    n = len(frame)
    levels = frame["level"].astype(str)
    periods = pd.to_datetime(frame["period_start"])
    parts = {TOTAL: TOTAL_LABEL, **(ind.breakdown.values if ind.breakdown else {})}
    qualifiers = frame["qualifier"].astype(object).where(frame["qualifier"].notna(), None)
    qualifiers = [str(q) if q else Qualifier.exact.value for q in qualifiers]
    origins = {o: _origin(o) for o in pd.unique(frame["origin"].astype(object))}
    cells: dict[str, Any] = {
        "indicator_id": [ind.id] * n,
        "indicator": [ind.short_label] * n,
        "level": levels.to_numpy(),
        "level_label": levels.map(_level_label).to_numpy(),
        "area_code": frame["code"].astype(str).to_numpy(),
        "area": frame["name"].to_numpy(),
        "period": periods.map(lambda d: iso_period(d.date(), ind.frequency)).to_numpy(),
        "period_label": periods.map(
            lambda d: format_period(d.date(), frequency=ind.frequency)
        ).to_numpy(),
        "breakdown_code": frame["breakdown"].to_numpy(),
        "breakdown": [parts.get(b, b) for b in frame["breakdown"]],
        "value": [_rounded(v, ind.decimals) for v in frame["value"]],
        "numerator": [None if _missing(v) else float(v) + 0.0 for v in frame["numerator"]],
        "denominator": [None if _missing(v) else float(v) + 0.0 for v in frame["denominator"]],
        "masked": [YES if bool(m) else NO for m in frame["is_masked"]],
        "qualifier": qualifiers,
        "qualifier_label": [QUALIFIER_PREFIXES.get(q, q).strip() or EXACT for q in qualifiers],
        "provisional": [YES if bool(p) else NO for p in frame["is_provisional"]],
        "observed_on": [
            None if _missing(d) else pd.Timestamp(d).date() for d in frame["observed_on"]
        ],
        "unit": [ind.unit.value] * n,
        "unit_label": [ind.unit.label] * n,
        "decimals": [ind.decimals] * n,
        "origin": [origins[o]["origin"] for o in frame["origin"]],
        "origin_label": [origins[o]["origin_label"] for o in frame["origin"]],
        "source": [_text(v) for v in frame["source_label"]],
        "source_url": [_text(v) for v in frame["source_url"]],
        "run_id": [None if _missing(r) else int(r) for r in frame.get("run_id", [None] * n)],
    }
    if per_capita:
        areas = [
            geography.get_area(lvl, code) for lvl, code in zip(levels, frame["code"], strict=True)
        ]
        cells["value_per_100k"] = [
            _rounded(measure.per_capita(v, a.population), PER_CAPITA_DECIMALS)
            for v, a in zip(frame["value"], areas, strict=True)
        ]
        cells["population"] = [a.population for a in areas]
        cells["population_year"] = [a.population_year for a in areas]
    return _typed(pd.DataFrame({k: cells[k] for k in keys}))


def _level_label(level: str) -> str:
    label = Level(level).label
    return label[:1].upper() + label[1:]


def json_value(value: object) -> Any:
    """A cell as JSON: null for missing, numbers as numbers, dates as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a records frame as JSON objects, keyed by `Column.key`."""
    columns = [str(c) for c in frame.columns]
    return [
        {c: json_value(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


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
        labels = {TOTAL: TOTAL_LABEL, **(ind.breakdown.values if ind.breakdown else {})}
        row["breakdown_code"], row["breakdown"] = code, labels.get(code or "", code)
    for key in ("value", "france_value", "region_value", "target_value", "target_value_max"):
        if key in fact:
            row[key] = _rounded(fact[key], ind.decimals)
    for key in ("numerator", "denominator"):  # as the source gave them
        if key in fact:
            row[key] = None if _missing(fact[key]) else float(fact[key]) + 0.0
    if "qualifier" in fact:
        code = _text(fact["qualifier"]) or Qualifier.exact.value
        row["qualifier"] = code
        row["qualifier_label"] = QUALIFIER_PREFIXES.get(code, code).strip() or EXACT
    if "progress" in fact:
        row["progress"] = _rounded(fact["progress"], PROGRESS_DECIMALS)
    for key in ("value_per_100k", "france_per_100k", "region_per_100k"):
        if key in fact:
            row[key] = _rounded(fact[key], PER_CAPITA_DECIMALS)
    for key in (
        "rank", "ranked", "region_rank", "region_ranked", "population", "population_year", "run_id"
    ):  # fmt: skip
        if key in fact:
            row[key] = None if _missing(fact[key]) else int(fact[key])
    for key in ("masked", "rests_on_demo", "provisional"):
        if key in fact:
            row[key] = YES if bool(fact[key]) else NO
    for key in ("deadline", "observed_on"):
        if key in fact:
            row[key] = None if _missing(fact[key]) else pd.Timestamp(fact[key]).date()
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
        "level_label": _level_label(level.value),
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
