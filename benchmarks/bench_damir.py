"""Benchmark: stream one generated Open DAMIR month (≥ 10 million lines) in bounded memory.

Goals: ≥ 1 million lines/s and a peak resident memory < 1 GB. Each run happens in a child
process, so its peak memory (ru_maxrss of the children) is its own, not the parent's.

    python scripts/generate_damir.py              # once; the file is kept (data/bench/)
    python benchmarks/bench_damir.py              # the connector's engine (DuckDB)
    python benchmarks/bench_damir.py --engine all # the comparison that chose it

The engines `pyarrow` and `polars` are only there to repeat that comparison; they run when
those packages are installed (they are not project dependencies).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.sources.damir import (  # noqa: E402
    SEPARATOR,
    DamirColumns,
    load_act_codes,
    read_header,
    stream_aggregate,
)

DEFAULT_FILE = ROOT / "data" / "bench" / "A202401.csv.gz"
ENGINES = ("duckdb", "pyarrow", "polars")
MIN_LINES = 10_000_000
GOAL_LINES_PER_S = 1_000_000
GOAL_PEAK_MB = 1024


def run_duckdb(path: Path) -> tuple[int, float]:
    """The connector's own code path."""
    aggregate = stream_aggregate(path, codes=load_act_codes())
    return aggregate.lines, float(aggregate.acts["acts"].sum())


def run_pyarrow(path: Path) -> tuple[int, float]:
    """pyarrow's streaming CSV reader on a gzip input stream, filtered batch by batch."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv

    cols = DamirColumns()
    names = [*read_header(path, file=path.name), "__fin_de_ligne__"]
    codes = sorted(load_act_codes().indicator_of())
    typed = {c: pa.int64() for c in (cols.period, cols.zone, cols.act_code)}
    typed |= {cols.reimbursement_type: pa.int64(), cols.quantity: pa.float64()}
    reader = csv.open_csv(
        pa.input_stream(str(path), compression="gzip"),
        read_options=csv.ReadOptions(column_names=names, skip_rows=1, block_size=16 << 20),
        parse_options=csv.ParseOptions(delimiter=SEPARATOR, quote_char=False),
        convert_options=csv.ConvertOptions(include_columns=list(typed), column_types=typed),
    )
    lines, acts = 0, 0.0
    code_set = pa.array(codes, type=pa.int64())
    for batch in reader:
        lines += batch.num_rows
        keep = pc.and_(
            pc.equal(batch.column(cols.reimbursement_type), 0),
            pc.is_in(batch.column(cols.act_code), value_set=code_set),
        )
        kept = pa.Table.from_batches([batch]).filter(keep)
        grouped = kept.group_by([cols.period, cols.zone, cols.act_code]).aggregate(
            [(cols.quantity, "sum")]
        )
        acts += float(pc.sum(grouped.column(f"{cols.quantity}_sum")).as_py() or 0.0)
    return lines, acts


def run_polars(path: Path) -> tuple[int, float]:
    """polars' lazy CSV scan with the streaming engine."""
    import polars as pl

    cols = DamirColumns()
    codes = sorted(load_act_codes().indicator_of())
    frame = pl.scan_csv(
        path,
        separator=SEPARATOR,
        has_header=True,
        quote_char=None,
        infer_schema=False,
        truncate_ragged_lines=False,
    ).select(
        pl.col(cols.period).cast(pl.Int64),
        pl.col(cols.zone).cast(pl.Int64),
        pl.col(cols.act_code).cast(pl.Int64),
        pl.col(cols.quantity).cast(pl.Float64),
        pl.col(cols.reimbursement_type).cast(pl.Int64),
    )
    lines = frame.select(pl.len()).collect(engine="streaming").item()
    kept = (
        frame.filter((pl.col(cols.reimbursement_type) == 0) & pl.col(cols.act_code).is_in(codes))
        .group_by(cols.period, cols.zone, cols.act_code)
        .agg(pl.col(cols.quantity).sum())
        .collect(engine="streaming")
    )
    return int(lines), float(kept[cols.quantity].sum())


RUNNERS = {"duckdb": run_duckdb, "pyarrow": run_pyarrow, "polars": run_polars}


def child(engine: str, path: Path) -> None:
    """Run one engine and print its measures as JSON (called in a child process)."""
    started = time.perf_counter()
    lines, acts = RUNNERS[engine](path)
    elapsed = time.perf_counter() - started
    print(json.dumps({"engine": engine, "lines": lines, "acts": acts, "seconds": elapsed}))


def measure(engine: str, path: Path) -> dict[str, Any]:
    """Run `engine` in a fresh child process; its peak RSS is the children's ru_maxrss."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    proc = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return {"engine": engine, "error": tail[0]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    # ru_maxrss of the children is the maximum over all children so far: runs go in
    # increasing order only when this child is the biggest; say so when it is not.
    result["peak_mb"] = peak_kb / 1024
    result["cpu_seconds"] = cpu  # user + system: less sensitive than wall time to other load
    result["peak_is_exact"] = peak_kb > before
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Banc d'essai de la lecture Open DAMIR.")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="fichier .csv.gz généré")
    parser.add_argument("--engine", default="duckdb", choices=[*ENGINES, "all"])
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file)
        return 0
    if not args.file.exists():
        print(f"Fichier absent : {args.file}. Lancez d'abord scripts/generate_damir.py.")
        return 2
    engines = ENGINES if args.engine == "all" else (args.engine,)
    failed = False
    for engine in engines:
        r = measure(engine, args.file)
        if "error" in r:
            print(f"{engine:8s} échec : {r['error']}")
            failed = failed or engine == "duckdb"
            continue
        rate = r["lines"] / r["seconds"]
        peak = f"{r['peak_mb']:.0f} Mo" + ("" if r["peak_is_exact"] else " (borne haute)")
        print(
            f"{engine:8s} {r['lines']:>12,d} lignes en {r['seconds']:6.1f} s : "
            f"{rate:>11,.0f} lignes/s ({r['cpu_seconds']:.1f} s CPU), "
            f"mémoire de pointe {peak}, actes comptés {r['acts']:,.0f}"
        )
        if engine == "duckdb":
            ok = (
                r["lines"] >= MIN_LINES and rate >= GOAL_LINES_PER_S and r["peak_mb"] < GOAL_PEAK_MB
            )
            verdict = "objectifs atteints" if ok else "OBJECTIFS NON ATTEINTS"
            print(
                f"  {verdict} (≥ {MIN_LINES:,d} lignes, ≥ {GOAL_LINES_PER_S:,d} lignes/s, "
                f"< {GOAL_PEAK_MB} Mo)"
            )
            failed = failed or not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
