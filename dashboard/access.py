"""What the reader of the request may see, asked of core.policy: the one filter of the
catalog and the one filter of area rows that every read of the dashboard goes through.

`dashboard.queries` applies both to everything it returns (catalog, series, snapshots,
periods, published figures), so pages, downloads, counts and the cache never meet an
indicator or an area the reader may not see: a restricted indicator is unknown to the
public (the same 404 as an unknown id), and an ARS sees its figures for France, its région
and its départements only (the other areas are absent, never zero).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from core import geography, policy
from core.catalog import Catalog, Indicator
from core.policy import Actor
from dashboard.actor import current_actor


def visible_catalog(catalog: Catalog, actor: Actor) -> Catalog:
    """The catalog as the actor knows it: without the indicators it may not see."""
    shown = [i for i in catalog.indicators if policy.may_see_indicator(actor, i.visibility)]
    if len(shown) == len(catalog.indicators):
        return catalog
    return Catalog(
        version=catalog.version,
        axes=catalog.axes,
        indicators=shown,
        sources=catalog.sources,
        events=catalog.events,
    )


def may_see_area(indicator: Indicator, level: str, code: str, actor: Actor | None = None) -> bool:
    """May the reader (the request's, by default) see this indicator's figures for the area?"""
    reader = current_actor() if actor is None else actor
    return policy.may_see_indicator(reader, indicator.visibility) and policy.may_see_area(
        reader, indicator.visibility, level, code
    )


def sees_whole_level(indicator: Indicator, level: str, actor: Actor) -> bool:
    """May the actor see the indicator for every area of the level?"""
    return _allowed_codes(_reader(actor), indicator.visibility, level) is None


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
    reader = _reader(actor)
    ids = [indicator_id] if indicator_id is not None else pd.unique(frame["indicator_id"])
    levels = [level] if level is not None else pd.unique(frame[level_column])
    keep: pd.Series | None = None
    for ind_id in ids:
        indicator = catalog.by_id.get(str(ind_id))
        for lvl in levels:
            allowed = (
                _allowed_codes(reader, indicator.visibility, str(lvl))
                if indicator is not None
                else frozenset()
            )
            if allowed is None:  # every area of the level
                continue
            dropped = ~frame[code_column].isin(allowed)
            if indicator_id is None:
                dropped &= frame["indicator_id"] == ind_id
            if level is None:
                dropped &= frame[level_column] == lvl
            keep = ~dropped if keep is None else keep & ~dropped
    if keep is None or bool(keep.all()):
        return frame
    return frame[keep].reset_index(drop=True)


def _reader(actor: Actor) -> Actor:
    """The actor as the policy reads it (role and région): the key of `_allowed_codes`."""
    return Actor(actor.role, region=actor.region)


@lru_cache(maxsize=1024)
def _allowed_codes(actor: Actor, visibility: str, level: str) -> frozenset[str] | None:
    """The codes of the level's areas the actor may see for an indicator of this
    visibility, or None when it may see them all."""
    codes = [a.code for a in geography.by_level(level)]
    allowed = frozenset(
        c
        for c in codes
        if policy.may_see_indicator(actor, visibility)
        and policy.may_see_area(actor, visibility, level, c)
    )
    return None if len(allowed) == len(codes) else allowed
