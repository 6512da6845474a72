"""Checks a tidy frame BEFORE any write, and turns it into the load frame of etl.load.

Every problem of a file is reported at once (the first 50 shown), each naming file,
row, column and value, so a depositor fixes the whole file in one pass.
Checks are vectorised: the unique codes and periods are parsed once, and numbers go
through a fast path, so a million rows validate in seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import Catalog
from core.errors import UserError, cell_problem
from core.geography import GeographyError, normalize_code
from core.models import TOTAL, Origin
from core.vocabulary import Level, Unit
from etl.parse import ParseError, parse_number, parse_period

REPORT_LIMIT = 50
STOCK_TOLERANCE = 0.05  # a stock may dip by 5 % (corrections) before it is called an error
REQUIRED = ("indicator_id", "level", "code", "period", "value")
LOAD_COLUMNS = [
    "indicator_id", "area_id", "level", "code", "period_start", "breakdown", "value",
    "numerator", "denominator", "is_masked", "is_provisional", "origin", "source_label",
    "source_url",
]  # fmt: skip
# Derived from core.vocabulary, the one table of levels and units.
LEVEL_ALIASES: dict[str, str] = {a: lvl.value for lvl in Level for a in lvl.words.aliases}
TRUE_WORDS = frozenset({"oui", "o", "vrai", "true", "1", "x", "yes"})
FALSE_WORDS = frozenset({"", "non", "n", "faux", "false", "0", "no"})
AREA_EXPECTED: dict[str, str] = {lvl.value: lvl.words.expected for lvl in Level}
UNIT_RANGE: dict[str, tuple[float, float | None, str]] = {
    u.value: (u.words.minimum, u.words.maximum, u.words.expected) for u in Unit
}


class RowError(Exception):
    """One bad cell: names file, row (as a spreadsheet numbers it), column and value."""

    def __init__(self, *, file: str, row: int, column: str, value: object, expected: str) -> None:
        self.file, self.row, self.column = file, row, column
        self.value, self.expected = "" if value is None else str(value), expected
        super().__init__(
            cell_problem(file=file, row=row, column=column, value=self.value, expected=expected)
        )


class ValidationFailed(UserError):
    """The file is rejected as a whole; nothing was written. The report lists the errors."""

    def __init__(self, errors: list[RowError], *, rows_read: int = 0) -> None:
        self.errors = sorted(errors, key=lambda e: e.row)
        self.rows_read = rows_read
        super().__init__(self.report())

    @property
    def rows_rejected(self) -> int:
        return len({(e.file, e.row) for e in self.errors})

    def report(self) -> str:
        n = len(self.errors)
        head = f"Fichier rejeté : {n} erreur{'s' if n > 1 else ''}. Aucune donnée modifiée."
        lines = [head, *(f"- {e}" for e in self.errors[:REPORT_LIMIT])]
        if n > REPORT_LIMIT:
            rest = n - REPORT_LIMIT
            lines.append(
                f"… et {rest} autre{'s' if rest > 1 else ''} erreur{'s' if rest > 1 else ''}."
            )
        return "\n".join(lines)


@dataclass
class _Errors:
    """Collects errors of vectorised checks; `bad` marks rows already rejected."""

    frame: pd.DataFrame
    columns: Mapping[str, str]
    default_file: str

    def __post_init__(self) -> None:
        self.items: list[RowError] = []
        self.bad = np.zeros(len(self.frame), dtype=bool)

    def flag(
        self,
        mask: np.ndarray | pd.Series,
        *,
        column: str,
        expected: str | pd.Series,
        shown: pd.Series | None = None,
    ) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if not mask.any():
            return
        self.bad |= mask
        sub = self.frame[mask]
        if shown is not None:
            values = shown[mask].tolist()
        else:
            values = sub[column].tolist() if column in sub else [""] * len(sub)
        hints = expected[mask].tolist() if isinstance(expected, pd.Series) else None
        for i, (row, file, value) in enumerate(
            zip(sub["row"].tolist(), sub["file"].tolist(), values, strict=True)
        ):
            self.items.append(
                RowError(
                    file=str(file or self.default_file),
                    row=int(row),
                    column=self.columns.get(column, column),
                    value=value,
                    expected=hints[i] if hints is not None else str(expected),
                )
            )


def _text(series: pd.Series) -> pd.Series:
    """Stripped text, "" for missing; each distinct text converted once."""
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return series.fillna("").astype(str).str.strip()  # numbers: 1 and 1.0 differ
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    table = np.array([*(str(u).strip() for u in uniques), ""], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype="str")


_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u202f")


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values, masked, invalid) for a column of French numbers, fast path first.

    A number too large for a float (« 1e309 ») is invalid, never stored as infinity.
    """
    text = _text(series)
    # fast path, once per distinct text: spaces out, decimal comma to dot
    codes, uniques = pd.factorize(text.astype(object))
    cleaned = np.array(
        [u.translate(_NUMBER_SPACES).replace(",", ".") for u in uniques], dtype=object
    )
    parsed = pd.to_numeric(pd.Series(cleaned, dtype=object), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan, copy=True
    )
    retry = np.flatnonzero(np.isnan(parsed))
    if len(retry):  # other Unicode spaces: the general rule, on those texts only
        other = pd.Series(uniques[retry], dtype=object).str.replace(
            r"[\s\u00a0\u202f]", "", regex=True
        )
        parsed[retry] = pd.to_numeric(
            other.str.replace(",", ".", regex=False), errors="coerce"
        ).to_numpy(dtype=float, na_value=np.nan)
    parsed[~np.isfinite(parsed)] = np.nan
    values = parsed[codes]
    masked = np.zeros(len(text), dtype=bool)
    invalid = np.zeros(len(text), dtype=bool)
    slow = np.flatnonzero(np.isnan(values) & (text != "").to_numpy())
    for i in slow:
        try:
            v, m = parse_number(text.iat[i])
        except ParseError:
            invalid[i] = True
            continue
        if v is not None and not np.isfinite(v):  # « 1e309 », 400 digits: overflow to inf
            invalid[i] = True
            continue
        values[i] = np.nan if v is None else v
        masked[i] = m
    return (
        pd.Series(values, index=series.index),
        pd.Series(masked, index=series.index),
        pd.Series(invalid, index=series.index),
    )


