"""France, its 18 régions and 101 départements: the one reference table of areas.

Vendored from the COG 2026 reference file (core/reference/geography.csv). A code
alone is ambiguous (`01` is Ain and Guadeloupe): every area is (level, code).

Some sources publish several régions as one zone (Open DAMIR: the five DROM together,
PACA with Corse). Those groups are areas of their own (level `group`, declared once in
core/reference/region_groups.csv), with their member régions and the sum of their
populations: a grouped figure is never split into régions.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from core.errors import UserError
from core.package_data import package_path
from core.vocabulary import Level

GEOGRAPHY_CSV = package_path("core", "reference", "geography.csv")
GROUPS_CSV = package_path("core", "reference", "region_groups.csv")
# Départements sharing a border, from the IGN contours (scripts/build_neighbours.py).
NEIGHBOURS_CSV = package_path("core", "reference", "department_neighbours.csv")
# The article each name takes in a sentence (« la Bretagne », « l'Île-de-France », « le
# Finistère », « les Landes », none for Paris, Mayotte or La Réunion): core/reference/articles.csv.
ARTICLES_CSV = package_path("core", "reference", "articles.csv")
ARTICLES = ("la", "le", "les", "l'", "")

NATIONAL_CODE = "FR"

_DEPARTMENT = re.compile(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[12346]")
_FORMER_REGIONS = frozenset(
    {"21", "22", "23", "25", "26", "31", "41", "42", "43", "54", "72", "73", "74", "82", "83", "91"}
)
NATIONAL_ALIASES = frozenset({"FR", "FRANCE", "99", "999", "FRANCE ENTIERE", "FRANCE ENTIÈRE"})


class GeographyError(UserError, ValueError):
    """An area code that is not a canonical COG code; the message is French."""


@dataclass(frozen=True, slots=True)
class Area:
    level: Level
    code: str
    name: str
    parent_code: str | None
    population: int
    population_year: int
    tile_row: int | None
    tile_col: int | None
    members: tuple[str, ...] = ()  # the régions of a group; empty for other levels


@lru_cache(maxsize=1)
def areas() -> tuple[Area, ...]:
    """All 122 areas: France, régions, départements in COG order, then the région groups."""
    with GEOGRAPHY_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cog = tuple(
        Area(
            level=Level(row["level"]),
            code=row["code"],
            name=row["name"],
            parent_code=row["parent_code"] or None,
            population=int(row["population"]),
            population_year=int(row["population_year"]),
            tile_row=int(row["tile_row"]) if row["tile_row"] else None,
            tile_col=int(row["tile_col"]) if row["tile_col"] else None,
        )
        for row in rows
    )
    return cog + _groups(cog)


def _groups(cog: tuple[Area, ...]) -> tuple[Area, ...]:
    """The région groups, each with the sum of its members' populations (as old as the oldest)."""
    regions = {a.code: a for a in cog if a.level is Level.region}
    with GROUPS_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    groups = []
    for row in rows:
        members = tuple(row["members"].split())
        unknown = [m for m in members if m not in regions]
        if unknown or len(members) < 2:
            raise GeographyError(
                f"Fichier « {GROUPS_CSV.name} », groupe « {row['code']} » : membres "
                f"« {row['members']} ». Attendu : au moins deux codes de région connus."
            )
        groups.append(
            Area(
                level=Level.group,
                code=row["code"],
                name=row["name"],
                parent_code=NATIONAL_CODE,
                population=sum(regions[m].population for m in members),
                population_year=min(regions[m].population_year for m in members),
                tile_row=None,
                tile_col=None,
                members=members,
            )
        )
    return tuple(groups)


def group_of(region_code: str) -> Area | None:
    """The group a région is published with, if any (Corse → « PACA et Corse »)."""
    return next((g for g in by_level(Level.group) if region_code in g.members), None)


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Area]:
    return {(a.level, a.code): a for a in areas()}


def by_level(level: str) -> tuple[Area, ...]:
    return tuple(a for a in areas() if a.level == level)


def get_area(level: str, code: object) -> Area:
    """The area for a (level, code), normalising the code first."""
    canonical = normalize_code(level, code)
    return _index()[(level, canonical)]


def departments_of(region_code: str) -> tuple[Area, ...]:
    region = normalize_region_code(region_code)
    return tuple(a for a in by_level("department") if a.parent_code == region)


def region_of(department_code: str) -> Area:
    dep = get_area("department", department_code)
    return _index()[("region", dep.parent_code or "")]


