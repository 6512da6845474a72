"""Baromètre des résultats de l'action publique (DITP): one indicator file `ind-NNN.csv`.

The government's targets dashboard publishes, per indicator and zone, dated rows with an
initial value, a current value, a target value and a progress rate
(`indic_id,enforce_zone_id,metric_enforce_date,maille,indic_vi,indic_va,indic_vc,indic_ta`).
Only the current value (`indic_va`) is an observation: the initial value is a baseline and
the target row is dated at its deadline, so rows without a date or a current value are
skipped. A vendored snapshot (etl/reference/ditp/, see its LISEZMOI.md) is read by default,
so `make run` needs no network; `url_template` reads the live raw file instead.

The file also sets targets, zone by zone: `read_targets` gives each zone's target value
(`indic_vc`, on a row dated at its deadline month) with its own baseline (`indic_vi` and
its date). A target applies to a zone only where the file sets one; they are written
with the observations, in the same run (etl.targets).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import model_validator

from core.catalog import Catalog
from core.errors import cell_problem
from core.geography import GeographyError, normalize_code
from core.models import TOTAL
from core.package_data import package_path
from etl.sources.base import (
    BaseConnector,
    ConnectorConfig,
    Fetcher,
    RawFile,
    SourceError,
    tidy_frame,
)
from etl.sources.table import read_raw_table
from etl.targets import TARGET_COLUMNS, SourceTargets, empty_targets

REFERENCE_DIR = package_path("etl", "reference")
SNAPSHOT_COMMIT = "c469c68f9abaceda0987e75f02d1dc0037563d36"
SNAPSHOT_URL = (
    "https://raw.githubusercontent.com/DITP-pilotage/barometre-resultats/"
    f"{SNAPSHOT_COMMIT}/data/{{file}}"
)
COLUMNS: tuple[str, ...] = (
    "indic_id",
    "enforce_zone_id",
    "metric_enforce_date",
    "maille",
    "indic_vi",
    "indic_va",
    "indic_vc",
    "indic_ta",
)
MAX_REPORTED_ERRORS = 20

# maille -> (our level, zone prefix, what a zone of that level looks like)
_LEVELS: dict[str, tuple[str, str, str]] = {
    "NAT": ("national", "", "« FRANCE »"),
    "REG": ("region", "R", "« R » suivi d'un code de région (ex. « R84 », « R01 »)"),
    "DEPT": ("department", "D", "« D » suivi d'un code de département (ex. « D2A », « D971 »)"),
}
_DATE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])-01")
_DATE_EXPECTED = "le premier jour d'un mois, AAAA-MM-01 (ex. « 2024-07-01 »)"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_NUMBER_EXPECTED = "un nombre à point décimal (ex. « 19.3 ») ou une cellule vide"


class Config(ConnectorConfig):
    """A `sources:` entry of type `ditp`: which Baromètre indicator feeds which series."""

    type: Literal["ditp"] = "ditp"
    ditp_id: str  # « IND-583 »
    indicator: str  # catalog id fed by the current value
    directory: str = "ditp"  # snapshot folder: absolute, or relative to etl/reference
    url_template: str | None = None  # live raw file, placeholder {file} (« ind-583.csv »)

    @model_validator(mode="after")
    def _well_formed(self) -> Config:
        if not re.fullmatch(r"IND-\d+", self.ditp_id):
            raise ValueError(f"identifiant « {self.ditp_id} » invalide : attendu « IND-NNN »")
        if self.url_template is not None and "{file}" not in self.url_template:
            raise ValueError("« url_template » doit contenir « {file} »")
        return self

    @property
    def file_name(self) -> str:
        return f"{self.ditp_id.lower()}.csv"


def _area(zone: str, maille: str, *, file: str, row: int) -> tuple[str, str]:
    """(level, COG code) of a Baromètre zone; the zone must agree with its `maille`."""
    if maille not in _LEVELS:
        raise ValueError(
            cell_problem(
                file=file, row=row, column="maille", value=maille,
                expected="« NAT », « REG » ou « DEPT »",
            )
        )  # fmt: skip
    level, prefix, expected = _LEVELS[maille]
    wrong = cell_problem(
        file=file, row=row, column="enforce_zone_id", value=zone, expected=expected
    )
    if level == "national":
        if zone != "FRANCE":
            raise ValueError(wrong)
        return level, normalize_code(level, zone)
    if not zone.startswith(prefix):
        raise ValueError(wrong)
    try:
        return level, normalize_code(level, zone.removeprefix(prefix))
    except GeographyError:
        raise ValueError(wrong) from None


def _refuse(problems: list[str], *, what: str) -> None:
    """Raise one SourceError listing the first bad cells, if any."""
    if not problems:
        return
    shown = "\n".join(f"- {p}" for p in problems[:MAX_REPORTED_ERRORS])
    more = len(problems) - MAX_REPORTED_ERRORS
    tail = f"\n… et {more} autre(s) erreur(s)." if more > 0 else ""
    raise SourceError(f"{what}, aucune donnée retenue :\n{shown}{tail}")


def read_rows(frame: pd.DataFrame, *, ditp_id: str, indicator: str, file: str) -> pd.DataFrame:
    """Tidy rows of one Baromètre file; every bad cell is named (up to 20), nothing kept."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SourceError(
            f"Fichier « {file} » : colonnes absentes {', '.join(f'« {c} »' for c in missing)}. "
            f"Attendu : l'en-tête du Baromètre ({','.join(COLUMNS)})."
        )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for row, cells in frame[list(COLUMNS)].fillna("").iterrows():
        line = int(row)
        get = {c: str(cells[c]).strip() for c in COLUMNS}
        date, value = get["metric_enforce_date"], get["indic_va"]
        checks = (
            ("indic_id", get["indic_id"] == ditp_id, f"« {ditp_id} » (un fichier par indicateur)"),
            ("metric_enforce_date", not date or _DATE.fullmatch(date), _DATE_EXPECTED),
            ("indic_va", not value or _NUMBER.fullmatch(value), _NUMBER_EXPECTED),
        )
        bad = [(col, expected) for col, ok, expected in checks if not ok]
        problems += [
            cell_problem(file=file, row=line, column=col, value=get[col], expected=expected)
            for col, expected in bad
        ]
        try:
            level, code = _area(get["enforce_zone_id"], get["maille"], file=file, row=line)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if bad or not date or not value:
            continue  # no observation: a baseline, a target or an empty territorial row
        rows.append(
            {
                "indicator_id": indicator,
                "level": level,
                "code": code,
                "period": date[:7],
                "breakdown": TOTAL,
                "value": value,
                "is_masked": False,
                "row": line,
                "file": file,
            }
        )
    _refuse(problems, what=f"Fichier du Baromètre « {file} » invalide")
    return tidy_frame(rows)


