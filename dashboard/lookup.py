"""The header's search: indicators, régions and départements by name or code.

Pure: the catalog's indicators and the geography's areas in, ordered hits out. Accents,
case and punctuation are ignored (« ile de france » finds Île-de-France, « finistere »
Finistère); a code matches exactly (« 29 », « 2a »); each searched word must begin a word
of the name (« mon espace » finds « Taux d'activation de Mon espace santé »).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.catalog import Indicator
from core.geography import Area
from core.vocabulary import Level

INDICATOR = "indicator"  # the kind of a hit that is not an area


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: an indicator (kind INDICATOR, key its id) or an area (kind its level)."""

    kind: str
    key: str
    label: str
    score: int  # lower first: 0 exact code or name, 1 name begins with the search, 2 words


def fold(text: str) -> str:
    """Lower case, without accents, punctuation as spaces: « Côtes-d'Armor » → « cotes d armor »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.split(r"[^0-9a-z]+", bare)).strip()


def score(query: str, *, names: Iterable[str], codes: Iterable[str] = ()) -> int | None:
    """How well a folded search matches: None if it does not (see Hit.score)."""
    if not query:
        return None
    if any(query == fold(c) for c in codes):
        return 0
    words = query.split()
    best: int | None = None
    for name in names:
        folded = fold(name)
        if folded == query:
            return 0
        name_words = folded.split()
        if not all(any(w.startswith(q) for w in name_words) for q in words):
            continue
        found = 1 if folded.startswith(query) else 2
        best = found if best is None else min(best, found)
    return best


def search(text: str, *, indicators: Sequence[Indicator], areas: Sequence[Area]) -> list[Hit]:
    """Every indicator and area the text names, best first, then indicators before areas."""
    query = fold(text)
    hits: list[Hit] = []
    for ind in indicators:
        found = score(query, names=(ind.short_label, ind.label, ind.id), codes=(ind.id,))
        if found is not None:
            hits.append(Hit(INDICATOR, ind.id, ind.short_label, found))
    for area in areas:
        if area.level not in Level.territorial():
            continue
        found = score(query, names=(area.name,), codes=(area.code,))
        if found is not None:
            hits.append(Hit(str(area.level), area.code, area.name, found))
    kinds = [INDICATOR, *(str(lvl) for lvl in Level.territorial())]
    return sorted(hits, key=lambda h: (h.score, kinds.index(h.kind), fold(h.label)))
