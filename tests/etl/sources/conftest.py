"""Fixtures of the connector tests: a fast fetcher on a temporary cache, real-format files."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import Catalog
from etl.http import HttpFetcher, HttpSettings, Progress

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def fetcher(tmp_path: Path) -> HttpFetcher:
    config = HttpSettings(timeout=2.0, retries=0, backoff=0.0, cache_dir=tmp_path / "cache")
    return HttpFetcher(config=config, progress=Progress(interactive=False))


@pytest.fixture
def empty_catalog() -> Catalog:
    """to_tidy does not read the catalog; validation against it is etl.validate's job."""
    return Catalog(version=1, axes=[], indicators=[])
