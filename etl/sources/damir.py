"""Open DAMIR (Cnam): reimbursed teleconsultation and tele-expertise acts by région.

One gzip CSV per processing month (`A{YYYY}{MM}.csv.gz`, ~1 GB, ~36 million lines, 55
columns, `;` with a trailing `;`). A thread inflates it with isal into line-aligned chunk
files of 256 MB (each with the header) and DuckDB parses each finished chunk on both cores
while the next one is inflated; the per-chunk sums are added up at the end. A FIFO was
parsed on one core only (DuckDB cannot split a stream): 18.7 s for 10 million lines against
about 7 s in chunks (benchmarks/bench_damir.py). DuckDB was measured as cheap in CPU as
pyarrow and polars, with the lowest peak memory, and its rejects table names the line and
column of every bad cell (offset here by the lines of the earlier chunks), which the other
two readers do not.

Rules (docs/sources.md § 4):
- only rows with `PRS_REM_TYP = 0` are counted, the other rows repeat them (double counting);
- an act is a row whose `PRS_NAT` is in the configured code lists (etl/reference/damir_acts.csv,
  read from the official Cnam variable description, see etl/reference/damir_LISEZMOI.md); the
  rows of that table without an indicator are telehealth-looking codes deliberately not counted;
- the act count is the sum of `PRS_ACT_QTE` (quantity of acts), negative regularisation lines
  included, so the figure is the net number of acts reimbursed in the processing month;
- the period is the processing month `FLX_ANN_MOI`, never the care month;
- the zone of residence `BEN_RES_REG` goes through a versioned lookup (etl/reference/
  damir_zones.csv, official zones) to an INSEE région (the 11 single-région zones) or to a
  région group of core.geography (5 → « Outre-mer (5 DROM) », 93 → « PACA et Corse »), never
  split into régions; 99 « inconnu » and zones outside the lookup are reported and counted in
  France only. France is the sum of every counted row, each zone once: régions + groups +
  unmapped zones = France, and no aggregation adds régions or groups up again.
"""

from __future__ import annotations

import csv
import gzip
import logging
import queue
import re
import tempfile
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import duckdb
import pandas as pd
from isal import isal_zlib
from pydantic import field_validator

from core.catalog import Catalog
from core.errors import cell_problem
from core.geography import NATIONAL_CODE, by_level, get_area
from core.models import TOTAL
from core.package_data import package_path
from core.vocabulary import Level
from etl.sources.base import (
    BaseConnector,
    ConnectorConfig,
    Fetcher,
    RawFile,
    SourceError,
    tidy_frame,
)

logger = logging.getLogger(__name__)

REFERENCE_DIR = package_path("etl", "reference")
ZONES_CSV = REFERENCE_DIR / "damir_zones.csv"
ACTS_CSV = REFERENCE_DIR / "damir_acts.csv"

