"""What the reader of the request may see, asked of core.policy: the one filter of the
catalog and the one filter of area rows that every read of the dashboard goes through.

`dashboard.queries` applies both to everything it returns (catalog, series, snapshots,
periods, published figures), so pages, downloads, counts and the cache never meet an
indicator or an area the reader may not see: a restricted indicator is unknown to the
public (the same 404 as an unknown id), and an ARS sees its figures for France, its région
and its départements only (the other areas are absent, never zero).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core import policy
from core.catalog import Catalog, Indicator
from core.policy import Actor
from dashboard.actor import current_actor


def visible_catalog(catalog: Catalog, actor: Actor) -> Catalog:
    """The catalog as the actor knows it: without the indicators it may not see."""
    shown = [i for i in catalog.indicators if policy.may_see_indicator(actor, i.visibility)]
    if len(shown) == len(catalog.indicators):
        return catalog
    return Catalog(
        version=catalog.version, axes=catalog.axes, indicators=shown, sources=catalog.sources
    )


def may_see_area(indicator: Indicator, level: str, code: str, actor: Actor | None = None) -> bool:
    """May the reader (the request's, by default) see this indicator's figures for the area?"""
    reader = current_actor() if actor is None else actor
    return policy.may_see_indicator(reader, indicator.visibility) and policy.may_see_area(
        reader, indicator.visibility, level, code
    )


def visible_rows(
    frame: pd.DataFrame,
    *,
    catalog: Catalog,
    actor: Actor,
    indicator_id: str | None = None,
    level: str | None = None,
    level_column: str = "level",
    code_column: str = "code",
) -> pd.DataFrame:
    """The rows of a frame of figures that the actor may see; the others are dropped.

    Each row names its indicator (`indicator_id` column, or the `indicator_id` argument for
    a frame of one indicator), its level (column or argument) and its area code. A row of
    an indicator missing from the catalog is dropped too.
    """
    if frame.empty:
        return frame
    ids = _column(frame, "indicator_id", indicator_id)
    levels = _column(frame, level_column, level)
    keys = list(zip(ids, levels, frame[code_column], strict=True))
    verdicts = {key: _allowed(catalog, actor, *key) for key in set(keys)}
    keep = [verdicts[key] for key in keys]
    if all(keep):
        return frame
    return frame[keep]


def _column(frame: pd.DataFrame, name: str, value: str | None) -> Iterable[object]:
    return frame[name] if value is None else [value] * len(frame)


def _allowed(
    catalog: Catalog, actor: Actor, indicator_id: object, level: object, code: object
) -> bool:
    indicator = catalog.by_id.get(str(indicator_id))
    if indicator is None:
        return False
    return may_see_area(indicator, str(level), str(code), actor)
