"""Région groups on région views: one value a source publishes for several régions together.

Open DAMIR publishes the five DROM as one zone and PACA with Corse as another; they are stored
as areas of the `group` level (core/reference/region_groups.csv) and never split into régions.
On a région view, maps draw the group's value over each member, marked as shared; tables and
rankings show the group as a row of its own, and its members say « publié avec une autre
région » instead of a value. A member with a real figure of its own keeps it; a group's real
figure beats a member's demo value (real data first).
"""

from __future__ import annotations

import pandas as pd

from core import geography
from core.vocabulary import Level, Origin

GROUPED_ELSEWHERE = "publié avec une autre région"
_REAL = frozenset(o.value for o in Origin.real())


def _has_figure(value: object, masked: object) -> bool:
    return bool(masked) or not pd.isna(value)


def share_group_values(regions: pd.DataFrame, groups: pd.DataFrame | None) -> pd.DataFrame:
    """The région snapshot, each member of a group with a figure taking the group's value.

    `group_code` and `group_name` say which rows carry a shared value (None elsewhere), so
    that maps mark them and tables do not rank them twice.
    """
    out = regions.copy()
    out["group_code"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["group_name"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    if groups is None:
        return out
    for g in groups.itertuples(index=False):
        if not _has_figure(g.value, g.is_masked):
            continue
        members = geography.get_area(Level.group, g.code).members
        for i in out.index[out["code"].isin(members)]:
            own = _has_figure(out.at[i, "value"], out.at[i, "is_masked"])
            demo_own = out.at[i, "origin"] == Origin.demo.value and g.origin in _REAL
            if own and not demo_own:
                continue
            out.at[i, "value"] = g.value
            out.at[i, "is_masked"] = bool(g.is_masked)
            out.at[i, "origin"] = g.origin
            out.at[i, "group_code"] = g.code
            out.at[i, "group_name"] = g.name
    return out


def group_label(name: str) -> str:
    """« PACA et Corse — groupe de régions »: a group row is marked as one in every table."""
    return f"{name} — {Level.group.label}"


def ranking_rows(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Rows to rank and list: régions with their own figure, one row per group, and the
    members of a group with no value and a `note` (« publié avec une autre région : … »)."""
    if "group_code" not in snapshot.columns:
        return snapshot.assign(note=None)
    shared = snapshot["group_code"].notna()
    own = snapshot[~shared].assign(note=None)
    members = snapshot[shared].assign(
        value=float("nan"),
        is_masked=False,
        origin=None,
        note=[f"{GROUPED_ELSEWHERE} : {n}" for n in snapshot.loc[shared, "group_name"]],
    )
    firsts = snapshot[shared].drop_duplicates("group_code")
    groups = firsts.assign(
        code=firsts["group_code"],
        name=[group_label(str(n)) for n in firsts["group_name"]],
        parent_code=geography.NATIONAL_CODE,
        tile_row=None,
        tile_col=None,
        population=[geography.get_area(Level.group, c).population for c in firsts["group_code"]],
        note=None,
    )
    return pd.concat([own, groups, members], ignore_index=True)
