"""Checks before any write: every bad cell named with file, row, column and value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core import geography
from core.catalog import Catalog, load_catalog
from core.models import Origin
from etl.parse import ParseError
from etl.template import TIDY_TO_FRENCH, describe_ignored, read_deposit, write_template
from etl.validate import (
    REPORT_LIMIT,
    UNIT_RANGE,
    RowError,
    ValidationFailed,
    check_stock_against_stored,
    parse_numbers,
    validate_tidy,
)

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


def ratio_row(value: str, numerator: str, denominator: str) -> dict[str, str]:
    return {"indicator_id": "test_taux_activation", "code": "29", "period": "2024-03",
            "value": value, "numerator": numerator, "denominator": denominator}  # fmt: skip


class TestParseNumbers:
    @pytest.mark.parametrize("text", ["1e309", "9" * 401, "-1e309", "inf", "nan", "Infinity"])
    def test_non_finite_numbers_are_invalid(self, text: str) -> None:
        values, _masked, invalid = parse_numbers(pd.Series([text, "12"]))
        assert invalid.tolist() == [True, False]
        assert np.isnan(values.iat[0]) and values.iat[1] == 12.0

    def test_overflow_is_refused_naming_the_cell(self, ars_catalog: Catalog) -> None:
        (message,) = errors(ars_catalog, tidy(flow("22", "5"), flow("29", "1e309")))
        assert "ligne 3, colonne « value » : valeur invalide « 1e309 »" in message


class TestUnitBounds:
    @pytest.mark.parametrize("unit", list(UNIT_RANGE))
    def test_every_unit_has_a_finite_upper_bound(self, unit: str) -> None:
        assert np.isfinite(UNIT_RANGE[unit][1])

    def test_a_count_above_its_bound_is_refused(self, ars_catalog: Catalog) -> None:
        (message,) = errors(ars_catalog, tidy(flow("29", "1e300")))
        assert "« 1e300 ». Attendu : un nombre entre 0 et 10 000 000 000." in message

    def test_a_count_at_its_bound_is_accepted(self, ars_catalog: Catalog) -> None:
        assert check(ars_catalog, tidy(flow("29", "10 000 000 000")))["value"].tolist() == [1e10]


class TestRatioAgainstComponents:
    def test_value_contradicting_its_components_is_refused_naming_both(
        self, ars_catalog: Catalog
    ) -> None:
        # Given 90 % written for 10 ÷ 1 000
        (message,) = errors(ars_catalog, tidy(ratio_row("90", "10", "1 000")))
        # Then the value is refused, naming numérateur, dénominateur and what they give
        assert message == (
            "Fichier « depot.csv », ligne 2, colonne « value » : valeur invalide « 90 ». "
            "Attendu : la valeur calculée numérateur ÷ dénominateur × 100 = 1 "
            "(numérateur « 10 », dénominateur « 1 000 »), à l'arrondi près."
        )

    @pytest.mark.parametrize("value", ["45,5", "45,45", "45", "46", "45,454545"])
    def test_value_rounded_as_written_is_accepted(self, ars_catalog: Catalog, value: str) -> None:
        # Given 455 ÷ 1 001 × 100 = 45.4545…, written to the digits a depositor chose
        frame = check(ars_catalog, tidy(ratio_row(value, "455", "1 001")))
        assert len(frame) == 1

    @pytest.mark.parametrize("value", ["45,6", "47", "45,47"])
    def test_value_off_by_more_than_its_last_digit_is_refused(
        self, ars_catalog: Catalog, value: str
    ) -> None:
        assert len(errors(ars_catalog, tidy(ratio_row(value, "455", "1 001")))) == 1


class TestFuturePeriods:
    def test_period_after_the_current_one_is_refused_naming_the_row(
        self, ars_catalog: Catalog
    ) -> None:
        frame = tidy(flow("29", "1", "2024-03"), flow("29", "1", "2024-04"))
        with pytest.raises(ValidationFailed) as caught:
            check(ars_catalog, frame, today=dt.date(2024, 3, 31))
        (error,) = caught.value.errors
        assert (error.row, error.column, error.value) == (3, "period", "2024-04")
        assert "une période commencée au plus tard le 31/03/2024" in str(error)

    def test_the_current_period_is_accepted(self, ars_catalog: Catalog) -> None:
        frame = check(ars_catalog, tidy(flow("29", "1", "2024-03")), today=dt.date(2024, 3, 1))
        assert len(frame) == 1

    def test_a_quarter_not_yet_begun_is_refused(self, ars_catalog: Catalog) -> None:
        with pytest.raises(ValidationFailed, match="« T2 2024 »"):
            check(ars_catalog, tidy(stock("T2 2024", "1")), today=dt.date(2024, 3, 31))

    def test_by_default_today_is_the_system_date(self, ars_catalog: Catalog) -> None:
        next_year = str(dt.date.today().year + 1)
        assert len(errors(ars_catalog, tidy(flow("29", "1", f"{next_year}-01")))) == 1


def stored(period: dt.date, value: float, code: str = "29") -> dict[str, Any]:
    return {"indicator_id": "test_comptes", "area_id": AREA_IDS[("department", code)],
            "breakdown": "_total", "period_start": period, "value": value}  # fmt: skip


class TestCheckStockAgainstStored:
    def test_fall_below_the_stored_value_before_is_refused(self, ars_catalog: Catalog) -> None:
        # Given 200 000 stored for Q1 and a file giving 1 000 for Q2
        frame = check(ars_catalog, tidy(stock("T2 2024", "1 000")))
        before = pd.DataFrame([stored(dt.date(2024, 1, 1), 200_000)])
        # Then the file's row is refused, naming the stored value
        with pytest.raises(ValidationFailed) as caught:
            check_stock_against_stored(frame, before, catalog=ars_catalog, columns=TIDY_TO_FRENCH)
        (error,) = caught.value.errors
        assert (error.file, error.row, error.column, error.value) == (
            "depot.csv",
            2,
            "valeur",
            "1000",
        )
        assert "valeur enregistrée pour 2024-01-01 : 200000" in error.expected

    def test_stored_value_after_that_would_fall_is_refused(self, ars_catalog: Catalog) -> None:
        frame = check(ars_catalog, tidy(stock("T1 2024", "300 000")))
        after = pd.DataFrame([stored(dt.date(2024, 4, 1), 200_000)])
        with pytest.raises(ValidationFailed, match="valeur enregistrée pour 2024-04-01"):
            check_stock_against_stored(frame, after, catalog=ars_catalog)

    def test_small_dip_against_the_stored_value_is_tolerated(self, ars_catalog: Catalog) -> None:
        frame = check(ars_catalog, tidy(stock("T2 2024", "196 000")))
        before = pd.DataFrame([stored(dt.date(2024, 1, 1), 200_000)])
        check_stock_against_stored(frame, before, catalog=ars_catalog)

    def test_the_file_replaces_the_stored_value_of_its_own_period(
        self, ars_catalog: Catalog
    ) -> None:
        # Given a stored Q2 of 200 000 that the file corrects to 1 000, with Q1 at 900
        frame = check(ars_catalog, tidy(stock("T1 2024", "900"), stock("T2 2024", "1 000")))
        same = pd.DataFrame([stored(dt.date(2024, 4, 1), 200_000)])
        # Then only the file's values are compared: no fall
        check_stock_against_stored(frame, same, catalog=ars_catalog)

    def test_a_flow_may_fall_below_what_is_stored(self, ars_catalog: Catalog) -> None:
        frame = check(ars_catalog, tidy(flow("29", "1", "2024-04")))
        before = pd.DataFrame([{**stored(dt.date(2024, 3, 1), 200_000),
                                "indicator_id": "test_teleconsultations"}])  # fmt: skip
        check_stock_against_stored(frame, before, catalog=ars_catalog)


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestReadDeposit:
    def test_headers_with_accents_and_capitals_are_read(self, tmp_path: Path) -> None:
        path = write_lines(
            tmp_path / "f.csv",
            "Indicateur;Niveau;Code territoire;Période;Valeur;Numérateur;Dénominateur",
            "test_taux_activation;département;29;2024-03;;455;1 000",
        )
        frame = read_deposit(path)
        assert frame[["period", "numerator", "denominator"]].iloc[0].tolist() == [
            "2024-03", "455", "1 000"
        ]  # fmt: skip

    def test_the_same_column_spelled_twice_is_refused(self, tmp_path: Path) -> None:
        path = write_lines(
            tmp_path / "f.csv",
            "indicateur;niveau;code_territoire;periode;Période;valeur",
            "x;departement;29;2024-03;2024-04;1",
        )
        with pytest.raises(ParseError, match="colonne en double « Période » \\(colonnes D et E\\)"):
            read_deposit(path)

    def test_the_template_example_line_is_left_out_and_reported(
        self, ars_catalog: Catalog, tmp_path: Path
    ) -> None:
        # Given the CSV template with one row added under its example line
        path = write_template(tmp_path / "f.csv", indicator=ars_catalog.get("test_comptes"))
        with path.open("a", encoding="utf-8") as fh:
            fh.write("test_comptes;departement;22;T1 2024;;5;;;non;\n")
        # When it is read
        frame = read_deposit(path)
        # Then only the added row is data, and the example line is reported
        assert frame["row"].tolist() == [3]
        assert describe_ignored(frame) == "Ligne non importée : 2 (ligne d'exemple du modèle)."

    def test_any_other_row_starting_with_hash_is_data(self, tmp_path: Path) -> None:
        path = write_lines(
            tmp_path / "f.csv",
            "indicateur;niveau;code_territoire;periode;valeur;commentaire",
            "# à vérifier;departement;29;2024-03;1;",
            "#REF!;departement;22;2024-03;1;ligne d'exemple",
        )
        assert read_deposit(path)["indicator_id"].tolist() == ["# à vérifier", "#REF!"]

    def test_blank_rows_are_reported(self, tmp_path: Path) -> None:
        path = write_lines(
            tmp_path / "f.csv",
            "indicateur;niveau;code_territoire;periode;valeur",
            "x;departement;29;2024-03;1",
            ";;;;",
            "x;departement;22;2024-03;1",
        )
        assert describe_ignored(read_deposit(path)) == "Ligne non importée : 3 (ligne vide)."

    def test_header_only_says_there_is_nothing_to_import(self, tmp_path: Path) -> None:
        path = write_lines(tmp_path / "f.csv", "indicateur;niveau;code_territoire;periode;valeur")
        with pytest.raises(ParseError, match="aucune ligne à importer"):
            read_deposit(path)
