"""The curated file of really published figures: the product's real data points.

Every row goes to `published_figures` (alternatives included). Retained rows whose
unit and period fit the indicator's series also become observations with origin
`published`, validated and written through the one write path (etl.write); the others
are shown beside the series, never summed into it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert

from core.catalog import Catalog
from core.errors import UserError, cell_problem
from core.geography import GeographyError, normalize_code
from core.models import TOTAL, Origin, PublishedFigure, Qualifier
from core.package_data import package_path
from core.periods import PERIOD_TYPE, period_start
from etl.load import KEY, purge_origin
from etl.pipeline import write_rows
from etl.runlog import LoadReport
from etl.sync import area_ids, sync_reference
from etl.validate import validate_tidy
from etl.write import Provenance, WriteRequest, recorded_write

PUBLISHED_CSV = package_path("etl", "reference", "published_figures.csv")
COLUMNS = [
    "slug",
    "geo_level",
    "geo_code",
    "period_type",
    "period_start",
    "breakdown",
    "value",
    "unit",
    "qualifier",
    "retained",
    "source_publisher",
    "source_title",
    "source_url",
    "published_on",
    "verified",
    "note",
]
PERIOD_TYPES = {"date", "month", "quarter", "year"}
_BOOL = {"true": True, "false": False}


class PublishedFileError(UserError):
    """The curated file has errors; the French message names row, column and value."""


def read_published(path: Path, catalog: Catalog) -> pd.DataFrame:
    """Parse and check the file; all problems are reported at once (first 50)."""
    name = path.name
    try:
        raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise PublishedFileError(f"Fichier « {name} » illisible : {exc}") from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise PublishedFileError(f"Fichier « {name} » : colonnes manquantes {', '.join(missing)}.")
    problems: list[str] = []
    out = []
    for i, rec in enumerate(raw.to_dict("records")):
        row = i + 2  # spreadsheet numbering: the header is row 1

        def bad(column: str, expected: str, rec: dict[str, str] = rec, row: int = row) -> None:
            problems.append(
                cell_problem(
                    file=name, row=row, column=column, value=rec[column], expected=expected
                )
            )

        ind = catalog.by_id.get(rec["slug"])
        if ind is None:
            bad("slug", "un identifiant d'indicateur du catalogue")
            continue
        try:
            code = normalize_code(rec["geo_level"], rec["geo_code"])
        except GeographyError as exc:
            problems.append(
                cell_problem(
                    file=name, row=row, column="geo_code", value=rec["geo_code"], expected=str(exc)
                )
            )
            continue
        if rec["period_type"] not in PERIOD_TYPES:
            bad("period_type", "date, month, quarter ou year")
            continue
        try:
            start = dt.date.fromisoformat(rec["period_start"])
        except ValueError:
            bad("period_start", "une date AAAA-MM-JJ")
            continue
        try:
            value = float(rec["value"])
        except ValueError:
            bad("value", "un nombre avec un point décimal")
            continue
        if rec["qualifier"] not in {q.value for q in Qualifier}:
            bad("qualifier", "exact, approx, lower_bound ou upper_bound")
            continue
        if rec["retained"] not in _BOOL or rec["verified"] not in _BOOL:
            bad("retained" if rec["retained"] not in _BOOL else "verified", "true ou false")
            continue
        breakdown = rec["breakdown"] or TOTAL
        if breakdown != TOTAL and (ind.breakdown is None or breakdown not in ind.breakdown.values):
            bad("breakdown", f"« {TOTAL} » ou une valeur de ventilation de « {ind.id} »")
            continue
        out.append(
            {
                **rec,
                "geo_code": code,
                "period_start": start,
                "breakdown": breakdown,
                "value": value,
                "retained": _BOOL[rec["retained"]],
                "verified": _BOOL[rec["verified"]],
                "row": row,
            }
        )
    if problems:
        more = f"\n… et {len(problems) - 50} autre(s) problème(s)." if len(problems) > 50 else ""
        raise PublishedFileError("\n".join(problems[:50]) + more)
    return pd.DataFrame(out)


def series_rows(figures: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """Which rows become observations: retained, same unit, a period the series has."""
    keep = []
    for rec in figures.to_dict("records"):
        ind = catalog.get(rec["slug"])
        fits_period = rec["period_type"] == PERIOD_TYPE[ind.frequency] or (
            rec["period_type"] == "date" and ind.nature == "stock"
        )
        keep.append(
            bool(rec["retained"])
            and rec["unit"] == ind.unit
            and fits_period
            and rec["geo_level"] in ind.levels_shown
        )
    mask = pd.Series(keep, index=figures.index, dtype=bool)
    if not mask.any():
        return mask
    # Two figures in one period (10/01 and 18/01): the exact one, then the latest, wins.
    chosen = figures[mask].assign(
        period=[
            period_start(r["period_start"], catalog.get(r["slug"]).frequency)
            for r in figures[mask].to_dict("records")
        ],
        inexact=figures.loc[mask, "qualifier"] != Qualifier.exact.value,
    )
    chosen = chosen.sort_values(["inexact", "period_start"], ascending=[True, False])
    winners = chosen.drop_duplicates(["slug", "geo_level", "geo_code", "period", "breakdown"])
    return pd.Series(figures.index.isin(winners.index), index=figures.index)


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _observations(
    conn: Connection, figures: pd.DataFrame, *, catalog: Catalog, file: str
) -> pd.DataFrame:
    """The series rows as observations, through the same validation as every load."""
    tidy = []
    extra = []
    for r in figures.to_dict("records"):
        ind = catalog.get(r["slug"])
        start = period_start(r["period_start"], ind.frequency)
        tidy.append(
            {
                "indicator_id": ind.id,
                "level": r["geo_level"],
                "code": r["geo_code"],
                "period": f"{start:%Y}" if ind.frequency == "yearly" else f"{start:%Y-%m}",
                "breakdown": r["breakdown"],
                "value": repr(float(r["value"])),
                "row": r["row"],
                "file": file,
            }
        )
        extra.append(
            {
                "qualifier": r["qualifier"],
                "observed_on": r["period_start"] if r["period_type"] == "date" else None,
                "source_label": f"{r['source_publisher']} — {r['source_title']}"
                + (f" ({r['published_on']})" if r["published_on"] else ""),
                "source_url": r["source_url"] or None,
            }
        )
    if not tidy:
        return pd.DataFrame(columns=["indicator_id", *KEY[1:]])
    frame = validate_tidy(
        pd.DataFrame(tidy),
        catalog=catalog,
        area_ids=area_ids(conn),
        origin=Origin.published,
        file=file,
        ratio_parts=False,
    )
    for column, values in pd.DataFrame(extra).items():
        frame[column] = values.to_numpy()
    return frame


def _replace_table(conn: Connection, figures: pd.DataFrame, in_series: pd.Series) -> None:
    """The published table holds the file, row for row, alternatives included."""
    conn.execute(delete(PublishedFigure))
    table_rows = [
        {
            "indicator_id": r["slug"],
            "geo_level": r["geo_level"],
            "geo_code": r["geo_code"],
            "period_type": r["period_type"],
            "period_start": r["period_start"],
            "breakdown": r["breakdown"],
            "value": r["value"],
            "unit": r["unit"],
            "qualifier": Qualifier(r["qualifier"]),
            "retained": r["retained"],
            "in_series": bool(flag),
            "source_publisher": r["source_publisher"],
            "source_title": r["source_title"],
            "source_url": r["source_url"],
            "published_on": r["published_on"] or None,
            "verified": r["verified"],
            "note": r["note"] or None,
        }
        for r, flag in zip(figures.to_dict("records"), in_series, strict=True)
    ]
    if table_rows:
        conn.execute(insert(PublishedFigure), table_rows)


def load_published(
    engine: Engine, path: Path, *, catalog: Catalog, lock_timeout: float | None = None
) -> LoadReport:
    """Replace the published table and load its series rows through the one write path.

    Series rows are validated like any load; observations of a figure gone from the
    file are deleted (etl.load.purge_origin). Their stocks are not compared with what is
    stored (etl.pipeline.check_stocks): the file replaces every published row, so its own
    check covers the published series, and a figure checked by hand against its
    publication outranks any deposit or source value it would be compared with.
    Raises PublishedFileError, ValidationFailed.
    """
    prov = Provenance(
        source_url=str(path), retrieved_at=dt.datetime.now(dt.UTC), checksum=file_checksum(path)
    )
    request = WriteRequest("chiffres-publies", "published", prov, lock_timeout=lock_timeout)
    with recorded_write(engine, request) as write:
        figures = read_published(path, catalog)
        write.report.rows_read = len(figures)
        with write.transaction() as conn:
            sync_reference(conn, catalog)
            in_series = series_rows(figures, catalog)
            _replace_table(conn, figures, in_series)
            frame = _observations(conn, figures[in_series], catalog=catalog, file=path.name)
            report, aggregates = (LoadReport(), LoadReport())
            if not frame.empty:
                report, aggregates = write_rows(
                    conn, frame, catalog=catalog, run_id=write.run_id, origin=Origin.published
                )
            deleted = purge_origin(conn, Origin.published, run_id=write.run_id, keep=frame)
            write.report = report + aggregates
            write.report.rows_read = len(figures)
            write.report.rows_deleted += deleted
    return write.report
