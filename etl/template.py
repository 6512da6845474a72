"""The ARS deposit template: French column names, one row per area, period and breakdown.

`write_template` gives an ARS the empty file to fill (CSV for any tool, XLSX for Excel);
`read_deposit` reads a filled one back into the tidy frame that etl.validate checks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.catalog import Indicator
from core.errors import UserError
from etl.parse import COMMENT, read_table
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


class TemplateError(UserError):
    """The template cannot be written; the message is French."""


def example_row(indicator: Indicator) -> dict[str, str]:
    """A filled row that passes validation, shown to depositors as a model."""
    level = "departement" if "department" in indicator.levels_shown else "national"
    ratio = indicator.aggregation.rule == "ratio"
    breakdown = next(iter(indicator.breakdown.values)) if indicator.breakdown else ""
    return {
        "indicateur": indicator.id,
        "niveau": level,
        "code_territoire": "29" if level == "departement" else "FR",
        "periode": _EXAMPLE_PERIOD[indicator.frequency],
        "ventilation": breakdown,
        "valeur": "" if ratio else ("45,5" if indicator.unit == "percent" else "1 234"),
        "numerateur": "455" if ratio else "",
        "denominateur": "1 000" if ratio else "",
        "provisoire": "non",
        "commentaire": "ligne d'exemple : valeur calculée si vide" if ratio else "ligne d'exemple",
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


def read_deposit(path: Path | str) -> pd.DataFrame:
    """A filled template as the tidy frame etl.validate expects (`row`, `file` included)."""
    path = Path(path)
    raw = read_table(path)
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
    tidy = raw[known].rename(columns=TEMPLATE_COLUMNS)
    tidy["row"] = raw.index.to_numpy()
    tidy["file"] = path.name
    return tidy.reset_index(drop=True)
