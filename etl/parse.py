"""Reading real French files: CSV or XLSX as text, French numbers and French periods.

Everything is read as text first, so codes keep their leading zeros (« 01 ») and a
masked value (« NS ») is never turned into 0.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from core import settings
from core.catalog import MONTHS_PER_PERIOD, Frequency
from core.errors import UserError

COMMENT = "#"  # the template's example line starts with it (see etl.template)
SEPARATORS = (";", ",", "\t")  # French Excel, the rest of the world, Excel « Texte Unicode »
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
EMPTY_MARKERS = frozenset({"", "NA", "N/A", "ND", "N.D.", "-"})
MASKED_MARKERS = frozenset({"NS", "S", "SECRET", "SECRET STATISTIQUE"})

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
FREQUENCY_LABELS: dict[str, str] = {
    "monthly": "un mois (ex. « 2024-03 », « 03/2024 », « mars 2024 », « 202403 »)",
    "quarterly": "un trimestre (ex. « T1 2024 », « 2024-T1 », ou son premier mois « 2024-04 »)",
    "yearly": "une année (ex. « 2024 » ou « 2024-01-01 »)",
}


class ParseError(UserError, ValueError):
    """A file or a cell cannot be read; the message is French and names what was expected."""


# --- files -----------------------------------------------------------------------------

# XLSX limits. Rows: Excel's own. Columns: far more than any template or source has.
# Cells bound the memory (about 100 bytes each once read as text): above, a CSV is the
# format to use. The uncompressed size and the inflation ratio of the zip members refuse a
# zip bomb before it is opened (Apache POI refuses a part inflating more than 100 times,
# which real workbooks never do). zipfile itself stops a part at its declared size.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 512
XLSX_MAX_CELLS = 3_000_000
XLSX_MAX_UNCOMPRESSED = 512 * 2**20
XLSX_MAX_RATIO = 100
_RATIO_FROM = 2**20  # small parts (styles, themes) may compress well and are harmless
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CSV_CHUNK_ROWS = 200_000


def column_letter(number: int) -> str:
    """The letter a spreadsheet shows for a column: 1 → « A », 28 → « AB »."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def bytes_fr(n: int) -> str:
    """« 104 857 600 octets »."""
    return f"{n:,}".replace(",", " ") + " octets"