class Lookup:
    """`keys.map(fn)` computed once per distinct key, factorised once for every property asked."""

    def __init__(self, keys: pd.Series) -> None:
        self.index = keys.index
        self.codes, self.uniques = pd.factorize(keys, use_na_sentinel=False)

    def __call__(self, fn: Callable[[Any], Any]) -> pd.Series:
        table = np.empty(len(self.uniques), dtype=object)
        table[:] = [fn(k) for k in self.uniques]
        return pd.Series(table[self.codes], index=self.index, dtype=object)


def pair_allowed(
    left: pd.Series, right: pd.Series, allowed: Callable[[Any, Any], bool]
) -> np.ndarray:
    """`allowed(l, r)` per row, computed once per distinct pair of integer codes."""
    lcodes, lvalues = pd.factorize(left, use_na_sentinel=False)
    rcodes, rvalues = pd.factorize(right, use_na_sentinel=False)
    table = np.array([[allowed(lv, rv) for rv in rvalues] for lv in lvalues], dtype=bool).reshape(
        len(lvalues), len(rvalues)
    )
    return table[lcodes, rcodes]


def _resolve_areas(
    levels: pd.Series, codes: pd.Series, area_ids: Mapping[tuple[str, str], int]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(area_id or -1, canonical code, expected text) per row; unique pairs parsed once."""
    pairs = pd.DataFrame({"level": levels, "code": codes})
    uniq = pairs.drop_duplicates()
    ids, canon, hints = [], [], []
    for level, code in zip(uniq["level"].tolist(), uniq["code"].tolist(), strict=True):
        try:
            c = normalize_code(level, code)
            ids.append(area_ids.get((level, c), -1))
            canon.append(c)
            hints.append(AREA_EXPECTED.get(level, ""))
        except GeographyError as exc:
            ids.append(-1)
            canon.append(code)
            message = str(exc)
            hints.append(
                message.split("Attendu : ", 1)[1].rstrip(".")
                if "Attendu : " in message
                else AREA_EXPECTED.get(level, "un code de territoire connu")
            )
    uniq = uniq.assign(area_id=ids, canon=canon, hint=hints)
    merged = pairs.merge(uniq, on=["level", "code"], how="left")
    merged.index = levels.index
    return merged["area_id"].astype(int), merged["canon"], merged["hint"]


def _parse_periods(ind_ids: pd.Series, periods: pd.Series, catalog: Catalog) -> pd.Series:
    """Period start per row (NaT when invalid), each (indicator, text) parsed once."""
    pairs = pd.DataFrame({"i": ind_ids, "p": periods})
    uniq = pairs.drop_duplicates()
    starts: list[dt.date | None] = []
    for ind_id, text in zip(uniq["i"].tolist(), uniq["p"].tolist(), strict=True):
        ind = catalog.by_id.get(ind_id)
        try:
            starts.append(parse_period(text, frequency=ind.frequency) if ind else None)
        except ParseError:
            starts.append(None)
    uniq = uniq.assign(start=starts)
    merged = pairs.merge(uniq, on=["i", "p"], how="left")
    return pd.Series(merged["start"].to_numpy(), index=ind_ids.index, dtype=object)


def future_periods(start: pd.Series, *, today: dt.date) -> np.ndarray:
    """Rows whose period starts after `today`: no figure can exist for them yet."""
    return Lookup(start)(lambda d: isinstance(d, dt.date) and d > today).to_numpy(dtype=bool)


def _written_step(texts: pd.Series) -> np.ndarray:
    """One unit of the last digit written per cell: « 45,5 » → 0.1, « 1 234 » → 1.

    A value rounded (or truncated) to what it shows is within that step of the truth.
    """

    def step(text: str) -> float:
        s = text.translate(_NUMBER_SPACES).removesuffix("%")
        if "e" in s.lower():
            return 0.0  # scientific notation: no rounding to infer, only float noise
        decimals = s[max(s.rfind("."), s.rfind(",")) + 1 :] if "." in s or "," in s else ""
        return 10.0 ** -len(decimals) if decimals.isdigit() else 1.0

    return Lookup(_text(texts))(step).to_numpy(dtype=float)


def ratio_contradicts(texts: pd.Series, given: pd.Series, computed: pd.Series) -> pd.Series:
    """Rows whose written value differs from numérateur ÷ dénominateur × scale by more
    than its rounding (one unit of its last digit)."""
    tolerance = _written_step(texts) + 1e-9 * computed.abs().fillna(0).to_numpy()
    gap = (given - computed).abs()
    return (given.notna() & computed.notna() & (gap > tolerance)).astype(bool)


def _ratio_hints(
    mask: pd.Series, *, frame: pd.DataFrame, computed: pd.Series, scale: pd.Series
) -> pd.Series:
    """What the value should be, naming numérateur and dénominateur as written."""
    hints = pd.Series("", index=frame.index, dtype=object)
    for i in np.flatnonzero(mask.to_numpy()):
        hints.iat[i] = (
            f"la valeur calculée numérateur ÷ dénominateur × {scale.iat[i]:g} = "
            f"{computed.iat[i]:.6g} (numérateur « {frame['numerator'].iat[i]} », "
            f"dénominateur « {frame['denominator'].iat[i]} »), à l'arrondi près"
        )
    return hints


def validate_tidy(
    tidy: pd.DataFrame,
    *,
    catalog: Catalog,
    area_ids: Mapping[tuple[str, str], int],
    origin: Origin,
    indicator_ids: Collection[str] | None = None,
    columns: Mapping[str, str] | None = None,
    file: str = "",
    source_label: str | None = None,
    source_url: str | None = None,
    stock_tolerance: float = STOCK_TOLERANCE,
    ratio_parts: bool = True,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """The load frame for etl.load, or ValidationFailed listing every bad cell.

    `tidy` has the columns of etl.sources.base.TIDY_COLUMNS (raw strings); `row` and
    `file` name each row in messages, `columns` maps tidy names to the file's own names.
    `indicator_ids` restricts which indicators the file may hold (e.g. `import --indicator`).
    `ratio_parts=False` accepts a ratio without its numerator and denominator: a published
    rate is announced alone.
    `today` (default: the system date) bounds the periods: none may start after it.
    The spreadsheet rows of the result are in `attrs["rows"]` (see check_stock_against_stored).
    """
    columns = columns or {}
    missing = [c for c in REQUIRED if c not in tidy.columns]
    if missing:
        shown = ", ".join(f"« {columns.get(c, c)} »" for c in missing)
        raise ValidationFailed(
            [
                RowError(
                    file=file or "(fichier)",
                    row=1,
                    column=columns.get(c, c),
                    value="",
                    expected=f"les colonnes obligatoires {shown}",
                )
                for c in missing
            ],
            rows_read=len(tidy),
        )
    frame = tidy.reset_index(drop=True).copy()
    n = len(frame)
    if "row" not in frame:
        frame["row"] = np.arange(2, n + 2)
    if "file" not in frame:
        frame["file"] = file
    frame["file"] = frame["file"].fillna(file)
    for col in ("indicator_id", "level", "code", "period", "breakdown"):
        frame[col] = _text(frame[col]) if col in frame else ""
    errors = _Errors(frame, columns, file or "(fichier)")

    # indicator
    allowed = set(indicator_ids) if indicator_ids else set(catalog.by_id)
    ind_ok = frame["indicator_id"].isin(allowed)
    expected_ind = (
        " ou ".join(f"« {i} »" for i in sorted(allowed))
        if indicator_ids
        else "un identifiant d'indicateur du catalogue"
    )
    errors.flag(~ind_ok, column="indicator_id", expected=expected_ind)
    ind_series = frame["indicator_id"].where(ind_ok, "")
    meta = {i.id: i for i in catalog.indicators}

    by_indicator = Lookup(ind_series)

    def prop(name: str, default: object = "") -> pd.Series:
        return by_indicator(lambda k: getattr(meta[k], name) if k in meta else default)

    # level and area
    level = frame["level"].str.lower().map(LEVEL_ALIASES)
    errors.flag(
        level.isna(), column="level", expected="« national », « région » ou « département »"
    )
    level = level.fillna("")
    level_ok = pair_allowed(
        ind_series, level, lambda k, lvl: k in meta and lvl in meta[k].levels_shown
    )
    errors.flag(
        ~level_ok,
        column="level",
        expected=by_indicator(
            lambda k: (
                "un niveau publié pour cet indicateur ("
                + (", ".join(meta[k].levels_shown) if k in meta else "")
                + ")"
            ),
        ),
    )
    area_id, code, hint = _resolve_areas(level, frame["code"], area_ids)
    errors.flag(area_id < 0, column="code", expected=hint)

    # period
    start = _parse_periods(ind_series, frame["period"], catalog)
    freq_hint = prop("frequency").map(
        {
            "monthly": "un mois (ex. « 2024-03 », « 03/2024 », « mars 2024 »)",
            "quarterly": "un trimestre (ex. « T1 2024 » ou « 2024-04 »)",
            "yearly": "une année (ex. « 2024 »)",
        }
    )
    errors.flag(start.isna(), column="period", expected=freq_hint.fillna("une période"))
    today = today or dt.date.today()
    errors.flag(
        future_periods(start, today=today),
        column="period",
        expected=f"une période commencée au plus tard le {today:%d/%m/%Y}",
    )

    # breakdown
    breakdown = frame["breakdown"].replace({"": TOTAL, "total": TOTAL, "Total": TOTAL})
    breakdown_codes = {
        k: set(v.breakdown.values) if v.breakdown else set() for k, v in meta.items()
    }
    bd_ok = pair_allowed(
        ind_series, breakdown, lambda k, b: b == TOTAL or b in breakdown_codes.get(k, ())
    )
    errors.flag(
        ~bd_ok,
        column="breakdown",
        expected=by_indicator(
            lambda k: (
                "vide (total) ou l'un de : "
                + ", ".join(f"« {x} »" for x in sorted(breakdown_codes.get(k, ())))
                if breakdown_codes.get(k)
                else "vide (cet indicateur n'a pas de ventilation)"
            ),
        ),
    )

    # numbers
    value, masked_v, bad_v = parse_numbers(frame["value"])
    errors.flag(bad_v, column="value", expected="un nombre fini (ex. « 1 234,5 »), vide ou « NS »")
    parts = {}
    masked_parts = pd.Series(False, index=frame.index)
    for col in ("numerator", "denominator"):
        if col in frame:
            v, m, bad = parse_numbers(frame[col])
            masked_parts |= m
            errors.flag(bad, column=col, expected="un nombre fini (ex. « 1 234 ») ou vide")
        else:
            v = pd.Series(np.nan, index=frame.index)
        parts[col] = v
    num, den = parts["numerator"], parts["denominator"]
    flagged = (
        frame["is_masked"].fillna(False).astype(bool)
        if "is_masked" in frame
        else pd.Series(False, index=frame.index)
    )
    masked = masked_v | masked_parts | flagged
    ratio = by_indicator(lambda k: k in meta and meta[k].aggregation.rule == "ratio")
    ratio = ratio.astype(bool)
    scale = by_indicator(lambda k: meta[k].aggregation.scale if k in meta else 1.0)
    scale = scale.astype(float)
    errors.flag(
        ratio & ~masked & (num.isna() | den.isna()) & ~bad_v & ratio_parts,
        column="numerator" if "numerator" in frame else "value",
        expected="le numérateur et le dénominateur (indicateur agrégé par ratio)",
    )
    errors.flag(
        ratio & (den == 0), column="denominator", expected="un dénominateur strictement positif"
    )
    computed = scale * num / den.where(den != 0)
    contradicts = ratio & ~masked & ratio_contradicts(frame["value"], value, computed)
    errors.flag(
        contradicts,
        column="value",
        expected=_ratio_hints(contradicts, frame=frame, computed=computed, scale=scale),
    )
    value = value.where(value.notna() | ~ratio, computed)
    errors.flag(
        value.isna() & ~masked,
        column="value",
        expected="un nombre, ou « NS » si la valeur est couverte par le secret statistique",
    )
    value = value.where(~masked)
    unit = prop("unit")
    by_unit = Lookup(unit)
    low = by_unit(lambda u: UNIT_RANGE.get(u, (None, None, ""))[0]).astype(float)
    high = by_unit(lambda u: UNIT_RANGE.get(u, (None, None, ""))[1]).astype(float)
    out_of_range = (value < low) | (value > high)
    given = _text(frame["value"])
    errors.flag(
        out_of_range.fillna(False),
        column="value",
        shown=given.where(
            given != "",
            value.where(out_of_range.fillna(False)).map(
                lambda v: f"{v:g} (calculée)", na_action="ignore"
            ),
        ),
        expected=by_unit(lambda u: UNIT_RANGE.get(u, (0, None, "une valeur valide"))[2]),
    )
    for col, part in parts.items():
        errors.flag((part < 0).fillna(False), column=col, expected="un nombre positif ou nul")

    # provisional flag
    if "is_provisional" in frame:
        prov_text = _text(frame["is_provisional"]).str.lower()
        errors.flag(
            ~prov_text.isin(TRUE_WORDS | FALSE_WORDS),
            column="is_provisional",
            expected="« oui » ou « non » (vide : non)",
        )
        provisional = prov_text.isin(TRUE_WORDS)
    else:
        provisional = pd.Series(False, index=frame.index)

    out = pd.DataFrame(
        {
            "indicator_id": frame["indicator_id"],
            "area_id": area_id,
            "level": level,
            "code": code,
            "period_start": start,
            "breakdown": breakdown,
            "value": value.astype(float),
            "numerator": num.where(~masked).astype(float),
            "denominator": den.where(~masked).astype(float),
            "is_masked": masked.astype(bool),
            "is_provisional": provisional.astype(bool),
            "origin": origin.value,
            "source_label": source_label,
            "source_url": source_url,
        }
    )

    # duplicates (among rows valid so far)
    key = ["indicator_id", "area_id", "period_start", "breakdown"]
    valid = ~errors.bad
    dup = out[valid].duplicated(key, keep="first")
    if dup.any():
        firsts = out[valid].drop_duplicates(key, keep="first")
        first_row = (
            out[valid][key]
            .merge(firsts[key].assign(first=frame.loc[firsts.index, "row"].to_numpy()), on=key)[
                "first"
            ]
            .to_numpy()
        )
        dup_mask = np.zeros(n, dtype=bool)
        dup_mask[np.flatnonzero(valid)[dup.to_numpy()]] = True
        first_full = pd.Series(0, index=frame.index)
        first_full[valid] = first_row
        errors.flag(
            dup_mask,
            column="code",
            expected=first_full.map(
                lambda r: (
                    f"une seule ligne par territoire, période et ventilation (déjà à la ligne {r})"
                )
            ),
        )

    # stocks that fall
    cumulative = prop("is_cumulative_stock", False).astype(bool) & ~pd.Series(
        errors.bad, index=frame.index
    )
    if cumulative.any():
        stock = out[cumulative & out["value"].notna()].sort_values(
            ["indicator_id", "area_id", "breakdown", "period_start"]
        )
        grouped = stock.groupby(["indicator_id", "area_id", "breakdown"], sort=False)["value"]
        previous = grouped.shift(1)
        prev_period = stock.groupby(["indicator_id", "area_id", "breakdown"], sort=False)[
            "period_start"
        ].shift(1)
        falls = previous.notna() & (stock["value"] < previous * (1 - stock_tolerance))
        fall_mask = np.zeros(n, dtype=bool)
        fall_mask[falls[falls].index.to_numpy()] = True
        hint = pd.Series("", index=frame.index)
        for i in falls[falls].index:
            hint[i] = (
                f"un stock qui ne baisse pas de plus de {stock_tolerance:.0%} "
                f"(période {prev_period[i]} : {previous[i]:g})"
            ).replace("%", " %")
        errors.flag(fall_mask, column="value", expected=hint)

    if errors.items:
        raise ValidationFailed(errors.items, rows_read=n)
    result = out[LOAD_COLUMNS]
    # an array, not a list: pandas deep-copies attrs at each operation on the frame
    result.attrs["rows"] = frame["row"].to_numpy(dtype=np.int64)
    files = frame["file"].astype(str)
    result.attrs["file"] = next((f for f in files.iloc[:1] if f), file or "(fichier)")
    return result


STORED_KEY = ["indicator_id", "area_id", "breakdown"]


def cumulative_stocks(catalog: Catalog) -> set[str]:
    """Stocks counted in units or euros: they only grow, bar corrections (unless the
    catalog says why one does not: `not_cumulative`)."""
    return {i.id for i in catalog.indicators if i.is_cumulative_stock}


def check_stock_against_stored(
    frame: pd.DataFrame,
    stored: pd.DataFrame,
    *,
    catalog: Catalog,
    columns: Mapping[str, str] | None = None,
    tolerance: float = STOCK_TOLERANCE,
) -> None:
    """Refuse a stock that falls against the stored one next to it, as inside one file.

    `frame` is validate_tidy's result (its `attrs` name rows and file); `stored` holds the
    real stored rows (`indicator_id`, `area_id`, `breakdown`, `period_start`, `value`) of
    the same series, at least the period just before and just after each of the file's.
    To be called in the load transaction, after the lock is taken: what is stored then
    is what the file is compared with. Raises ValidationFailed naming each row.
    """
    columns = columns or {}
    stocks = cumulative_stocks(catalog)
    rows = frame.attrs.get("rows", np.arange(2, len(frame) + 2))
    mine = frame.assign(_row=rows)
    mine = mine[mine["indicator_id"].isin(stocks) & mine["value"].notna()]
    if mine.empty or stored.empty:
        return
    keys = [*STORED_KEY, "period_start"]
    others = stored[stored["indicator_id"].isin(stocks) & stored["value"].notna()]
    others = others.merge(mine[keys], on=keys, how="left", indicator=True)
    others = others[others["_merge"] == "left_only"].drop(columns="_merge")  # file wins
    both = pd.concat(
        [mine[[*keys, "value", "_row"]], others[[*keys, "value"]].assign(_row=0)],
        ignore_index=True,
    ).sort_values(keys, kind="stable")
    grouped = both.groupby(STORED_KEY, sort=False)
    prev_value, prev_period = grouped["value"].shift(1), grouped["period_start"].shift(1)
    prev_row = grouped["_row"].shift(1)
    falls = prev_value.notna() & (both["value"] < prev_value * (1 - tolerance))
    errors: list[RowError] = []
    file = str(frame.attrs.get("file", "(fichier)"))
    column = columns.get("value", "value")
    limit = f"un stock qui ne baisse pas de plus de {tolerance:.0%}".replace("%", " %")
    for i in np.flatnonzero(falls.to_numpy()):
        row, before = int(both["_row"].iat[i]), int(prev_row.iat[i])
        if row and not before:  # the file's value falls below the stored one before it
            errors.append(RowError(
                file=file, row=row, column=column, value=f"{both['value'].iat[i]:g}",
                expected=f"{limit} (valeur enregistrée pour {prev_period.iat[i]} : "
                f"{prev_value.iat[i]:g})",
            ))  # fmt: skip
        elif before and not row:  # the stored value after the file's would fall
            errors.append(RowError(
                file=file, row=before, column=column, value=f"{prev_value.iat[i]:g}",
                expected=f"{limit} (valeur enregistrée pour {both['period_start'].iat[i]} : "
                f"{both['value'].iat[i]:g})",
            ))  # fmt: skip
    if errors:
        raise ValidationFailed(errors, rows_read=len(frame))
