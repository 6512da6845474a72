"""Reading French files: separators, encodings, numbers and periods, each with examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etl.parse import ParseError, detect_separator, parse_number, parse_period, read_table

ARS = Path(__file__).resolve().parent.parent / "fixtures" / "ars"

NUMBERS_VALID: dict[str, tuple[float | None, bool]] = {
    "1 234,5": (1234.5, False),
    "1\u00a0234": (1234.0, False),
    "1\u202f234,25": (1234.25, False),
    "12.5": (12.5, False),
    "1.234.567": (1234567.0, False),
    "1.234,5": (1234.5, False),
    "1,234.5": (1234.5, False),
    "-3": (-3.0, False),
    "45 %": (45.0, False),
    "": (None, False),
    "NA": (None, False),
    "nd": (None, False),
    "NS": (None, True),
    "s": (None, True),
}
NUMBERS_INVALID = ["abc", "1,2,3", "12 abc", "1..2,3,4"]

PERIODS_VALID: dict[tuple[str, str], dt.date] = {
    ("2024-03", "monthly"): dt.date(2024, 3, 1),
    ("2024-03-01", "monthly"): dt.date(2024, 3, 1),
    ("03/2024", "monthly"): dt.date(2024, 3, 1),
    ("mars 2024", "monthly"): dt.date(2024, 3, 1),
    ("Février 2024", "monthly"): dt.date(2024, 2, 1),
    ("fevrier 2024", "monthly"): dt.date(2024, 2, 1),
    ("août 2023", "monthly"): dt.date(2023, 8, 1),
    ("Décembre 2023", "monthly"): dt.date(2023, 12, 1),
    ("202403", "monthly"): dt.date(2024, 3, 1),
    ("T1 2024", "quarterly"): dt.date(2024, 1, 1),
    ("2024-T3", "quarterly"): dt.date(2024, 7, 1),
    ("2024-04", "quarterly"): dt.date(2024, 4, 1),
    ("2024", "yearly"): dt.date(2024, 1, 1),
    ("2024-01-01", "yearly"): dt.date(2024, 1, 1),
}
PERIODS_INVALID: list[tuple[str, str]] = [
    ("2024-02", "quarterly"),  # not the first month of a quarter
    ("T1 2024", "monthly"),
    ("2024", "monthly"),
    ("2024-03-15", "monthly"),
    ("2024-13", "monthly"),
    ("marsh 2024", "monthly"),
    ("T5 2024", "quarterly"),
    ("T1 2024", "yearly"),
    ("", "monthly"),
]


class TestParseNumber:
    @pytest.mark.parametrize(("text", "expected"), NUMBERS_VALID.items())
    def test_valid_examples(self, text: str, expected: tuple[float | None, bool]) -> None:
        assert parse_number(text) == expected

    @pytest.mark.parametrize("text", NUMBERS_INVALID)
    def test_invalid_examples_raise_in_french(self, text: str) -> None:
        with pytest.raises(ParseError, match=f"Nombre invalide « {text} »"):
            parse_number(text)

    def test_masked_is_never_zero(self) -> None:
        value, masked = parse_number("NS")
        assert value is None and masked


class TestParsePeriod:
    @pytest.mark.parametrize(("case", "expected"), PERIODS_VALID.items())
    def test_valid_examples(self, case: tuple[str, str], expected: dt.date) -> None:
        text, frequency = case
        assert parse_period(text, frequency=frequency) == expected  # type: ignore[arg-type]

    @pytest.mark.parametrize(("text", "frequency"), PERIODS_INVALID)
    def test_invalid_examples_raise(self, text: str, frequency: str) -> None:
        with pytest.raises(ParseError, match="Période"):
            parse_period(text, frequency=frequency)  # type: ignore[arg-type]

    def test_quarterly_message_names_what_is_expected(self) -> None:
        with pytest.raises(ParseError, match="Attendu : un trimestre"):
            parse_period("2024-02", frequency="quarterly")


class TestDetectSeparator:
    def test_semicolon(self) -> None:
        assert detect_separator("a;b;c\n1;2,5;3") == ";"

    def test_comma(self) -> None:
        assert detect_separator("a,b,c\n1,2,3") == ","

    def test_comment_lines_are_skipped(self) -> None:
        assert detect_separator("# x,y,z,w\na;b\n") == ";"


class TestReadTable:
    def test_utf8_bom_semicolon_file_keeps_every_row_and_its_number(self) -> None:
        # Given the template-shaped file with its commented example
        frame = read_table(ARS / "depot-bretagne.csv")
        # Then the header has no BOM and rows keep spreadsheet numbers; a row starting
        # with « # » is kept (only etl.template knows which one is its example)
        assert frame.columns[0] == "indicateur"
        assert list(frame.index) == [2, 3, 4, 5, 6]
        assert list(frame["code_territoire"]) == ["29", "22", "29", "35", "56"]

    def test_cp1252_comma_file(self) -> None:
        frame = read_table(ARS / "depot-cp1252.csv")
        assert list(frame["commentaire"]) == ["Finistère été", "prévisionnel"]
        assert list(frame["valeur"]) == ["1 234", "1 300"]

    def test_codes_keep_leading_zeros(self, tmp_path: Path) -> None:
        path = tmp_path / "f.csv"
        path.write_text("code;valeur\n01;1\n", encoding="utf-8")
        assert read_table(path)["code"].tolist() == ["01"]

    def test_malformed_file_is_refused_in_french(self) -> None:
        with pytest.raises(ParseError, match="guillemet non fermé à partir de la ligne 3"):
            read_table(ARS / "depot-mal-forme.csv")

    def test_too_many_cells_names_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "f.csv"
        path.write_text("a;b\n1;2\n1;2;3\n", encoding="utf-8")
        with pytest.raises(ParseError, match="ligne 3 : 3 cellules au lieu de 2"):
            read_table(path)

    def test_empty_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "vide.csv"
        path.write_text("", encoding="utf-8")
        with pytest.raises(ParseError, match="vide"):
            read_table(path)

    def test_unknown_extension_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "f.ods"
        path.write_text("x", encoding="utf-8")
        with pytest.raises(ParseError, match=r"Attendu : un fichier \.csv ou \.xlsx"):
            read_table(path)

    def test_xlsx_cells_are_read_as_text(self, tmp_path: Path) -> None:
        from openpyxl import Workbook

        # Given a workbook where Excel stored numbers and a date
        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.append(["code", "valeur", "periode"])
        ws.append(["01", 12.5, dt.datetime(2024, 3, 1)])
        ws.append([29, 3.0, "mars 2024"])
        path = tmp_path / "f.xlsx"
        book.save(path)
        # When it is read
        frame = read_table(path)
        # Then everything is text as a user typed it
        assert frame.to_dict("list") == {
            "code": ["01", "29"],
            "valeur": ["12.5", "3"],
            "periode": ["2024-03-01", "mars 2024"],
        }
        assert list(frame.index) == [2, 3]