def _as_text(value: object, kind: str) -> str:
    if isinstance(value, bool) or value is None:
        raise GeographyError(f"Code de {kind} invalide « {value} ».")
    if isinstance(value, float):
        if not value.is_integer():
            raise GeographyError(f"Code de {kind} invalide « {value} ».")
        value = int(value)
    return str(value).strip().upper()


def normalize_department_code(value: object) -> str:
    """Canonical COG département code: 1 → "01", "2a" → "2A", "075" → "75".

    Raises GeographyError for "20" (old Corse code, ambiguous) and unknown codes.
    """
    s = _as_text(value, Level.department.label)
    if len(s) == 3 and s.startswith("0"):
        s = s[1:]
    if s.isdigit() and len(s) == 1:
        s = "0" + s
    if s == "20":
        raise GeographyError(
            "Code de département « 20 » ambigu (ancien code de la Corse). "
            "Attendu : « 2A » (Corse-du-Sud) ou « 2B » (Haute-Corse)."
        )
    if not _DEPARTMENT.fullmatch(s):
        raise GeographyError(
            f"Code de département inconnu « {value} ». Attendu : {Level.department.words.expected}."
        )
    return s


def normalize_region_code(value: object) -> str:
    """Canonical 2016 région code: 1 → "01", "84" → "84"."""
    s = _as_text(value, Level.region.label)
    if s.isdigit() and len(s) == 1:
        s = "0" + s
    if s in _FORMER_REGIONS:
        raise GeographyError(
            f"Code de région « {value} » : ancienne région (avant 2016). "
            "Les données antérieures à 2016 doivent être réagrégées depuis les départements."
        )
    if ("region", s) not in _index():
        raise GeographyError(
            f"Code de région inconnu « {value} ». Attendu : {Level.region.words.expected}."
        )
    return s


def normalize_group_code(value: object) -> str:
    """A région group code as declared in region_groups.csv (case-insensitive)."""
    s = _as_text(value, Level.group.label)
    if (Level.group, s) not in _index():
        known = ", ".join(f"« {g.code} »" for g in by_level(Level.group))
        raise GeographyError(f"Code de groupe de régions inconnu « {value} ». Attendu : {known}.")
    return s


def normalize_code(level: str, value: object) -> str:
    if level == "department":
        return normalize_department_code(value)
    if level == "region":
        return normalize_region_code(value)
    if level == "group":
        return normalize_group_code(value)
    if level == "national":
        s = _as_text(value, "France")
        if s in NATIONAL_ALIASES:
            return NATIONAL_CODE
        raise GeographyError(f"Code national inconnu « {value} ». Attendu : « FR ».")
    raise GeographyError(
        f"Niveau géographique inconnu « {level} ». Attendu : national, region, department ou group."
    )


def sort_key(code: str) -> tuple[int, str]:
    """COG order: 01…19, 2A, 2B, 21…95, 971…976."""
    return (len(code), code.replace("2A", "20A").replace("2B", "20B"))


@lru_cache(maxsize=1)
def _articles() -> dict[tuple[str, str], str]:
    with ARTICLES_CSV.open(encoding="utf-8", newline="") as fh:
        return {(row["level"], row["code"]): row["article"] for row in csv.DictReader(fh)}


def article(area: Area) -> str:
    """The article of the area's name: "la", "le", "les", "l'" or "" (Paris, La Réunion)."""
    return _articles()[(area.level, area.code)]


def with_article(area: Area) -> str:
    """« la Bretagne », « l'Île-de-France », « les Hauts-de-France », « Paris »."""
    art = article(area)
    if art == "l'":
        return art + area.name
    return f"{art} {area.name}" if art else area.name


def of_area(area: Area) -> str:
    """The name after « de », contracted as French writes it: « de la Bretagne »,
    « de l'Île-de-France », « du Finistère », « des Landes », « de Paris »."""
    art = article(area)
    if art == "le":
        return f"du {area.name}"
    if art == "les":
        return f"des {area.name}"
    return f"de {with_article(area)}"


@lru_cache(maxsize=1)
def _neighbours() -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    with NEIGHBOURS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = row["department"], row["neighbour"]
            found.setdefault(a, set()).add(b)
            found.setdefault(b, set()).add(a)
    return {code: tuple(sorted(codes, key=sort_key)) for code, codes in found.items()}


def neighbours(department_code: str) -> tuple[str, ...]:
    """The départements sharing a border with this one (none overseas)."""
    return _neighbours().get(normalize_department_code(department_code), ())
