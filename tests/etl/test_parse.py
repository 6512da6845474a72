"""Reading French files: separators, encodings, numbers and periods, each with examples."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from etl import parse
from etl.parse import (
    ParseError,
    check_archive,
    check_columns,
    check_file,
    choose_sheet,
    column_letter,
    decode,
    detect_separator,
    parse_number,
    parse_period,
    read_table,
)

ROOT = Path(__file__).resolve().parents[2]
ARS = ROOT / "tests" / "fixtures" / "ars"

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
NUMBERS_INVALID = ["abc", "1,2,3", "12 abc", "1..2,3,4", "inf", "nan", "-Infinity"]

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


# the corpus script's builders, run as a module of its own name
hostile = SimpleNamespace(
    **runpy.run_path(str(ROOT / "scripts" / "build_hostile_files.py"), run_name="build_hostile")
)
HEADER = hostile.HEADER


class TestColumnLetter:
    @pytest.mark.parametrize(
        ("number", "letter"), [(1, "A"), (26, "Z"), (28, "AB"), (16384, "XFD")]
    )
    def test_examples(self, number: int, letter: str) -> None:
        assert column_letter(number) == letter


class TestCheckFile:
    def test_directory_is_named_as_a_directory(self, tmp_path: Path) -> None:
        with pytest.raises(ParseError, match="est un dossier, pas un fichier"):
            check_file(tmp_path)

    def test_missing_file_is_not_found(self, tmp_path: Path) -> None:
        with pytest.raises(ParseError, match="Fichier introuvable"):
            check_file(tmp_path / "absent.csv")

    def test_file_above_the_limit_is_refused_before_reading(self, tmp_path: Path) -> None:
        path = tmp_path / "gros.csv"
        path.write_bytes(b"x" * 2000)
        with pytest.raises(ParseError, match=r"trop volumineux : 2 000 octets\. Attendu : au plus"):
            check_file(path, max_bytes=1999)

    def test_limit_is_the_import_max_bytes_setting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given IMPORT_MAX_BYTES=10 and an 11-byte file
        monkeypatch.setenv("IMPORT_MAX_BYTES", "10")
        path = tmp_path / "f.csv"
        path.write_bytes(b"a;b\n1;2\n3;4")
        # Then read_table refuses it, naming the setting
        with pytest.raises(ParseError, match="IMPORT_MAX_BYTES"):
            read_table(path)


class TestDecode:
    def test_utf16_with_bom_is_read(self) -> None:
        assert decode("Période\tvaleur".encode("utf-16"), name="f.txt") == "Période\tvaleur"

    def test_windows_1252_file_is_read_as_a_whole(self) -> None:
        assert decode("Finistère;été".encode("cp1252"), name="f.csv") == "Finistère;été"

    def test_stray_windows_1252_byte_in_utf8_is_refused_naming_line_and_byte(self) -> None:
        # Given UTF-8 text (« Finistère ») and, on line 2, one Windows-1252 « é »
        data = "a;Finistère\n".encode() + b"b;r\xe9sum\n"
        # Then the byte is named, not the whole file turned into « FinistÃ¨re »
        with pytest.raises(ParseError) as caught:
            decode(data, name="f.csv")
        assert str(caught.value) == (
            "Fichier « f.csv », ligne 2, octet 4 de la ligne (octet 17 du fichier) : "
            "octet invalide en UTF-8 « 0xE9 ». Attendu : un fichier entièrement en UTF-8 "
            "(réenregistrez-le en « CSV UTF-8 »)."
        )

    def test_byte_unknown_to_windows_1252_is_refused(self) -> None:
        with pytest.raises(ParseError, match="octet invalide en Windows-1252 « 0x81 »"):
            decode(b"a;b\n\x81\n", name="f.csv")

    def test_utf16_without_bom_is_refused_with_the_reason(self) -> None:
        with pytest.raises(ParseError, match="UTF-16 sans marque d'ordre"):
            decode("a;b".encode("utf-16-le"), name="f.csv")


class TestSeparators:
    def test_tab(self) -> None:
        assert detect_separator("a\tb\tc\n1\t2,5\t3") == "\t"

    def test_tab_separated_utf16_file_is_read(self, tmp_path: Path) -> None:
        # Given what Excel's « Texte Unicode » writes
        path = tmp_path / "export.txt"
        path.write_bytes("Période\tValeur\r\n2024-03\t1 234\r\n".encode("utf-16"))
        # Then it is read like any CSV
        frame = read_table(path)
        assert frame.to_dict("list") == {"Période": ["2024-03"], "Valeur": ["1 234"]}


class TestHeader:
    def test_column_named_twice_in_csv_is_refused_naming_it(self, tmp_path: Path) -> None:
        path = tmp_path / "f.csv"
        path.write_text("code;valeur;valeur\n29;1;2\n", encoding="utf-8")
        with pytest.raises(ParseError) as caught:
            read_table(path)
        assert str(caught.value) == (
            "Fichier « f.csv », ligne 1, colonne « valeur » : colonne en double « valeur » "
            "(colonnes B et C). Attendu : une seule colonne « valeur »."
        )

    def test_compared_keys_find_a_duplicate_spelled_differently(self) -> None:
        with pytest.raises(ParseError, match="colonne en double « Période »"):
            check_columns(["periode", "Période"], file="f", keys=["periode", "periode"])

    def test_empty_names_are_not_duplicates(self) -> None:
        check_columns(["a", "", ""], file="f")

    def test_row_starting_with_hash_is_data(self, tmp_path: Path) -> None:
        path = tmp_path / "f.csv"
        path.write_text("indicateur;valeur\n#REF!;1\n", encoding="utf-8")
        assert read_table(path)["indicateur"].tolist() == ["#REF!"]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    hostile.write_xlsx(path, sheets)
    return path


ROWS: list[list[object]] = [HEADER, ["x", "departement", "29", "2024-03", "1"]]


class TestXlsxSheets:
    def test_one_sheet_is_read_whatever_its_name(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": ROWS})
        assert len(read_table(path, sheet="Données", excluded_sheets=("Exemple",))) == 1

    def test_donnees_is_read_even_after_the_example(self, tmp_path: Path) -> None:
        # Given a template whose « Exemple » sheet was moved first
        example = [HEADER, ["exemple", "departement", "56", "2024-03", "9"]]
        path = _xlsx(tmp_path / "f.xlsx", {"Exemple": example, "Données": ROWS})
        # Then the data sheet is read, not the example
        frame = read_table(path, sheet="Données", excluded_sheets=("Exemple",))
        assert frame["indicateur"].tolist() == ["x"]

    def test_several_sheets_without_donnees_are_refused_naming_them(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": ROWS, "Feuil2": ROWS})
        with pytest.raises(ParseError, match=r"feuille « Données » absente \(feuilles trouvées "):
            read_table(path, sheet="Données")

    def test_a_lone_example_sheet_is_never_read(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "f.xlsx", {"Exemple": ROWS})
        with pytest.raises(ParseError, match="« Exemple », n'est jamais importée"):
            read_table(path, sheet="Données", excluded_sheets=("Exemple",))

    def test_without_a_wanted_sheet_the_first_is_read(self) -> None:
        assert choose_sheet(["Feuil2", "Données"], file="f", wanted=None) == "Feuil2"


class TestXlsxBounds:
    def test_cells_beyond_the_declared_dimension_are_read(self, tmp_path: Path) -> None:
        # Given a sheet declaring A1:B2 but holding 3 rows of 5 columns
        path = tmp_path / "f.xlsx"
        rows = [["x", "departement", str(n), "2024-03", "1"] for n in (22, 29)]
        hostile.declared_dimension("A1:B2", rows)(path)
        # Then nothing beyond the declaration is dropped
        frame = read_table(path)
        assert frame.shape == (2, 5) and frame["valeur"].tolist() == ["1", "1"]

    def test_a_huge_declared_sheet_gives_its_real_cells(self, tmp_path: Path) -> None:
        # Given 5 kB declaring 1 048 576 × 16 384 cells, with a blank cell in the last row
        path = tmp_path / "f.xlsx"
        hostile.declared_dimension("A1:XFD1048576", ROWS[1:], blank_at="A1048576")(path)
        # Then the frame holds what the sheet holds
        assert read_table(path).shape == (1, 5)

    def test_a_cell_beyond_the_column_limit_is_refused_not_dropped(self, tmp_path: Path) -> None:
        path = tmp_path / "f.xlsx"
        hostile.cell_far_right(path)
        with pytest.raises(ParseError) as caught:
            read_table(path)
        assert str(caught.value) == (
            "Fichier « f.xlsx », ligne 3, colonne « XFD » : cellule au-delà de la limite de "
            f"colonnes « caché ». Attendu : au plus {parse.XLSX_MAX_COLUMNS} colonnes."
        )

    def test_a_cell_outside_the_header_is_refused(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": [["a", "b"], ["1", "2", "3"]]})
        with pytest.raises(ParseError, match="ligne 2 : 3 cellules au lieu de 2"):
            read_table(path)

    def test_trailing_empty_header_cells_are_dropped(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": [["a", "b", None, None], ["1", "2"]]})
        assert read_table(path).columns.tolist() == ["a", "b"]

    def test_too_many_cells_are_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(parse, "XLSX_MAX_CELLS", 9)
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": [["a", "b"], *[["1", "2"]] * 5]})
        with pytest.raises(ParseError, match="ligne 6 : trop de cellules"):
            read_table(path)

    def test_too_many_rows_are_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(parse, "XLSX_MAX_ROWS", 3)
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": [["a"], *[["1"]] * 5]})
        with pytest.raises(ParseError, match=r"ligne 4 : trop de lignes\. Attendu : au plus 3"):
            read_table(path)

    def test_column_named_twice_in_xlsx_is_refused(self, tmp_path: Path) -> None:
        path = _xlsx(
            tmp_path / "f.xlsx", {"Feuil1": [["valeur", "code", "valeur"], ["1", "2", "3"]]}
        )
        with pytest.raises(ParseError, match=r"colonne en double « valeur » \(colonnes A et C\)"):
            read_table(path)


class TestCheckArchive:
    def test_a_part_inflating_a_thousand_times_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "bombe.xlsx"
        hostile.zip_bomb(path)
        with pytest.raises(ParseError, match=r"« xl/worksheets/sheet1\.xml » se décompresse"):
            check_archive(path)

    def test_a_workbook_too_large_once_inflated_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(parse, "XLSX_MAX_UNCOMPRESSED", 1000)
        path = _xlsx(tmp_path / "f.xlsx", {"Feuil1": ROWS})
        with pytest.raises(ParseError, match=r"une fois décompressé\. Attendu : au plus 1 000"):
            read_table(path)

    def test_an_ordinary_workbook_passes(self, tmp_path: Path) -> None:
        check_archive(_xlsx(tmp_path / "f.xlsx", {"Feuil1": ROWS}))

    def test_a_file_that_is_not_a_zip_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "f.xlsx"
        path.write_text("a;b\n", encoding="utf-8")
        with pytest.raises(ParseError, match="ce n'est pas un classeur XLSX"):
            read_table(path)


class TestCsvChunks:
    def test_rows_keep_their_numbers_across_chunks(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given chunks of 2 rows and a blank row in the second chunk
        monkeypatch.setattr(parse, "CSV_CHUNK_ROWS", 2)
        path = tmp_path / "f.csv"
        path.write_text("a;b\n1; x\n2;y\n;\n4;z\n5;w\n", encoding="utf-8")
        # Then each row keeps its spreadsheet number, stripped, the blank one left out
        frame = read_table(path)
        assert list(frame.index) == [2, 3, 5, 6]
        assert frame["b"].tolist() == ["x", "y", "z", "w"]

    def test_a_bad_row_in_a_later_chunk_is_named_by_its_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(parse, "CSV_CHUNK_ROWS", 2)
        path = tmp_path / "f.csv"
        path.write_text("a;b\n1;2\n1;2\n1;2\n1;2;3\n", encoding="utf-8")
        with pytest.raises(ParseError, match="ligne 5 : 3 cellules au lieu de 2"):
            read_table(path)
