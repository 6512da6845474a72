"""The run log: a run opens in its own transaction (so it survives a failed load) and
closes either in the write's transaction (etl.write) or, failed, in its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from core.db import transaction
from core.models import Run, RunStatus


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class LoadReport:
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rows_deleted: int = 0
    rows_kept: int = 0  # same key held by an origin of higher precedence (etl.load)
    targets_changed: int = 0  # source targets inserted, updated or deleted (etl.targets)

    def __add__(self, other: LoadReport) -> LoadReport:
        return LoadReport(
            **{k: getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__}
        )

    def counts(self) -> dict[str, int]:
        """The run's count columns; a row kept for a stronger origin is unchanged here."""
        counts = {k: v for k, v in vars(self).items() if k not in ("rows_kept", "targets_changed")}
        counts["rows_unchanged"] += self.rows_kept
        return counts

    def summary(self) -> str:
        return (
            f"{self.rows_read} lignes lues, {self.rows_inserted} insérées, "
            f"{self.rows_updated} mises à jour, {self.rows_unchanged + self.rows_kept} inchangées, "
            f"{self.rows_rejected} rejetées, {self.rows_deleted} supprimées"
        )


def start_run(
    engine: Engine,
    *,
    source: str,
    kind: str,
    source_url: str | None = None,
    actor: str | None = None,
) -> int:
    """Open a run; `actor` is the e-mail of who wrote (a deposit, a withdrawal)."""
    with transaction(engine) as session:
        run = Run(
            source=source,
            kind=kind,
            status=RunStatus.running,
            started_at=utcnow(),
            source_url=source_url,
            actor=actor,
        )
        session.add(run)
        session.flush()
        return run.id


def close_run(
    conn: Connection,
    run_id: int,
    *,
    status: RunStatus,
    report: LoadReport | None = None,
    error: str | None = None,
    **provenance: object,
) -> None:
    """Close the run with its counts inside `conn`'s transaction; `provenance` sets checksum…"""
    values: dict[str, object] = {"status": status, "finished_at": utcnow(), "error": error}
    if report is not None:
        values.update(report.counts())
    values.update(provenance)
    conn.execute(update(Run).where(Run.id == run_id).values(**values))


def finish_run(engine: Engine, run_id: int, *, status: RunStatus, **fields: Any) -> None:
    """`close_run` in its own transaction: a failure, or a run that wrote nothing."""
    with engine.begin() as conn:
        close_run(conn, run_id, status=status, **fields)


def last_runs(engine: Engine, *, limit: int = 10) -> list[Run]:
    with transaction(engine) as session:
        return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))
