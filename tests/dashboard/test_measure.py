"""What maps, rankings and fiche ranks compare (dashboard/measure.py), pure: counts per
100 000 inhabitants, ranks at the displayed precision, yes/no facts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import geography
from core.catalog import Catalog
from core.vocabulary import Level
from dashboard import measure
from dashboard.formatting import NNBSP

COUNT = "ecps_actives"  # count, rule sum, régions and départements
RATE = "mes_taux_activation"  # percent, ratio
SAS = "sas_departements_couverts"  # count of départements covered (count_true)
EUROS = "segur_financement_sons"  # euros, rule sum
TC = "teleconsultations_actes"  # count, régions and région groups


class TestWhichIndicatorsAreDivided:
    def test_counts_and_amounts_that_add_up_are_per_capita(self, catalog: Catalog) -> None:
        assert catalog.get(COUNT).is_per_capita
        assert catalog.get(EUROS).is_per_capita  # an amount: as misleading ranked as is
        assert measure.applies(catalog.get(COUNT), Level.region)
        assert measure.applies(catalog.get(COUNT), Level.department)
        assert measure.applies(catalog.get(TC), Level.group)

    def test_rates_are_never_divided(self, catalog: Catalog) -> None:
        rates = [i for i in catalog.indicators if i.unit.words.is_rate]
        assert rates and not any(i.is_per_capita for i in rates)

    def test_a_count_of_departements_is_not_divided(self, catalog: Catalog) -> None:
        # « Départements couverts par un SAS » counts areas, not people
        assert not catalog.get(SAS).is_per_capita

    def test_france_is_not_a_level_of_the_maps(self, catalog: Catalog) -> None:
        assert not measure.applies(catalog.get(COUNT), Level.national)


class TestPerCapita:
    def test_value_divided_by_the_population_times_100_000(self) -> None:
        bretagne = geography.get_area(Level.region, "53")
        assert measure.per_capita(34_493.7, bretagne.population) == pytest.approx(1000.0)

    @pytest.mark.parametrize(
        ("value", "population"), [(None, 1000), (math.nan, 1000), (5.0, 0), (5.0, None)]
    )
    def test_missing_is_nan_never_zero(self, value: object, population: object) -> None:
        assert math.isnan(measure.per_capita(value, population))

    def test_each_area_its_population_and_its_year(self) -> None:
        # Given Bretagne (population 2023) and Mayotte (population 2017)
        frame = pd.DataFrame({"code": ["53", "06"], "value": [3449.37, 2565.18]})
        # When divided
        out = measure.with_per_capita(frame, level=Level.region).set_index("code")
        # Then each uses its own population, and says which year it is
        assert out.loc["53", "population"] == 3_449_370
        assert out.loc["53", "population_year"] == 2023
        assert out.loc["06", "population"] == 256_518
        assert out.loc["06", "population_year"] == 2017
        assert out.loc["53", "value_per_100k"] == pytest.approx(100.0)
        assert out.loc["06", "value_per_100k"] == pytest.approx(1000.0)

    def test_a_region_showing_its_groups_value_is_divided_by_the_groups_population(
        self,
    ) -> None:
        # Given Corse drawn with the value of « PACA et Corse » (Open DAMIR zone 93)
        frame = pd.DataFrame(
            {"code": ["94", "53"], "value": [5574.446, 10.0], "group_code": ["PACA-COR", None]}
        )
        out = measure.with_per_capita(frame, level=Level.region).set_index("code")
        # Then the group's population divides it: the sum of its members'
        paca_corse = 5_218_960 + 355_486
        assert out.loc["94", "population"] == paca_corse
        assert geography.get_area(Level.group, "PACA-COR").population == paca_corse
        assert out.loc["94", "value_per_100k"] == pytest.approx(100.0)
        assert out.loc["53", "population"] == 3_449_370

    def test_a_group_is_as_old_as_its_oldest_member(self) -> None:
        drom = geography.get_area(Level.group, "DROM")
        assert drom.population_year == 2017  # Mayotte
        assert drom.population == sum(
            geography.get_area(Level.region, c).population for c in drom.members
        )

    def test_population_note_names_the_areas_of_another_year(self) -> None:
        assert measure.population_note([("Bretagne", 2023)]) == "population Insee 2023"
        assert measure.population_note(
            [("Bretagne", 2023), ("Corse", 2023), ("Mayotte", 2017)]
        ) == ("population Insee 2023 (Mayotte : 2017)")

    def test_axis_title(self, catalog: Catalog) -> None:
        assert measure.per_capita_title(catalog.get(COUNT)) == (
            f"nombre pour 100{NNBSP}000 habitants"
        )


class TestRanksAtTheDisplayedPrecision:
    def test_values_equal_once_written_share_a_rank(self) -> None:
        # Given 99,99999993 % and 99,99999988 %, both written « 100,0 % »
        values = pd.Series([99.99999993, 99.99999988, 99.9, 98.0])
        rank = measure.ranks(values, decimals=1, ascending=False)
        assert list(rank) == [1, 1, 3, 4]
        assert list(measure.tied(rank)) == [True, True, False, False]

    def test_eighteen_regions_at_100_percent_are_all_first(self) -> None:
        values = pd.Series([100.0 - i * 1e-8 for i in range(18)])
        rank = measure.ranks(values, decimals=1, ascending=False)
        assert set(rank) == {1.0}
        assert measure.tied(rank).all()

    def test_lower_is_better_and_missing_values(self) -> None:
        rank = measure.ranks(pd.Series([3.04, None, 2.96]), decimals=1, ascending=True)
        assert rank.iloc[0] == rank.iloc[2] == 1
        assert pd.isna(rank.iloc[1])
        assert not measure.tied(rank).iloc[1]

    def test_precision_is_the_one_of_the_text_on_screen(self) -> None:
        values = pd.Series([0.25, 0.35, 1234.56])
        assert list(measure.at_precision(values, 1)) == [
            float(f"{v:.1f}") for v in (0.25, 0.35, 1234.56)
        ]

    @pytest.mark.parametrize(
        ("rank", "tied", "text"),
        [(1, False, "1er"), (2, False, "2e"), (1, True, "1er ex aequo"), (8, True, "8e ex aequo")],
    )
    def test_rank_text(self, rank: int, tied: bool, text: str) -> None:
        assert measure.rank_text(rank, tied=tied) == text


class TestYesNo:
    def test_the_sas_is_yes_or_no_per_departement(self, catalog: Catalog) -> None:
        # the départements of a count_true indicator are facts; its régions count them
        sas = catalog.get(SAS)
        assert sas.yes_no_level == Level.department
        assert measure.is_yes_no(sas, Level.department)
        assert not measure.is_yes_no(sas, Level.region)

    def test_only_count_true_and_share_true_indicators_are_yes_no(self, catalog: Catalog) -> None:
        yes_no = {i.id for i in catalog.indicators if i.yes_no_level is not None}
        rules = {i.aggregation.rule for i in catalog.indicators if i.id in yes_no}
        assert SAS in yes_no and rules <= {"count_true", "share_true"}

    def test_written_oui_or_non(self, catalog: Catalog) -> None:
        shown = measure.shown(catalog.get(SAS), level=Level.department, per_capita=True)
        assert shown.yes_no and not shown.per_capita
        assert [shown.text(v, unit="count") for v in (1.0, 0.0, None)] == ["oui", "non", "—"]


class TestShown:
    def test_a_count_per_capita_at_one_decimal(self, catalog: Catalog) -> None:
        shown = measure.shown(catalog.get(COUNT), level=Level.region, per_capita=True)
        assert shown.per_capita and shown.decimals == measure.PER_CAPITA_DECIMALS
        assert shown.sentence(12.345, unit="count") == f"12,3 pour 100{NNBSP}000 habitants"

    def test_totals_when_asked_and_rates_as_they_are(self, catalog: Catalog) -> None:
        totals = measure.shown(catalog.get(COUNT), level=Level.region, per_capita=False)
        assert not totals.per_capita and totals.decimals == catalog.get(COUNT).decimals
        rate = measure.shown(catalog.get(RATE), level=Level.region, per_capita=True)
        assert not rate.per_capita and rate.decimals == 1
        assert rate.sentence(41.53, unit="percent") == f"41,5{NNBSP}%"