# The 27 columns that public consumers of the file use (docs/sources.md § 4), in that order.
DOCUMENTED_COLUMNS: tuple[str, ...] = (
    "FLX_ANN_MOI",
    "SOI_ANN",
    "SOI_MOI",
    "BEN_RES_REG",
    "BEN_SEX_COD",
    "AGE_BEN_SNDS",
    "ASU_NAT",
    "BEN_CMU_TOP",
    "BEN_QLT_COD",
    "CPT_ENV_TYP",
    "PRS_NAT",
    "PRS_ACT_QTE",
    "PRS_DEP_MNT",
    "PRS_PAI_MNT",
    "PRS_REM_BSE",
    "PRS_REM_MNT",
    "PRS_REM_TAU",
    "PRS_REM_TYP",
    "PRS_ACT_NBR",
    "FLT_ACT_NBR",
    "FLT_ACT_QTE",
    "FLT_PAI_MNT",
    "FLT_REM_MNT",
    "ETP_REG_COD",
    "ETP_CAT_SNDS",
    "PRE_INS_REG",
    "PSP_ACT_SNDS",
)
FILE_WIDTH = 55
# The other 28 variables of the « tables A » (from 2015) in the official variable description
# (etl/reference/damir_LISEZMOI.md; its 61 variables less the 6 « ZEAT » ones of the tables P,
# up to 2014). Nothing reads them; fixtures and the benchmark file carry them so that their
# header is the real one. Their order in the real file is not documented: columns are read
# by name, never by position.
OTHER_COLUMNS: tuple[str, ...] = (
    "ATT_NAT",
    "CPL_COD",
    "DDP_SPE_COD",
    "DRG_AFF_NAT",
    "ETE_CAT_SNDS",
    "ETE_IND_TAA",
    "ETE_REG_COD",
    "ETE_TYP_SNDS",
    "EXE_INS_REG",
    "EXO_MTF",
    "FLT_ACT_COG",
    "FLT_DEP_MNT",
    "MDT_TYP_COD",
    "MFT_COD",
    "MTM_NAT",
    "ORG_CLE_REG",
    "PRS_ACT_COG",
    "PRS_FJH_TYP",
    "PRS_PDS_QCP",
    "PRS_PPU_SEC",
    "PSE_ACT_CAT",
    "PSE_ACT_SNDS",
    "PSE_SPE_SNDS",
    "PSE_STJ_SNDS",
    "PSP_ACT_CAT",
    "PSP_SPE_SNDS",
    "PSP_STJ_SNDS",
    "TOP_PS5_TRG",
)
SAMPLE_HEADER: tuple[str, ...] = DOCUMENTED_COLUMNS + OTHER_COLUMNS

SEPARATOR = ";"
MAX_REPORTED_ERRORS = 50
_END_OF_LINE = "__fin_de_ligne__"  # the empty field after the trailing `;`
_CHUNK = 1 << 20
_CHUNK_BYTES = 256 << 20  # decompressed bytes per chunk parsed by DuckDB
_CHUNKS_AHEAD = 1  # finished chunks waiting on disk
_NATIONAL = "national"
_REGION = "region"
_GROUP = "group"


class DamirFormatError(SourceError):
    """The file does not have the Open DAMIR format; lists the bad cells (up to 50)."""

    def __init__(self, *, file: str, problems: Sequence[str]) -> None:
        self.file = file
        self.problems = tuple(problems)
        shown = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(
            f"Fichier Open DAMIR « {file} » invalide, aucune donnée retenue :\n{shown}"
        )


class DamirReferenceError(SourceError):
    """A lookup table (zones or act codes) is unreadable or inconsistent."""


# --------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class ZoneLookup:
    """`BEN_RES_REG` zone → INSEE 2016 région code or région group code, and zone labels."""

    regions: Mapping[int, str]
    labels: Mapping[int, str]
    verified: bool
    groups: Mapping[int, str] = field(default_factory=dict)  # zone → core.geography group


@dataclass(frozen=True)
class ActCodes:
    """`PRS_NAT` codes counted for each indicator, and the listed codes never counted."""

    by_indicator: Mapping[str, frozenset[int]]
    verified: bool
    excluded: frozenset[int] = frozenset()

    def indicator_of(self) -> dict[int, str]:
        return {code: ind for ind, codes in self.by_indicator.items() for code in codes}