def check_file(path: Path, *, max_bytes: int | None = None) -> int:
    """The file's size, or a French refusal: missing, a directory, or above the size limit.

    Checked before a byte is read, so an oversized file costs nothing.
    """
    limit = settings.etl().import_max_bytes if max_bytes is None else max_bytes
    if path.is_dir():
        raise ParseError(
            f"« {path} » est un dossier, pas un fichier. "
            "Attendu : le chemin d'un fichier .csv ou .xlsx."
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ParseError(f"Fichier introuvable : {path}.") from None
    except OSError as exc:
        raise ParseError(f"Fichier « {path.name} » illisible : {exc.strerror}.") from None
    if size > limit:
        raise ParseError(
            f"Fichier « {path.name} » trop volumineux : {bytes_fr(size)}. "
            f"Attendu : au plus {bytes_fr(limit)} (paramètre IMPORT_MAX_BYTES)."
        )
    return size


def _bad_byte(data: bytes, offset: int, *, name: str, problem: str, expected: str) -> ParseError:
    """Names the line and the byte, as a text editor would find them."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return ParseError(
        f"Fichier « {name} », ligne {line}, octet {offset - line_start + 1} de la ligne "
        f"(octet {offset + 1} du fichier) : {problem} « 0x{data[offset]:02X} ». "
        f"Attendu : {expected}."
    )


def _has_utf8_text(data: bytes) -> bool:
    """True when some non-ASCII characters are valid UTF-8: the file was meant as UTF-8."""
    text = data.decode("utf-8", errors="replace")
    return any(c > "\x7f" and c != "\ufffd" for c in text)


_EXPECTED_ENCODING = {
    "utf-16": ("UTF-16", "un fichier entièrement en UTF-16"),
    "utf-8-sig": ("UTF-8", "un fichier entièrement en UTF-8 (réenregistrez-le en « CSV UTF-8 »)"),
    "cp1252": ("Windows-1252", "un fichier en UTF-8 ou en Windows-1252"),
}


def _strict(data: bytes, encoding: str, *, name: str) -> str:
    """`encoding` if the whole file decodes with it; else the first bad byte is named."""
    try:
        data.decode(encoding)
        return encoding
    except UnicodeDecodeError as exc:
        label, expected = _EXPECTED_ENCODING[encoding]
        problem = f"octet invalide en {label}"
        raise _bad_byte(data, exc.start, name=name, problem=problem, expected=expected) from None


def detect_encoding(data: bytes, *, name: str) -> str:
    """UTF-16 with its BOM (Excel « Texte Unicode »), UTF-8, or Windows-1252 as a whole.

    A UTF-8 file holding one stray Windows-1252 byte is refused, naming the byte:
    decoding the whole file as Windows-1252 would silently turn every « é » into « Ã© ».
    """
    if data.startswith(_UTF16_BOMS):
        return _strict(data, "utf-16", name=name)
    if b"\x00" in data[:4096]:
        raise ParseError(
            f"Fichier « {name} » : octets nuls en début de fichier (UTF-16 sans marque d'ordre "
            "des octets ?). Attendu : UTF-8, Windows-1252, ou UTF-16 avec marque d'ordre "
            "(Excel « Texte Unicode »)."
        )
    try:
        data.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        meant_utf8 = _has_utf8_text(data)
    return _strict(data, "utf-8-sig" if meant_utf8 else "cp1252", name=name)


def decode(data: bytes, *, name: str) -> str:
    """The file's text, in the encoding `detect_encoding` finds (or its French refusal)."""
    return data.decode(detect_encoding(data, name=name))


def detect_separator(text: str) -> str:
    """`;`, `,` or tab, whichever splits the header line into more cells (`;` on a tie)."""
    for line in io.StringIO(text):  # lazily: only the first lines are looked at
        if line.strip() and not line.lstrip().startswith(COMMENT):
            counts = [line.count(sep) for sep in SEPARATORS]
            return SEPARATORS[counts.index(max(counts))]
    return ";"


def check_columns(names: Sequence[str], *, file: str, keys: Sequence[str] | None = None) -> None:
    """Refuse a header naming a column twice: which of the two to read would be a guess.

    `keys` are the names as compared (e.g. without accents); empty names are not compared.
    """
    seen: dict[str, int] = {}
    for i, key in enumerate(keys if keys is not None else names):
        if not key:
            continue
        if key in seen:
            first = seen[key]
            raise ParseError(
                f"Fichier « {file} », ligne 1, colonne « {names[i]} » : colonne en double "
                f"« {names[i]} » (colonnes {column_letter(first + 1)} et "
                f"{column_letter(i + 1)}). Attendu : une seule colonne « {names[first]} »."
            )
        seen[key] = i


def _empty(name: str) -> ParseError:
    return ParseError(f"Fichier « {name} » vide : une ligne d'en-tête est attendue.")


def read_csv_text(text: str, *, name: str) -> pd.DataFrame:
    """A CSV already decoded (a source's own file), read as `read_table` reads one."""
    return _csv_frame(io.StringIO(text), sep=detect_separator(text), name=name)


def _csv_error(exc: pd.errors.ParserError, *, name: str) -> ParseError:
    detail = str(exc).strip()
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    quote = re.search(r"EOF inside string starting at row (\d+)", detail)
    if quote:
        detail = f"guillemet non fermé à partir de la ligne {int(quote[1]) + 1}"
    elif m:
        detail = (
            f"ligne {m[2]} : {m[3]} cellules au lieu de {m[1]} "
            "(séparateur ou guillemets incorrects ?)"
        )
    return ParseError(f"Fichier « {name} » illisible (CSV mal formé) : {detail}.")


def _csv_frame(
    source: IO[str] | IO[bytes], *, sep: str, name: str, encoding: str | None = None
) -> pd.DataFrame:
    """Parsed by pandas' C reader, CSV_CHUNK_ROWS rows at a time; blank rows left out.

    The header is read as a row, so a column named twice is refused instead of renamed.
    Each chunk's cells point to one string per distinct text: a million rows hold few
    distinct values, so the frame costs little more than its pointers.
    """
    header: list[str] = []
    parts: list[list[np.ndarray]] = []
    blanks: list[np.ndarray] = []
    try:
        with pd.read_csv(
            source, sep=sep, header=None, dtype=str, keep_default_na=False,
            skip_blank_lines=False, engine="c", encoding=encoding, chunksize=CSV_CHUNK_ROWS,
        ) as reader:  # fmt: skip
            for chunk in reader:
                if not header:
                    header = [str(c).strip().lstrip("\ufeff") for c in chunk.iloc[0].fillna("")]
                    if not any(header):
                        raise _empty(name)
                    check_columns(header, file=name)
                    parts = [[] for _ in header]
                    chunk = chunk.iloc[1:]
                blank = np.ones(len(chunk), dtype=bool)
                for i, part in enumerate(parts):
                    codes, uniques = pd.factorize(chunk.iloc[:, i].to_numpy(dtype=object))
                    stripped = [str(u).strip() for u in uniques]
                    table = np.array([*stripped, np.nan], dtype=object)  # -1: missing
                    part.append(table[codes])
                    blank &= np.array([u == "" for u in stripped] + [True], dtype=bool)[codes]
                blanks.append(blank)
    except pd.errors.EmptyDataError:
        raise _empty(name) from None
    except pd.errors.ParserError as exc:
        raise _csv_error(exc, name=name) from None
    if not header:
        raise _empty(name)
    keep = ~np.concatenate(blanks)
    frame = pd.DataFrame(
        {i: pd.Series(np.concatenate(part)[keep], dtype="str") for i, part in enumerate(parts)}
    )
    frame.columns = pd.Index(header)
    frame.index = pd.Index(np.flatnonzero(keep) + 2, name="ligne")
    return frame


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a user typed: 1.0 → « 1 », a date → « 2024-03-01 »."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def check_archive(path: Path) -> None:
    """Refuse a zip bomb from the archive's directory, before any part is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ParseError(
            f"Fichier « {path.name} » illisible : ce n'est pas un classeur XLSX (archive zip). "
            "Attendu : un fichier enregistré par Excel ou LibreOffice au format .xlsx."
        ) from None
    total = sum(p.file_size for p in parts)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise ParseError(
            f"Fichier « {path.name} » refusé : {bytes_fr(total)} une fois décompressé. "
            f"Attendu : au plus {bytes_fr(XLSX_MAX_UNCOMPRESSED)} décompressés."
        )
    for part in parts:
        if part.file_size > _RATIO_FROM and part.file_size > XLSX_MAX_RATIO * part.compress_size:
            ratio = part.file_size // max(part.compress_size, 1)
            raise ParseError(
                f"Fichier « {path.name} » refusé : la partie « {part.filename} » se décompresse "
                f"{ratio} fois (bombe de décompression ?). Attendu : au plus {XLSX_MAX_RATIO} fois."
            )


def choose_sheet(
    names: Sequence[str], *, file: str, wanted: str | None, excluded: Collection[str] = ()
) -> str:
    """The sheet to read: `wanted`, or the only sheet; never an excluded one.

    Without `wanted` the first sheet is read (a source's own workbook).
    """
    if wanted is None:
        return names[0]
    for name in names:
        if fold(name) == fold(wanted):
            return name
    if len(names) == 1 and fold(names[0]) not in {fold(e) for e in excluded}:
        return names[0]
    found = ", ".join(f"« {n} »" for n in names)
    if len(names) == 1:
        raise ParseError(
            f"Fichier « {file} » : sa seule feuille, « {names[0]} », n'est jamais importée "
            f"(c'est l'exemple du modèle). Attendu : une feuille « {wanted} » remplie."
        )
    raise ParseError(
        f"Fichier « {file} » : feuille « {wanted} » absente (feuilles trouvées : {found}). "
        f"Attendu : les lignes à importer dans une feuille nommée « {wanted} »."
    )


def _sheet_rows(rows: Iterable[tuple[object, ...]], *, name: str) -> pd.DataFrame:
    """Rows of text within the limits; a cell beyond a limit is refused, never dropped.

    Each row is looked at once: the cost is the number of cells, whatever the width
    the sheet declares.
    """
    header: list[str] = []
    body: list[list[str]] = []
    numbers: list[int] = []
    cells = 0
    for number, values in enumerate(rows, start=1):
        if number > XLSX_MAX_ROWS:
            raise ParseError(
                f"Fichier « {name} », ligne {number} : trop de lignes. "
                f"Attendu : au plus {XLSX_MAX_ROWS} lignes."
            )
        if len(values) > XLSX_MAX_COLUMNS:
            tail = values[XLSX_MAX_COLUMNS:]
            if tail.count(None) != len(tail):
                col = XLSX_MAX_COLUMNS + next(i for i, v in enumerate(tail) if v is not None)
                raise ParseError(
                    f"Fichier « {name} », ligne {number}, colonne « {column_letter(col + 1)} » : "
                    f"cellule au-delà de la limite de colonnes « {_cell_text(values[col])[:40]} ». "
                    f"Attendu : au plus {XLSX_MAX_COLUMNS} colonnes."
                )
            values = values[:XLSX_MAX_COLUMNS]
        texts = [_cell_text(v) for v in values]
        if number == 1:
            header = [t.lstrip("\ufeff") for t in texts]
            while header and not header[-1]:  # trailing empty header cells
                header.pop()
            if not header:
                raise _empty(name)
            check_columns(header, file=name)
            continue
        if not any(texts):
            continue
        width = len(header)
        if len(texts) > width and any(texts[width:]):
            raise ParseError(
                f"Fichier « {name} », ligne {number} : {len(texts)} cellules au lieu de {width} "
                "(une cellule est remplie hors des colonnes de l'en-tête)."
            )
        cells += width
        if cells > XLSX_MAX_CELLS:
            raise ParseError(
                f"Fichier « {name} », ligne {number} : trop de cellules. Attendu : au plus "
                f"{XLSX_MAX_CELLS} cellules remplies (au-delà, déposez le fichier en CSV)."
            )
        body.append((texts + [""] * width)[:width])
        numbers.append(number)
    if not header:
        raise _empty(name)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = pd.Index(numbers, name="ligne", dtype=int)
    return frame


def read_xlsx(
    path: Path, *, sheet: str | None = None, excluded: Collection[str] = ()
) -> pd.DataFrame:
    """The chosen sheet (see `choose_sheet`) as text cells, index = spreadsheet row number.

    Read-only mode streams the sheet; its declared dimension is reset, since openpyxl
    would otherwise pad every row to it (16 384 columns) and drop any cell beyond it.
    """
    from openpyxl import load_workbook
    from openpyxl.chartsheet import Chartsheet

    check_archive(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ParseError(f"Fichier « {path.name} » illisible (XLSX attendu) : {exc}.") from None
    try:
        ws = book[choose_sheet(book.sheetnames, file=path.name, wanted=sheet, excluded=excluded)]
        if isinstance(ws, Chartsheet):
            raise ParseError(
                f"Fichier « {path.name} » : la feuille « {ws.title} » n'est pas un tableau. "
                "Attendu : une feuille de cellules."
            )
        ws.reset_dimensions()
        rows = ws.iter_rows(max_row=XLSX_MAX_ROWS + 1, values_only=True)
        return _sheet_rows(rows, name=path.name)
    except (ParseError, MemoryError):
        raise
    except Exception as exc:  # a part that does not inflate or parse
        raise ParseError(
            f"Fichier « {path.name} » illisible (XLSX abîmé) : {exc or type(exc).__name__}."
        ) from None
    finally:
        book.close()


def read_table(
    path: Path | str,
    *,
    sheet: str | None = None,
    excluded_sheets: Collection[str] = (),
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """A CSV (`;`, `,` or tab; UTF-8, Windows-1252 or UTF-16) or XLSX file as stripped text.

    The index is the row number a spreadsheet shows (header = 1), so errors can name it.
    Blank rows are left out; every other row is kept, whatever its first character.
    """
    path = Path(path)
    check_file(path, max_bytes=max_bytes)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, sheet=sheet, excluded=excluded_sheets)
    if suffix not in {".csv", ".txt", ".tsv"}:
        raise ParseError(
            f"Fichier « {path.name} » : format non pris en charge « {suffix or '(aucun)'} ». "
            "Attendu : un fichier .csv ou .xlsx."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"Fichier « {path.name} » illisible : {exc.strerror}.") from None
    encoding = detect_encoding(data, name=path.name)
    head = data[: 2**16].decode(encoding, errors="ignore")  # the separator is in line 1
    return _csv_frame(
        io.BytesIO(data), sep=detect_separator(head), name=path.name, encoding=encoding
    )


# --- numbers ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: object) -> tuple[float | None, bool]:
    """(value, masked): « 1 234,5 » → (1234.5, False), « NS » → (None, True), « nd » → None.

    Secrecy (« NS », « s ») is never 0: the value is None and the flag says it is masked.
    """
    if text is None:
        return None, False
    raw = str(text)
    s = raw.translate(_SPACES).removesuffix("%").replace("'", "")
    upper = s.upper()
    if upper in EMPTY_MARKERS:
        return None, False
    if upper in MASKED_MARKERS:
        return None, True
    if "," in s and "." in s:  # the last separator is the decimal one
        s = (
            s.replace(".", "").replace(",", ".")
            if s.rfind(",") > s.rfind(".")
            else s.replace(",", "")
        )
    elif "," in s:
        if s.count(",") > 1:
            raise ParseError(f"Nombre invalide « {raw} ».")
        s = s.replace(",", ".")
    elif s.count(".") > 1:
        s = s.replace(".", "")  # « 1.234.567 »: dots as thousands separators
    if not _NUMBER.fullmatch(s):
        raise ParseError(f"Nombre invalide « {raw} ».")
    return float(s), False


# --- periods ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: « Février » → « fevrier »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


_YEAR = r"(?P<y>(19|20)\d\d)"
_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"), 0),
    (re.compile(rf"(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})/{_YEAR}"), 0),
    (re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})"), 1),
    (re.compile(rf"(?P<m>\d{{1,2}})/{_YEAR}"), 1),
    (re.compile(rf"{_YEAR}(?P<m>0[1-9]|1[0-2])"), 1),
    (re.compile(rf"(?P<mn>[a-z]+)\.?\s*{_YEAR}"), 1),
    (re.compile(rf"t(?P<q>[1-4])\s*[-/ ]?\s*{_YEAR}"), 3),
    (re.compile(rf"{_YEAR}\s*[-/ ]?\s*[tq](?P<q>[1-4])"), 3),
    (re.compile(rf"{_YEAR}"), 12),
)


def _read_period(text: str) -> tuple[dt.date, int]:
    """(start, months) of what the text names; months = 0 for a single day."""
    s = fold(text)
    for pattern, months in _PATTERNS:
        m = pattern.fullmatch(s)
        if not m:
            continue
        year = int(m["y"])
        parts = m.groupdict()
        if parts.get("q"):
            return dt.date(year, 3 * int(parts["q"]) - 2, 1), months
        if parts.get("mn"):
            month = MONTHS.get(parts["mn"])
            if month is None:
                break
        else:
            month = int(parts["m"]) if parts.get("m") else 1
        day = int(parts["d"]) if parts.get("d") else 1
        try:
            return dt.date(year, month, day), months
        except ValueError:
            break
    raise ParseError(f"Période invalide « {text} ».")


def parse_period(text: object, *, frequency: Frequency) -> dt.date:
    """Start of the period the text names, checked against the indicator's frequency.

    « 2024-03 », « 03/2024 », « mars 2024 », « 202403 », « 2024-03-01 » are months;
    « T1 2024 » a quarter; « 2024 » a year. A quarterly indicator accepts a quarter or the
    first month (or day) of one, and refuses « 2024-02 »; a monthly one refuses « 2024 ».
    """
    raw = "" if text is None else str(text).strip()
    start, months = _read_period(raw)
    step = MONTHS_PER_PERIOD[frequency]
    named_as = months in (0, step) or (frequency == "quarterly" and months == 1)
    if not named_as or start.day != 1 or (start.month - 1) % step:
        raise ParseError(
            f"Période « {raw} » incompatible avec la fréquence de l'indicateur. "
            f"Attendu : {FREQUENCY_LABELS[frequency]}."
        )
    return start