def _number(get: dict[str, str], column: str) -> float | None:
    return float(get[column]) if get[column] else None


def read_targets(frame: pd.DataFrame, *, ditp_id: str, indicator: str, file: str) -> pd.DataFrame:
    """Each zone's target (`indic_vc`, deadline = end of its row's month) and baseline
    (`indic_vi` and its row's date), in etl.targets.TARGET_COLUMNS; every bad cell named.

    Zones and levels are checked as `read_rows` does. A zone may have a target without a
    baseline (progress is then current ÷ target), not two of either.
    """
    problems: list[str] = []
    found: dict[str, dict[str, tuple[float, str, int]]] = {"indic_vi": {}, "indic_vc": {}}
    areas: dict[str, tuple[str, str]] = {}
    columns = [c for c in COLUMNS if c in frame.columns]
    for row, cells in frame[columns].fillna("").iterrows():
        line = int(row)
        get = {c: str(cells[c]).strip() if c in cells else "" for c in COLUMNS}
        date = get["metric_enforce_date"]
        for column in ("indic_vi", "indic_vc"):
            cell = get[column]
            if not cell:
                continue
            expected = ""
            if not _NUMBER.fullmatch(cell):
                expected = _NUMBER_EXPECTED
            elif not _DATE.fullmatch(date):
                problems.append(
                    cell_problem(
                        file=file, row=line, column="metric_enforce_date", value=date,
                        expected=f"la date de la valeur « {column} », {_DATE_EXPECTED}",
                    )
                )  # fmt: skip
                continue
            elif get["enforce_zone_id"] in found[column]:
                first = found[column][get["enforce_zone_id"]][2]
                expected = f"une seule valeur « {column} » par zone (déjà donnée ligne {first})"
            if expected:
                problems.append(
                    cell_problem(file=file, row=line, column=column, value=cell, expected=expected)
                )
                continue
            try:
                areas[get["enforce_zone_id"]] = _area(
                    get["enforce_zone_id"], get["maille"], file=file, row=line
                )
            except ValueError as exc:
                problems.append(str(exc))
                continue
            found[column][get["enforce_zone_id"]] = (float(cell), date, line)
    rows: list[dict[str, Any]] = []
    for zone, (value, date, line) in found["indic_vc"].items():
        year, month = int(date[:4]), int(date[5:7])
        deadline = dt.date(year, month, calendar.monthrange(year, month)[1])
        baseline = found["indic_vi"].get(zone)
        if baseline is not None and dt.date.fromisoformat(baseline[1]) >= deadline:
            problems.append(
                cell_problem(
                    file=file, row=baseline[2], column="metric_enforce_date", value=baseline[1],
                    expected=f"une date de valeur initiale antérieure à l'échéance de la "
                    f"cible ({date}, ligne {line})",
                )
            )  # fmt: skip
            continue
        level, code = areas[zone]
        rows.append(
            {
                "indicator_id": indicator,
                "level": level,
                "code": code,
                "deadline": deadline,
                "value": value,
                "baseline_value": baseline[0] if baseline else None,
                "baseline_date": dt.date.fromisoformat(baseline[1]) if baseline else None,
                "baseline_source": (
                    f"{ditp_id}, fichier « {file} », ligne {baseline[2]} "
                    f"(« indic_vi » du {baseline[1]})"
                )
                if baseline
                else None,
                "row": line,
                "file": file,
            }
        )
    _refuse(problems, what=f"Cibles du Baromètre « {file} » invalides")
    if not rows:
        return empty_targets()
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))


