"""The public write interface of the ETL: the one module the dashboard may import.

An ARS deposit file (the template of `python -m etl template`) is previewed with
`plan_deposit` (validation and diff, nothing written) then loaded with
`confirm_deposit`, the same path as `python -m etl import`. Both raise a
core.errors.UserError subclass with a French message naming file, row, column, value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from core.catalog import Catalog
from core.models import Origin
from etl.parse import check_file
from etl.pipeline import LoadRequest, LoadResult, Plan, load_tidy, plan
from etl.published import file_checksum
from etl.template import TIDY_TO_FRENCH, describe_ignored, read_deposit
from etl.write import Provenance

__all__ = ["LoadResult", "Plan", "confirm_deposit", "plan_deposit"]


def _deposit(
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None,
    force: bool = False,
    lock_timeout: float | None = None,
) -> tuple[LoadRequest, str]:
    """The load request of a deposit file, parsed, and the rows it leaves out (in French)."""
    check_file(path)
    ids = [catalog.get(indicator).id] if indicator else None
    # parsed here, before the write takes the lock: a slow file never holds it
    tidy = read_deposit(path)
    request = LoadRequest(
        catalog=catalog,
        source=f"depot-ars:{indicator or 'plusieurs'}",
        kind="import",
        origin=Origin.deposit,
        tidy=tidy,
        provenance=Provenance(
            source_url=path.resolve().as_uri(),
            retrieved_at=dt.datetime.now(dt.UTC),
            checksum=file_checksum(path),
        ),
        indicator_ids=ids,
        columns=TIDY_TO_FRENCH,
        file=path.name,
        source_label=f"Dépôt ARS — {path.name}",
        force=force,
        lock_timeout=lock_timeout,
    )
    return request, describe_ignored(tidy)


def plan_deposit(
    engine: Engine, path: Path, *, catalog: Catalog, indicator: str | None = None
) -> Plan:
    """What importing `path` would do (rows new, updated, unchanged; values before → after)."""
    return plan(engine, _deposit(path, catalog=catalog, indicator=indicator)[0])


def confirm_deposit(
    engine: Engine,
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None = None,
    force: bool = False,
    lock_timeout: float | None = None,
) -> LoadResult:
    """Import `path`: the whole file or nothing, recorded as one run.

    The result's `ignored` lists the rows not imported (the template's example line, blank
    rows), so that no row is left out silently.
    """
    request, ignored = _deposit(
        path, catalog=catalog, indicator=indicator, force=force, lock_timeout=lock_timeout
    )
    return replace(load_tidy(engine, request), ignored=ignored)
