"""Geography: 1/18/101 areas, parents, populations, code normalisation."""

from __future__ import annotations

import pytest

from core import geography
from core.geography import GeographyError


class TestAreas:
    def test_exactly_one_france_18_regions_101_departments(self) -> None:
        counts = {lvl: len(geography.by_level(lvl)) for lvl in ("national", "region", "department")}
        assert counts == {"national": 1, "region": 18, "department": 101}

    def test_every_department_has_its_region(self) -> None:
        regions = {a.code for a in geography.by_level("region")}
        for dep in geography.by_level("department"):
            assert dep.parent_code in regions, dep.code

    def test_departments_sum_to_their_region_and_france(self) -> None:
        france = geography.by_level("national")[0]
        for region in geography.by_level("region"):
            deps = geography.departments_of(region.code)
            assert sum(d.population for d in deps) == region.population, region.code
        assert sum(r.population for r in geography.by_level("region")) == france.population

    def test_tiles_are_unique_within_a_level(self) -> None:
        for level in ("region", "department"):
            tiles = [(a.tile_row, a.tile_col) for a in geography.by_level(level)]
            assert len(set(tiles)) == len(tiles)

    def test_code_01_is_both_ain_and_guadeloupe(self) -> None:
        assert geography.get_area("department", "01").name == "Ain"
        assert geography.get_area("region", "01").name == "Guadeloupe"


DEP_VALID: list[tuple[object, str]] = [
    (1, "01"),
    ("1", "01"),
    (" 1 ", "01"),
    (1.0, "01"),
    ("01", "01"),
    ("13", "13"),
    ("2a", "2A"),
    ("2B", "2B"),
    ("02A", "2A"),
    ("001", "01"),
    ("075", "75"),
    (971, "971"),
    ("976", "976"),
]
DEP_INVALID: list[object] = [
    "20",
    20,
    "020",
    "975",
    "977",
    "97",
    "99",
    "00",
    96,
    "2C",
    "",
    None,
    True,
    1.5,
]


class TestNormalizeDepartmentCode:
    @pytest.mark.parametrize(("given", "expected"), DEP_VALID)
    def test_valid_codes_normalise_to_canonical(self, given: object, expected: str) -> None:
        assert geography.normalize_department_code(given) == expected

    @pytest.mark.parametrize("given", DEP_INVALID)
    def test_invalid_codes_raise_a_french_error(self, given: object) -> None:
        with pytest.raises(GeographyError, match="département"):
            geography.normalize_department_code(given)

    def test_old_corsica_code_explains_the_ambiguity(self) -> None:
        with pytest.raises(GeographyError, match=r"2A.*2B"):
            geography.normalize_department_code("20")


class TestNormalizeRegionCode:
    @pytest.mark.parametrize(("given", "expected"), [(1, "01"), ("6", "06"), ("84", "84")])
    def test_valid_codes(self, given: object, expected: str) -> None:
        assert geography.normalize_region_code(given) == expected

    def test_former_region_is_rejected_with_explanation(self) -> None:
        with pytest.raises(GeographyError, match="ancienne région"):
            geography.normalize_region_code("82")

    @pytest.mark.parametrize("given", ["05", "07", "99x", "12"])
    def test_unknown_region_is_rejected(self, given: str) -> None:
        with pytest.raises(GeographyError, match="région"):
            geography.normalize_region_code(given)


class TestNormalizeCode:
    def test_national_aliases_map_to_fr(self) -> None:
        for alias in ("FR", "france", "99", "999"):
            assert geography.normalize_code("national", alias) == "FR"

    def test_unknown_level_is_rejected(self) -> None:
        with pytest.raises(GeographyError, match="Niveau géographique inconnu"):
            geography.normalize_code("commune", "75056")


class TestRegionGroups:
    def test_two_groups_with_their_member_regions(self) -> None:
        # Given the région groups a source publishes together (Open DAMIR zones 5 and 93)
        groups = {g.code: g for g in geography.by_level("group")}
        # Then each names its régions, and France is its parent
        assert {code: g.members for code, g in groups.items()} == {
            "DROM": ("01", "02", "03", "04", "06"),
            "PACA-COR": ("93", "94"),
        }
        assert groups["DROM"].name == "Outre-mer (5 DROM)"
        assert groups["PACA-COR"].name == "PACA et Corse"
        assert {g.parent_code for g in groups.values()} == {"FR"}

    def test_a_group_population_is_the_sum_of_its_regions(self) -> None:
        for group in geography.by_level("group"):
            members = [geography.get_area("region", m) for m in group.members]
            assert group.population == sum(r.population for r in members)
            # Mayotte's population is older (2017): the sum is as old as its oldest part
            assert group.population_year == min(r.population_year for r in members)
        assert geography.get_area("group", "DROM").population_year == 2017

    def test_groups_are_listed_after_the_cog_areas_and_have_no_tile(self) -> None:
        levels = [a.level for a in geography.areas()]
        assert levels[-2:] == ["group", "group"]
        assert len(levels) == 122
        assert all(g.tile_row is None for g in geography.by_level("group"))

    def test_group_of_a_member_region(self) -> None:
        assert geography.group_of("94").code == "PACA-COR"  # type: ignore[union-attr]
        assert geography.group_of("06").code == "DROM"  # type: ignore[union-attr]
        assert geography.group_of("53") is None

    def test_group_codes_normalise_and_unknown_ones_are_refused(self) -> None:
        assert geography.normalize_code("group", " drom ") == "DROM"
        with pytest.raises(GeographyError, match=r"inconnu « 93 ».*« DROM », « PACA-COR »"):
            geography.normalize_code("group", "93")


class TestArticles:
    def test_every_area_has_one_article_and_the_same_name(self) -> None:
        # Given the article table, Then it covers each area once, under the same name
        import csv

        with geography.ARTICLES_CSV.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["level"], r["code"], r["name"]) for r in rows] == [
            (a.level, a.code, a.name) for a in geography.areas()
        ]
        assert {r["article"] for r in rows} <= set(geography.ARTICLES)

    @pytest.mark.parametrize(
        ("level", "code", "with_article", "of_area"),
        [
            ("national", "FR", "la France", "de la France"),
            ("region", "11", "l'Île-de-France", "de l'Île-de-France"),
            ("region", "53", "la Bretagne", "de la Bretagne"),
            ("region", "32", "les Hauts-de-France", "des Hauts-de-France"),
            ("region", "44", "le Grand Est", "du Grand Est"),
            ("region", "04", "La Réunion", "de La Réunion"),
            ("department", "29", "le Finistère", "du Finistère"),
            ("department", "34", "l'Hérault", "de l'Hérault"),
            ("department", "31", "la Haute-Garonne", "de la Haute-Garonne"),
            ("department", "75", "Paris", "de Paris"),
            ("department", "976", "Mayotte", "de Mayotte"),
        ],
    )
    def test_names_take_their_article_and_elision(
        self, level: str, code: str, with_article: str, of_area: str
    ) -> None:
        area = geography.get_area(level, code)
        assert geography.with_article(area) == with_article
        assert geography.of_area(area) == of_area
