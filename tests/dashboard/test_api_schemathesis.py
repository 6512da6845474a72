"""schemathesis (version 4) against a live server: the API answers what its OpenAPI document
says, for generated valid and invalid requests. Runs in `make test`, bounded to well under
a minute (a fixed number of examples per operation, deterministic generation)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import urls
from tests.dashboard.demo_db import demo_url_fixture
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
MAX_EXAMPLES = 40

demo_url = demo_url_fixture("schemathesis", seed=9, until=dt.date(2019, 12, 1))
pytestmark = [pytest.mark.schemathesis, pytest.mark.xdist_group("schemathesis")]


def test_schemathesis_finds_nothing(tmp_path: Path, demo_url: str) -> None:
    # Given a server on a small demo database, with the rate limit disabled
    env = {
        **os.environ,
        "DATABASE_URL": demo_url,
        "REDIS_URL": "",
        "API_RATE_LIMIT": "0",
        "PYTHONPATH": str(ROOT),
    }
    with live_server(
        lambda port: [sys.executable, "-m", "dashboard", "--port", str(port)],
        cwd=ROOT,
        env=env,
        log=tmp_path / "server.log",
    ) as url:
        # When schemathesis explores every operation of the document
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                url + urls.API_OPENAPI,
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--phases",
                "examples,coverage,fuzzing",
                "--generation-deterministic",
                "--workers",
                "2",
                "--no-color",
                "--request-timeout",
                "20",
            ],
            cwd=tmp_path,
            env={**env, "SCHEMATHESIS_HOOKS": ""},
            capture_output=True,
            text=True,
            timeout=180,
        )
    # Then it finds nothing
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout, run.stdout[-3000:]
