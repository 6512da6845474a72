"""Typed schema of indicators.yaml, the one catalog of indicators.

The catalog is validated once at start-up: a typo or a missing field stops the
program with a French message naming the indicator and the field.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core import settings
from core.errors import UserError
from core.package_data import package_path
from core.vocabulary import Level, Unit, Visibility

DEFAULT_CATALOG_PATH = package_path("core", "indicators.yaml")

Nature = Literal["stock", "flow"]
Frequency = Literal["monthly", "quarterly", "yearly"]
Direction = Literal["higher_is_better", "lower_is_better"]
AggregationRule = Literal[
    "sum", "ratio", "pop_weighted_mean", "count_true", "share_true", "not_aggregable"
]
Comparison = Literal["latest", "rolling_12m_sum", "calendar_year_sum", "share_of_areas"]

MONTHS_PER_PERIOD: dict[Frequency, int] = {"monthly": 1, "quarterly": 3, "yearly": 12}


class CatalogError(UserError):
    """The catalog file is missing or invalid; the message is French and user-facing."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Axis(_Strict):
    id: str
    label: str
    order: int


class Aggregation(_Strict):
    """How départements add up to régions and France.

    Ratios are re-aggregated from numerator and denominator, never averaged.
    """

    rule: AggregationRule
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0  # 100 for a percent: value = scale * numerator / denominator

    @model_validator(mode="after")
    def _ratio_has_components(self) -> Aggregation:
        if self.rule == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("la règle « ratio » exige « numerator » et « denominator »")
        if self.rule != "ratio" and (self.numerator or self.denominator):
            raise ValueError("« numerator »/« denominator » ne valent que pour la règle « ratio »")
        return self


class Breakdown(_Strict):
    """One breakdown dimension per indicator (e.g. secteur); `_total` is the total."""

    dimension: str
    label: str
    values: dict[str, str]  # code -> French label
    total_is_sum: bool = True  # the values add up to the total


class SourceRef(_Strict):
    name: str
    publisher: str
    url: str | None = None
    licence: str | None = None
    verified: bool = True
    note: str | None = None


class Baseline(_Strict):
    """The initial value a target is measured from (DITP's « valeur initiale »).

    A reference of the target, not an observation: it is in the target's unit and is not
    plotted with the series.
    """

    value: float
    date: dt.date
    source: str  # where the initial value is published (file and row, or text)


class Target(_Strict):
    """A dated target that a text really sets; a range keeps both bounds."""

    value: float
    value_max: float | None = None  # upper bound of a range (e.g. 70-80 %)
    unit: Unit
    deadline: dt.date
    scope: str = "FR"  # "FR" or a région code
    comparison: Comparison = "latest"
    label: str
    source_title: str
    source_url: str | None = None
    date_verified: bool = True
    note: str | None = None
    baseline: Baseline | None = None  # initial value: progress is measured from it

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Target:
        if self.value_max is not None and self.value_max < self.value:
            raise ValueError("« value_max » doit être supérieur ou égal à « value »")
        return self

    @model_validator(mode="after")
    def _baseline_precedes_deadline(self) -> Target:
        if self.baseline is not None and self.baseline.date >= self.deadline:
            raise ValueError(
                f"la date de la valeur initiale « baseline.date » "
                f"({self.baseline.date.isoformat()}) doit précéder l'échéance "
                f"« deadline » ({self.deadline.isoformat()})"
            )
        return self


