"""`python -m etl run [SOURCE...]`: pull each configured source, one run-log entry each.

Per source: extract (cache, conditional download), then the one load path of
etl.pipeline: same SHA-256 as the last successful run? then `unchanged`, the file is not
even parsed → to_tidy → validate → one transaction with the aggregates. A failing
source is recorded and reported, and the others still run: the database keeps its
previous data for the failed one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, select

from core.catalog import Catalog
from core.db import transaction
from core.errors import UserError
from core.models import Origin, Run, RunStatus
from etl import pipeline
from etl.http import HttpFetcher
from etl.runlog import LoadReport, finish_run, start_run
from etl.sources.base import Connector, Fetcher, RawFile, SourceError, TargetConnector
from etl.sources.registry import build_connectors
from etl.targets import SourceTargets
from etl.write import Provenance

KIND = "connector"


@dataclass
class SourceResult:
    name: str
    status: RunStatus
    message: str
    run_id: int
    report: LoadReport = field(default_factory=LoadReport)

    @property
    def failed(self) -> bool:
        return self.status == RunStatus.failed

    def line(self) -> str:
        """The French summary line printed for this source."""
        marks = {
            RunStatus.success: "chargée",
            RunStatus.unchanged: "inchangée",
            RunStatus.failed: "ÉCHEC",
            RunStatus.running: "en cours",
        }
        return f"Source « {self.name} » : {marks[self.status]} — {self.message}"


def _extract_failed(
    engine: Engine, connector: Connector, message: str, *, url: str | None = None
) -> SourceResult:
    """The pipeline never started: record the failed extraction in the run log ourselves."""
    run_id = start_run(engine, source=connector.name, kind=KIND, source_url=url)
    finish_run(engine, run_id, status=RunStatus.failed, error=message)
    return SourceResult(connector.name, RunStatus.failed, message, run_id)


def _last_run_id(engine: Engine, *, source: str) -> int:
    with transaction(engine) as session:
        run_id = session.scalar(
            select(Run.id).where(Run.source == source).order_by(Run.id.desc()).limit(1)
        )
    return int(run_id or 0)


def _tidy_or_fail(connector: Connector, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
    tidy = connector.to_tidy(raw, catalog=catalog)
    if tidy.empty:
        raise SourceError(
            f"Fichier « {raw.display_name} » ({raw.url}) : aucune ligne retenue après les "
            "filtres du catalogue. Aucune donnée modifiée."
        )
    return tidy


def run_source(
    engine: Engine,
    connector: Connector,
    *,
    catalog: Catalog,
    fetcher: Fetcher,
    force: bool = False,
) -> SourceResult:
    """One source, start to end; never raises for a source failure, records it instead."""
    try:
        raw = connector.extract(fetcher=fetcher)
    except UserError as exc:  # a failure the user can act on: its message as is
        return _extract_failed(engine, connector, str(exc), url=getattr(exc, "url", None))
    except Exception as exc:  # one broken source must not stop the others
        return _extract_failed(engine, connector, _unexpected(exc))
    provenance = Provenance(
        source_url=connector.cited_url(raw),
        retrieved_at=raw.retrieved_at,
        checksum=raw.sha256,
        etag=raw.etag,
        last_modified=raw.last_modified,
    )
    try:
        request = pipeline.LoadRequest(
            catalog=catalog,
            source=connector.name,
            kind=KIND,
            origin=Origin.source,
            tidy=lambda: _tidy_or_fail(connector, raw, catalog=catalog),
            provenance=provenance,
            file=raw.display_name,
            source_label=connector.label,
            force=force,
            targets=_targets_of(connector, raw, catalog=catalog),
        )
        result = pipeline.load_tidy(engine, request)
    except UserError as exc:
        run_id = _last_run_id(engine, source=connector.name)
        return SourceResult(connector.name, RunStatus.failed, str(exc), run_id)
    except Exception as exc:  # recorded as failed by the pipeline; the others go on
        run_id = _last_run_id(engine, source=connector.name)
        return SourceResult(connector.name, RunStatus.failed, _unexpected(exc), run_id)
    if result.skipped:
        why = "HTTP 304" if raw.not_modified else "même SHA-256"
        message = f"{raw.url} identique au dernier chargement réussi ({why}) : rien à charger."
    else:
        total = result.report + result.aggregates
        total.rows_read = result.report.rows_read
        message = f"{raw.url} : {total.summary()}"
        message += f" ; {result.targets.summary()}." if result.targets else "."
    return SourceResult(connector.name, result.status, message, result.run_id, result.report)


def _targets_of(
    connector: Connector, raw: RawFile, *, catalog: Catalog
) -> Callable[[], SourceTargets] | None:
    """The targets the file sets, for a connector that reads some (TargetConnector)."""
    if not isinstance(connector, TargetConnector):
        return None
    return lambda: connector.to_targets(raw, catalog=catalog)


def _unexpected(exc: Exception) -> str:
    return f"Erreur inattendue ({type(exc).__name__}) : {exc}. Aucune donnée modifiée."


def run_sources(
    engine: Engine,
    catalog: Catalog,
    *,
    names: Sequence[str] = (),
    fetcher: Fetcher | None = None,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> list[SourceResult]:
    """Every enabled source of the catalog (or the named ones), each reported as it ends."""
    connectors = build_connectors(catalog, names=names)
    fetcher = fetcher or HttpFetcher()
    results: list[SourceResult] = []
    for connector in connectors:
        started = dt.datetime.now(dt.UTC)
        say(f"Source « {connector.name} » ({connector.label}) : extraction…")
        result = run_source(engine, connector, catalog=catalog, fetcher=fetcher, force=force)
        seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
        say(f"{result.line()} ({seconds:.1f} s)")
        results.append(result)
    return results
