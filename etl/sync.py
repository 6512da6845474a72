"""Reference tables (areas, indicators, catalog targets) from geography.py and the catalog."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core import geography
from core.catalog import Catalog
from core.models import Area, Indicator, Target
from core.vocabulary import TargetOrigin


def _insert(conn: Connection):  # type: ignore[no-untyped-def]
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def sync_areas(conn: Connection) -> None:
    """Upsert the 122 areas (région groups included); parents are linked once every area has
    an id. A group's parent is France: its member régions are in core.geography."""
    insert = _insert(conn)
    rows = [
        {
            "level": a.level,
            "code": a.code,
            "name": a.name,
            "population": a.population,
            "population_year": a.population_year,
            "tile_row": a.tile_row,
            "tile_col": a.tile_col,
        }
        for a in geography.areas()
    ]
    stmt = insert(Area).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["level", "code"],
        set_={
            c: stmt.excluded[c]
            for c in ("name", "population", "population_year", "tile_row", "tile_col")
        },
    )
    conn.execute(stmt)
    ids = area_ids(conn)
    parent_level = {"region": "national", "department": "region", "group": "national"}
    for a in geography.areas():
        if a.parent_code is None:
            continue
        parent = ids[(parent_level[a.level], a.parent_code)]
        conn.execute(update(Area).where(Area.id == ids[(a.level, a.code)]).values(parent_id=parent))


def area_ids(conn: Connection) -> dict[tuple[str, str], int]:
    return {(lvl, code): i for i, lvl, code in conn.execute(select(Area.id, Area.level, Area.code))}


def sync_indicators(conn: Connection, catalog: Catalog) -> None:
    """Upsert indicators and replace the catalog's targets: the yaml is the truth for
    them. Targets a source set (origin « source », etl.targets) are not touched."""
    insert = _insert(conn)
    rows = [
        {
            "id": ind.id,
            "label": ind.label,
            "axis": ind.axis,
            "unit": ind.unit,
            "nature": ind.nature,
            "frequency": ind.frequency,
            "aggregation": ind.aggregation.rule,
            "breakdown_dimension": ind.breakdown.dimension if ind.breakdown else None,
            "visibility": ind.visibility,
            "definition": ind.model_dump(mode="json", exclude={"targets"}),
        }
        for ind in catalog.indicators
    ]
    stmt = insert(Indicator).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={c: stmt.excluded[c] for c in rows[0] if c != "id"},
    )
    conn.execute(stmt)
    ids = area_ids(conn)
    conn.execute(delete(Target).where(Target.origin == TargetOrigin.catalog.value))
    targets = [
        {
            "indicator_id": ind.id,
            "area_id": ids[("national", "FR") if t.scope == "FR" else ("region", t.scope)],
            "value": t.value,
            "value_max": t.value_max,
            "unit": t.unit,
            "deadline": t.deadline,
            "comparison": t.comparison,
            "label": t.label,
            "source_title": t.source_title,
            "source_url": t.source_url,
            "date_verified": t.date_verified,
            "baseline_value": t.baseline.value if t.baseline else None,
            "baseline_date": t.baseline.date if t.baseline else None,
            "baseline_source": t.baseline.source if t.baseline else None,
            "origin": TargetOrigin.catalog.value,
            "run_id": None,
        }
        for ind in catalog.indicators
        for t in ind.targets
    ]
    if targets:
        conn.execute(insert(Target).values(targets))


def sync_reference(conn: Connection, catalog: Catalog) -> None:
    sync_areas(conn)
    sync_indicators(conn, catalog)