class Event(_Strict):
    """A dated milestone of the roadmap, drawn on every trajectory (vertical line + label).

    Declared once here with the text that dates it: a chart never shows an event without
    its source.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    date: dt.date
    label: str = Field(min_length=1, max_length=28)  # beside the line: fits on a phone
    long_label: str = Field(min_length=1)  # in the list below the chart
    source_title: str = Field(min_length=1)
    source_url: str = Field(pattern=r"^https://")


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    short_label: str
    description: str
    axis: str
    unit: Unit
    nature: Nature
    frequency: Frequency
    levels_published: list[Level]
    levels_shown: list[Level]
    aggregation: Aggregation
    breakdown: Breakdown | None = None
    direction: Direction
    visibility: Visibility
    headline: bool = False
    decimals: int = 0
    sources: list[SourceRef]
    methodology: str
    targets: list[Target] = []
    # Why a stock of units or euros may fall (its source publishes a level, not a running
    # total): the load then does not refuse its falls of more than 5 %. None: cumulative.
    not_cumulative: str | None = None

    @model_validator(mode="after")
    def _levels_consistent(self) -> Indicator:
        if "national" not in self.levels_shown:
            raise ValueError("« levels_shown » doit contenir « national »")
        if not set(self.levels_published) <= set(self.levels_shown):
            raise ValueError("« levels_published » doit être inclus dans « levels_shown »")
        territorial = set(self.levels_shown) - {"national"}
        if territorial and self.aggregation.rule == "not_aggregable":
            raise ValueError("un indicateur « not_aggregable » ne s'affiche qu'au niveau national")
        return self

    @property
    def is_cumulative_stock(self) -> bool:
        """A stock counted in units or euros that only grows, bar corrections (checked)."""
        return (
            self.nature == "stock"
            and self.unit in ("count", "euros")
            and self.not_cumulative is None
        )

    @property
    def is_per_capita(self) -> bool:
        """Whether its areas are compared per inhabitant: a count or an amount in euros that
        adds up across areas (rule `sum`: people, acts, documents, euros). A rate is never
        divided, nor a count of areas (`count_true`: départements covered)."""
        return self.unit in (Unit.count, Unit.euros) and self.aggregation.rule == "sum"

    @property
    def yes_no_level(self) -> Level | None:
        """The level where its value is a yes/no fact (1 = oui, 0 = non), if any: the
        départements of a `count_true` or `share_true` indicator (SAS opérationnel ou non),
        whose régions and France count or share the « oui »."""
        if self.aggregation.rule in ("count_true", "share_true"):
            return Level.department
        return None

    @property
    def months_per_period(self) -> int:
        return MONTHS_PER_PERIOD[self.frequency]

    @property
    def is_territorial(self) -> bool:
        return self.levels_shown != ["national"]


class Catalog(_Strict):
    version: int
    axes: list[Axis]
    indicators: list[Indicator]
    sources: list[dict[str, Any]] = []  # connector configurations, validated by etl.sources
    events: list[Event] = []  # roadmap milestones, in date order

    @model_validator(mode="after")
    def _events_unique_and_ordered(self) -> Catalog:
        ids = [e.id for e in self.events]
        for e in self.events:
            if ids.count(e.id) > 1:
                raise ValueError(f"événement « {e.id} » en double")
        if [e.date for e in self.events] != sorted(e.date for e in self.events):
            raise ValueError("les événements « events » doivent être rangés par date")
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalog:
        axis_ids = {a.id for a in self.axes}
        seen: set[str] = set()
        for ind in self.indicators:
            if ind.id in seen:
                raise ValueError(f"indicateur « {ind.id} » en double")
            seen.add(ind.id)
            if ind.axis not in axis_ids:
                raise ValueError(f"indicateur « {ind.id} » : axe inconnu « {ind.axis} »")
        return self

    @cached_property
    def by_id(self) -> dict[str, Indicator]:
        return {ind.id: ind for ind in self.indicators}

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.by_id[indicator_id]
        except KeyError:
            raise CatalogError(f"Indicateur inconnu « {indicator_id} ».") from None


def _describe(error: ValidationError, raw: dict[str, Any]) -> str:
    """Turn pydantic errors into French lines naming the indicator and the field."""
    lines = []
    indicators = raw.get("indicators") or []
    for err in error.errors()[:20]:
        loc = list(err["loc"])
        where = "catalogue"
        if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
            idx = loc[1]
            slug = indicators[idx].get("id", f"n° {idx + 1}") if idx < len(indicators) else idx
            where = f"indicateur « {slug} »"
            loc = loc[2:]
        elif len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            events = raw.get("events") or []
            idx = loc[1]
            item = events[idx] if idx < len(events) and isinstance(events[idx], dict) else {}
            where = f"événement « {item.get('id', f'n° {idx + 1}')} »"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "(racine)"
        lines.append(f"- {where}, champ « {field} » : {_french(err)}")
    return "\n".join(lines)


def _french(err: Any) -> str:
    kind = err["type"]
    messages = {
        "missing": "champ obligatoire absent",
        "extra_forbidden": "champ inconnu",
        "literal_error": "valeur non autorisée ({expected})",
        "enum": "valeur non autorisée ({expected})",
        "string_pattern_mismatch": "format invalide",
        "date_from_datetime_parsing": "date invalide (attendu AAAA-MM-JJ)",
        "date_parsing": "date invalide (attendu AAAA-MM-JJ)",
        "float_parsing": "nombre attendu",
        "int_parsing": "entier attendu",
        "bool_parsing": "booléen attendu (true/false)",
        "list_type": "liste attendue",
        "string_type": "texte attendu",
        "string_too_short": "texte vide",
        "string_too_long": "texte trop long ({max_length} caractères au plus)",
    }
    if kind in messages:
        ctx = err.get("ctx", {})
        return messages[kind].format(
            expected=ctx.get("expected", ""), max_length=ctx.get("max_length", "")
        )
    msg = str(err.get("msg", kind))
    return msg.removeprefix("Value error, ")


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError("Catalogue d'indicateurs invalide :\n" + _describe(exc, raw)) from None


def configured_catalog_path() -> Path:
    """The CATALOG_PATH setting, else the catalog shipped in the package."""
    return settings.core().catalog_path or DEFAULT_CATALOG_PATH


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate indicators.yaml; raises CatalogError with a French message."""
    path = Path(path) if path is not None else configured_catalog_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"Catalogue introuvable : {path}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"Catalogue illisible ({path}) : {exc}") from None
    if not isinstance(raw, dict):
        raise CatalogError(f"Catalogue illisible ({path}) : un dictionnaire YAML est attendu.")
    return parse_catalog(raw)
