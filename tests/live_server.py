"""A server process on a free loopback port, ready when `/sante` answers, always stopped."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def live_server(
    command: Callable[[int], list[str]], *, cwd: Path, env: dict[str, str], log: Path
) -> Iterator[str]:
    """Start `command(port)`; fail with its log if it exits or does not answer within 30 s."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(command(port), cwd=cwd, env=env, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                if proc.poll() is not None or _answers(url + "/sante"):
                    break
                time.sleep(0.1)
            if proc.poll() is not None or not _answers(url + "/sante"):
                pytest.fail(f"Le serveur n'a pas démarré :\n{log.read_text()[-3000:]}")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)
