"""Download formats: French CSV, standard CSV and XLSX of the same frame."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboard.downloads import UnknownDownload, split_format, to_bytes

FRAME = pd.DataFrame({"Territoire": ["Bretagne", "Île-de-France"], "Valeur": [12.5, 1234567.0]})


class TestToBytes:
    def test_french_csv_has_bom_semicolon_and_decimal_comma(self) -> None:
        data = to_bytes(FRAME, fmt="csv_fr")
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        assert text.splitlines() == [
            "Territoire;Valeur",
            "Bretagne;12,5",
            "Île-de-France;1234567,0",
        ]

    def test_standard_csv_uses_comma_and_point(self) -> None:
        text = to_bytes(FRAME, fmt="csv").decode("utf-8")
        assert text.splitlines()[1] == "Bretagne,12.5"

    def test_xlsx_holds_the_same_cells(self) -> None:
        book = openpyxl.load_workbook(io.BytesIO(to_bytes(FRAME, fmt="xlsx")))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows == [("Territoire", "Valeur"), ("Bretagne", 12.5), ("Île-de-France", 1234567)]


class TestSplitFormat:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("serie-fr.csv", ("serie", "csv_fr")),
            ("serie.csv", ("serie", "csv")),
            ("carte.xlsx", ("carte", "xlsx")),
        ],
    )
    def test_known_suffixes(self, name: str, expected: tuple[str, str]) -> None:
        assert split_format(name) == expected

    def test_unknown_suffix_is_refused(self) -> None:
        with pytest.raises(UnknownDownload, match="Format"):
            split_format("serie.pdf")
