"""The public write interface of the ETL: the one module the dashboard may import.

An ARS deposit file (the template of `python -m etl template`) is previewed with
`plan_deposit` (validation and diff, nothing written) then loaded with
`confirm_deposit`, the same path as `python -m etl import`. Both raise a
core.errors.UserError subclass with a French message naming file, row, column, value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from core.catalog import Catalog
from core.models import Origin
from etl.parse import ParseError
from etl.pipeline import LoadRequest, LoadResult, Plan, load_tidy, plan
from etl.published import file_checksum
from etl.template import TIDY_TO_FRENCH, read_deposit
from etl.write import Provenance

__all__ = ["LoadResult", "Plan", "confirm_deposit", "plan_deposit"]


def _deposit(
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None,
    force: bool = False,
    lock_timeout: float | None = None,
) -> LoadRequest:
    if not path.is_file():
        raise ParseError(f"Fichier introuvable : {path}.")
    ids = [catalog.get(indicator).id] if indicator else None
    return LoadRequest(
        catalog=catalog,
        source=f"depot-ars:{indicator or 'plusieurs'}",
        kind="import",
        origin=Origin.deposit,
        tidy=lambda: read_deposit(path),
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


def plan_deposit(
    engine: Engine, path: Path, *, catalog: Catalog, indicator: str | None = None
) -> Plan:
    """What importing `path` would do (rows new, updated, unchanged; values before → after)."""
    return plan(engine, _deposit(path, catalog=catalog, indicator=indicator))


def confirm_deposit(
    engine: Engine,
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None = None,
    force: bool = False,
    lock_timeout: float | None = None,
) -> LoadResult:
    """Import `path`: the whole file or nothing, recorded as one run."""
    request = _deposit(
        path, catalog=catalog, indicator=indicator, force=force, lock_timeout=lock_timeout
    )
    return load_tidy(engine, request)
