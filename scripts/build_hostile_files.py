"""Hostile files for the ARS import, each built by code so the corpus is reproducible.

    python scripts/build_hostile_files.py [DOSSIER]   # défaut : tests/fixtures/hostile

`build(directory)` writes every case and returns them; each case says whether its file
must load, or which French words its refusal must contain. The files are for the test
catalog tests/fixtures/ars/catalog.yaml. Big files are only built on demand (tests
write them to a temporary directory), never committed.
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "tests" / "fixtures" / "hostile"
FLOW = "test_teleconsultations"  # monthly count, summed
RATE = "test_taux_activation"  # percent = 100 × numérateur ÷ dénominateur
HEADER = ["indicateur", "niveau", "code_territoire", "periode", "valeur"]
RATIO_HEADER = [*HEADER, "numerateur", "denominateur"]
DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972"]


@dataclass(frozen=True)
class Case:
    """One file of the corpus: stores `loads` rows, or is refused with every fragment of
    `message` (a French refusal names file, row, column and value where one applies)."""

    name: str
    write: Callable[[Path], object]
    loads: int = 0  # rows a good file stores; 0: the file is refused
    message: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)  # settings for this import only


def flow_rows(n: int, *, first_year: int = 2023) -> list[list[str]]:
    """`n` valid rows of FLOW: every département, month after month."""
    rows = []
    for i in range(n):
        month = first_year * 12 + i // len(DEPARTMENTS)
        period = f"{month // 12}-{month % 12 + 1:02d}"
        rows.append([FLOW, "departement", DEPARTMENTS[i % len(DEPARTMENTS)], period, str(i + 1)])
    return rows


def write_csv(
    path: Path, rows: list[list[str]], *, header: list[str] = HEADER, sep: str = ";"
) -> None:
    lines = [sep.join(header), *(sep.join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def csv_with(rows: list[list[str]], *, header: list[str] = HEADER) -> Callable[[Path], object]:
    return lambda path: write_csv(path, rows, header=header)


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> None:
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)


def xlsx_with(sheets: dict[str, Sequence[Sequence[object]]]) -> Callable[[Path], object]:
    return lambda path: write_xlsx(path, sheets)


def rewrite_part(path: Path, part: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of a workbook, as a hostile tool would."""
    with zipfile.ZipFile(path) as archive:
        contents = {i.filename: archive.read(i) for i in archive.infolist()}
    contents[part] = edit(contents[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def declared_dimension(
    ref: str, rows: Sequence[Sequence[object]], *, blank_at: str = ""
) -> Callable[[Path], None]:
    """A workbook whose sheet declares `ref` (« A1:XFD1048576 ») but holds `rows`, and
    optionally one blank styled cell far below (`blank_at`, « A1048576 »), as Excel
    leaves after a formatting of whole columns."""

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
        if blank_at:
            row = re.sub(r"\D", "", blank_at)
            blank = f'<row r="{row}"><c r="{blank_at}" s="0"/></row></sheetData>'
            xml = xml.replace(b"</sheetData>", blank.encode())
        return xml

    def write(path: Path) -> None:
        write_xlsx(path, {"Données": [HEADER, *rows]})
        rewrite_part(path, "xl/worksheets/sheet1.xml", edit)

    return write


def cell_far_right(path: Path) -> None:
    """A value in column XFD of a data row: beyond any column limit."""
    write_xlsx(path, {"Données": [HEADER, *flow_rows(2)]})

    def add(xml: bytes) -> bytes:
        far = b'<c r="XFD3" t="inlineStr"><is><t>cach\xc3\xa9</t></is></c></row>'
        return re.sub(rb"(<row r=\"3\"[^>]*>.*?)</row>", lambda m: m[1] + far, xml, flags=re.S)

    rewrite_part(path, "xl/worksheets/sheet1.xml", add)


def zip_bomb(path: Path) -> None:
    """A 50 kB workbook whose sheet inflates to 50 MB of blanks (ratio ≈ 1 000)."""
    write_xlsx(path, {"Données": [HEADER, *flow_rows(2)]})
    with zipfile.ZipFile(path) as archive:
        contents = {i.filename: archive.read(i) for i in archive.infolist()}
    sheet = contents["xl/worksheets/sheet1.xml"]
    contents["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"<sheetData>", b"<sheetData>" + b" " * 50 * 2**20
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def utf16_tabs(path: Path) -> None:
    """What Excel's « Texte Unicode » writes: UTF-16 with its BOM, tab-separated."""
    header = ["Indicateur", "Niveau", "Code territoire", "Période", "Valeur"]
    lines = ["\t".join(header), *("\t".join(r) for r in flow_rows(3))]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))


def stray_cp1252_byte(path: Path) -> None:
    """UTF-8 (« Finistère ») with one Windows-1252 « é » pasted in line 3."""
    rows = flow_rows(2)
    text = ";".join([*HEADER, "commentaire"]) + "\n"
    text += ";".join([*rows[0], "Finistère"]) + "\n"
    data = text.encode("utf-8") + ";".join([*rows[1], "r"]).encode() + b"\xe9sum\xe9\n"
    path.write_bytes(data)


def utf16_without_bom(path: Path) -> None:
    path.write_bytes(";".join(HEADER).encode("utf-16-le"))


def untouched_template(suffix: str) -> Callable[[Path], object]:
    def write(path: Path) -> None:
        from core.catalog import load_catalog
        from etl.template import write_template

        catalog = load_catalog(ROOT / "tests" / "fixtures" / "ars" / "catalog.yaml")
        write_template(path.with_suffix(suffix), indicator=catalog.get(FLOW))

    return write


def _ratio(value: str, numerator: str, denominator: str) -> list[list[str]]:
    return [[RATE, "departement", "29", "2024-03", value, numerator, denominator]]


def _flow_value(value: str, *, code: str = "29", period: str = "2024-03") -> list[list[str]]:
    return [[FLOW, "departement", "22", "2024-03", "5"], [FLOW, "departement", code, period, value]]


def _bad_value(name: str, value: str, *fragments: str) -> Case:
    """A file whose second data row (line 3) has `value` in « valeur »."""
    return Case(name, csv_with(_flow_value(value)), message=("ligne 3", "« valeur »", *fragments))


def _indicator_cell(text: str) -> list[list[str]]:
    """A valid row, then one whose « indicateur » cell is `text`."""
    return [
        [FLOW, "departement", "22", "2024-03", "5"],
        [text, "departement", "29", "2024-03", "4"],
    ]


def cases() -> list[Case]:
    """Every file of the corpus, good ones first."""
    good = [
        Case("bon-texte-unicode.txt", utf16_tabs, loads=3),
        Case("bon-tabulations.csv", lambda p: write_csv(p, flow_rows(3), sep="\t"), loads=3),
        Case(
            "bon-entetes-accentues.csv",
            csv_with(
                [[FLOW, "Département", "29", "2024-03", "7"]],
                header=["Indicateur", "NIVEAU", "Code_Territoire", "Période", "Valeur"],
            ),
            loads=1,
        ),
        Case(
            "bon-ratio-arrondi.csv",
            csv_with(_ratio("45,5", "455", "1 000"), header=RATIO_HEADER),
            loads=1,
        ),
        Case("bon-une-feuille.xlsx", xlsx_with({"Feuil1": [HEADER, *flow_rows(3)]}), loads=3),
        Case(
            "bon-exemple-en-premier.xlsx",
            xlsx_with(
                {
                    "Exemple": [HEADER, [FLOW, "departement", "56", "2024-03", "999"]],
                    "Données": [HEADER, *flow_rows(3)],
                }
            ),
            loads=3,
        ),
        # 5 kB declaring 1 048 576 × 16 384 cells; 43 kB declaring 16 384 columns
        Case(
            "bon-dimension-geante.xlsx",
            declared_dimension("A1:XFD1048576", flow_rows(20), blank_at="A1048576"),
            loads=20,
        ),
        Case(
            "bon-16384-colonnes.xlsx", declared_dimension("A1:XFD1001", flow_rows(1000)), loads=1000
        ),
    ]
    bad = [
        _bad_value("mauvais-1e309.csv", "1e309", "« 1e309 »"),
        _bad_value("mauvais-401-chiffres.csv", "9" * 401, "9999"),
        _bad_value("mauvais-inf.csv", "inf", "« inf »"),
        _bad_value("mauvais-nan.csv", "nan", "« nan »"),
        _bad_value("mauvais-1e300.csv", "1e300", "« 1e300 »", "entre 0 et"),
        Case(
            "mauvais-ratio-contradictoire.csv",
            csv_with(_ratio("90", "10", "1 000"), header=RATIO_HEADER),
            message=("ligne 2", "« 90 »", "numérateur « 10 »", "dénominateur « 1 000 »"),
        ),
        Case(
            "mauvais-periode-future.csv",
            csv_with(_flow_value("3", period="2099-12")),
            message=("ligne 3", "« periode »", "« 2099-12 »"),
        ),
        Case(
            "mauvais-ref-excel.csv",
            csv_with(_indicator_cell("#REF!")),
            message=("ligne 3", "« indicateur »", "« #REF! »"),
        ),
        Case(
            "mauvais-diese-a-verifier.csv",
            csv_with(_indicator_cell("# à vérifier")),
            message=("ligne 3", "« # à vérifier »"),
        ),
        Case("mauvais-entete-seul.csv", csv_with([]), message=("aucune ligne à importer",)),
        Case(
            "mauvais-modele-vierge.csv",
            untouched_template(".csv"),
            message=("aucune ligne à importer", "ligne d'exemple"),
        ),
        Case(
            "mauvais-modele-vierge.xlsx",
            untouched_template(".xlsx"),
            message=("aucune ligne à importer",),
        ),
        Case(
            "mauvais-sans-feuille-donnees.xlsx",
            xlsx_with({"Feuil1": [HEADER, *flow_rows(1)], "Feuil2": [HEADER, *flow_rows(1)]}),
            message=("feuille « Données » absente", "« Feuil1 », « Feuil2 »"),
        ),
        Case(
            "mauvais-seulement-exemple.xlsx",
            xlsx_with({"Exemple": [HEADER, *flow_rows(1)]}),
            message=("jamais importée",),
        ),
        Case(
            "mauvais-valeur-en-double.xlsx",
            xlsx_with({"Données": [[*HEADER, "valeur"], [*flow_rows(1)[0], "8"]]}),
            message=("ligne 1", "colonne en double « valeur »", "colonnes E et F"),
        ),
        Case(
            "mauvais-valeur-en-double.csv",
            csv_with([[*flow_rows(1)[0], "8"]], header=[*HEADER, "Valeur"]),
            message=("ligne 1", "colonne en double « Valeur »"),
        ),
        Case(
            "mauvais-octet-windows.csv", stray_cp1252_byte, message=("ligne 3", "« 0xE9 »", "UTF-8")
        ),
        Case("mauvais-utf16-sans-bom.csv", utf16_without_bom, message=("octets nuls",)),
        Case(
            "mauvais-cellule-xfd.xlsx",
            cell_far_right,
            message=("ligne 3", "colonne « XFD »", "« caché »"),
        ),
        Case("mauvais-bombe-zip.xlsx", zip_bomb, message=("bombe de décompression",)),
        Case(
            "mauvais-pas-un-xlsx.xlsx",
            lambda p: p.write_text("a;b\n"),
            message=("pas un classeur XLSX",),
        ),
        Case(
            "mauvais-trop-gros.csv",
            lambda p: write_csv(p, flow_rows(50)),
            message=("trop volumineux", "IMPORT_MAX_BYTES"),
            env={"IMPORT_MAX_BYTES": "1000"},
        ),
    ]
    return good + bad


def build(directory: Path) -> list[Case]:
    """Write every case into `directory` (created) and return them."""
    directory.mkdir(parents=True, exist_ok=True)
    built = cases()
    for case in built:
        case.write(directory / case.name)
    return built


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else DEFAULT_DIR
    built = build(target)
    print(f"{len(built)} fichiers écrits dans {target}.")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
