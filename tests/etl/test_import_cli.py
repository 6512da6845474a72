"""`python -m etl import` / `template` / `status`: exit codes, reports, atomicity, locking."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.models import Area, Observation, Origin, Run, RunStatus
from etl.cli import main
from etl.template import EXAMPLE_SHEET, TEMPLATE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
ARS = ROOT / "tests" / "fixtures" / "ars"
CATALOG = str(ARS / "catalog.yaml")
RATE, FLOW = "test_taux_activation", "test_teleconsultations"


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def run_cli(*args: str) -> int:
    return main(["--catalog", CATALOG, *args])


def spawn(db_url: str, *args: str, hooks: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """`python -m etl ARGS` in a subprocess; `hooks` (« before_commit=pause »…) go through
    tests/etl/hooked_cli.py, which prints each event's name on stderr when it happens."""
    environ = {**os.environ, "DATABASE_URL": db_url}
    command = ["-m", "tests.etl.hooked_cli", *hooks, "--"] if hooks else ["-m", "etl"]
    return subprocess.Popen(
        [sys.executable, *command, "--catalog", CATALOG, *args], cwd=ROOT, env=environ,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_for(proc: subprocess.Popen[str], event: str) -> None:
    """Block until the subprocess reaches `event` of the write path (its stderr line)."""
    assert proc.stderr is not None
    assert proc.stderr.readline().strip() == event


def go_on(proc: subprocess.Popen[str]) -> None:
    """Release a subprocess paused at an event."""
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()


def observations(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        query = (
            select(Area.code, Observation.period_start, Observation.value, Observation.origin)
            .join(Area, Area.id == Observation.area_id)
            .order_by(Area.level, Area.code, Observation.period_start)
        )
        return [tuple(r) for r in conn.execute(query)]


def runs(engine: Engine) -> list[Run]:
    with Session(engine) as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def write_flow(path: Path, values: dict[str, str], *, period: str = "2024-03") -> Path:
    lines = ["indicateur;niveau;code_territoire;periode;valeur"]
    lines += [f"{FLOW};departement;{code};{period};{v}" for code, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestCmdImport:
    def test_valid_file_exits_zero_and_loads_deposits(
        self, cli_env: str, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # When the Bretagne deposit is imported
        code = run_cli("import", str(ARS / "depot-bretagne.csv"), "--indicator", RATE)
        # Then it exits 0, the départements and the recomputed région are stored
        assert code == 0
        assert "importé" in capsys.readouterr().out
        stored = {(c, v, o) for c, _p, v, o in observations(engine)}
        assert ("29", 45.5, Origin.deposit) in stored
        assert ("35", None, Origin.deposit) in stored  # « NS »: masked, never 0
        assert ("53", None, Origin.deposit) in stored  # région masked: one département is

    def test_the_run_names_the_system_user_who_imported(self, cli_env: str, engine: Engine) -> None:
        assert run_cli("import", str(ARS / "depot-bretagne.csv"), "--indicator", RATE) == 0
        assert str(runs(engine)[-1].actor).startswith("cli")

    def test_cp1252_comma_file_is_imported(self, cli_env: str, engine: Engine) -> None:
        assert run_cli("import", str(ARS / "depot-cp1252.csv"), "--indicator", "test_comptes") == 0
        assert [v for _c, _p, v, _o in observations(engine)] == [1234.0, 1300.0]

    def test_rejected_file_exits_non_zero_with_french_report(
        self, cli_env: str, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # When a file with errors is imported
        code = run_cli("import", str(ARS / "depot-erreurs.csv"), "--indicator", RATE)
        # Then it exits 1, stderr lists the errors, nothing is stored but the failed run
        err = capsys.readouterr().err
        assert code == 1
        assert "Fichier rejeté : 5 erreurs. Aucune donnée modifiée." in err
        assert "ligne 3, colonne « code_territoire » : valeur invalide « 2C »" in err
        assert "Traceback" not in err
        assert observations(engine) == []
        (run,) = runs(engine)
        assert (run.status, run.rows_read, run.rows_rejected) == (RunStatus.failed, 6, 5)

    def test_malformed_file_exits_non_zero(
        self, cli_env: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert run_cli("import", str(ARS / "depot-mal-forme.csv")) == 1
        assert "guillemet non fermé" in capsys.readouterr().err

    def test_missing_file_exits_non_zero(
        self, cli_env: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert run_cli("import", "/nulle/part.csv") == 1
        assert "Fichier introuvable" in capsys.readouterr().err

    def test_a_directory_is_refused_as_a_directory(
        self, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert run_cli("import", str(tmp_path)) == 1
        assert "est un dossier, pas un fichier" in capsys.readouterr().err

    def test_rows_not_imported_are_reported(
        self, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Given a deposit whose third line is blank
        path = write_flow(tmp_path / "depot.csv", {"29": "12", "35": "7"})
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([*lines[:2], ";;;;", *lines[2:]]) + "\n", encoding="utf-8")
        # When it is imported
        assert run_cli("import", str(path), "--indicator", FLOW) == 0
        # Then the row left out is named, not dropped silently
        assert "Ligne non importée : 3 (ligne vide)." in capsys.readouterr().out

    def test_the_file_is_read_before_the_lock_is_taken(
        self, cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a reader of deposits that records whether the write lock is held
        from etl import service, write

        held: list[bool] = []
        state = {"locked": False}
        stop = write.EVENTS.listen("locked", lambda _w: state.update(locked=True))
        read = service.read_deposit

        def recording_read(path: Path) -> Any:
            held.append(state["locked"])
            return read(path)

        monkeypatch.setattr(service, "read_deposit", recording_read)
        try:
            # When a deposit is imported
            path = write_flow(tmp_path / "depot.csv", {"29": "12"})
            assert run_cli("import", str(path), "--indicator", FLOW) == 0
        finally:
            stop()
        # Then the file was read once, before the lock was taken
        assert held == [False]
        assert state["locked"]

    def test_stock_falling_below_the_stored_quarter_exits_non_zero(
        self, cli_env: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Given 200 000 accounts stored for the first quarter
        header = "indicateur;niveau;code_territoire;periode;ventilation;valeur"
        first, second = tmp_path / "depot-t1.csv", tmp_path / "depot-t2.csv"
        first.write_text(f"{header}\ntest_comptes;departement;29;T1 2024;ville;200 000\n")
        second.write_text(f"{header}\ntest_comptes;departement;29;T2 2024;ville;1 000\n")
        assert run_cli("import", str(first)) == 0
        before = observations(engine)
        # When the next quarter's file gives 1 000
        code = run_cli("import", str(second))
        # Then it is refused in French, naming file, row, column and value; nothing changes
        err = capsys.readouterr().err
        assert code == 1
        assert (
            "Fichier « depot-t2.csv », ligne 2, colonne « valeur » : valeur invalide « 1000 »"
            in err
        )
        assert "valeur enregistrée pour 2024-01-01 : 200000" in err
        assert observations(engine) == before
        assert [r.status for r in runs(engine)] == [RunStatus.success, RunStatus.failed]

    def test_same_file_twice_is_skipped(
        self, cli_env: str, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = str(ARS / "depot-bretagne.csv")
        run_cli("import", path, "--indicator", RATE)
        before = observations(engine)
        assert run_cli("import", path, "--indicator", RATE) == 0
        assert "déjà importé" in capsys.readouterr().out
        assert observations(engine) == before
        assert runs(engine)[-1].status is RunStatus.unchanged

    def test_killed_import_leaves_the_database_as_before_and_no_lock(
        self, cli_env: str, engine: Engine, tmp_path: Path
    ) -> None:
        # Given a loaded value
        first = write_flow(tmp_path / "v1.csv", {"29": "10"})
        assert run_cli("import", str(first)) == 0
        before = observations(engine)
        # When an import of a changed file is killed inside its transaction, just before commit
        second = write_flow(tmp_path / "v2.csv", {"29": "99", "22": "5"})
        proc = spawn(cli_env, "import", str(second), hooks=("before_commit=pause",))
        wait_for(proc, "before_commit")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # Then the observations are exactly as before; the killed run is still « running »
        assert observations(engine) == before
        assert runs(engine)[-1].status is RunStatus.running
        # And a new import runs at once (no stale lock) and closes the dead run
        assert run_cli("import", str(second), "--lock-timeout", "2") == 0
        assert {(c, v) for c, _p, v, _o in observations(engine)} == {("29", 99.0), ("22", 5.0)}
        statuses = [r.status for r in runs(engine)]
        assert statuses == [RunStatus.success, RunStatus.failed, RunStatus.success]

    def test_kill_right_after_commit_leaves_a_succeeded_run(
        self, cli_env: str, engine: Engine, tmp_path: Path
    ) -> None:
        # Given an import killed (SIGKILL) as soon as its transaction has committed
        path = write_flow(tmp_path / "v1.csv", {"29": "10"})
        proc = spawn(cli_env, "import", str(path), hooks=("after_commit=kill",))
        wait_for(proc, "after_commit")
        assert proc.wait(30) == -signal.SIGKILL
        # Then its data is in and its run, closed in the same transaction, says so
        assert {(c, v) for c, _p, v, _o in observations(engine)} == {("29", 10.0)}
        [run] = runs(engine)
        assert run.status is RunStatus.success
        assert (run.rows_read, run.rows_inserted) == (1, 1)

    def test_concurrent_import_is_refused_then_succeeds_after(
        self, cli_env: str, engine: Engine, tmp_path: Path
    ) -> None:
        # Given an import paused while it holds the load lock
        a = write_flow(tmp_path / "a.csv", {"29": "1"})
        b = write_flow(tmp_path / "b.csv", {"22": "2"})
        slow = spawn(cli_env, "import", str(a), hooks=("locked=pause",))
        wait_for(slow, "locked")
        # When a second import asks with a tiny wait, it is refused in French
        refused = spawn(cli_env, "import", str(b), "--lock-timeout", "0.2")
        _out, err = refused.communicate(timeout=60)
        assert refused.returncode == 1
        assert "Un autre chargement est en cours sur cette base" in err
        # And with a longer wait it waits for the first (seen waiting), then succeeds
        waiting = spawn(cli_env, "import", str(b), "--lock-timeout", "60", hooks=("lock_wait=say",))
        wait_for(waiting, "lock_wait")
        go_on(slow)
        assert slow.wait(60) == 0
        assert waiting.wait(60) == 0
        assert {c for c, _p, _v, _o in observations(engine)} == {"29", "22"}
        failed = [r for r in runs(engine) if r.status is RunStatus.failed]
        assert len(failed) == 1 and "Un autre chargement" in (failed[0].error or "")


class TestCmdTemplate:
    def test_csv_template_round_trip(self, cli_env: str, engine: Engine, tmp_path: Path) -> None:
        # Given the CSV template of an indicator
        path = tmp_path / "modele.csv"
        assert run_cli("template", RATE, "--output", str(path)) == 0
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        header, example = raw.decode("utf-8-sig").splitlines()
        assert header == ";".join(TEMPLATE_COLUMNS)
        assert example.startswith("# ")
        # When an ARS fills it (the example row stays commented out) and imports it
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{RATE};département;29;2024-03;;;300;1 000;non;\n")
        assert run_cli("import", str(path), "--indicator", RATE) == 0
        # Then the row is stored
        assert ("29", 30.0) in {(c, v) for c, _p, v, _o in observations(engine)}

    def test_xlsx_template_round_trip(self, cli_env: str, engine: Engine, tmp_path: Path) -> None:
        # Given the XLSX template, with its example sheet
        path = tmp_path / "modele.xlsx"
        assert run_cli("template", "test_comptes", "--output", str(path)) == 0
        book = load_workbook(path)
        assert book.sheetnames == ["Données", EXAMPLE_SHEET]
        example = [c.value for c in book[EXAMPLE_SHEET][2]]
        assert example[0] == "test_comptes"
        # When the first sheet is filled with the example row and a code with a zero
        ws = book.worksheets[0]
        ws.append(example)
        ws.append(["test_comptes", "departement", "01", "T1 2024", "ville", "12", "", "", "", ""])
        book.save(path)
        assert run_cli("import", str(path), "--indicator", "test_comptes") == 0
        # Then both rows are stored
        assert {c for c, _p, _v, _o in observations(engine)} >= {"29", "01"}

    def test_unknown_extension_exits_non_zero(
        self, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert run_cli("template", RATE, "--output", str(tmp_path / "m.ods")) == 1
        assert "Attendu : .csv ou .xlsx" in capsys.readouterr().err


class TestCmdStatus:
    def test_json_keeps_old_keys_and_adds_freshness(
        self, cli_env: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Given an old deposit and a failed one
        assert run_cli("import", str(write_flow(tmp_path / "a.csv", {"29": "1"}))) == 0
        run_cli("import", str(ARS / "depot-erreurs.csv"))
        capsys.readouterr()
        # When the status is asked in JSON
        assert run_cli("status", "--json") == 0
        status = json.loads(capsys.readouterr().out)
        # Then the first keys are still there, with the new ones
        for key in ("database", "indicators", "areas", "observations", "latest_period",
                    "last_runs", "sources", "indicators_detail", "last_failures"):  # fmt: skip
            assert key in status
        detail = status["indicators_detail"][FLOW]
        assert detail["latest_real_period"] == "2024-03-01"
        assert detail["freshness"] == "en retard"
        source = status["sources"]["depot-ars:plusieurs"]
        assert source["last_success_run"] == 1
        assert "Fichier rejeté" in source["last_failure_error"]
        assert status["last_failures"][0]["id"] == 2

    def test_text_output_is_french(self, cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert run_cli("status") == 0
        out = capsys.readouterr().out
        assert "Fraîcheur des données réelles par indicateur" in out
        assert "aucune donnée réelle" in out


def test_fixture_copy_is_not_modified(tmp_path: Path) -> None:
    """The fixtures are read only: a round trip works on a copy."""
    copy = shutil.copy(ARS / "depot-bretagne.csv", tmp_path / "x.csv")
    assert Path(copy).read_bytes() == (ARS / "depot-bretagne.csv").read_bytes()


def rows_by_origin(engine: Engine) -> dict[str, dict[tuple[Any, ...], Any]]:
    """Every stored value, by origin and key: what a writer may not have replaced."""
    with engine.connect() as conn:
        query = select(
            Observation.origin, Observation.indicator_id, Area.level, Area.code,
            Observation.period_start, Observation.breakdown, Observation.value,
        ).join(Area, Area.id == Observation.area_id)  # fmt: skip
        out: dict[str, dict[tuple[Any, ...], Any]] = {}
        for origin, *key, value in conn.execute(query):
            out.setdefault(Origin(origin).value, {})[tuple(key)] = value
        return out


DEPOSITED = {
    (FLOW, "department", "22", "2024-03-01", "_total"): 5.0,
    (FLOW, "department", "29", "2024-03-01", "_total"): 10.0,
}


def deposited(engine: Engine) -> dict[tuple[Any, ...], Any]:
    """The deposit rows, periods as text to compare with DEPOSITED."""
    rows = rows_by_origin(engine).get(Origin.deposit.value, {})
    return {(i, lvl, c, str(p), b): v for (i, lvl, c, p, b), v in rows.items()}


class TestDemoAgainstDeposits:
    @pytest.mark.parametrize(
        ("lock_timeout", "demo_exit"), [("60", 0), ("0", 1)], ids=["waits-then-runs", "refused"]
    )
    def test_demo_started_while_an_import_commits_never_replaces_its_rows(
        self,
        cli_env: str,
        engine: Engine,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        lock_timeout: str,
        demo_exit: int,
    ) -> None:
        # Given an import paused inside its transaction, just before it commits
        path = write_flow(tmp_path / "depot.csv", {"29": "10", "22": "5"})
        importing = spawn(cli_env, "import", str(path), hooks=("before_commit=pause",))
        wait_for(importing, "before_commit")
        # When `python -m etl demo` starts then: it finds the lock taken and waits
        monkeypatch.setenv("ETL_LOCK_TIMEOUT", lock_timeout)
        demo = spawn(cli_env, "demo", hooks=("lock_wait=say", "lock_refused=say"))
        wait_for(demo, "lock_wait")
        if demo_exit:  # with no wait allowed, it gives up while the import holds the lock
            wait_for(demo, "lock_refused")
        go_on(importing)
        assert importing.wait(60) == 0
        _out, err = demo.communicate(timeout=120)
        # Then the demo ran after the import, or was refused in French
        assert demo.returncode == demo_exit, err
        statuses = [(r.kind, r.status) for r in runs(engine)]
        if demo_exit:
            assert "Un autre chargement est en cours sur cette base" in err
            assert statuses == [("import", RunStatus.success), ("demo", RunStatus.failed)]
            assert "Un autre chargement" in (runs(engine)[-1].error or "")
        else:
            assert statuses == [("import", RunStatus.success), ("demo", RunStatus.success)]
            assert rows_by_origin(engine)[Origin.demo.value]
        # And every deposited row is still a deposit, with its value
        assert deposited(engine) == DEPOSITED

    def test_demo_after_a_deposit_replaces_none_of_its_rows(
        self, cli_env: str, engine: Engine, tmp_path: Path
    ) -> None:
        # Given a deposit
        assert (
            run_cli("import", str(write_flow(tmp_path / "depot.csv", {"29": "10", "22": "5"}))) == 0
        )
        before = rows_by_origin(engine)
        assert set(before) == {Origin.deposit.value}
        # When the demo runs alone
        assert run_cli("demo") == 0
        after = rows_by_origin(engine)
        # Then it filled the other keys of the same indicator and period…
        demo_keys = after[Origin.demo.value]
        assert (FLOW, "department", "35", dt.date(2024, 3, 1), "_total") in demo_keys
        # …and no deposit row was replaced: same rows, same values, none of its keys demo
        assert after[Origin.deposit.value] == before[Origin.deposit.value]
        assert not set(demo_keys) & set(before[Origin.deposit.value])
        assert deposited(engine) == DEPOSITED
