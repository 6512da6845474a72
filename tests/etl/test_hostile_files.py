"""Hostile files through `python -m etl import`: each rejected whole, in French, with the
database unchanged; the good ones loaded; all of them within a memory limit and a deadline.

The corpus is built by scripts/build_hostile_files.py into a temporary directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from etl.cli import main

ROOT = Path(__file__).resolve().parents[2]
CATALOG = str(ROOT / "tests" / "fixtures" / "ars" / "catalog.yaml")
SCRIPT = ROOT / "scripts" / "build_hostile_files.py"
MEMORY_LIMIT = 768 * 2**20  # address space: a padded 16 384-column sheet needs gigabytes
DEADLINE = 240  # seconds for the whole corpus on a loaded 2-core machine; minutes if padded


# the script is run as a module of its own name, as `python scripts/…` would run it
hostile = SimpleNamespace(**runpy.run_path(str(SCRIPT), run_name="build_hostile_files"))
CASES = {case.name: case for case in hostile.cases()}
BAD = [name for name, case in CASES.items() if not case.loads]
GOOD = [name for name, case in CASES.items() if case.loads]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    hostile.build(directory)
    return directory


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "test.sqlite"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run_cli(*args: str) -> int:
    return main(["--catalog", CATALOG, *args])


def digest(url: str) -> str:
    """A hash of every observation row: equal digests, same stored data."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM observations ORDER BY id")).all()
    engine.dispose()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def department_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM observations o JOIN areas a ON a.id = o.area_id "
            "WHERE a.level = 'department'"
        )
        n = int(conn.execute(text(query)).scalar_one())
    engine.dispose()
    return n


def seed(directory: Path) -> None:
    """A real deposit already stored, so a rejection has something to leave untouched."""
    path = directory / "depot-existant.csv"
    hostile.write_csv(path, hostile.flow_rows(5, first_year=2022))
    assert run_cli("import", str(path)) == 0


class TestBadFiles:
    @pytest.mark.parametrize("name", BAD)
    def test_refused_whole_in_french_and_the_database_is_unchanged(
        self,
        name: str,
        corpus: Path,
        sqlite_url: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        # Given a database holding a deposit
        seed(tmp_path)
        before = digest(sqlite_url)
        capsys.readouterr()
        # When the hostile file is imported
        for key, value in CASES[name].env.items():
            monkeypatch.setenv(key, value)
        code = run_cli("import", str(corpus / name))
        # Then it exits 1 with a French message naming the file and what is wrong
        err = capsys.readouterr().err
        assert code == 1
        assert f"« {name} »" in err
        for fragment in CASES[name].message:
            assert fragment in err
        assert "Traceback" not in err and "Erreur inattendue" not in err
        # And not one stored row changed
        assert digest(sqlite_url) == before


class TestGoodFiles:
    @pytest.mark.parametrize("name", GOOD)
    def test_loaded_with_every_data_row(self, name: str, corpus: Path, sqlite_url: str) -> None:
        # When a file as spreadsheets really export it is imported
        code = run_cli("import", str(corpus / name))
        # Then it exits 0 and each of its data rows is stored (never an example row)
        assert code == 0
        assert department_rows(sqlite_url) == CASES[name].loads


DRIVER = """
import contextlib, io, json, os, sys
from etl.cli import main
catalog, directory, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for name, env in cases.items():
    saved = dict(os.environ)
    os.environ.update(env)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["--catalog", catalog, "import", os.path.join(directory, name), "--force"])
    os.environ.clear()
    os.environ.update(saved)
    print(json.dumps({"name": name, "code": code, "err": err.getvalue()}), flush=True)
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class TestUnderLimits:
    def test_whole_corpus_runs_within_a_memory_limit_and_a_deadline(
        self, corpus: Path, sqlite_url: str
    ) -> None:
        # Given a process allowed MEMORY_LIMIT of address space and DEADLINE seconds
        env = {**os.environ, "DATABASE_URL": sqlite_url, "OPENBLAS_NUM_THREADS": "1"}
        cases = {name: case.env for name, case in CASES.items()}
        # When it imports every file of the corpus, one after the other
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, CATALOG, str(corpus), json.dumps(cases)],
            cwd=ROOT, env=env, preexec_fn=_limit_memory, timeout=DEADLINE,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        # Then it finishes, each good file loaded and each bad one refused with its reason
        assert proc.returncode == 0, proc.stderr[-2000:]
        results = {r["name"]: r for r in map(json.loads, proc.stdout.splitlines())}
        assert results.keys() == CASES.keys()
        for name, case in CASES.items():
            assert results[name]["code"] == (0 if case.loads else 1), results[name]["err"]
            assert "Erreur inattendue" not in results[name]["err"]


class TestCommittedCorpus:
    def test_the_committed_corpus_is_the_one_the_script_builds(self) -> None:
        # Given the files committed in tests/fixtures/hostile
        committed = {p.name for p in hostile.DEFAULT_DIR.iterdir() if p.suffix != ".md"}
        # Then they are exactly the script's cases (rebuild it after adding one)
        assert committed == set(CASES)
