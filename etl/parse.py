"""Reading real French files: CSV or XLSX as text, French numbers and French periods.

Everything is read as text first, so codes keep their leading zeros (« 01 ») and a
masked value (« NS ») is never turned into 0.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from core.catalog import MONTHS_PER_PERIOD, Frequency
from core.errors import UserError

COMMENT = "#"  # a row whose first cell starts with it is ignored (the template's example)
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
EMPTY_MARKERS = frozenset({"", "NA", "N/A", "ND", "N.D.", "-", "NAN"})
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


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; cp1252 is what Excel writes on French Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def detect_separator(text: str) -> str:
    """`;` (French Excel) or `,`, whichever splits the header line into more cells."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(COMMENT):
            return ";" if line.count(";") >= line.count(",") else ","
    return ";"


def _finish(rows: list[list[str]], *, name: str) -> pd.DataFrame:
    """Header = first row; index = spreadsheet row number; comment and blank rows dropped."""
    if not rows or not any(c.strip() for c in rows[0]):
        raise ParseError(f"Fichier « {name} » vide : une ligne d'en-tête est attendue.")
    header = [c.strip().lstrip("\ufeff") for c in rows[0]]
    body: list[list[str]] = []
    numbers: list[int] = []
    width = len(header)
    for i, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if row[0].lstrip().startswith(COMMENT):
            continue
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise ParseError(
                f"Fichier « {name} », ligne {i} : {len(row)} cellules au lieu de {width} "
                "(séparateur ou guillemets incorrects ?)."
            )
        body.append([c.strip() for c in (row + [""] * width)[:width]])
        numbers.append(i)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = pd.Index(numbers, name="ligne")
    return frame


def read_csv_text(text: str, *, name: str) -> pd.DataFrame:
    """Parsed by pandas' C reader (fast on a million rows); blank lines kept for numbering."""
    sep = detect_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise ParseError(f"Fichier « {name} » vide : une ligne d'en-tête est attendue.") from None
    except pd.errors.ParserError as exc:
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
        raise ParseError(f"Fichier « {name} » illisible (CSV mal formé) : {detail}.") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if not any(frame.columns) or all(c.startswith("Unnamed:") for c in frame.columns):
        raise ParseError(f"Fichier « {name} » vide : une ligne d'en-tête est attendue.")
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="ligne")
    if frame.empty:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    comment = np.zeros(len(frame), dtype=bool)
    for i, col in enumerate(frame.columns):
        # each distinct text stripped once: a million cells hold few distinct values
        codes, uniques = pd.factorize(frame[col].to_numpy(dtype=object))
        texts = [str(u) for u in uniques]
        stripped = [u.strip() for u in texts]
        if stripped != texts:
            table = np.array([*stripped, np.nan], dtype=object)  # -1 (missing) stays missing
            frame[col] = pd.Series(table[codes], index=frame.index, dtype="str")
        blank &= np.array([u == "" for u in stripped] + [False], dtype=bool)[codes]
        if i == 0:
            starts = [u.startswith(COMMENT) for u in stripped]
            comment = np.array([*starts, False], dtype=bool)[codes]
    keep = ~comment & ~blank
    return frame if keep.all() else frame[keep]


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
    return str(value)


def read_xlsx(path: Path, *, sheet: str | None = None) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ParseError(f"Fichier « {path.name} » illisible (XLSX attendu) : {exc}.") from None
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and rows[0] and not rows[0][-1]:  # trailing empty header cells
        if any(r[len(rows[0]) - 1] for r in rows if len(r) >= len(rows[0])):
            break
        rows = [r[:-1] for r in rows]
    return _finish(rows, name=path.name)


def read_table(path: Path | str) -> pd.DataFrame:
    """A CSV (`;` or `,`, UTF-8 or cp1252) or XLSX file as a frame of stripped text.

    The index is the row number a spreadsheet shows (header = 1), so errors can name it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    if suffix not in {".csv", ".txt"}:
        raise ParseError(
            f"Fichier « {path.name} » : format non pris en charge « {suffix or '(aucun)'} ». "
            "Attendu : un fichier .csv ou .xlsx."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"Fichier « {path.name} » illisible : {exc.strerror}.") from None
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise ParseError(
            f"Fichier « {path.name} » : encodage inconnu. Attendu : UTF-8 ou Windows-1252."
        ) from None
    return read_csv_text(text, name=path.name)


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


def _fold(text: str) -> str:
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
    s = _fold(text)
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
