"""One load at a time per database; a killed holder leaves no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import Engine

from etl.lock import LockTimeout, load_lock


def hold(engine: Engine, *, seconds: float, ready: threading.Event) -> None:
    with load_lock(engine, timeout=5):
        ready.set()
        time.sleep(seconds)


class TestLoadLock:
    def test_second_load_waits_then_gets_the_lock(self, engine: Engine) -> None:
        # Given a load holding the lock for 0.5 s
        ready = threading.Event()
        holder = threading.Thread(
            target=hold, args=(engine,), kwargs={"seconds": 0.5, "ready": ready}
        )
        holder.start()
        ready.wait(5)
        # When a second load asks with a long enough timeout
        start = time.monotonic()
        with load_lock(engine, timeout=10):
            waited = time.monotonic() - start
        holder.join()
        # Then it waited for the first one, then got the lock
        assert waited >= 0.3

    def test_second_load_is_refused_after_its_timeout(self, engine: Engine) -> None:
        # Given a load holding the lock
        ready = threading.Event()
        holder = threading.Thread(
            target=hold, args=(engine,), kwargs={"seconds": 1.0, "ready": ready}
        )
        holder.start()
        ready.wait(5)
        # When a second load asks with a tiny timeout, it is refused in French
        refused = pytest.raises(
            LockTimeout, match="Un autre chargement est en cours sur cette base"
        )
        with refused, load_lock(engine, timeout=0.1):
            pass
        holder.join()

    def test_lock_of_a_killed_process_is_released(self, engine: Engine, db_url: str) -> None:
        # Given another process holding the lock, then killed with SIGKILL
        code = (
            "import sys, time\n"
            "from core import db\n"
            "from etl.lock import load_lock\n"
            "with load_lock(db.make_engine(sys.argv[1]), timeout=5):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, db_url], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # When this process asks for the lock, it gets it at once
        start = time.monotonic()
        with load_lock(engine, timeout=5):
            pass
        assert time.monotonic() - start < 2
