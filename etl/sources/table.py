"""From a raw table (CSV or XLSX) to the tidy frame, as a catalog `table:` mapping says.

Shared by every tabular connector. Sources such as data.ameli.fr mix detail rows and
aggregate rows (`999`, `99`, `FRANCE`, « tout secteur compris ») in one file: the aggregate
rows are kept out of the detail and used to check it, where nothing is masked, so a
file whose detail does not add up to its own totals is refused.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from core.models import TOTAL
from etl.parse import ParseError, parse_number, read_csv_text, read_xlsx
from etl.sources.base import RawFile, SourceError, SumCheckError, tidy_frame


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RowFilter(_Strict):
    """Keep only the rows whose column matches (equals one of / ends with)."""

    column: str
    equals: list[str] | None = None
    endswith: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> RowFilter:
        if (self.equals is None) == (self.endswith is None):
            raise ValueError("un filtre a soit « equals », soit « endswith »")
        return self

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        col = frame[self.column]
        if self.equals is not None:
            return col.isin(self.equals)
        return col.str.endswith(self.endswith or "")


class TableMapping(_Strict):
    """Which columns hold the indicator, the area, the period, the breakdown and the value."""

    format: Literal["csv", "xlsx"] = "csv"
    indicator: str | None = None  # one catalog series for the whole file…
    indicator_column: str | None = None  # …or a column of catalog ids (import template)
    period_column: str
    value_column: str | None = None
    numerator_column: str | None = None
    denominator_column: str | None = None
    department_column: str | None = None  # detail at département level…
    region_column: str | None = None  # …or at région level (also used by the sum check)
    level_column: str | None = None  # or explicit level + code columns (import template)
    code_column: str | None = None
    breakdown_column: str | None = None
    filters: list[RowFilter] = []
    totals: dict[str, list[str]] = {}  # column -> values marking an aggregate row
    sum_over: list[str] = []  # detail columns summed away (e.g. secteur conventionnel)
    check_totals: bool = True
    tolerance: float = 0.0  # absolute gap allowed between a total and its detail

    @model_validator(mode="after")
    def _coherent(self) -> TableMapping:
        if (self.indicator is None) == (self.indicator_column is None):
            raise ValueError("indiquez soit « indicator », soit « indicator_column »")
        area = [self.department_column or self.region_column, self.level_column]
        if sum(a is not None for a in area) != 1:
            raise ValueError(
                "indiquez « department_column »/« region_column », ou bien "
                "« level_column » et « code_column »"
            )
        if (self.level_column is None) != (self.code_column is None):
            raise ValueError("« level_column » et « code_column » vont ensemble")
        if not (self.value_column or (self.numerator_column and self.denominator_column)):
            raise ValueError(
                "indiquez « value_column » ou « numerator_column » et « denominator_column »"
            )
        return self

    def required_columns(self) -> list[str]:
        cols = [
            self.indicator_column, self.period_column, self.value_column,
            self.numerator_column, self.denominator_column, self.department_column,
            self.region_column, self.level_column, self.code_column, self.breakdown_column,
            *[f.column for f in self.filters], *self.totals, *self.sum_over,
        ]  # fmt: skip
        return list(dict.fromkeys(c for c in cols if c))


def read_raw_table(raw: RawFile, *, fmt: str) -> pd.DataFrame:
    """The cached file as text cells, index = spreadsheet row number (header = 1)."""
    path: Path = raw.path
    try:
        if fmt == "xlsx":
            return read_xlsx(path)
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        return read_csv_text(text, name=raw.display_name)
    except ParseError as exc:
        raise SourceError(str(exc)) from None


def _number(value: object, *, file: str, row: int, column: str) -> tuple[float | None, bool]:
    try:
        return parse_number(value)
    except ParseError:
        raise SourceError(
            f"Fichier « {file} », ligne {row}, colonne « {column} » : nombre invalide "
            f"« {value} ». Attendu : un nombre (ex. « 1234 », « 12,5 ») ou « NS »."
        ) from None


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _check_totals(
    frame: pd.DataFrame, *, mapping: TableMapping, is_total: pd.Series, file: str
) -> None:
    """Each aggregate row must equal the sum of the detail rows it covers, unless masked."""
    column = mapping.value_column
    if not column or not mapping.totals:
        return
    parsed = [
        _number(v, file=file, row=int(r), column=column)
        for r, v in zip(frame.index, frame[column], strict=True)
    ]
    values = pd.Series([p[0] for p in parsed], index=frame.index, dtype="float64")
    masked = pd.Series([p[1] for p in parsed], index=frame.index, dtype=bool)
    keys = [c for c in (mapping.indicator_column, mapping.period_column,
                        mapping.breakdown_column) if c]  # fmt: skip
    detail = frame[~is_total]
    for row, total in frame[is_total].iterrows():
        if masked[row] or values[row] != values[row]:
            continue
        covered = pd.Series(True, index=detail.index)
        for col in keys:
            covered &= detail[col] == total[col]
        for col, markers in mapping.totals.items():
            if total[col] not in markers:  # this dimension is not aggregated by the row
                covered &= detail[col] == total[col]
        rows = detail.index[covered]
        if len(rows) == 0 or masked[rows].any() or values[rows].isna().any():
            continue
        expected = float(values[rows].sum())
        if abs(expected - float(values[row])) > mapping.tolerance + 1e-9 * abs(expected):
            where = ", ".join(f"{c} = « {total[c]} »" for c in [*keys, *mapping.totals])
            raise SumCheckError(
                f"Fichier « {file} », ligne {row}, colonne « {column} » : le total publié "
                f"« {total[column]} » ({where}) ne correspond pas à la somme des lignes de "
                f"détail ({_format(expected)}, {len(rows)} lignes). Aucune donnée modifiée."
            )


def _sum_groups(tidy: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Add up detail rows that share a key (e.g. the sectors of one département)."""
    key = ["indicator_id", "level", "code", "period", "breakdown"]
    out: list[dict[str, Any]] = []
    for _, group in tidy.groupby(key, sort=False, dropna=False):
        first = group.iloc[0].to_dict()
        for col in ("value", "numerator", "denominator"):
            cells = [c for c in group[col] if c is not None]
            if not cells:
                continue
            numbers = [
                _number(c, file=file, row=int(r), column=col)
                for c, r in zip(group[col], group["row"], strict=True)
                if c is not None
            ]
            if any(m for _, m in numbers):
                first[col] = "NS"
                first["is_masked"] = True
            elif any(v is None for v, _ in numbers):
                first[col] = None
            else:
                first[col] = _format(sum(v for v, _ in numbers if v is not None))
        out.append(first)
    return tidy_frame(out)


