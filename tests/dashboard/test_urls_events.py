"""The `evenements` switch, the `page` parameter and the /quoi-de-neuf links of urls.py."""

from __future__ import annotations

import pytest

from dashboard import urls


class TestEvenements:
    def test_non_is_the_only_value_kept(self) -> None:
        assert urls.normalise({"evenements": "non"}) == {"evenements": "non"}
        assert urls.normalise({"evenements": "oui"}) == {}
        assert urls.normalise({"evenements": "<script>"}) == {}

    def test_milestones_are_shown_by_default(self) -> None:
        assert urls.events_shown({})
        assert not urls.events_shown(urls.normalise({"evenements": "non"}))

    def test_the_choice_follows_the_reader(self) -> None:
        state = urls.normalise({"evenements": "non", "carte": "geo"})
        assert urls.kept(state) == {"evenements": "non"}

    def test_the_switch_keeps_the_rest_of_the_view(self) -> None:
        # Given an indicator page on the geographic map, milestones hidden
        state = urls.normalise({"carte": "geo", "evenements": "non"})
        # When its switch is built
        links = urls.events_switch("indicator", state, indicator_id="mes_taux_activation")
        # Then each choice keeps the map, and the current one is « masqués »
        assert links == [
            ("Jalons affichés", "/indicateurs/mes_taux_activation?carte=geo", False),
            (
                "Jalons masqués",
                "/indicateurs/mes_taux_activation?carte=geo&evenements=non",
                True,
            ),
        ]


class TestPage:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("2", {"page": "2"}), ("1", {}), ("0", {}), ("-3", {}), ("1001", {}), ("deux", {})],
    )
    def test_a_page_is_a_number_from_1_to_1000(self, raw: str, expected: dict[str, str]) -> None:
        assert urls.normalise({"page": raw}) == expected

    def test_the_default_page_is_the_first(self) -> None:
        assert urls.value({}, "page") == "1"


class TestWhatsNewLinks:
    def test_the_page_is_in_the_navigation(self) -> None:
        assert ("/quoi-de-neuf", "Quoi de neuf") in urls.navigation()

    def test_an_indicator_filter_and_a_page(self) -> None:
        assert urls.whats_new() == "/quoi-de-neuf"
        assert (
            urls.whats_new({"indicateur": "mes_taux_activation", "page": "2"})
            == "/quoi-de-neuf?indicateur=mes_taux_activation&page=2"
        )

    def test_the_page_exists(self) -> None:
        assert urls.page_exists("/quoi-de-neuf", {}, indicator_ids=[])
