"""The header's search: names and codes, accents, case and punctuation ignored (pure)."""

from __future__ import annotations

import pytest

from core import geography
from core.catalog import Catalog
from dashboard import urls
from dashboard.lookup import INDICATOR, fold, score, search


def _hits(catalog: Catalog, text: str) -> list[tuple[str, str]]:
    hits = search(text, indicators=catalog.indicators, areas=geography.areas())
    return [(h.kind, h.key) for h in hits]


class TestFold:
    @pytest.mark.parametrize(
        ("text", "folded"),
        [
            ("Île-de-France", "ile de france"),
            ("Côtes-d'Armor", "cotes d armor"),
            ("  FINISTÈRE ", "finistere"),
            ("mes_taux_activation", "mes taux activation"),
            ("2A", "2a"),
        ],
    )
    def test_accents_case_and_punctuation_go(self, text: str, folded: str) -> None:
        assert fold(text) == folded


class TestScore:
    def test_exact_code_or_name_first_then_beginning_then_words(self) -> None:
        assert score("29", names=["Finistère"], codes=["29"]) == 0
        assert score("finistere", names=["Finistère"]) == 0
        assert score("finis", names=["Finistère"]) == 1
        assert score("espace mon", names=["Taux d'activation de Mon espace santé"]) == 2

    def test_every_word_must_begin_a_word_of_the_name(self) -> None:
        assert score("istere", names=["Finistère"]) is None  # inside a word: no
        assert score("mon espace xyz", names=["Mon espace santé"]) is None
        assert score("", names=["Finistère"]) is None

    def test_a_code_matches_exactly_not_as_a_prefix(self) -> None:
        assert score("2", names=["Finistère"], codes=["29"]) is None


class TestSearch:
    def test_a_region_by_its_name_without_accents_or_capitals(self, catalog: Catalog) -> None:
        assert _hits(catalog, "ile de france") == [("region", "11")]

    def test_a_department_by_its_name_or_its_code(self, catalog: Catalog) -> None:
        assert _hits(catalog, "finistere") == [("department", "29")]
        assert _hits(catalog, "FINISTÈRE") == [("department", "29")]
        assert _hits(catalog, "29") == [("department", "29")]
        assert _hits(catalog, "2a") == [("department", "2A")]

    def test_an_ambiguous_code_gives_both_areas(self, catalog: Catalog) -> None:
        # `01` is Guadeloupe (région) and Ain (département): both are listed
        assert _hits(catalog, "01") == [("region", "01"), ("department", "01")]

    def test_indicators_by_words_of_their_name(self, catalog: Catalog) -> None:
        hits = _hits(catalog, "mon espace")
        assert ("indicator", "mes_taux_activation") in hits
        assert all(kind == INDICATOR for kind, _ in hits)
        # and by their identifier
        assert _hits(catalog, "mes_taux_activation")[0] == ("indicator", "mes_taux_activation")

    def test_exact_matches_come_first(self, catalog: Catalog) -> None:
        # « Bretagne » is the région; no other area or indicator is named so exactly
        assert _hits(catalog, "bretagne")[0] == ("region", "53")

    def test_nothing_found_is_an_empty_list(self, catalog: Catalog) -> None:
        assert _hits(catalog, "zzzz") == []


class TestSearchParameter:
    def test_the_searched_text_is_kept_clean_and_short(self) -> None:
        assert urls.normalise({"q": "  ile   de\tfrance "}) == {"q": "ile de france"}
        assert urls.normalise({"q": "a\x00b"}) == {"q": "a b"}
        assert urls.normalise({"q": "   "}) == {}
        assert len(urls.normalise({"q": "x" * 500})["q"]) == urls.SEARCH_LENGTH

    def test_the_form_action_is_declared_in_urls(self) -> None:
        assert urls.search() == "/recherche"
        assert urls.search({"q": "finistère"}) == "/recherche?q=finist%C3%A8re"
