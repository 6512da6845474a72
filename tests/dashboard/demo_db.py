"""A small SQLite database of demo data for the HTTP tests of the dashboard."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from core import db
from core.catalog import Catalog
from etl.demo import run_demo


def demo_url_fixture(name: str, *, seed: int, until: dt.date) -> Callable[..., str]:
    """A module fixture `demo_url`: a copy of the migrated template with demo data up to
    `until` (one year takes under a second), as a database URL."""

    @pytest.fixture(scope="module")
    def demo_url(
        tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, catalog: Catalog
    ) -> str:
        path = tmp_path_factory.mktemp(name) / "demo.sqlite"
        shutil.copy(sqlite_template, path)
        engine = db.make_engine(f"sqlite:///{path}")
        run_demo(
            engine,
            catalog,
            seed=seed,
            until=until,
            progress=lambda _: None,
            today=dt.date(2026, 1, 1),
        )
        engine.dispose()
        return f"sqlite:///{path}"

    return demo_url
