"""`python -m etl`: init, published, status; French errors, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from core import db
from etl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


class TestInit:
    def test_init_creates_then_reports_up_to_date(
        self, empty_db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["init"]) == 0
        assert "créée" in capsys.readouterr().out
        assert main(["init"]) == 0
        assert "déjà à jour" in capsys.readouterr().out

    def test_init_upgrades_an_older_database(self, empty_db: str) -> None:
        engine = db.make_engine(empty_db)
        command.upgrade(db.alembic_config(engine), "0001")
        assert main(["init"]) == 0
        assert db.current_revision(engine) == db.head_revision(engine)


class TestStatus:
    def test_status_refuses_an_uninitialised_database(
        self, empty_db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["status"]) == 1
        assert "python -m etl init" in capsys.readouterr().err

    def test_status_json_has_the_documented_shape(
        self, empty_db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["init"])
        main(["published"])
        capsys.readouterr()
        assert main(["status", "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert {
            "database",
            "indicators",
            "areas",
            "observations",
            "observations_by_origin",
            "latest_period",
            "last_runs",
        } <= set(doc)
        assert doc["areas"] == {"national": 1, "region": 18, "department": 101}
        assert doc["observations_by_origin"]["published"] == doc["observations"] > 0
        assert doc["last_runs"][0]["source"] == "chiffres-publies"
        assert all(len(p) == 10 for p in doc["latest_period"].values())


class TestPublished:
    def test_published_twice_changes_nothing(
        self, empty_db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["init"])
        assert main(["published"]) == 0
        capsys.readouterr()
        assert main(["published"]) == 0
        assert " 0 insérées, 0 mises à jour" in capsys.readouterr().out

    def test_malformed_file_is_rejected_with_row_and_column(
        self, empty_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["init"])
        main(["published"])
        before = json.dumps(_observations(empty_db))
        bad = tmp_path / "chiffres.csv"
        header = (ROOT / "etl/reference/published_figures.csv").read_text().splitlines()[0]
        bad.write_text(
            header + "\nmes_comptes_actives;national;FR;date;2024-01-10;_total;dix;count;"
            "exact;true;CNAM;t;;2024;true;\n",
            encoding="utf-8",
        )
        assert main(["published", "--file", str(bad)]) == 1
        err = capsys.readouterr().err
        assert "ligne 2" in err and "« value »" in err and "« dix »" in err
        assert json.dumps(_observations(empty_db)) == before


class TestUserErrors:
    def test_unreachable_database_gives_a_french_message_without_traceback(self) -> None:
        env = {"DATABASE_URL": "postgresql+psycopg://u:secret@127.0.0.1:1/x", "PATH": ""}
        proc = subprocess.run(
            [sys.executable, "-m", "etl", "status"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1
        assert "injoignable" in proc.stderr
        assert "Traceback" not in proc.stderr and "secret" not in proc.stderr


def _observations(url: str) -> list[tuple[object, ...]]:
    from sqlalchemy import select

    from core.models import Observation

    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Observation.indicator_id, Observation.period_start, Observation.value).order_by(
                Observation.id
            )
        ).all()
    engine.dispose()
    return [tuple(str(x) for x in r) for r in rows]
