"""The one recorded, locked write path: every writer of observations goes through it.

    with recorded_write(engine, WriteRequest(source="donnees-demonstration", kind="demo")) as w:
        rows = ...  # read, generate, validate: a failure here writes nothing
        with w.transaction() as conn:
            w.report = upsert_observations(conn, rows, run_id=w.run_id)

Steps: take the database's load lock (etl.lock: a second writer waits, then is refused
with the same French message whoever it is), mark runs left `running` by a killed writer
as failed (we hold the lock, so none is alive), open the run in its own transaction, then
ONE transaction holds the data, the aggregates and the run's final status with its
counts. The data version the dashboard reads (id of the last successful run) therefore
moves with the data: a kill after the commit leaves a run marked succeeded, a kill before
leaves no data and a run marked failed by the next writer. Any failure rolls the data
back and marks the run failed in its own transaction. A writer that leaves without
opening the transaction (same file as last time) closes its run `unchanged`.

Test seams are `EVENTS`: listeners run when the lock is busy (`lock_wait`), when that
wait ends in a refusal, before the refused run is recorded (`lock_refused`: on SQLite
that record waits for the holder's transaction), once the lock is held and the run
opened, before any data is touched (`locked`: on SQLite, the only moment another process
can still record its own refused run), inside the transaction just before it commits
(`before_commit`) and just after (`after_commit`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, Engine, update

from core.models import Run, RunStatus
from etl.lock import LockTimeout, load_lock
from etl.runlog import LoadReport, close_run, finish_run, start_run, utcnow
from etl.validate import ValidationFailed

STALE_RUN_ERROR = "Traitement interrompu (processus arrêté avant la fin). Aucune donnée modifiée."
INTERRUPTED = "Interrompu. Aucune donnée modifiée."

EventName = Literal["lock_wait", "lock_refused", "locked", "before_commit", "after_commit"]


@dataclass(frozen=True)
class Provenance:
    """Where the rows come from; stored on the run."""

    source_url: str | None = None
    retrieved_at: dt.datetime | None = None
    checksum: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class WriteRequest:
    """Who writes: the run's name (`source`) and kind, where the rows come from, how long
    to wait for the lock (None: ETL_LOCK_TIMEOUT)."""

    source: str
    kind: str  # import | connector | published | demo | withdrawal | restore
    provenance: Provenance = field(default_factory=Provenance)
    lock_timeout: float | None = None
    actor: str | None = None  # e-mail of who wrote, kept on the run


@dataclass
class Write:
    """One write in progress: its run, its counts, its one transaction."""

    engine: Engine
    request: WriteRequest
    run_id: int = 0
    report: LoadReport = field(default_factory=LoadReport)
    committed: bool = False
    opened: bool = False

    @property
    def status(self) -> RunStatus:
        r = self.report
        changed = r.rows_inserted + r.rows_updated + r.rows_deleted + r.targets_changed
        return RunStatus.success if changed else RunStatus.unchanged

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The write's one transaction; the run closes in it with `report`'s counts."""
        if self.opened:
            raise RuntimeError("une écriture n'a qu'une transaction")
        self.opened = True
        with self.engine.begin() as conn:
            yield conn
            _close(conn, self, status=self.status, report=self.report)
            EVENTS.fire("before_commit", self)
        self.committed = True
        EVENTS.fire("after_commit", self)


Listener = Callable[[Write], None]


class Events:
    """Listeners of the write path's moments, for tests: no sleep, no environment variable."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {
            "lock_wait": [],
            "lock_refused": [],
            "locked": [],
            "before_commit": [],
            "after_commit": [],
        }

    def listen(self, name: EventName, listener: Listener) -> Callable[[], None]:
        """Call `listener(write)` at each `name`; returns the function that stops it."""
        self._listeners[name].append(listener)
        return lambda: self._listeners[name].remove(listener)

    def fire(self, name: EventName, write: Write) -> None:
        for listener in list(self._listeners[name]):
            listener(write)


EVENTS = Events()


def _close(
    conn: Connection,
    write: Write,
    *,
    status: RunStatus,
    report: LoadReport,
    error: str | None = None,
) -> None:
    prov = write.request.provenance
    close_run(
        conn,
        write.run_id,
        status=status,
        report=report,
        error=error,
        checksum=prov.checksum,
        etag=prov.etag,
        last_modified=prov.last_modified,
        retrieved_at=prov.retrieved_at,
    )


def _mark_stale_runs(engine: Engine) -> None:
    """Runs left `running` by a killed writer: every writer holds the lock we now hold."""
    with engine.begin() as conn:
        conn.execute(
            update(Run)
            .where(Run.status == RunStatus.running)
            .values(status=RunStatus.failed, finished_at=utcnow(), error=STALE_RUN_ERROR)
        )


def _record_failure(write: Write, exc: BaseException) -> None:
    """The run is marked failed in its own transaction; the data was rolled back."""
    if isinstance(exc, ValidationFailed):
        message = exc.report()
        report = LoadReport(rows_read=exc.rows_read, rows_rejected=exc.rows_rejected)
    else:
        message = INTERRUPTED if isinstance(exc, KeyboardInterrupt) else str(exc)
        report = LoadReport(rows_read=write.report.rows_read)
    with write.engine.begin() as conn:
        _close(
            conn, write, status=RunStatus.failed, report=report, error=message or type(exc).__name__
        )


@contextlib.contextmanager
def recorded_write(engine: Engine, request: WriteRequest) -> Iterator[Write]:
    """Lock, run record, then the body; see the module docstring. Raises what the body
    raises (the run recorded as failed), or LockTimeout (recorded too)."""
    write = Write(engine, request)
    url = request.provenance.source_url
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                load_lock(
                    engine,
                    timeout=request.lock_timeout,
                    on_wait=lambda: EVENTS.fire("lock_wait", write),
                )
            )
        except LockTimeout as exc:
            EVENTS.fire("lock_refused", write)
            write.run_id = start_run(
                engine, source=request.source, kind=request.kind, source_url=url,
                actor=request.actor,
            )  # fmt: skip
            finish_run(engine, write.run_id, status=RunStatus.failed, error=str(exc))
            raise
        _mark_stale_runs(engine)
        write.run_id = start_run(
            engine, source=request.source, kind=request.kind, source_url=url, actor=request.actor
        )
        try:
            EVENTS.fire("locked", write)
            yield write
        except BaseException as exc:
            if not write.committed:  # after the commit the data and the run are in
                _record_failure(write, exc)
            raise
        if not write.opened:
            with engine.begin() as conn:
                _close(conn, write, status=RunStatus.unchanged, report=write.report)
