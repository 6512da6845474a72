"""Import benchmark: peak memory and time of `python -m etl import` for big files.

Two files, generated in a temporary directory: a CSV of about 50 MB (one million rows
of the deposit template) and an XLSX of 100 000 rows. Each import runs in a child
process, whose peak resident memory (ru_maxrss, from os.wait4) and wall time are
printed, beside the same for `init` (the interpreter and its imports alone). It prints
figures and asserts nothing.

    python benchmarks/bench_import.py [--csv-mb 50] [--xlsx-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import write_file  # noqa: E402  (the million-row template file)

from etl.template import DATA_SHEET  # noqa: E402


def run_child(*args: str, env: dict[str, str]) -> tuple[float, int, int, str]:
    """(seconds, peak RSS in MiB, exit code, last line) of `python -m etl ARGS`."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    lines = output.strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss // 1024, code, lines[-1] if lines else ""


def write_csv(path: Path, *, megabytes: float) -> Path:
    """The template CSV with as many rows as make `megabytes`; the catalog beside it."""
    sample = path.with_name("echantillon.csv")
    write_file(sample, rows=10_000)
    per_row = sample.stat().st_size / 10_000
    catalog = write_file(path, rows=int(megabytes * 1e6 / per_row))
    catalog_path = path.with_name("catalogue.yaml")
    dump = catalog.model_dump(mode="json", exclude_defaults=True)
    catalog_path.write_text(yaml.safe_dump(dump, allow_unicode=True), encoding="utf-8")
    return catalog_path


def write_xlsx(path: Path, *, source: Path, rows: int) -> None:
    """The first `rows` rows of the template CSV as a workbook's « Données » sheet."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(DATA_SHEET)
    with source.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i > rows:
                break
            ws.append(line.rstrip("\n").split(";"))
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=float, default=50.0)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        csv, xlsx = directory / "depot.csv", directory / "depot.xlsx"
        catalog = write_csv(csv, megabytes=args.csv_mb)
        write_xlsx(xlsx, source=csv, rows=args.xlsx_rows)
        base = ["--catalog", str(catalog)]
        empty = directory / "vide.sqlite"
        print(f"{'étape':<34} {'taille':>10} {'durée':>9} {'mémoire max':>12}  sortie")
        steps = [("init (interpréteur seul)", empty, [*base, "init"], 0)]
        for label, path in (
            (f"import CSV ({csv.stat().st_size / 1e6:.0f} Mo)", csv),
            (f"import XLSX ({args.xlsx_rows} lignes)", xlsx),
        ):
            steps.append((label, path.with_suffix(".sqlite"), [*base, "import", str(path)],
                          path.stat().st_size))  # fmt: skip
        for label, database, args_, size in steps:
            if database != empty:  # each import into its own copy of the empty database
                shutil.copy(empty, database)
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
            seconds, rss, code, last = run_child(*args_, env=env)
            shown = f"{size / 1e6:.1f} Mo" if size else "—"
            print(
                f"{label:<34} {shown:>10} {seconds:>8.1f}s {rss:>8} Mio  (code {code}) {last[:90]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
