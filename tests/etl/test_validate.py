"""Checks before any write: every bad cell named with file, row, column and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core import geography
from core.catalog import Catalog, load_catalog
from core.models import Origin
from etl.template import TIDY_TO_FRENCH, read_deposit
from etl.validate import REPORT_LIMIT, RowError, ValidationFailed, validate_tidy

ARS = Path(__file__).resolve().parent.parent / "fixtures" / "ars"
AREA_IDS = {(a.level, a.code): i for i, a in enumerate(geography.areas(), start=1)}


@pytest.fixture(scope="module")
def ars_catalog() -> Catalog:
    return load_catalog(ARS / "catalog.yaml")


def tidy(*records: dict[str, Any]) -> pd.DataFrame:
    base = {"level": "department", "breakdown": "", "numerator": "", "denominator": ""}
    frame = pd.DataFrame([{**base, **r} for r in records])
    frame["row"] = range(2, len(records) + 2)
    frame["file"] = "depot.csv"
    return frame


def check(catalog: Catalog, frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    return validate_tidy(frame, catalog=catalog, area_ids=AREA_IDS, origin=Origin.deposit, **kwargs)


def errors(catalog: Catalog, frame: pd.DataFrame) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        check(catalog, frame)
    return [str(e) for e in caught.value.errors]


def flow(code: str, value: str, period: str = "2024-03") -> dict[str, str]:
    return {
        "indicator_id": "test_teleconsultations",
        "code": code,
        "period": period,
        "value": value,
    }


def stock(period: str, value: str, code: str = "29") -> dict[str, str]:
    return {"indicator_id": "test_comptes", "code": code, "period": period, "value": value}


class TestRowError:
    def test_message_follows_the_house_template(self) -> None:
        err = RowError(file="a.csv", row=14, column="code", value="2C", expected="un code")
        assert str(err) == (
            "Fichier « a.csv », ligne 14, colonne « code » : valeur invalide « 2C ». "
            "Attendu : un code."
        )


class TestValidationFailed:
    def test_report_lists_fifty_then_counts_the_rest(self) -> None:
        errs = [
            RowError(file="f", row=i, column="c", value="v", expected="x") for i in range(2, 62)
        ]
        report = ValidationFailed(errs).report()
        assert report.count("\n- ") == REPORT_LIMIT
        assert report.endswith("… et 10 autres erreurs.")
        assert report.startswith("Fichier rejeté : 60 erreurs. Aucune donnée modifiée.")


class TestValidateTidy:
    def test_valid_deposit_gives_the_load_frame(self, ars_catalog: Catalog) -> None:
        # Given the Bretagne deposit (ratio with components, one masked row)
        frame = check(ars_catalog, read_deposit(ARS / "depot-bretagne.csv"))
        # Then values are computed from the components and the masked row has no value
        by_code = frame.set_index("code")
        assert by_code.loc["22", "value"] == 50.0
        assert by_code.loc["29", "value"] == 45.5
        assert by_code.loc["56", "is_provisional"]
        assert by_code.loc["35", "is_masked"] and pd.isna(by_code.loc["35", "value"])
        assert set(frame["area_id"]) == {AREA_IDS[("department", c)] for c in by_code.index}
        assert set(frame["origin"]) == {"deposit"}

    def test_all_errors_of_the_file_are_reported_at_once(self, ars_catalog: Catalog) -> None:
        # Given a file with an old Corse code, an unknown code, a percent above 100,
        # a duplicate row and a quarter for a monthly indicator
        with pytest.raises(ValidationFailed) as caught:
            check(ars_catalog, read_deposit(ARS / "depot-erreurs.csv"), columns=TIDY_TO_FRENCH)
        found = [(e.row, e.column, e.value) for e in caught.value.errors]
        # Then each is named with its row, the file's column name and the value
        assert found == [
            (2, "code_territoire", "20"),
            (3, "code_territoire", "2C"),
            (4, "valeur", "150 (calculée)"),
            (6, "code_territoire", "35"),
            (7, "periode", "T1 2024"),
        ]
        assert "déjà à la ligne 5" in caught.value.errors[3].expected
        assert "« 2A » (Corse-du-Sud)" in caught.value.errors[0].expected

    @pytest.mark.parametrize("code", ["20", "2C", "00", "96", "975"])
    def test_unknown_department_is_rejected(self, ars_catalog: Catalog, code: str) -> None:
        assert len(errors(ars_catalog, tidy(flow(code, "1")))) == 1

    @pytest.mark.parametrize("code", ["29", "2A", "2b", "974", "1", "075"])
    def test_known_department_is_accepted(self, ars_catalog: Catalog, code: str) -> None:
        assert len(check(ars_catalog, tidy(flow(code, "1")))) == 1

    def test_percent_out_of_range_is_rejected(self, ars_catalog: Catalog) -> None:
        row = {"indicator_id": "test_taux_activation", "code": "29", "period": "2024-03",
               "value": "101", "numerator": "101", "denominator": "100"}  # fmt: skip
        (message,) = errors(ars_catalog, tidy(row))
        assert "Attendu : un pourcentage entre 0 et 100" in message

    def test_negative_count_is_rejected(self, ars_catalog: Catalog) -> None:
        (message,) = errors(ars_catalog, tidy(flow("29", "-4")))
        assert "« -4 »" in message and "un nombre entre 0 et" in message

    def test_ratio_needs_numerator_and_denominator(self, ars_catalog: Catalog) -> None:
        row = {"indicator_id": "test_taux_activation", "code": "29", "period": "2024-03",
               "value": "45"}  # fmt: skip
        (message,) = errors(ars_catalog, tidy(row))
        assert "numérateur et le dénominateur" in message

    def test_masked_value_stays_masked(self, ars_catalog: Catalog) -> None:
        frame = check(ars_catalog, tidy(flow("29", "NS")))
        assert frame["is_masked"].tolist() == [True]
        assert frame["value"].isna().all()

    def test_duplicate_rows_are_rejected(self, ars_catalog: Catalog) -> None:
        messages = errors(ars_catalog, tidy(flow("29", "1"), flow("22", "1"), flow("29", "2")))
        assert messages == [
            "Fichier « depot.csv », ligne 4, colonne « code » : valeur invalide « 29 ». "
            "Attendu : une seule ligne par territoire, période et ventilation "
            "(déjà à la ligne 2)."
        ]

    def test_decreasing_stock_beyond_tolerance_is_rejected(self, ars_catalog: Catalog) -> None:
        # Given a stock that falls by 10 % from one quarter to the next
        frame = tidy(stock("T1 2024", "1 000"), stock("T2 2024", "900"))
        # Then the second row is rejected, naming the previous period
        (message,) = errors(ars_catalog, frame)
        assert "ligne 3" in message and "ne baisse pas de plus de 5 %" in message
        assert "2024-01-01" in message

    def test_small_dip_of_a_stock_is_tolerated(self, ars_catalog: Catalog) -> None:
        frame = tidy(stock("T1 2024", "1 000"), stock("T2 2024", "960"))
        assert len(check(ars_catalog, frame)) == 2

    def test_flow_may_decrease(self, ars_catalog: Catalog) -> None:
        frame = tidy(flow("29", "100", "2024-03"), flow("29", "10", "2024-04"))
        assert len(check(ars_catalog, frame)) == 2

    def test_wrong_period_for_the_frequency_is_rejected(self, ars_catalog: Catalog) -> None:
        (message,) = errors(ars_catalog, tidy(stock("2024-02", "1")))
        assert "colonne « period »" in message and "Attendu : un trimestre" in message

    def test_unknown_breakdown_is_rejected(self, ars_catalog: Catalog) -> None:
        row = {**stock("T1 2024", "1"), "breakdown": "clinique"}
        (message,) = errors(ars_catalog, tidy(row))
        assert "« hopital », « ville »" in message

    def test_level_not_shown_for_the_indicator_is_rejected(self, ars_catalog: Catalog) -> None:
        row = {"indicator_id": "test_national", "code": "29", "period": "2024", "value": "50"}
        (message,) = errors(ars_catalog, tidy(row))
        assert "niveau publié pour cet indicateur (national)" in message

    def test_other_indicator_than_the_one_imported_is_rejected(self, ars_catalog: Catalog) -> None:
        with pytest.raises(ValidationFailed, match="Attendu : « test_comptes »"):
            check(ars_catalog, tidy(flow("29", "1")), indicator_ids=["test_comptes"])

    def test_missing_required_column_is_named(self, ars_catalog: Catalog) -> None:
        frame = tidy(flow("29", "1")).drop(columns="period")
        with pytest.raises(ValidationFailed, match="« periode »"):
            check(ars_catalog, frame, columns=TIDY_TO_FRENCH)
