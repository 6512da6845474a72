"""French formatting of numbers, periods and dates, shared by figures, cards and tables.

One thousands separator everywhere: the narrow no-break space (U+202F), as French
typography and CLDR (babel) do; the same character goes before « % » and « € ».
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Final

from core.vocabulary import Unit

NNBSP: Final = "\u202f"  # narrow no-break space: thousands separator and before units
MINUS: Final = "\u2212"  # typographic minus, as Plotly draws negative ticks
MISSING: Final = "—"
MASKED: Final = "secret statistique"
PLOTLY_SEPARATORS: Final = "," + NNBSP  # layout.separators: decimal mark then thousands

MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
SHORT_MONTHS: Final = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
FREQUENCIES: Final = ("monthly", "quarterly", "yearly")
UNITS: Final = tuple(u.value for u in Unit)  # core.vocabulary, the one table of units
QUALIFIER_PREFIXES: Final = {
    "exact": "",
    "approx": "environ ",
    "lower_bound": "plus de ",
    "upper_bound": "moins de ",
}


class FormattingError(ValueError):
    """A unit, frequency or qualifier outside the catalog vocabulary; French message."""


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def format_plain(value: float, *, decimals: int = 0) -> str:
    """`1234567.5` → `1 234 567,5` (narrow no-break spaces, decimal comma)."""
    if decimals < 0:
        raise FormattingError(f"Nombre de décimales invalide « {decimals} ». Attendu : 0 ou plus.")
    text = f"{abs(value):,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    rounded_is_zero = round(abs(value), decimals) == 0
    return (MINUS + text) if value < 0 and not rounded_is_zero else text


def format_number(
    value: float | None,
    *,
    unit: str,
    decimals: int = 0,
    masked: bool = False,
    qualifier: str = "exact",
) -> str:
    """A value as a French reader expects it, with its unit: `12,5 %`, `1,2 Md€`, `3 jours`.

    Masked values say « secret statistique », never zero; missing ones a dash.
    """
    if unit not in UNITS:
        raise FormattingError(f"Unité inconnue « {unit} ». Attendu : {', '.join(UNITS)}.")
    if qualifier not in QUALIFIER_PREFIXES:
        raise FormattingError(
            f"Qualificatif inconnu « {qualifier} ». Attendu : {', '.join(QUALIFIER_PREFIXES)}."
        )
    if masked:
        return MASKED
    if _is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    prefix = QUALIFIER_PREFIXES[qualifier]
    if unit == "percent":
        text = f"{format_plain(number, decimals=decimals)}{NNBSP}%"
    elif unit == "euros":
        if abs(number) >= 1e9:
            text = f"{format_plain(number / 1e9, decimals=1)}{NNBSP}Md€"
        else:
            text = f"{format_plain(number, decimals=decimals)}{NNBSP}€"
    elif unit == "days":
        word = "jour" if abs(number) <= 1 else Unit.days.label
        text = f"{format_plain(number, decimals=decimals)}{NNBSP}{word}"
    else:
        text = format_plain(number, decimals=decimals)
    return prefix + text


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FormattingError(f"Date invalide « {value} ». Attendu : une date (AAAA-MM-JJ).")


def format_period(value: object, *, frequency: str) -> str:
    """The period that starts on a date: `mars 2025`, `T1 2025` or `2025`."""
    if frequency not in FREQUENCIES:
        raise FormattingError(
            f"Fréquence inconnue « {frequency} ». Attendu : {', '.join(FREQUENCIES)}."
        )
    if value is None or _is_missing(value):
        return MISSING
    day = _as_date(value)
    if frequency == "monthly":
        return f"{MONTHS[day.month - 1]} {day.year}"
    if frequency == "quarterly":
        return f"T{(day.month - 1) // 3 + 1} {day.year}"
    return str(day.year)


def format_count(count: int, singular: str, plural: str, *, feminine: bool = False) -> str:
    """A number of things as French writes it: « aucun territoire », « 1 territoire »,
    « 12 territoires » (0 and 1 take the singular; none is « aucun », « aucune »)."""
    if count == 0:
        return f"{'aucune' if feminine else 'aucun'} {singular}"
    return f"{format_plain(count)} {singular if abs(count) == 1 else plural}"


_DIGIT_GROUP = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")  # « 410 000 »: the space of a group
_ISO_DAY = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_ISO_MONTH = re.compile(r"\((\d{4})-(0[1-9]|1[0-2])\)")  # « (2024-10) », not « 2023-2027 »
ORDINAL = re.compile(r"\b(\d+)(er|re|e)\b")  # « 1er », « 2e »: the suffix goes in superscript


def french_text(text: str) -> str:
    """Editorial text (catalog prose, source titles) as French typography writes it: a
    narrow no-break space between digit groups (« 410 000 »), and dates in words instead
    of ISO (« 2023-09-21 » → « 21 septembre 2023 », « (2024-10) » → « (octobre 2024) »)."""
    text = _DIGIT_GROUP.sub(NNBSP, text)
    text = _ISO_DAY.sub(lambda m: format_day(dt.date(*map(int, m.groups()))), text)
    return _ISO_MONTH.sub(lambda m: f"({MONTHS[int(m[2]) - 1]} {m[1]})", text)


def format_day(day: dt.date) -> str:
    """`2023-09-21` → « 21 septembre 2023 », `2025-01-01` → « 1er janvier 2025 »."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def sentence(text: str) -> str:
    """The text with a capital first letter, to open a sentence (« Aucun territoire… »)."""
    return text[:1].upper() + text[1:]


