"""Targets a source file sets (origin « source »), written in the run of its observations.

A connector that reads targets from its file (the Baromètre's `indic_vc` per zone, with
its `indic_vi` baseline) hands them to etl.pipeline as `SourceTargets`; the pipeline
writes them with `write_source_targets` in the write's one transaction, after the
observations: a failure leaves both as they were, and the run that loaded them is kept
on each target. The set of the source's targets for its indicators is replaced: a target
the file no longer sets goes, an unchanged one is not rewritten (a second load changes
nothing). The catalog's targets (origin « catalog ») are never touched here, and the
catalog sync (etl.sync) never touches these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, exists, insert, select, update

from core.catalog import Catalog
from core.geography import get_area
from core.models import Run, Target
from core.vocabulary import TargetOrigin
from etl.load import LoadError
from etl.sync import area_ids

# one row per target: area as (level, COG code), deadline and baseline date as dates
TARGET_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "level",
    "code",
    "deadline",
    "value",
    "baseline_value",
    "baseline_date",
    "baseline_source",
    "row",
    "file",
)
KEY = ("indicator_id", "area_id", "deadline", "comparison", "value")
_COMPARED = (
    "unit",
    "label",
    "source_title",
    "source_url",
    "baseline_value",
    "baseline_date",
    "baseline_source",
)
COMPARISON = "latest"  # a source's per-zone target is on the zone's latest value


@dataclass(frozen=True)
class SourceTargets:
    """The targets one source file sets. `indicator_ids` is what they replace: every
    stored source target of those indicators not in `frame` is deleted."""

    indicator_ids: frozenset[str]
    frame: pd.DataFrame  # TARGET_COLUMNS
    source_title: str
    source_url: str | None


@dataclass
class TargetReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted

    def summary(self) -> str:
        return (
            f"cibles de la source : {self.inserted} insérées, {self.updated} mises à jour, "
            f"{self.unchanged} inchangées, {self.deleted} supprimées"
        )


def empty_targets() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TARGET_COLUMNS})


def _label(indicator: str, *, catalog: Catalog, level: str, code: str, deadline: dt.date) -> str:
    ind = catalog.get(indicator)
    return f"{ind.short_label} — {get_area(level, code).name}, échéance {deadline:%m/%Y}"


def _rows(
    targets: SourceTargets, *, catalog: Catalog, ids: dict[tuple[str, str], int]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows to store, by key; a key given twice names both rows of the file."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    seen: dict[tuple[Any, ...], int] = {}
    for t in targets.frame.itertuples(index=False):
        ind = catalog.get(str(t.indicator_id))
        area_id = ids[(str(t.level), str(t.code))]
        row = {
            "indicator_id": ind.id,
            "area_id": area_id,
            "deadline": t.deadline,
            "comparison": COMPARISON,
            "value": float(t.value),
            "value_max": None,
            "unit": ind.unit,
            "label": _label(
                ind.id, catalog=catalog, level=str(t.level), code=str(t.code), deadline=t.deadline
            ),
            "source_title": f"{targets.source_title}, fichier « {t.file} »",
            "source_url": targets.source_url,
            "date_verified": True,
            "baseline_value": None if pd.isna(t.baseline_value) else float(t.baseline_value),
            "baseline_date": None if pd.isna(t.baseline_date) else t.baseline_date,
            "baseline_source": None if pd.isna(t.baseline_source) else str(t.baseline_source),
            "origin": TargetOrigin.source.value,
        }
        key = tuple(row[k] for k in KEY)
        if key in out:
            raise LoadError(
                f"Fichier « {t.file} », lignes {seen[key]} et {t.row} : la même cible "
                f"({row['value']:g} à l'échéance {row['deadline']:%m/%Y}) est donnée deux fois "
                f"pour {get_area(str(t.level), str(t.code)).name}. Aucune donnée modifiée."
            )
        out[key], seen[key] = row, int(t.row)
    return out


def write_source_targets(
    conn: Connection, targets: SourceTargets, *, catalog: Catalog, run_id: int
) -> TargetReport:
    """Replace the source's targets of its indicators, in the caller's write transaction."""
    new = _rows(targets, catalog=catalog, ids=area_ids(conn))
    columns = [Target.id, *(getattr(Target, k) for k in (*KEY, *_COMPARED))]
    stored = conn.execute(
        select(*columns).where(
            Target.origin == TargetOrigin.source.value,
            Target.indicator_id.in_(sorted(targets.indicator_ids)),
        )
    ).all()
    report = TargetReport()
    kept: set[tuple[Any, ...]] = set()
    for s in stored:
        key = tuple(getattr(s, k) for k in KEY)
        row = new.get(key)
        if row is None:
            conn.execute(delete(Target).where(Target.id == s.id))
            report.deleted += 1
            continue
        kept.add(key)
        if all(_same(getattr(s, c), row[c]) for c in _COMPARED):
            report.unchanged += 1
            continue
        changes = {c: row[c] for c in _COMPARED}
        conn.execute(update(Target).where(Target.id == s.id).values(**changes, run_id=run_id))
        report.updated += 1
    inserts = [{**row, "run_id": run_id} for key, row in new.items() if key not in kept]
    if inserts:
        conn.execute(insert(Target), inserts)
        report.inserted = len(inserts)
    return report


def _same(stored: Any, new: Any) -> bool:
    if isinstance(stored, dt.date) or isinstance(new, dt.date):
        return str(stored) == str(new)
    return bool(stored == new)


def has_source_targets(conn: Connection, *, source: str) -> bool:
    """Whether a run of `source` stored targets (a file loaded before targets were: reload)."""
    query = select(exists().where(Target.run_id == Run.id, Run.source == source))
    return bool(conn.execute(query).scalar())
