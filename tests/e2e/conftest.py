"""A seeded SQLite database, the app in a subprocess on a free port, headless Chromium.

Skipped with the reason when /usr/bin/chromium is missing (failed under CI=true).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import live_server

BROWSER = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the live server reads (tests add accounts to it with the CLI)."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'demo.sqlite'}"


def add_account(database_url: str, email: str, password: str, *role: str) -> None:
    """An account created as an administrator would, with `python -m etl users add`;
    `role`: « --role », « ars », « --region », « 53 » or « --role », « dns »."""
    subprocess.run(
        [sys.executable, "-m", "etl", "users", "add", email, *role, "--password-stdin"],
        input=password + "\n",
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def serve(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, *commands: list[str]
) -> Iterator[str]:
    """The dashboard on `database_url` once the `python -m etl` `commands` have run on it
    (skipped, or failed under CI, without Chromium)."""
    if not Path(BROWSER).exists():
        reason = f"Chromium absent ({BROWSER}) : tests de bout en bout non exécutés"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "MARQUE_ETAT": "1",
        "DATA_DIR": str(tmp_path_factory.mktemp("e2e-data")),  # its generated session key
    }
    for cmd in commands:
        subprocess.run(
            [sys.executable, "-m", "etl", *cmd], env=env, check=True, cwd=ROOT, capture_output=True
        )
    with live_server(
        lambda port: [sys.executable, "-m", "dashboard", "--port", str(port)],
        cwd=ROOT,
        env=env,
        log=tmp_path_factory.mktemp("e2e-log") / "dashboard.log",
    ) as url:
        yield url


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory, live_database_url: str) -> Iterator[str]:
    yield from serve(tmp_path_factory, live_database_url, ["init"], ["demo", "--until", "2025-12"])


@pytest.fixture(scope="session")
def browser(live_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=BROWSER, args=ARGS)
        yield b
        b.close()


# A server-rendered page loads Dash on the reader's first interaction
# (dashboard/static/dash-on-demand.js): the reader of these tests moves the pointer as soon
# as each page is parsed. tests/e2e/test_dash_on_demand.py reads pages without it.
READER_MOVES = (
    'document.addEventListener("DOMContentLoaded", () =>'
    ' window.dispatchEvent(new PointerEvent("pointermove")));'
)


def reader_context(browser: object, **options: object) -> object:
    """A browser context whose reader interacts with every page once it is parsed."""
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    context.add_init_script(READER_MOVES)
    return context


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context: Any = reader_context(
        browser, viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
    )
    pg = context.new_page()
    yield pg
    context.close()
