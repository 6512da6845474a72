"""schemathesis (version 4) against a live server: the API answers what its OpenAPI document
says, and so do the pages and files a reader opens (dashboard/site_openapi.py), for generated
valid and invalid requests: never a 500 nor a Python trace, only the declared statuses, types,
headers and JSON.
Runs in `make test`, bounded (a fixed number of examples per operation, deterministic
generation), on one server for both documents."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.catalog import Catalog
from core.policy import ANONYMOUS
from dashboard import site_openapi, urls
from dashboard.access import visible_catalog
from tests.dashboard.demo_db import demo_url_fixture
from tests.dashboard.schemathesis_hooks import no_trace_in_body
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "no_trace_in_body",  # tests/dashboard/schemathesis_hooks.py
)
HOOKS = "tests.dashboard.schemathesis_hooks"
MAX_EXAMPLES = 40
# The pages and files: ~30 operations of ~20 free parameters each. The coverage phase would
# send every boundary value of every parameter (5 000 requests, over 3 minutes here), so
# this run keeps the declared examples and a bounded random exploration.
PAGE_MAX_EXAMPLES = 20
PAGE_PHASES = "examples,fuzzing"

demo_url = demo_url_fixture("schemathesis", seed=9, until=dt.date(2019, 12, 1))
pytestmark = [pytest.mark.schemathesis, pytest.mark.xdist_group("schemathesis")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_url: str) -> Iterator[dict[str, str]]:
    """A server on a small demo database, with the rate limit disabled: its URL and the
    environment schemathesis runs in."""
    env = {
        **os.environ,
        "DATABASE_URL": demo_url,
        "REDIS_URL": "",
        "API_RATE_LIMIT": "0",
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path_factory.mktemp("schemathesis-server") / "server.log"
    with live_server(
        lambda port: [sys.executable, "-m", "dashboard", "--port", str(port)],
        cwd=ROOT,
        env=env,
        log=log,
    ) as url:
        yield {**env, "URL": url}


def schemathesis(
    location: str, *, env: dict[str, str], cwd: Path, max_examples: int, phases: str, url: str = ""
) -> None:
    """Run schemathesis with CHECKS on every operation of the document at `location` (a URL,
    or a file then served at `url`), and fail with its report unless it finds nothing."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            location,
            *(["--url", url] if url else []),
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(max_examples),
            "--phases",
            phases,
            "--generation-deterministic",
            "--workers",
            "2",
            "--no-color",
            "--request-timeout",
            "20",
        ],
        cwd=cwd,
        env={**env, "SCHEMATHESIS_HOOKS": HOOKS},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout, run.stdout[-3000:]


def test_schemathesis_finds_nothing(tmp_path: Path, server: dict[str, str]) -> None:
    # When schemathesis explores every operation of the API's document, Then it finds nothing
    schemathesis(
        server["URL"] + urls.API_OPENAPI,
        env=server,
        cwd=tmp_path,
        max_examples=MAX_EXAMPLES,
        phases="examples,coverage,fuzzing",
    )


def test_schemathesis_finds_nothing_on_pages_and_files(
    tmp_path: Path, server: dict[str, str], catalog: Catalog
) -> None:
    # Given the document of the pages and files, for the public catalogue
    public = visible_catalog(catalog, ANONYMOUS)
    document = site_openapi.document(
        indicator_ids=[i.id for i in public.indicators], axis_ids=[a.id for a in public.axes]
    )
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    # When schemathesis explores every page, data-by-URL file, download and embed
    # Then it finds nothing
    schemathesis(
        str(path),
        url=server["URL"],
        env=server,
        cwd=tmp_path,
        max_examples=PAGE_MAX_EXAMPLES,
        phases=PAGE_PHASES,
    )


def test_a_trace_in_a_body_fails_the_check() -> None:
    trace = b'Traceback (most recent call last):\n  File "/app/x.py", line 3, in f\n'
    with pytest.raises(AssertionError, match="Trace Python"):
        no_trace_in_body(None, SimpleNamespace(content=trace), None)
    no_trace_in_body(None, SimpleNamespace(content="Fichier « a.csv », ligne 3".encode()), None)
