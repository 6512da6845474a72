"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

`make test` starts throwaway PostgreSQL and Redis servers and passes their URLs in
TEST_POSTGRES_URL / TEST_REDIS_URL. Without them (binaries absent), the tests that
need a server are skipped with the reason; under CI=true they fail instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from core import db
from core.catalog import Catalog, load_catalog
from etl.sync import sync_reference

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_counter = itertools.count()


def require_server(url: str, what: str) -> None:
    """Skip (or fail under CI) when a throwaway server was not started."""
    if url:
        return
    reason = (
        f"{what} non démarré : TEST_{what.upper()}_URL absent "
        "(binaires introuvables ; lancez les tests par `make test`)"
    )
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(catalog: Catalog) -> Iterator[str]:
    require_server(PG_URL, "postgres")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"tpl_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def fresh_pg_url(template: str) -> str:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"t_{os.getpid()}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg(url: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database, migrated and with areas and indicators synced."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = fresh_pg_url(request.getfixturevalue("pg_template"))
    yield url
    drop_pg(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = db.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def redis_url() -> str:
    require_server(REDIS_URL, "redis")
    return REDIS_URL
