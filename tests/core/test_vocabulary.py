"""The one vocabulary: its words, and a scan that fails when a code table reappears elsewhere."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import pytest

from core.catalog import CatalogError, Indicator, parse_catalog
from core.vocabulary import Level, Origin, TargetStatus, Unit, Visibility

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("core", "etl", "dashboard")
VOCABULARY = ROOT / "core" / "vocabulary.py"
ENUMS: tuple[type[StrEnum], ...] = (Level, Unit, Origin, Visibility, TargetStatus)


def _labels() -> tuple[set[str], set[str]]:
    """The French words a module would have to write to re-declare the vocabulary:
    (words compared case-insensitively, status labels compared exactly).

    Words that are also a code (« ratio ») or too short to be told apart from any
    other text (« % », « € ») are left out; « France » is the country, not only a level;
    status labels are exact, since « en retard » also says that data is late.
    """
    codes = {m.value for enum in ENUMS for m in enum}
    words = {w for lvl in Level.territorial() for w in (lvl.label, lvl.plural)}
    words |= {o.label for o in Origin} | {w for u in Unit for w in (u.label, u.noun)}
    loose = {w.casefold() for w in words if len(w) > 2 and w not in codes}
    return loose, {s.label for s in TargetStatus}


def duplicates_in(source: str) -> list[str]:
    """Vocabulary declared in a module: a label string anywhere; or a constant (module or
    class level) that is a words table keyed by codes of one enum, or that lists at least
    three codes of one enum. A style table (codes to colours) or an inline loop is not
    vocabulary."""
    loose, exact = _labels()
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value.casefold() in loose or node.value in exact)
        ):
            found.append(f"ligne {node.lineno} : libellé « {node.value} »")
    for value in _constants(tree):
        if isinstance(value, ast.Dict) and all(_is_text(v) for v in value.values):
            found += _code_table(value.keys, minimum=2, line=value.lineno, kind="table")
        elif isinstance(value, ast.Tuple | ast.List | ast.Set):
            found += _code_table(value.elts, minimum=3, line=value.lineno, kind="liste")
    return found


def _constants(tree: ast.Module) -> list[ast.expr]:
    bodies = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef)]
    return [
        stmt.value
        for body in bodies
        for stmt in body
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None
    ]


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _code_table(
    items: Sequence[ast.expr | None], *, minimum: int, line: int, kind: str
) -> list[str]:
    texts = {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}
    for enum in ENUMS:
        hits = texts & {m.value for m in enum}
        if len(hits) >= minimum:
            return [f"ligne {line} : {kind} de codes {enum.__name__} {sorted(hits)}"]
    return []


class TestNoVocabularyOutsideCore:
    def test_no_module_redeclares_a_level_unit_origin_or_status(self) -> None:
        # Given every module of the three packages but core/vocabulary.py
        files = [
            p for pkg in SCANNED for p in sorted((ROOT / pkg).rglob("*.py")) if p != VOCABULARY
        ]
        # When each is scanned for labels and code tables
        found = [
            f"{path.relative_to(ROOT)}, {hit}"
            for path in files
            for hit in duplicates_in(path.read_text(encoding="utf-8"))
        ]
        # Then none declares any: they all ask core.vocabulary
        assert found == []

    @pytest.mark.parametrize(
        "source",
        [
            'LEVEL_NAMES = {"region": "régions", "department": "départements"}',
            'ORIGIN_LABELS = {"deposit": "dépôt régional", "demo": "Démo"}',
            'label = "Dépôt ARS"',
            'UNITS = ("count", "percent", "ratio", "euros", "days")',
            'REAL = ["published", "source", "deposit"]',
            'nouns = {"percent": "pourcentage"}',
            'FILES = {"region": "regions.json", "department": "departements.json"}',
            'class Page:\n    LEVELS = ("national", "region", "department")',
            'x = "En bonne voie"',
        ],
    )
    def test_the_scan_catches_a_reintroduced_table(self, source: str) -> None:
        # Given a module that re-declares part of the vocabulary
        # When it is scanned
        # Then the scan reports it (so the test above can fail)
        assert duplicates_in(source) != []

    def test_the_scan_lets_ordinary_text_through(self) -> None:
        # Given labels inside sentences, a style table, an inline loop and another meaning
        source = (
            'x = "Départements de la région"\n'
            'STYLE = {"published": ("diamond", 1), "source": ("circle", 2)}\n'
            'def f():\n    return [n for n in ("national", "region", "department")]\n'
            'LATE = "en retard"'
        )
        # When it is scanned, Then nothing is reported
        assert duplicates_in(source) == []


class TestLevel:
    def test_territorial_levels_have_a_slug_and_national_has_none(self) -> None:
        # A région group (published by a source) has no page of its own: no slug
        assert [lvl.slug for lvl in Level] == [None, "regions", "departements", None]
        assert Level.territorial() == (Level.region, Level.department)

    def test_the_group_level_words(self) -> None:
        assert Level.group.label == "groupe de régions"
        assert Level.group.another == "un autre groupe de régions"
        assert Level.from_alias("Groupe") is Level.group

    def test_from_slug_reads_the_url_segment(self) -> None:
        assert Level.from_slug("departements") is Level.department
        assert Level.from_slug("department") is None
        assert Level.from_slug(None) is None

    def test_articles_follow_the_gender(self) -> None:
        assert Level.region.another == "une autre région"
        assert Level.department.another == "un autre département"
        assert Level.region.of_the == "de la région"
        assert Level.department.of_the == "du département"

    @pytest.mark.parametrize(
        ("text", "level"),
        [("Région", Level.region), (" dep ", Level.department), ("FR", Level.national)],
    )
    def test_from_alias_accepts_the_spellings_of_files(self, text: str, level: Level) -> None:
        assert Level.from_alias(text) is level

    def test_from_alias_is_none_for_an_unknown_word(self) -> None:
        assert Level.from_alias("commune") is None

    def test_a_level_is_its_code_as_a_dictionary_key(self) -> None:
        # Given a table keyed by plain codes (as frames and the database hold them)
        table = {"region": 1}
        # Then the enum member finds the same entry
        assert table[Level.region] == 1


class TestUnit:
    def test_percent_is_bounded_by_100(self) -> None:
        assert (Unit.percent.words.minimum, Unit.percent.words.maximum) == (0.0, 100.0)

    def test_only_percent_and_ratio_are_rates(self) -> None:
        assert [u for u in Unit if u.words.is_rate] == [Unit.percent, Unit.ratio]


class TestOrigin:
    def test_demo_is_the_only_origin_that_is_not_real(self) -> None:
        assert Origin.real() == (Origin.published, Origin.source, Origin.deposit)

    def test_the_deposit_wording_is_the_one_of_tables_and_legends(self) -> None:
        assert Origin.deposit.label == "Dépôt ARS"

    @pytest.mark.parametrize(
        ("code", "label"), [("deposit", "Dépôt ARS"), (None, ""), ("", ""), ("autre", "autre")]
    )
    def test_label_of_a_database_code(self, code: object, label: str) -> None:
        assert Origin.label_of(code) == label

    def test_the_stored_codes_are_unchanged(self) -> None:
        # The database stores these codes: changing one would need a migration
        assert [o.value for o in Origin] == ["published", "source", "deposit", "demo"]


class TestTargetStatus:
    def test_each_status_has_a_label_and_a_badge_tone(self) -> None:
        assert TargetStatus.behind.label == "En retard"
        assert TargetStatus.behind.tone == "error"
        assert TargetStatus.insufficient_data.tone == ""

    def test_the_codes_are_in_sort_order_most_urgent_first(self) -> None:
        # The API publishes these codes and /objectifs sorts by this order
        assert [s.value for s in TargetStatus] == [
            "deadline_missed",
            "behind",
            "at_risk",
            "on_track",
            "reached_late",
            "reached",
            "not_comparable",
            "insufficient_data",
        ]

    def test_labels_say_what_each_status_means(self) -> None:
        assert [s.label for s in TargetStatus] == [
            "Échéance dépassée",
            "En retard",
            "À surveiller",
            "En bonne voie",
            "Atteint en retard",
            "Atteint",
            "Non comparable",
            "Données insuffisantes",
        ]

    def test_only_the_two_reached_statuses_are_reached(self) -> None:
        reached = {s for s in TargetStatus if s.is_reached}
        assert reached == {TargetStatus.reached, TargetStatus.reached_late}


class TestCatalogUsesTheVocabulary:
    def test_a_level_of_the_catalog_is_the_vocabulary_member(
        self, indicator_fields: dict[str, object]
    ) -> None:
        indicator = Indicator.model_validate(indicator_fields)
        assert indicator.levels_shown == [Level.national, Level.region]
        assert indicator.unit is Unit.percent
        assert indicator.visibility is Visibility.public

    def test_an_unknown_level_is_refused_in_french_naming_the_field(
        self, indicator_fields: dict[str, object]
    ) -> None:
        # Given an indicator shown at a level outside the vocabulary
        raw = {"version": 1, "axes": [{"id": "a", "label": "A", "order": 1}]}
        raw["indicators"] = [{**indicator_fields, "levels_shown": ["national", "commune"]}]
        # When the catalog is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw)
        # Then the message names the field and the allowed values, in French
        message = str(err.value)
        assert "champ « levels_shown.1 »" in message
        assert "valeur non autorisée" in message
        assert "'department'" in message


@pytest.fixture
def indicator_fields() -> dict[str, object]:
    return {
        "id": "taux_test",
        "label": "Taux de test",
        "short_label": "Test",
        "description": "Un indicateur de test.",
        "axis": "a",
        "unit": "percent",
        "nature": "stock",
        "frequency": "monthly",
        "levels_published": ["national"],
        "levels_shown": ["national", "region"],
        "aggregation": {"rule": "sum"},
        "direction": "higher_is_better",
        "visibility": "public",
        "sources": [],
        "methodology": "Méthode.",
    }
