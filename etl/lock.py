"""One load at a time per database, on SQLite and PostgreSQL, with no stale lock.

PostgreSQL: a session advisory lock on a dedicated connection. SQLite: an exclusive
`flock` on a file beside the database. Both belong to the process: the kernel or the
server drops them when it dies, even by SIGKILL, so a killed load never blocks the next.
A second load waits a bounded time, then is refused with a French message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from core import settings
from core.errors import UserError

# pg advisory lock key: any fixed 64-bit number, shared by every loader of the database
PG_LOCK_KEY = 0x7464_625F_6574_6C31  # "tdb_etl1"
POLL_SECONDS = 0.05
_MEMORY_LOCKS: dict[str, threading.Lock] = {}
_MEMORY_GUARD = threading.Lock()


class LockTimeout(UserError):
    """Another load holds the lock for longer than the allowed wait; French message."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            "Un autre chargement est en cours sur cette base : attente abandonnée après "
            f"{timeout:g} s. Aucune donnée modifiée. Relancez plus tard, ou augmentez "
            "ETL_LOCK_TIMEOUT."
        )


def default_timeout() -> float:
    return settings.etl().etl_lock_timeout


def lock_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite database file; None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).with_name(Path(database).name + ".lock")


def _nothing() -> None:
    pass


def _poll(try_once: Callable[[], bool], *, timeout: float, on_wait: Callable[[], None]) -> None:
    deadline = time.monotonic() + timeout
    if try_once():
        return
    on_wait()
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(timeout)
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def _pg_lock(engine: Engine, *, timeout: float, on_wait: Callable[[], None]) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:

        def try_once() -> bool:
            sql = text("SELECT pg_try_advisory_lock(:k)")
            return bool(conn.execute(sql, {"k": PG_LOCK_KEY}).scalar_one())

        _poll(try_once, timeout=timeout, on_wait=on_wait)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})


@contextlib.contextmanager
def _file_lock(path: Path, *, timeout: float, on_wait: Callable[[], None]) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _poll(try_once, timeout=timeout, on_wait=on_wait)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _memory_lock(key: str, *, timeout: float, on_wait: Callable[[], None]) -> Iterator[None]:
    with _MEMORY_GUARD:
        lock = _MEMORY_LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        on_wait()
        if not lock.acquire(timeout=timeout):
            raise LockTimeout(timeout)
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def load_lock(
    engine: Engine, *, timeout: float | None = None, on_wait: Callable[[], None] = _nothing
) -> Iterator[None]:
    """Hold the database's load lock; wait up to `timeout` s (default ETL_LOCK_TIMEOUT).

    `on_wait` is called once when the lock is busy, before waiting (etl.write's event).
    """
    wait = default_timeout() if timeout is None else timeout
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, timeout=wait, on_wait=on_wait):
            yield
        return
    path = lock_path(engine)
    if path is None:
        with _memory_lock(str(engine.url), timeout=wait, on_wait=on_wait):
            yield
        return
    with _file_lock(path, timeout=wait, on_wait=on_wait):
        yield
