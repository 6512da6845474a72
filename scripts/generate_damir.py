"""Generate a synthetic Open DAMIR month file for the benchmark, once, then keep it.

Real format (docs/sources.md § 4): gzip, `;` separator with a trailing `;` on every line,
a header line, 55 columns. `PRS_NAT` and `BEN_RES_REG` take their values from the reference
tables (etl/reference/damir_acts.csv, damir_zones.csv): the counted codes, the listed codes
that must not be counted (1167, télésurveillance, téléexpertise supplements), and every
official zone, grouped and unknown ones included. The 55 columns carry their official names
(etl/sources/damir.py); only the documented ones have plausible values, the others hold
meaningless small integers. DuckDB writes
the rows (vectorised, values from a seeded hash of the row number, so the file is the same
at each run), then Python gzips the text in one stream.

    python scripts/generate_damir.py --lines 10000000 --output data/bench/A202401.csv.gz
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.sources.damir import (  # noqa: E402
    DOCUMENTED_COLUMNS,
    OTHER_COLUMNS,
    SAMPLE_HEADER,
    load_act_codes,
    load_zones,
)

DEFAULT_OUTPUT = ROOT / "data" / "bench" / "A202401.csv.gz"
DEFAULT_LINES = 10_000_000
# A zone code outside the lookup, so that the unknown-zone path is exercised (no meaning given).
EXTRA_ZONES = (0,)
# Other services: codes 2000-2999, none of which is listed in the act reference table.
OTHER_CODES_FROM, OTHER_CODES_COUNT = 2000, 1000


def _pick(values: list[int], *, key: str, seed: int) -> str:
    """SQL choosing one of `values` per row from a seeded hash (deterministic)."""
    items = ", ".join(str(v) for v in values)
    return f"([{items}])[1 + (hash(i, {seed}, '{key}') % {len(values)})::INTEGER]"


def _uniform(key: str, *, seed: int, modulo: int) -> str:
    return f"(hash(i, {seed}, '{key}') % {modulo})::BIGINT"


def select_sql(*, lines: int, seed: int, month: int) -> str:
    """One SELECT yielding the 55 columns plus a NULL that becomes the trailing `;`."""
    zones = sorted(load_zones().labels) + list(EXTRA_ZONES)
    codes = load_act_codes()
    tc = sorted(codes.by_indicator.get("teleconsultations_actes", frozenset()))
    te = sorted(codes.by_indicator.get("teleexpertises_actes", frozenset()))
    ts = sorted(codes.by_indicator.get("telesurveillance_actes", frozenset()))
    excluded = sorted(codes.excluded)
    u = _uniform
    # ~2 % teleconsultation rows, ~0.3 % tele-expertise rows, ~0.2 % télésurveillance rows,
    # ~0.5 % listed codes that are not counted, the rest other services.
    r = f"(hash(i, {seed}, 'nat') % 1000)"
    other = f"{OTHER_CODES_FROM} + {u('other', seed=seed, modulo=OTHER_CODES_COUNT)}"
    prs_nat = (
        f"CASE WHEN {r} < 20 AND {len(tc)} > 0 THEN {_pick(tc, key='tc', seed=seed)} "
        f"WHEN {r} < 23 AND {len(te)} > 0 THEN {_pick(te, key='te', seed=seed)} "
        f"WHEN {r} < 25 AND {len(ts)} > 0 THEN {_pick(ts, key='ts', seed=seed)} "
        f"WHEN {r} < 30 AND {len(excluded)} > 0 THEN {_pick(excluded, key='ex', seed=seed)} "
        f"ELSE {other} END"
    )
    q = f"(hash(i, {seed}, 'qte') % 100)"
    values = {
        "FLX_ANN_MOI": str(month),
        "SOI_ANN": f"{month // 100} - {u('soi_ann', seed=seed, modulo=3)} // 2",
        "SOI_MOI": f"1 + {u('soi_moi', seed=seed, modulo=12)}",
        "BEN_RES_REG": _pick(zones, key="zone", seed=seed),
        "BEN_SEX_COD": _pick([1, 2, 9], key="sex", seed=seed),
        "AGE_BEN_SNDS": _pick([0, 20, 30, 40, 50, 60, 70, 80, 99], key="age", seed=seed),
        "PRS_NAT": prs_nat,
        "PRS_ACT_QTE": f"CASE WHEN {q} < 90 THEN 1 WHEN {q} < 97 THEN 2 ELSE -1 END",
        "PRS_REM_TYP": _pick([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], key="remtyp", seed=seed),
        "PRS_REM_TAU": _pick([0, 60, 70, 80, 100], key="tau", seed=seed),
    }
    amounts = ("PRS_DEP_MNT", "PRS_PAI_MNT", "PRS_REM_BSE", "PRS_REM_MNT")
    amounts += ("FLT_PAI_MNT", "FLT_REM_MNT")
    parts = []
    for name in DOCUMENTED_COLUMNS:
        if name in values:
            expr = values[name]
        elif name in amounts:
            expr = f"round({u(name, seed=seed, modulo=1_000_000)} / 100.0, 2)"
        else:
            expr = u(name, seed=seed, modulo=100)
        parts.append(f'{expr} AS "{name}"')
    parts += [f'{u(name, seed=seed, modulo=100)} AS "{name}"' for name in OTHER_COLUMNS]
    parts.append('NULL AS "__fin_de_ligne__"')
    return f"SELECT {', '.join(parts)} FROM range({int(lines)}) t(i) ORDER BY i"


def generate(output: Path, *, lines: int, seed: int, month: int, level: int) -> None:
    """Write `output` (gzip); the header is written first, then the DuckDB rows."""
    output.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 2")
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        body = Path(tmp) / "body.csv"
        sql = select_sql(lines=lines, seed=seed, month=month)
        con.execute(f"COPY ({sql}) TO '{body}' (DELIMITER ';', HEADER false, QUOTE '')")
        partial = output.with_suffix(".tmp")
        with gzip.open(partial, "wb", compresslevel=level) as out:
            out.write((";".join(SAMPLE_HEADER) + ";\n").encode())
            with body.open("rb") as src:
                shutil.copyfileobj(src, out, length=16 * 1024 * 1024)
        partial.replace(output)
    con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère un fichier Open DAMIR synthétique.")
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES, help="nombre de lignes")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="fichier .csv.gz")
    parser.add_argument("--seed", type=int, default=20240101, help="graine (déterministe)")
    parser.add_argument("--month", type=int, default=202401, help="mois de traitement AAAAMM")
    parser.add_argument("--level", type=int, default=6, help="niveau de compression gzip")
    parser.add_argument("--force", action="store_true", help="régénérer même s'il existe")
    args = parser.parse_args(argv)
    if args.output.exists() and not args.force:
        print(f"Fichier déjà présent, conservé : {args.output}")
        return 0
    started = time.perf_counter()
    generate(args.output, lines=args.lines, seed=args.seed, month=args.month, level=args.level)
    size = args.output.stat().st_size / 1e6
    elapsed = time.perf_counter() - started
    print(f"{args.lines} lignes écrites dans {args.output} ({size:.0f} Mo) en {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
