"""The ARS deposit template: French column names, one row per area, period and breakdown.

`write_template` gives an ARS the empty file to fill (CSV for any tool, XLSX for Excel);
`read_deposit` reads a filled one back into the tidy frame that etl.validate checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from core.catalog import Indicator
from core.errors import UserError
from etl.parse import COMMENT, ParseError, check_columns, fold, read_table
from etl.validate import RowError, ValidationFailed

# French column name → tidy column (etl.sources.base.TIDY_COLUMNS, plus the deposit's own)
TEMPLATE_COLUMNS: dict[str, str] = {
    "indicateur": "indicator_id",
    "niveau": "level",
    "code_territoire": "code",
    "periode": "period",
    "ventilation": "breakdown",
    "valeur": "value",
    "numerateur": "numerator",
    "denominateur": "denominator",
    "provisoire": "is_provisional",
    "commentaire": "comment",
}
REQUIRED_COLUMNS = ("indicateur", "niveau", "code_territoire", "periode", "valeur")
TIDY_TO_FRENCH = {v: k for k, v in TEMPLATE_COLUMNS.items()}
EXAMPLE_SHEET = "Exemple"
DATA_SHEET = "Données"
_EXAMPLE_PERIOD = {"monthly": "2024-03", "quarterly": "T1 2024", "yearly": "2024"}
_EXAMPLE_AREA = {"departement": "29", "national": "FR"}
EXAMPLE_COMMENT = "ligne d'exemple"
EXAMPLE_RATIO_COMMENT = f"{EXAMPLE_COMMENT} : valeur calculée si vide"
IGNORED_ROWS = "ignored_rows"  # key of the tidy frame's attrs: {row number: reason}


class TemplateError(UserError):
    """The template cannot be written; the message is French."""


def example_row(indicator: Indicator) -> dict[str, str]:
    """A filled row that passes validation, shown to depositors as a model."""
    level = "departement" if "department" in indicator.levels_shown else "national"
    ratio = indicator.aggregation.rule == "ratio"
    comment = EXAMPLE_RATIO_COMMENT if ratio else EXAMPLE_COMMENT
    breakdown = next(iter(indicator.breakdown.values)) if indicator.breakdown else ""
    return {
        "indicateur": indicator.id,
        "niveau": level,
        "code_territoire": _EXAMPLE_AREA[level],
        "periode": _EXAMPLE_PERIOD[indicator.frequency],
        "ventilation": breakdown,
        "valeur": "" if ratio else ("45,5" if indicator.unit == "percent" else "1 234"),
        "numerateur": "455" if ratio else "",
        "denominateur": "1 000" if ratio else "",
        "provisoire": "non",
        "commentaire": comment,
    }


def write_template(path: Path | str, *, indicator: Indicator) -> Path:
    """CSV (`;`, UTF-8 with BOM, example commented out with #) or XLSX, by extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    header = list(TEMPLATE_COLUMNS)
    example = example_row(indicator)
    try:
        if suffix == ".csv":
            line = ";".join(example[c] for c in header)
            path.write_text(";".join(header) + "\n" + f"{COMMENT} {line}\n", encoding="utf-8-sig")
        elif suffix == ".xlsx":
            _write_xlsx(path, header=header, example=example)
        else:
            raise TemplateError(
                f"Extension non prise en charge « {suffix or '(aucune)'} » pour « {path.name} ». "
                "Attendu : .csv ou .xlsx."
            )
    except OSError as exc:
        raise TemplateError(f"Impossible d'écrire « {path} » : {exc.strerror}.") from None
    return path


def _write_xlsx(path: Path, *, header: list[str], example: dict[str, str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    data = book.active
    if data is None:  # a new workbook always has one sheet
        data = book.create_sheet(DATA_SHEET)
    data.title = DATA_SHEET
    sample = book.create_sheet(EXAMPLE_SHEET)
    for ws in (data, sample):
        ws.append(header)
        for col, name in enumerate(header, start=1):
            letter = ws.cell(row=1, column=col).column_letter
            ws.column_dimensions[letter].width = max(14, len(name) + 2)
            # cells typed as text: a code keeps its leading zero (« 01 »)
            ws.column_dimensions[letter].number_format = "@"
    sample.append([example[c] for c in header])
    book.save(path)


def column_key(name: str) -> str:
    """A header as the template spells it: « Période » → periode, « Code territoire » →
    code_territoire, so what a spreadsheet re-typed with accents or capitals still reads."""
    return re.sub(r"[\s\-]+", "_", fold(name))


def is_example_line(row: Mapping[str, str]) -> bool:
    """The template's commented-out example line, exactly as `write_template` writes it.

    Any other row starting with « # » (« #REF! », « # à vérifier ») is data, and validated.
    """
    first = row.get("indicateur", "")
    return (
        first.startswith(f"{COMMENT} ")
        and re.fullmatch(r"\S+", first[2:]) is not None
        and _EXAMPLE_AREA.get(row.get("niveau", "")) == row.get("code_territoire")
        and row.get("periode") in _EXAMPLE_PERIOD.values()
        and row.get("provisoire") == "non"
        and row.get("commentaire") in (EXAMPLE_COMMENT, EXAMPLE_RATIO_COMMENT)
    )


def _ignored(raw: pd.DataFrame, example: pd.Series) -> dict[int, str]:
    """Rows not imported, with why: the example line, and blank rows between data rows."""
    ignored = {int(r): "ligne d'exemple du modèle" for r in raw.index[example.to_numpy()]}
    if len(raw):
        present = set(raw.index.tolist())
        ignored |= {r: "ligne vide" for r in range(2, int(raw.index.max())) if r not in present}
    return dict(sorted(ignored.items()))


def describe_ignored(tidy: pd.DataFrame) -> str:
    """« Lignes non importées : 2 (ligne d'exemple du modèle), 5 (ligne vide). », or ""."""
    ignored: dict[int, str] = tidy.attrs.get(IGNORED_ROWS, {})
    if not ignored:
        return ""
    s = "s" if len(ignored) > 1 else ""
    listed = ", ".join(f"{row} ({why})" for row, why in ignored.items())
    return f"Ligne{s} non importée{s} : {listed}."


def read_deposit(path: Path | str) -> pd.DataFrame:
    """A filled template as the tidy frame etl.validate expects (`row`, `file` included).

    XLSX: the « Données » sheet (or the only sheet), never « Exemple ». A file with
    nothing to import is refused, so a forgotten file never passes as a success.
    The rows left out are listed in `attrs[IGNORED_ROWS]` (see `describe_ignored`).
    """
    path = Path(path)
    raw = read_table(path, sheet=DATA_SHEET, excluded_sheets=(EXAMPLE_SHEET,))
    names = [str(c) for c in raw.columns]
    keys = [column_key(c) for c in names]
    check_columns(names, file=path.name, keys=keys)
    raw.columns = pd.Index(keys)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise ValidationFailed(
            [
                RowError(
                    file=path.name,
                    row=1,
                    column=c,
                    value="(absente)",
                    expected="l'en-tête du modèle : " + ";".join(TEMPLATE_COLUMNS),
                )
                for c in missing
            ],
            rows_read=len(raw),
        )
    known = [c for c in raw.columns if c in TEMPLATE_COLUMNS]
    # only rows starting with « # » can be the example: a million rows are not looked at
    example = raw["indicateur"].str.startswith(f"{COMMENT} ").fillna(False).astype(bool)
    if example.any():
        candidates = raw.loc[example, known].to_dict("records")
        example[example] = [is_example_line(r) for r in candidates]
    ignored = _ignored(raw, example)
    raw = raw[~example.to_numpy()]
    if raw.empty:
        found = "l'en-tête et la ligne d'exemple du modèle" if ignored else "l'en-tête"
        raise ParseError(
            f"Fichier « {path.name} » : aucune ligne à importer (il ne contient que {found}). "
            "Attendu : au moins une ligne remplie sous l'en-tête."
        )
    tidy = raw[known].rename(columns=TEMPLATE_COLUMNS)
    tidy["row"] = raw.index.to_numpy()
    tidy["file"] = path.name
    tidy = tidy.reset_index(drop=True)
    tidy.attrs[IGNORED_ROWS] = ignored
    return tidy