def format_date(value: object) -> str:
    """`2025-03-07` → `07/03/2025`; a missing date is a dash."""
    if value is None or _is_missing(value):
        return MISSING
    return _as_date(value).strftime("%d/%m/%Y")


def format_age(months: int) -> str:
    """How old a figure is, in whole months: « il y a 14 mois », « il y a moins d'un mois »."""
    if months < 1:
        return "il y a moins d'un mois"
    return f"il y a {months} mois"


_TICK_STEPS: Final = (1, 2, 3, 6, 12, 24, 60, 120)


def date_ticks(
    start: object, end: object, *, frequency: str, max_ticks: int = 8
) -> tuple[list[dt.date], list[str]]:
    """Tick positions and French labels for a time axis, without Plotly's locale bundle.

    Ticks fall on the first day of a month aligned on the step (every 1, 3, 6, 12… months).
    """
    if frequency not in FREQUENCIES:
        raise FormattingError(
            f"Fréquence inconnue « {frequency} ». Attendu : {', '.join(FREQUENCIES)}."
        )
    first, last = _as_date(start), _as_date(end)
    if last < first:
        first, last = last, first
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    minimum = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
    step = next(
        (s for s in _TICK_STEPS if s >= minimum and math.ceil(months / s) <= max_ticks),
        _TICK_STEPS[-1],
    )
    index = first.year * 12 + first.month - 1
    index += (-index) % step
    values: list[dt.date] = []
    while True:
        day = dt.date(index // 12, index % 12 + 1, 1)
        if day > last:
            break
        values.append(day)
        index += step
    texts = [_tick_text(d, step=step, frequency=frequency) for d in values]
    return values, texts


def _tick_text(day: dt.date, *, step: int, frequency: str) -> str:
    if step >= 12:
        return str(day.year)
    if frequency == "quarterly":
        return f"T{(day.month - 1) // 3 + 1} {day.year}"
    return f"{SHORT_MONTHS[day.month - 1]} {day.year}"


def unit_label(unit: str) -> str:
    """Short French name of a unit, for axis and colour-bar titles."""
    if unit not in UNITS:
        raise FormattingError(f"Unité inconnue « {unit} ». Attendu : {', '.join(UNITS)}.")
    return Unit(unit).label


def join_labels(labels: Sequence[str]) -> str:
    """`["a", "b", "c"]` → `a, b et c` (for text alternatives of charts)."""
    items = [label for label in labels if label]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
