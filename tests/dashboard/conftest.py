"""Fixtures shared by the dashboard's HTTP tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from core import db
from core.catalog import Catalog
from etl.demo import run_demo


@pytest.fixture(scope="module")
def demo_url(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, catalog: Catalog
) -> str:
    """A copy of the migrated template with one year of demo data (under a second): every
    indicator, the restricted one included, at each of its levels."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    run_demo(
        engine,
        catalog,
        seed=9,
        until=dt.date(2019, 12, 1),
        progress=lambda _: None,
        today=dt.date(2026, 1, 1),
    )
    engine.dispose()
    return f"sqlite:///{path}"
