"""The one vocabulary: geographic levels, units, origins, visibility and target statuses.

Each code is declared here once with its French words, URL slug and valid range; the
catalog, the ETL and the dashboard ask these enums and never re-declare a code table
(tests/core/test_vocabulary.py fails if one reappears elsewhere). Codes are the values
stored in the database and written in indicators.yaml: changing one needs a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class LevelWords:
    label: str  # « région »
    plural: str  # « régions »
    feminine: bool  # « une autre région », « un autre département »
    slug: str | None  # URL segment and value of the `niveau` parameter; None: no page
    territory: str | None  # prefix in the `territoire` parameter: region-53, departement-01
    aliases: tuple[str, ...]  # spellings accepted in imported files (lower case)
    expected: str  # what a code of this level looks like, for error messages


class Level(StrEnum):
    """A geographic level; an area is always (level, code), since `01` is Ain and Guadeloupe."""

    national = "national"
    region = "region"
    department = "department"
    group = "group"  # régions a source publishes together (Open DAMIR: DROM, PACA and Corse)

    @property
    def words(self) -> LevelWords:
        return _LEVEL_WORDS[self]

    @property
    def label(self) -> str:
        return self.words.label

    @property
    def plural(self) -> str:
        return self.words.plural

    @property
    def slug(self) -> str | None:
        return self.words.slug

    @property
    def another(self) -> str:
        """« une autre région » / « un autre département »."""
        return ("une autre " if self.words.feminine else "un autre ") + self.label

    @property
    def of_the(self) -> str:
        """« de la région » / « du département »."""
        return ("de la " if self.words.feminine else "du ") + self.label

    @classmethod
    def territorial(cls) -> tuple[Level, ...]:
        """The levels below France, which have area pages and maps."""
        return (cls.region, cls.department)

    @classmethod
    def from_slug(cls, slug: str | None) -> Level | None:
        return next((lvl for lvl in cls if slug is not None and lvl.slug == slug), None)

    @classmethod
    def from_alias(cls, text: str) -> Level | None:
        """The level a file writes as « Région », « dep », « France »…; None if unknown."""
        key = text.strip().lower()
        return next((lvl for lvl in cls if key in lvl.words.aliases), None)


_LEVEL_WORDS: dict[Level, LevelWords] = {
    Level.national: LevelWords(
        label="France",
        plural="France",
        feminine=True,
        slug=None,
        territory=None,
        aliases=("national", "france", "nation", "fr"),
        expected="« FR »",
    ),
    Level.region: LevelWords(
        label="région",
        plural="régions",
        feminine=True,
        slug="regions",
        territory="region",
        aliases=("region", "région", "reg"),
        expected="un code de région INSEE 2016 (ex. « 11 », « 84 », « 04 »)",
    ),
    Level.department: LevelWords(
        label="département",
        plural="départements",
        feminine=False,
        slug="departements",
        territory="departement",
        aliases=("department", "departement", "département", "dep", "dept"),
        expected="un code de département (ex. « 29 », « 2A », « 974 »)",
    ),
    Level.group: LevelWords(
        label="groupe de régions",
        plural="groupes de régions",
        feminine=False,
        slug=None,
        territory=None,
        aliases=("group", "groupe", "groupe de régions", "groupe de regions"),
        expected="un code de groupe de régions (core/reference/region_groups.csv)",
    ),
}


@dataclass(frozen=True, slots=True)
class UnitWords:
    label: str  # short name for axis and colour-bar titles
    noun: str  # what the unit measures, in a sentence (« objectif exprimé en … »)
    minimum: float
    maximum: float | None
    expected: str  # the valid range, for error messages
    is_rate: bool  # a rate or a ratio: never summed across areas
    symbol: str | None = None  # written after a number (« 41,5 % », « 2 000 € »)


class Unit(StrEnum):
    count = "count"  # type: ignore[assignment]  # shadows str.count; the code is the catalog's
    percent = "percent"
    ratio = "ratio"
    euros = "euros"
    days = "days"

    @property
    def words(self) -> UnitWords:
        return _UNIT_WORDS[self]

    @property
    def label(self) -> str:
        return self.words.label

    @property
    def noun(self) -> str:
        return self.words.noun

    @property
    def symbol(self) -> str | None:
        return self.words.symbol


# Upper bounds refuse what no real figure reaches (an overflow, a typo of ten digits):
# France has 68 M people and the largest published count is 3e8 documents, so counts stop
# at 1e10; yearly health spending is about 3e11 €; a delay beyond a century is a typo.
_UNIT_WORDS: dict[Unit, UnitWords] = {
    Unit.count: UnitWords(
        "nombre", "nombre", 0.0, 1e10, "un nombre entre 0 et 10 000 000 000", False
    ),
    Unit.percent: UnitWords(
        "%", "pourcentage", 0.0, 100.0, "un pourcentage entre 0 et 100", True, symbol="%"
    ),
    Unit.ratio: UnitWords("ratio", "ratio", 0.0, 1e6, "un ratio entre 0 et 1 000 000", True),
    Unit.euros: UnitWords(
        "€", "euros", 0.0, 1e12, "un montant entre 0 et 1 000 000 000 000 €", False, symbol="€"
    ),
    Unit.days: UnitWords(
        "jours", "jours", 0.0, 36_525.0, "un nombre de jours entre 0 et 36 525", False
    ),
}


class Origin(StrEnum):
    """Where a figure comes from; real data (published, source, deposit) beats demo."""

    published = "published"
    source = "source"
    deposit = "deposit"
    demo = "demo"

    @property
    def label(self) -> str:
        """The one wording of an origin, in tables and chart legends alike."""
        return _ORIGIN_LABELS[self]

    @property
    def is_real(self) -> bool:
        return self is not Origin.demo

    @classmethod
    def real(cls) -> tuple[Origin, ...]:
        return tuple(o for o in cls if o.is_real)

    @classmethod
    def label_of(cls, code: object) -> object:
        """The label of a code read from the database: "" when missing, NaN kept as is."""
        if isinstance(code, str) and code in cls.__members__:
            return cls(code).label
        return "" if code is None or code == "" else code


_ORIGIN_LABELS: dict[Origin, str] = {
    Origin.published: "Chiffre publié",
    Origin.source: "Source ouverte",
    Origin.deposit: "Dépôt ARS",
    Origin.demo: "Démonstration",
}


class Visibility(StrEnum):
    public = "public"
    restricted = "restricted"

    @property
    def label(self) -> str:
        return _VISIBILITY_LABELS[self]


_VISIBILITY_LABELS: dict[Visibility, str] = {
    Visibility.public: "Public",
    Visibility.restricted: "Accès restreint",
}


@dataclass(frozen=True, slots=True)
class StatusWords:
    label: str
    tone: str  # DSFR badge modifier: success, info, warning, error, or "" (neutral)


class TargetStatus(StrEnum):
    """Status of a dated target, most urgent first: the order /objectifs sorts them."""

    deadline_missed = "deadline_missed"  # deadline passed, target not reached
    behind = "behind"  # deadline ahead, trajectory below the target path
    at_risk = "at_risk"
    on_track = "on_track"
    reached_late = "reached_late"  # reached after the deadline
    reached = "reached"  # reached by the deadline
    not_comparable = "not_comparable"
    insufficient_data = "insufficient_data"

    @property
    def label(self) -> str:
        return _STATUS_WORDS[self].label

    @property
    def tone(self) -> str:
        return _STATUS_WORDS[self].tone

    @property
    def is_reached(self) -> bool:
        return self in (TargetStatus.reached, TargetStatus.reached_late)

    @property
    def slug(self) -> str:
        """The value of the `statut` URL parameter (/objectifs, /indicateurs)."""
        return _STATUS_SLUGS[self]

    @classmethod
    def from_slug(cls, slug: str | None) -> TargetStatus | None:
        return next((s for s in cls if slug is not None and s.slug == slug), None)


_STATUS_WORDS: dict[TargetStatus, StatusWords] = {
    TargetStatus.deadline_missed: StatusWords("Échéance dépassée", "error"),
    TargetStatus.behind: StatusWords("En retard", "error"),
    TargetStatus.at_risk: StatusWords("À surveiller", "warning"),
    TargetStatus.on_track: StatusWords("En bonne voie", "info"),
    TargetStatus.reached_late: StatusWords("Atteint en retard", "success"),
    TargetStatus.reached: StatusWords("Atteint", "success"),
    TargetStatus.not_comparable: StatusWords("Non comparable", ""),
    TargetStatus.insufficient_data: StatusWords("Données insuffisantes", ""),
}


_STATUS_SLUGS: dict[TargetStatus, str] = {
    TargetStatus.deadline_missed: "echeance-depassee",
    TargetStatus.behind: "en-retard",
    TargetStatus.at_risk: "a-surveiller",
    TargetStatus.on_track: "en-bonne-voie",
    TargetStatus.reached_late: "atteint-en-retard",
    TargetStatus.reached: "atteint",
    TargetStatus.not_comparable: "non-comparable",
    TargetStatus.insufficient_data: "donnees-insuffisantes",
}


class TargetOrigin(StrEnum):
    """Who set a stored target: the catalog (indicators.yaml, replaced at each sync) or a
    source file loaded by a connector (kept by the sync, replaced by its next load)."""

    catalog = "catalog"
    source = "source"

    @property
    def label(self) -> str:
        return _TARGET_ORIGIN_LABELS[self]


_TARGET_ORIGIN_LABELS: dict[TargetOrigin, str] = {
    TargetOrigin.catalog: "Catalogue des indicateurs",
    TargetOrigin.source: "Fichier de la source",
}