def _read_reference(path: Path, *, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DamirReferenceError(
                    f"Table de référence « {path.name} » : colonne(s) absente(s) "
                    f"{', '.join(f'« {c} »' for c in missing)}."
                )
            return list(reader)
    except OSError as exc:
        raise DamirReferenceError(
            f"Table de référence introuvable ou illisible : {path} ({exc.strerror})."
        ) from None


def _int_cell(value: str, *, path: Path, line: int, column: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise DamirReferenceError(
            cell_problem(file=path.name, row=line, column=column, value=value, expected="un entier")
        ) from None


def load_zones(path: Path = ZONES_CSV) -> ZoneLookup:
    """Read the versioned zone lookup; codes must exist in core.geography.

    A zone maps to one région (`region_code`) or to one région group (`group_code`, optional
    column), never both; a région published alone may not also be a member of a mapped group,
    or its figure would be drawn twice.
    """
    rows = _read_reference(path, required=("zone_code", "zone_label", "region_code", "verified"))
    known_regions = {a.code for a in by_level(Level.region)}
    known_groups = {a.code for a in by_level(Level.group)}
    group_codes = ", ".join(f"« {g} »" for g in sorted(known_groups))
    regions: dict[int, str] = {}
    groups: dict[int, str] = {}
    labels: dict[int, str] = {}
    verified = True
    for line, row in enumerate(rows, start=2):
        zone = _int_cell(row["zone_code"], path=path, line=line, column="zone_code")
        if zone in labels:
            raise DamirReferenceError(
                f"Table de référence « {path.name} », ligne {line} : zone « {zone} » en double."
            )
        labels[zone] = row["zone_label"]
        region = row["region_code"].strip()
        group = (row.get("group_code") or "").strip()
        if region and group:
            raise DamirReferenceError(
                f"Table de référence « {path.name} », ligne {line} : zone « {zone} » rattachée "
                f"à la région « {region} » et au groupe « {group} ». Attendu : l'un ou l'autre."
            )
        for column, code, known, expected, lookup in (
            ("region_code", region, known_regions, Level.region.words.expected, regions),
            ("group_code", group, known_groups, group_codes, groups),
        ):
            if code and code not in known:
                raise DamirReferenceError(
                    cell_problem(
                        file=path.name, row=line, column=column, value=code, expected=expected
                    )
                )
            if code:
                lookup[zone] = code
        verified = verified and row["verified"].strip().lower() == "true"
    for zone, group in groups.items():
        overlap = set(get_area(Level.group, group).members) & set(regions.values())
        if overlap:
            raise DamirReferenceError(
                f"Table de référence « {path.name} » : la zone « {zone} » (groupe « {group} ») "
                f"contient la région « {min(overlap)} », déjà publiée seule par une autre zone."
            )
    return ZoneLookup(regions=regions, labels=labels, verified=verified, groups=groups)


# Indicators that billed acts must never feed, and why (French, for the error message).
NEVER_FED: dict[str, str] = {
    "telesurveillance_patients": (
        "Open DAMIR compte des actes et des versements facturés, pas des patients. "
        "Attendu : « telesurveillance_actes »."
    ),
}


def load_act_codes(path: Path = ACTS_CSV) -> ActCodes:
    """Read the `PRS_NAT` code lists; one code counts for one indicator only.

    A row with an empty `indicator_id` lists a code that is deliberately not counted.
    """
    rows = _read_reference(path, required=("indicator_id", "prs_nat", "verified"))
    by_indicator: dict[str, set[int]] = {}
    excluded: set[int] = set()
    owner: dict[int, str] = {}
    verified = True
    for line, row in enumerate(rows, start=2):
        code = _int_cell(row["prs_nat"], path=path, line=line, column="prs_nat")
        indicator = row["indicator_id"].strip()
        if code in owner and owner[code] != indicator:
            raise DamirReferenceError(
                f"Table de référence « {path.name} », ligne {line} : le code PRS_NAT "
                f"« {code} » est déjà listé pour « {owner[code] or 'non compté'} »."
            )
        owner[code] = indicator
        if indicator in NEVER_FED:
            raise DamirReferenceError(
                f"Table de référence « {path.name} », ligne {line} : le code PRS_NAT « {code} » "
                f"ne peut pas alimenter « {indicator} » : {NEVER_FED[indicator]}"
            )
        if indicator:
            by_indicator.setdefault(indicator, set()).add(code)
        else:
            excluded.add(code)
        verified = verified and row["verified"].strip().lower() == "true"
    if not by_indicator:
        raise DamirReferenceError(f"Table de référence « {path.name} » vide.")
    return ActCodes(
        by_indicator={k: frozenset(v) for k, v in by_indicator.items()},
        verified=verified,
        excluded=frozenset(excluded),
    )


# --------------------------------------------------------------------------- streaming


@dataclass(frozen=True)
class DamirColumns:
    """Names of the columns read; configurable because the descriptif is not verified."""

    period: str = "FLX_ANN_MOI"
    zone: str = "BEN_RES_REG"
    act_code: str = "PRS_NAT"  # the name in the official variable description
    quantity: str = "PRS_ACT_QTE"
    reimbursement_type: str = "PRS_REM_TYP"

    def typed(self) -> dict[str, tuple[str, str]]:
        """Column → (DuckDB type, what is expected, in French)."""
        return {
            self.period: ("BIGINT", "un mois de traitement AAAAMM (ex. « 202401 »)"),
            self.zone: ("BIGINT", "un code de zone de résidence entier"),
            self.act_code: ("BIGINT", "un code de nature de prestation entier"),
            self.quantity: ("DOUBLE", "un nombre (point décimal)"),
            self.reimbursement_type: ("BIGINT", "un type de remboursement entier"),
        }


@dataclass(frozen=True)
class DamirAggregate:
    """What one streamed file adds up to, before the zone → région lookup."""

    file: str
    lines: int  # data lines read (header excluded)
    acts: pd.DataFrame  # indicator_id, period, zone, acts, rows


def read_header(path: Path, *, file: str) -> list[str]:
    """The header names, without the empty field that the trailing `;` leaves."""
    try:
        with gzip.open(path, mode="rt", encoding="utf-8", newline="") as fh:
            first = fh.readline()
    except EOFError:
        raise DamirFormatError(
            file=file, problems=[f"Fichier « {file} » illisible : fichier gzip tronqué."]
        ) from None
    except (OSError, zlib.error, UnicodeDecodeError) as exc:
        raise DamirFormatError(
            file=file, problems=[f"Fichier illisible (gzip attendu) : {exc}."]
        ) from None
    if not first:
        raise DamirFormatError(file=file, problems=["Fichier vide : ligne d'en-tête absente."])
    fields = first.rstrip("\r\n").split(SEPARATOR)
    if fields[-1] != "":
        raise DamirFormatError(
            file=file,
            problems=[
                f"Fichier « {file} », ligne 1 : la ligne d'en-tête ne finit pas par « ; ». "
                "Attendu : le format Open DAMIR (« ; » en fin de chaque ligne)."
            ],
        )
    return [f.strip() for f in fields[:-1]]


def check_header(
    names: Sequence[str], *, file: str, columns: DamirColumns, width: int = FILE_WIDTH
) -> None:
    """The columns read must be present once, and the width must be the known one."""
    problems = [
        f"Fichier « {file} », ligne 1, colonne « {col} » : colonne absente de l'en-tête. "
        f"Attendu : l'en-tête Open DAMIR à {width} colonnes."
        for col in columns.typed()
        if col not in names
    ]
    problems += [
        f"Fichier « {file} », ligne 1, colonne « {col} » : colonne en double dans l'en-tête."
        for col in sorted({n for n in names if names.count(n) > 1})
    ]
    if len(names) != width:
        problems.append(
            f"Fichier « {file} », ligne 1 : {len(names)} colonnes dans l'en-tête. "
            f"Attendu : {width} colonnes suivies d'un « ; » final."
        )
    if problems:
        raise DamirFormatError(file=file, problems=problems)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns_clause(names: Sequence[str], *, columns: DamirColumns) -> str:
    types = {name: spec[0] for name, spec in columns.typed().items()}
    parts = [f"{_sql_literal(n)}: '{types.get(n, 'VARCHAR')}'" for n in names]
    parts.append(f"{_sql_literal(_END_OF_LINE)}: 'VARCHAR'")
    return "{" + ", ".join(parts) + "}"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(*, threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = {_sql_literal(memory_limit)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _reject_problem(row: tuple[Any, ...], *, file: str, width: int, columns: DamirColumns) -> str:
    line, column, error_type, csv_line = int(row[0]), str(row[1]), str(row[2]), str(row[3])
    typed = columns.typed()
    if error_type == "CAST" and column in typed:
        fields = csv_line.split(SEPARATOR)
        return cell_problem(
            file=file,
            row=line,
            column=column,
            value=_cell_value(fields, column=column, csv_line=csv_line, row=row),
            expected=typed[column][1],
        )
    found = csv_line.rstrip("\r\n").count(SEPARATOR)
    return (
        f"Fichier « {file} », ligne {line} : {found} champs au lieu de {width}. "
        f"Attendu : {width} valeurs séparées par « ; », suivies d'un « ; » final."
    )


def _cell_value(fields: list[str], *, column: str, csv_line: str, row: tuple[Any, ...]) -> str:
    index = int(row[4]) - 1 if row[4] is not None else -1  # column_idx is 1-based
    if 0 <= index < len(fields):
        return fields[index]
    match = re.search(r'string "(.*)" to', str(row[5]))
    return match.group(1) if match else csv_line.strip()


class _ChunkWriter:
    """Inflate the gzip file from a thread into line-aligned chunk files, each with the header.

    isal inflates about twice as fast as zlib and releases the GIL. DuckDB parses a seekable
    file on both cores but a FIFO on one only, so the file is cut into chunks of about
    `_CHUNK_BYTES` that DuckDB parses in parallel while the next one is inflated. At most
    `_CHUNKS_AHEAD` finished chunks wait on disk; the reader deletes each one after use.
    """

    def __init__(self, path: Path, *, directory: Path, file: str) -> None:
        self.path = path
        self.directory = directory
        self.file = file
        self.error: str | None = None
        self.ready: queue.Queue[tuple[Path, int] | None] = queue.Queue(maxsize=_CHUNKS_AHEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._pump, name="damir-gunzip", daemon=True)
        self._header = b""
        self._out: BinaryIO | None = None
        self._chunk: Path | None = None
        self._size = 0
        self._lines = 0  # data lines in the chunks already handed over
        self._chunk_lines = 0
        self._count = 0

    def _hand_over(self, item: tuple[Path, int] | None) -> None:
        while not self.stop.is_set():
            try:
                self.ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Abandoned

    def _open_chunk(self) -> BinaryIO:
        self._count += 1
        self._chunk = self.directory / f"part{self._count:05d}.csv"
        out = self._chunk.open("wb")
        out.write(self._header)
        self._out, self._size, self._chunk_lines = out, len(self._header), 0
        return out

    def _close_chunk(self) -> None:
        if self._out is None or self._chunk is None:
            return
        self._out.close()
        self._out = None
        self._hand_over((self._chunk, self._lines))
        self._lines += self._chunk_lines

    def _write(self, data: bytes) -> None:
        out = self._out or self._open_chunk()
        if self._size + len(data) >= _CHUNK_BYTES and (cut := data.rfind(b"\n") + 1):
            out.write(data[:cut])
            self._chunk_lines += data.count(b"\n", 0, cut)
            self._size += cut
            self._close_chunk()
            data = data[cut:]
            if not data:
                return
            out = self._open_chunk()
        out.write(data)
        self._chunk_lines += data.count(b"\n")
        self._size += len(data)

    def _feed(self, data: bytes, pending: bytearray) -> None:
        if self._header or not data:
            if data:
                self._write(data)
            return
        pending += data
        end = pending.find(b"\n") + 1
        if end:
            self._header = bytes(pending[:end])
            rest = bytes(pending[end:])
            pending.clear()
            self._open_chunk()
            if rest:
                self._write(rest)

    def _pump(self) -> None:
        pending = bytearray()  # the header line, until its end is seen
        try:
            try:
                with self.path.open("rb") as src:
                    inflater = isal_zlib.decompressobj(31)
                    while chunk := src.read(_CHUNK):
                        while chunk:
                            self._feed(inflater.decompress(chunk), pending)
                            chunk = b""
                            if inflater.eof and inflater.unused_data:  # next gzip member
                                chunk = inflater.unused_data
                                inflater = isal_zlib.decompressobj(31)
                    self._feed(inflater.flush(), pending)
                    if not inflater.eof:
                        self.error = "fichier gzip tronqué (fin de flux absente)"
                if self.error is None:
                    if not self._header:  # a header line without its end of line
                        self._header = bytes(pending)
                        self._open_chunk()
                    self._close_chunk()
            except _Abandoned:
                return
            except Exception as exc:  # OSError or isal's IsalError (untyped in its stubs)
                self.error = f"gzip invalide ({exc})"
            finally:
                if self._out is not None:
                    self._out.close()
            self._hand_over(None)
        except _Abandoned:
            return

    def chunks(self) -> Iterator[tuple[Path, int]]:
        """Finished chunks and the number of data lines before each, in file order."""
        while (item := self.ready.get()) is not None:
            yield item

    def abandon(self) -> None:
        """Stop the thread when the reader stopped first."""
        self.stop.set()
        self.thread.join(timeout=60)

    def raise_if_failed(self) -> None:
        self.thread.join()
        if self.error:
            raise DamirFormatError(
                file=self.file,
                problems=[f"Fichier « {self.file} » illisible : {self.error}. Aucune donnée."],
            )


class _Abandoned(Exception):
    """The reader stopped: the inflating thread ends without handing anything over."""


@contextmanager
def _decompressed(path: Path, *, file: str) -> Iterator[_ChunkWriter]:
    with tempfile.TemporaryDirectory(prefix="damir-") as tmp:
        pump = _ChunkWriter(path, directory=Path(tmp), file=file)
        pump.thread.start()
        try:
            yield pump
        finally:
            pump.abandon()


def stream_aggregate(
    path: Path,
    *,
    codes: ActCodes,
    file: str | None = None,
    columns: DamirColumns | None = None,
    width: int = FILE_WIDTH,
    threads: int = 2,
    memory_limit: str = "512MB",
) -> DamirAggregate:
    """Stream one monthly file and sum the act quantities by indicator, period and zone.

    Every line is type-checked on the five columns read, so a bad file fails whole: its
    errors (up to 50) are raised together and nothing is returned.
    """
    file = file or path.name
    columns = columns or DamirColumns()
    names = read_header(path, file=file)
    check_header(names, file=file, columns=columns, width=width)
    code_to_indicator = codes.indicator_of()
    by_indicator: dict[str, list[int]] = {}
    for code, ind in sorted(code_to_indicator.items()):
        by_indicator.setdefault(ind, []).append(code)
    indicator_of_code = " ".join(
        f"WHEN act_code IN ({', '.join(str(c) for c in codes_)}) THEN {_sql_literal(ind)}"
        for ind, codes_ in sorted(by_indicator.items())
    )
    q = _quote_ident
    types = columns.typed()
    create = f"""
        CREATE TEMP TABLE counted (
            period {types[columns.period][0]}, zone {types[columns.zone][0]},
            indicator_id VARCHAR, kept BOOLEAN,
            rows BIGINT, acts DOUBLE, quantities BIGINT
        )
    """
    chunk_sql = f"""
        INSERT INTO counted
        WITH src AS (
            SELECT {q(columns.period)} AS period, {q(columns.zone)} AS zone,
                   {q(columns.act_code)} AS act_code, {q(columns.quantity)} AS quantity,
                   {q(columns.reimbursement_type)} AS rem_typ
            FROM read_csv(
                {{csv}},
                delim = ';', header = true, auto_detect = false, quote = '', escape = '',
                compression = 'none', columns = {_columns_clause(names, columns=columns)},
                store_rejects = true, rejects_limit = {MAX_REPORTED_ERRORS}
            )
        )
        SELECT period, zone, CASE {indicator_of_code} END AS indicator_id, rem_typ = 0 AS kept,
               count(*) AS rows, sum(quantity) AS acts, count(quantity) AS quantities
        FROM src GROUP BY ALL
    """
    sql = """
        SELECT period, zone, indicator_id, kept,
               sum(rows)::BIGINT AS rows, sum(acts) AS acts,
               sum(quantities)::BIGINT AS quantities
        FROM counted GROUP BY ALL
    """
    rejects: list[tuple[Any, ...]] = []
    con = _connect(threads=threads, memory_limit=memory_limit)
    try:
        con.execute(create)
        with _decompressed(path, file=file) as plain:
            for chunk, lines_before in plain.chunks():
                try:
                    con.execute(chunk_sql.replace("{csv}", _sql_literal(str(chunk))))
                except duckdb.Error as exc:
                    plain.abandon()
                    plain.raise_if_failed()
                    raise DamirFormatError(
                        file=file, problems=[f"Lecture interrompue : {exc}"]
                    ) from None
                chunk.unlink()
                if len(rejects) < MAX_REPORTED_ERRORS:
                    rejects += [
                        (int(r[0]) + lines_before, *r[1:])
                        for r in con.execute(
                            "SELECT line, column_name, error_type, csv_line, column_idx, "
                            "error_message FROM reject_errors ORDER BY line "
                            f"LIMIT {MAX_REPORTED_ERRORS}"
                        ).fetchall()
                    ]
            plain.raise_if_failed()
        grouped = con.execute(sql).df()
    finally:
        con.close()
    if rejects:
        problems = [
            _reject_problem(r, file=file, width=width, columns=columns)
            for r in rejects[:MAX_REPORTED_ERRORS]
        ]
        # DuckDB rejects a short line once per missing column: say it once.
        raise DamirFormatError(file=file, problems=list(dict.fromkeys(problems)))
    return _checked_aggregate(grouped, file=file, columns=columns)


def _checked_aggregate(
    grouped: pd.DataFrame, *, file: str, columns: DamirColumns
) -> DamirAggregate:
    """Keep counted rows; a counted row needs a valid month and a quantity."""
    lines = int(grouped["rows"].sum()) if len(grouped) else 0
    counted = grouped[grouped["kept"].fillna(False).astype(bool) & grouped["indicator_id"].notna()]
    problems: list[str] = []
    for period in sorted(set(counted["period"].dropna().astype(int))):
        if not (190001 <= period <= 299912 and 1 <= period % 100 <= 12):
            problems.append(
                f"Fichier « {file} », colonne « {columns.period} » : mois de traitement "
                f"invalide « {period} ». Attendu : AAAAMM (ex. « 202401 »)."
            )
    if counted["period"].isna().any():
        problems.append(
            f"Fichier « {file} », colonne « {columns.period} » : mois de traitement vide "
            "sur une ligne d'acte compté. Attendu : AAAAMM."
        )
    if (counted["quantities"] < counted["rows"]).any():
        problems.append(
            f"Fichier « {file} », colonne « {columns.quantity} » : quantité vide sur une "
            "ligne d'acte compté. Attendu : un nombre."
        )
    if problems:
        raise DamirFormatError(file=file, problems=problems)
    acts = (
        counted.assign(
            period=counted["period"].astype("int64").astype(str),
            zone=counted["zone"].astype("Int64"),
        )
        .groupby(["indicator_id", "period", "zone"], dropna=False, as_index=False)
        .agg(acts=("acts", "sum"), rows=("rows", "sum"))
        .sort_values(["indicator_id", "period", "zone"], na_position="last")
        .reset_index(drop=True)
    )
    return DamirAggregate(file=file, lines=lines, acts=acts)


# --------------------------------------------------------------------------- tidy rows


@dataclass(frozen=True)
class DamirResult:
    """Tidy rows for France, the régions and the région groups, and the zones mapped to none."""

    tidy: pd.DataFrame
    unmapped: pd.DataFrame  # indicator_id, period, zone, acts, rows


def _format_count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def to_regions(aggregate: DamirAggregate, *, zones: ZoneLookup) -> DamirResult:
    """Zones → régions and région groups; France sums every counted row once.

    Each zone goes to one area at most: its région (the 11 single-région zones), its région
    group (5 → « Outre-mer (5 DROM) », 93 → « PACA et Corse »), or none (99 « inconnu », zones
    outside the lookup). France is the sum of all zones, each counted once: régions plus
    groups plus unmapped zones equal France, and a group is never split into its régions.
    """
    acts = aggregate.acts

    def area_of(lookup: Mapping[int, str]) -> pd.Series:
        return acts["zone"].map(lambda z: lookup.get(int(z)) if pd.notna(z) else None)

    region, group = area_of(zones.regions), area_of(zones.groups)
    unmapped = acts[region.isna() & group.isna()].reset_index(drop=True)
    keys = ["indicator_id", "period", "code"]
    regional = acts.assign(code=region)[region.notna()].groupby(keys, as_index=False)["acts"].sum()
    grouped = acts.assign(code=group)[group.notna()].groupby(keys, as_index=False)["acts"].sum()
    national = acts.groupby(["indicator_id", "period"], as_index=False)["acts"].sum()

    def tidy_rows(frame: pd.DataFrame, *, level: str) -> list[dict[str, Any]]:
        """One total row per (indicator, period, area) of `frame` (national: no `code`)."""
        return [
            {
                "indicator_id": r.indicator_id,
                "level": level,
                "code": getattr(r, "code", NATIONAL_CODE),
                "period": r.period,
                "breakdown": TOTAL,
                "value": _format_count(r.acts),
                "is_masked": False,
            }
            for r in frame.itertuples(index=False)
        ]

    rows = tidy_rows(national, level=_NATIONAL) + tidy_rows(regional, level=_REGION)
    rows += tidy_rows(grouped, level=_GROUP)
    # A total has no line of the source file: an error names its line in the table of totals.
    for line, row in enumerate(rows, start=2):
        row["row"], row["file"] = line, f"{aggregate.file} (totaux par zone)"
    for r in unmapped.itertuples(index=False):
        zone = "vide" if pd.isna(r.zone) else str(r.zone)
        label = zones.labels.get(int(r.zone), "hors table") if pd.notna(r.zone) else "hors table"
        logger.warning(
            "Open DAMIR « %s » : %s acte(s) « %s » du mois %s en zone « %s » (%s), "
            "rattachés à aucune région : comptés dans le total France seulement.",
            aggregate.file,
            _format_count(r.acts),
            r.indicator_id,
            r.period,
            zone,
            label,
        )
    return DamirResult(tidy=tidy_frame(rows), unmapped=unmapped)


# --------------------------------------------------------------------------- connector

_DEFAULT_URL = (
    "https://open-data-assurance-maladie.ameli.fr/depenses/download_file.php"
    "?file=Open_DAMIR/A{yyyy}{mm}.csv.gz"
)


class Config(ConnectorConfig):
    """A `sources:` entry of type `damir`: which month, where, and the lookups to use."""

    type: Literal["damir"] = "damir"
    month: str  # processing month to fetch, « AAAA-MM »
    url_template: str = _DEFAULT_URL  # placeholders {yyyy} and {mm}
    zones_file: Path = ZONES_CSV
    acts_file: Path = ACTS_CSV
    act_code_column: str = "PRS_NAT"
    width: int = FILE_WIDTH

    @field_validator("month")
    @classmethod
    def _month_is_yyyy_mm(cls, value: str) -> str:
        if not re.fullmatch(r"(19|20)\d{2}-(0[1-9]|1[0-2])", value):
            raise ValueError(f"mois « {value} » invalide : attendu AAAA-MM (ex. « 2024-01 »)")
        return value

    @field_validator("url_template")
    @classmethod
    def _template_has_month(cls, value: str) -> str:
        if "{yyyy}" not in value or "{mm}" not in value:
            raise ValueError("« url_template » doit contenir « {yyyy} » et « {mm} »")
        return value

    @property
    def file_name(self) -> str:
        yyyy, mm = self.month.split("-")
        return f"A{yyyy}{mm}.csv.gz"

    @property
    def url(self) -> str:
        yyyy, mm = self.month.split("-")
        return self.url_template.replace("{yyyy}", yyyy).replace("{mm}", mm)


class DamirConnector(BaseConnector[Config]):
    """Connector `damir`: download one processing month, stream it, sum telehealth acts."""

    def extract(self, *, fetcher: Fetcher) -> RawFile:
        if not self.config.verified:
            raise SourceError(
                f"Source « {self.name} » non vérifiée (codes PRS_NAT et zones BEN_RES_REG à "
                "confirmer dans le descriptif Cnam) : elle n'est pas exécutée."
            )
        return fetcher.download(self.config.url, source=self.name, file_name=self.config.file_name)

    def result(self, raw: RawFile) -> DamirResult:
        codes = load_act_codes(self.config.acts_file)
        zones = load_zones(self.config.zones_file)
        aggregate = stream_aggregate(
            raw.path,
            codes=codes,
            file=raw.display_name,
            columns=DamirColumns(act_code=self.config.act_code_column),
            width=self.config.width,
        )
        return to_regions(aggregate, zones=zones)

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        codes = load_act_codes(self.config.acts_file)
        for indicator_id in codes.by_indicator:
            catalog.get(indicator_id)  # an unknown indicator stops the run here
        return self.result(raw).tidy