class DitpConnector(BaseConnector[Config]):
    """Connector `ditp`: the vendored snapshot by default, the live raw file when configured."""

    @property
    def snapshot(self) -> Path:
        directory = Path(self.config.directory)
        base = directory if directory.is_absolute() else REFERENCE_DIR / directory
        return base / self.config.file_name

    def extract(self, *, fetcher: Fetcher) -> RawFile:
        if self.config.url_template is None:
            return fetcher.register_local(self.snapshot, source=self.name)
        url = self.config.url_template.replace("{file}", self.config.file_name)
        return fetcher.download(url, source=self.name, file_name=self.config.file_name)

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        catalog.get(self.config.indicator)  # an unknown indicator stops the run here
        frame = read_raw_table(raw, fmt="csv")
        return read_rows(
            frame, ditp_id=self.config.ditp_id, indicator=self.config.indicator,
            file=raw.display_name,
        )  # fmt: skip

    @property
    def public_url(self) -> str:
        """The published file: the live one when configured, else the pinned commit's."""
        template = self.config.url_template or SNAPSHOT_URL
        return template.replace("{file}", self.config.file_name)

    def cited_url(self, raw: RawFile) -> str:
        """The published file, never the vendored copy's path on this machine."""
        del raw
        return self.public_url

    def to_targets(self, raw: RawFile, *, catalog: Catalog) -> SourceTargets:
        """The zones' targets and baselines the file sets (etl.targets writes them)."""
        catalog.get(self.config.indicator)
        frame = read_raw_table(raw, fmt="csv")
        targets = read_targets(
            frame, ditp_id=self.config.ditp_id, indicator=self.config.indicator,
            file=raw.display_name,
        )  # fmt: skip
        return SourceTargets(
            indicator_ids=frozenset({self.config.indicator}),
            frame=targets,
            source_title=f"{self.label} : valeur cible « indic_vc »",
            source_url=self.public_url,
        )