def to_tidy(raw: RawFile, *, mapping: TableMapping) -> pd.DataFrame:
    """Detail rows in the tidy shape; aggregate rows only serve the sum check."""
    file = raw.display_name
    frame = read_raw_table(raw, fmt=mapping.format)
    missing = [c for c in mapping.required_columns() if c not in frame.columns]
    if missing:
        raise SourceError(
            f"Fichier « {file} » : colonnes absentes {', '.join(f'« {c} »' for c in missing)}. "
            f"Colonnes présentes : {', '.join(frame.columns)}."
        )
    for flt in mapping.filters:
        frame = frame[flt.mask(frame)]
    is_total = pd.Series(False, index=frame.index)
    for col, markers in mapping.totals.items():
        is_total |= frame[col].isin(markers)
    if mapping.check_totals:
        _check_totals(frame, mapping=mapping, is_total=is_total, file=file)
    detail = frame[~is_total]
    rows = [_tidy_row(int(r), cells, mapping=mapping, file=file) for r, cells in detail.iterrows()]
    tidy = tidy_frame(rows)
    if mapping.sum_over and not tidy.empty:
        tidy = _sum_groups(tidy, file=file)
    return tidy


def _cell(cells: pd.Series, column: str | None) -> str | None:
    if column is None:
        return None
    value = cells[column]
    return None if value is None else str(value)


def _tidy_row(row: int, cells: pd.Series, *, mapping: TableMapping, file: str) -> dict[str, Any]:
    if mapping.level_column:
        level, code = _cell(cells, mapping.level_column), _cell(cells, mapping.code_column)
    elif mapping.department_column:
        level, code = "department", _cell(cells, mapping.department_column)
    else:
        level, code = "region", _cell(cells, mapping.region_column)
    value = _cell(cells, mapping.value_column)
    masked_cells = [
        _cell(cells, c)
        for c in (mapping.value_column, mapping.numerator_column, mapping.denominator_column)
        if c
    ]
    return {
        "indicator_id": mapping.indicator or _cell(cells, mapping.indicator_column),
        "level": level,
        "code": code,
        "period": _cell(cells, mapping.period_column),
        "breakdown": _cell(cells, mapping.breakdown_column) or TOTAL,
        "value": value,
        "numerator": _cell(cells, mapping.numerator_column),
        "denominator": _cell(cells, mapping.denominator_column),
        "is_masked": any(_is_masked(v) for v in masked_cells),
        "row": row,
        "file": file,
    }


def _is_masked(value: str | None) -> bool:
    try:
        return parse_number(value)[1]
    except ParseError:
        return False
