"""Download routes: the table on screen as CSV (French or standard) or XLSX.

Plain links to server routes, so they work without JavaScript. The rows come from
`views`, the same functions the pages use: a download holds the rows of the table on
screen, in the columns of `dashboard.records` (one schema for every file): codes beside
labels, ISO periods, numbers as numbers at the published precision, unit, origin, source.

- French CSV (`…-fr.csv`): `;` separator, decimal comma, UTF-8 with BOM (Excel in French);
- standard CSV (`….csv`): RFC 4180, `,` separator, decimal point, UTF-8;
- XLSX (`….xlsx`): numeric cells with a number format at the published precision (a
  percentage stays in points, 41,5, shown « 41,5 % »; euros are shown « … € »), dates as
  dates, and a second sheet that describes each column; dated BOOK_TIME, so that its bytes
  depend on its rows only;
- JSON (`….json`, an indicator's tables): the records under a header (title, sources,
  permalink of the page, licence), as the data by URL (dashboard.view_files).

The series and breakdown tables are observation files (`records.observations`): the API
answers their bytes for the same selection (`views.api_query`).

The file name says the view (indicator, table, level, period, compared régions, values per
100 000 inhabitants, real data only) and differs between the three formats.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import flask
import openpyxl
import pandas as pd
from openpyxl.styles import Font

from core.catalog import CatalogError, Indicator
from core.errors import UserError
from core.periods import iso_period
from core.vocabulary import Level, Origin, TargetStatus, Unit
from dashboard import (
    fiches,
    grouped,
    guards,
    measure,
    queries,
    records,
    sharing,
    targets,
    urls,
    views,
)
from dashboard.figures.theme import VIEW_NOTE
from dashboard.formatting import format_date, format_period

FORMATS = {
    "-fr.csv": "csv_fr",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
MIMETYPES = {  # Werkzeug adds `; charset=utf-8` to text types itself
    "csv_fr": "text/csv",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {
    "-fr.csv": ("CSV (Excel français)", "séparateur « ; », virgule décimale"),
    ".csv": ("CSV standard", "séparateur « , », point décimal"),
    ".xlsx": ("XLSX", "classeur Excel"),
}
SUFFIXES = {fmt: suffix for suffix, fmt in FORMATS.items()}
INDICATOR_TABLES = ("serie", "carte", "repartition")
REAL_ONLY_NAME = "donnees-reelles"
PER_CAPITA_NAME = "pour-100000-habitants"
TOTALS_NAME = "rangs-totaux"  # a fiche's file whose ranks compare totals (`par_habitant=non`)
SHEET, COLUMNS_SHEET = "Données", "Colonnes"
JSON_SUFFIX = ".json"  # an indicator table, or a page's permalink (dashboard.view_files)
JSON_MIMETYPE = "application/json"
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
DATE_FORMAT = "dd/mm/yyyy"
BOOK_TIME = dt.datetime(2000, 1, 1)  # fixed, so that a workbook's bytes depend on its rows only
BOOK_AUTHOR = "Tableau de bord national du numérique en santé"
BOOK_STAMP = BOOK_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
CORE_PROPERTIES = "docProps/core.xml"
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


class UnknownDownload(UserError):
    """No table behind this address (unknown indicator, area or format)."""


class File(NamedTuple):
    """A download: its records (`dashboard.records` keys) and its name without suffix."""

    frame: pd.DataFrame
    name: str


# -- formats --------------------------------------------------------------------------------


def to_bytes(df: pd.DataFrame, *, fmt: str) -> bytes:
    """CSV fr: `;`, decimal comma, UTF-8 with BOM (Excel in French); CSV: RFC 4180, UTF-8;
    XLSX: typed cells. Columns named by a `records` key get its French title."""
    if fmt == "csv_fr":
        text = records.titled(df).to_csv(index=False, sep=";", decimal=",")
        return text.encode("utf-8-sig")
    if fmt == "csv":
        return records.titled(df).to_csv(index=False).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(df)
    raise UnknownDownload(f"Format inconnu « {fmt} ». Attendu : csv_fr, csv ou xlsx.")


def number_format(kind: str, *, unit: object = None, decimals: int = 0) -> str | None:
    """The XLSX number format of a cell: `#,##0.0" %"` for a percentage at one decimal
    (Excel shows the separators of the reader's locale); None for text."""
    if kind == "date":
        return DATE_FORMAT
    if kind == "integer":
        return "0"
    if kind == "percent":
        return "0" + _suffix(Unit.percent)
    if kind == "per_capita":
        decimals = measure.PER_CAPITA_DECIMALS
    elif kind != "measure":
        return None
    digits = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return digits + (_suffix(Unit(str(unit))) if str(unit) in Unit.__members__ else "")


def _suffix(unit: Unit) -> str:
    """The unit's symbol after the number, in a number format (the value is unchanged)."""
    return f'" {unit.symbol}"' if unit.symbol else ""


def _xlsx(df: pd.DataFrame) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet(SHEET)
    keys = [str(c) for c in df.columns]
    sheet.append([records.BY_KEY[k].title if k in records.BY_KEY else k for k in keys])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    kinds = [records.BY_KEY[k].kind if k in records.BY_KEY else "" for k in keys]
    units = df["unit"].tolist() if "unit" in df.columns else [None] * len(df)
    decimals = df["decimals"].tolist() if "decimals" in df.columns else [None] * len(df)
    for i, row in enumerate(df.itertuples(index=False), start=2):
        sheet.append([_plain(v) for v in row])
        places = decimals[i - 2]
        places = 0 if places is None or pd.isna(places) else int(places)
        for j, kind in enumerate(kinds, start=1):
            fmt = number_format(kind, unit=units[i - 2], decimals=places)
            if fmt is not None:
                sheet.cell(row=i, column=j).number_format = fmt
    sheet.freeze_panes = "A2"
    for j, key in enumerate(keys, start=1):
        title = records.BY_KEY[key].title if key in records.BY_KEY else key
        letter = openpyxl.utils.get_column_letter(j)
        sheet.column_dimensions[letter].width = max(12, min(40, len(title) + 4))
    described = [records.BY_KEY[k] for k in keys if k in records.BY_KEY]
    if described:
        about = book.create_sheet(COLUMNS_SHEET)
        about.append(["Colonne", "Nom pour les programmes", "Description"])
        for column in described:
            about.append([column.title, column.key, column.description])
    book.properties.creator = BOOK_AUTHOR
    book.properties.created = book.properties.modified = BOOK_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """The workbook's archive with every member dated BOOK_TIME (openpyxl dates them at the
    second it writes): the same rows give the same bytes, whichever route and whenever."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=BOOK_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(member.filename)
            if member.filename == CORE_PROPERTIES:  # openpyxl's save dates it `now`
                content = MODIFIED.sub(rb"\g<1>" + BOOK_STAMP + rb"\g<2>", content)
            target.writestr(info, content)
    return out.getvalue()


def _plain(value: object) -> Any:
    """A cell as openpyxl writes it: None for missing, Python numbers, dates as dates."""
    if value is None or (not isinstance(value, str | dt.date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def split_format(name: str) -> tuple[str, str]:
    """`serie-fr.csv` → (`serie`, `csv_fr`)."""
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return name[: -len(suffix)], fmt
    raise UnknownDownload(
        f"Format de fichier inconnu « {urls.shown(name)} ». Attendu : .csv, -fr.csv, .xlsx."
    )


def file_name(name: str, *, fmt: str) -> str:
    """`mes-carte-regions-2025-06` → `…-fr.csv`, `….csv` or `….xlsx`: one name per format."""
    return name + SUFFIXES[fmt]


# -- file names -----------------------------------------------------------------------------


def view_name(view: views.IndicatorView, what: str) -> str:
    """The name of a file or PNG export of an indicator view: indicator, what it is, then
    level and period (map, ranking), compared régions (series, comparison), breakdown
    dimension, and whether demo values are left out."""
    ind = view.indicator
    parts = [ind.id, what]
    if what in ("carte", "classement"):
        parts.append(str(Level(view.level).slug))
        if view.period is not None:
            parts.append(iso_period(view.period, ind.frequency))
        if view.per_capita:
            parts.append(PER_CAPITA_NAME)
    elif what == "repartition":
        parts += [ind.breakdown.dimension if ind.breakdown else "", "france"]
    else:
        parts.append("france")
        if what in ("serie", "comparaison") and view.compared:
            parts += [str(Level(view.level).slug), *view.compared]  # régions or départements
        if what == "comparaison" and view.per_capita:
            parts.append(PER_CAPITA_NAME)
    if view.real_only:
        parts.append(REAL_ONLY_NAME)
    return _safe("-".join(p for p in parts if p))


def export_marks(
    view: views.IndicatorView,
    what: str,
    frames: Sequence[pd.DataFrame],
    *,
    today: dt.date | None = None,
) -> tuple[str, list[str]]:
    """The title and notes a chart's PNG carries (`figures.theme.with_export_marks`): what it
    shows, its sources, the periods of its values, the day, « Données de démonstration »
    when one of its values is demo, and the URL of the view (its permalink, the one of
    « Copier le lien »; the browser writes it whole as it exports, assets/png-export.js)."""
    ind = view.indicator
    shown = [f.dropna(subset=["value"]) for f in frames if not f.empty]
    origins = {str(o) for f in shown for o in f["origin"].dropna()}
    real = bool(origins - {Origin.demo.value})
    sources = " ; ".join(s.name for s in ind.sources) if real else ""
    notes = [f"Source : {sources}"] if sources else []
    second = [f"<b>{records.DEMO_SOURCE.upper()}</b>"] if Origin.demo.value in origins else []
    periods = [p for f in shown if "period_start" in f for p in f["period_start"]]
    if not periods and view.period is not None:
        periods = [view.period]
    if periods:
        first, last = min(periods), max(periods)
        span = format_period(last, frequency=ind.frequency)
        if first != last:
            span = f"{format_period(first, frequency=ind.frequency)} à {span}"
        second.append(f"Données : {span}")
    second.append(f"Tableau de bord du numérique en santé, {format_date(today or dt.date.today())}")
    permalink = urls.indicator(ind.id, urls.normalise(view.state()))
    return f"{ind.short_label} — {what}", [*notes, " · ".join(second), VIEW_NOTE + permalink]


def _safe(name: str) -> str:
    """Only letters, digits, `_` and `-` reach a file name or a header."""
    return re.sub(r"[^A-Za-z0-9_-]", "", name)


# -- the tables -----------------------------------------------------------------------------


def indicator_frame(
    q: queries.Reads, *, indicator_id: str, table: str, params: Mapping[str, object]
) -> File:
    try:
        indicator = q.catalog.get(indicator_id)
    except CatalogError:
        raise UnknownDownload(f"Indicateur inconnu « {urls.shown(indicator_id)} ».") from None
    if table not in INDICATOR_TABLES:
        raise UnknownDownload(
            f"Tableau inconnu « {urls.shown(table)} ». Attendu : {', '.join(INDICATOR_TABLES)}."
        )
    view = views.indicator_view(q, indicator, params)
    if table in ("serie", "repartition"):
        rows = views.series_frame(view) if table == "serie" else views.breakdown_frame(view)
        frame = records.observations(rows, ind=indicator, catalog=q.catalog)
        return File(frame, view_name(view, table))
    facts = _map_facts(q, view)
    return File(records.records(facts, catalog=q.catalog), view_name(view, table))


def _map_facts(q: queries.Reads, view: views.IndicatorView) -> list[dict[str, Any]]:
    """The map and ranking table's rows and ranks, with each value's origin and source."""
    shown = views.snapshot_table(view)
    if view.snapshot is None or view.period is None or shown.empty:
        return []
    ind = view.indicator
    # the table's rows: région groups as rows of their own, their members without a value
    snap = grouped.ranking_rows(view.snapshot).drop_duplicates("code").set_index("code")
    series = q.series(indicator_id=ind.id, level=view.level)
    at_period = series[series["period_start"] == pd.Timestamp(view.period)].set_index("code")
    ranked = int(shown["Rang"].notna().sum()) or None  # none: a yes/no fact is not ranked
    own_targets = {t.code: t for t in view.territories}
    per_capita = "value_per_100k" in snap.columns
    facts = []
    for code, rank in zip(shown["Code"], shown["Rang"], strict=True):
        area = snap.loc[code]
        origin = area["origin"] if isinstance(area["origin"], str) else None
        source = at_period.loc[code] if origin and code in at_period.index else None
        fact: dict[str, Any] = {
            "indicator_id": ind.id,
            "level": view.level,
            "area_code": code,
            "area": area["name"],
            "period_start": view.period,
            "rank": None if pd.isna(rank) else int(rank),
            "ranked": ranked,
            "value": area["value"],
            "masked": area["is_masked"],
            "origin": origin,
            "source": None if source is None else source["source_label"],
            "source_url": None if source is None else source["source_url"],
            **_territory_target_fact(own_targets.get(str(code))),
        }
        if isinstance(area["note"], str):  # « publié avec une autre région : … »
            fact["remark"] = area["note"]
        if per_capita:
            fact["value_per_100k"] = measure.per_capita(area["value"], area["population"])
            fact["population"] = area["population"]
            fact["population_year"] = area["population_year"]
        facts.append(fact)
    return facts


def _territory_target_fact(t: targets.TerritoryAssessment | None) -> dict[str, Any]:
    """An area's own target (a Baromètre département's, say) beside its value; {} if none."""
    if t is None:
        return {}
    a = t.assessment
    return {
        "target_value": t.target.value,
        "deadline": t.target.deadline,
        "progress": a.progress,
        "status": a.status.value,
        "rests_on_demo": a.rests_on_demo,
        "basis": a.basis_label or None,
        "target_source": t.target.source_title,
        "target_source_url": t.target.source_url,
    }


def area_code(*, level_slug: str, code: str) -> tuple[Level, str]:
    """The level and canonical code of an area download: only these reach the file name."""
    level = Level.from_slug(level_slug)
    canonical = urls.valid_code(level, code) if level else None
    if level is None or canonical is None:
        raise UnknownDownload(
            f"Territoire inconnu « {urls.shown(level_slug)}/{urls.shown(code)} »."
        )
    return level, canonical


def area_frame(q: queries.Reads, *, level: Level, code: str, params: Mapping[str, object]) -> File:
    """The fiche's table: each indicator's latest value here, France, rank, period, level."""
    state = urls.normalise(params)
    real, totals = urls.real_only(state), not urls.per_capita(state)
    table = views.area_table(q, level=level, code=code, real_only=real, totals=totals)
    table = fiches.with_group_notes(
        table, fiches.group_notes(q, level=level, code=code, real_only=real)
    )
    facts = [
        {
            "indicator_id": r["indicator_id"],
            "level": level.value,
            "area_code": code,
            "period_start": r["period_start"],
            "value": r["Valeur"],
            "france_value": r["France"],
            "rank": r["rank"],
            "ranked": r["ranked"],
            "origin": r["origin"],
            "source": r["source"],
            "source_url": r["source_url"],
            "remark": r["Origine"] if pd.isna(r["origin"]) else None,  # why there is no value
            **{k: r[k] for k in views.PER_CAPITA_FACTS if pd.notna(r[k])},
        }
        for _, r in table.iterrows()
    ]
    name = "-".join(
        [
            str(level.slug),
            code,
            *([TOTALS_NAME] if totals else []),
            *([REAL_ONLY_NAME] if real else []),
        ]
    )
    return File(records.records(facts, catalog=q.catalog), name)


def region_departments_frame(
    q: queries.Reads, *, region_code: str, params: Mapping[str, object]
) -> File:
    """The fiche région's départements table for the indicator of `indicateur` (the first
    one with département values by default, as on the page): each département's value,
    period, France and région at the same period, its ranks in the région and in France."""
    state = urls.normalise(params)
    real, totals = urls.real_only(state), not urls.per_capita(state)
    choices = fiches.department_indicators(q, region_code=region_code, real_only=real)
    chosen = fiches.chosen_indicator(choices, urls.value(state, "indicateur"))
    if chosen is None:
        raise UnknownDownload("Aucun indicateur n'a de valeur par département ici.")
    table = fiches.region_departments(
        q, region_code=region_code, indicator=chosen, real_only=real, totals=totals
    )
    per_capita = bool(len(table)) and bool(table["per_capita"].iloc[0])
    facts = [
        {
            "indicator_id": chosen.id,
            "level": Level.department.value,
            "area_code": r.code,
            "area": r.name,
            "period_start": r.period_start,
            "value": r.value,
            "masked": r.is_masked,
            "france_value": r.france_value,
            "region_value": r.region_value,
            "region_rank": r.region_rank,
            "region_ranked": r.region_ranked,
            "rank": r.rank,
            "ranked": r.ranked,
            "origin": r.origin,
            "source": r.source,
            "source_url": r.source_url,
            **(_departments_per_capita(r) if per_capita else {}),
        }
        for r in table.itertuples(index=False)
    ]
    parts = [str(Level.region.slug), region_code, urls.DEPARTMENTS_TABLE, chosen.id]
    if per_capita:  # its ranks compare per 100 000 inhabitants
        parts.append(PER_CAPITA_NAME)
    elif totals and measure.applies(chosen, Level.department):
        parts.append(TOTALS_NAME)
    name = _safe("-".join([*parts, *([REAL_ONLY_NAME] if real else [])]))
    return File(records.records(facts, catalog=q.catalog), name)


def _departments_per_capita(r: Any) -> dict[str, Any]:
    """A département's value, France's and the région's per 100 000 inhabitants, and the
    département's population (`fiches.region_departments`)."""
    return {
        "value_per_100k": r.value_per_100k,
        "france_per_100k": r.france_per_100k,
        "region_per_100k": r.region_per_100k,
        "population": r.population,
        "population_year": r.population_year,
    }


def objectives_frame(
    q: queries.Reads, *, params: Mapping[str, object], today: dt.date | None = None
) -> File:
    """/objectifs as a file: each target with its current value, target, progress, status
    (code and label), what the status rests on (origin codes and labels) and its sources."""
    today = today or dt.date.today()
    state = urls.normalise(params)
    axis = urls.value(state, "axe")
    axis = axis if axis in {a.id for a in q.catalog.axes} else None
    real = urls.real_only(state)
    rows = views.target_rows(q, today=today, axis=axis, real_only=real)
    status = TargetStatus.from_slug(urls.value(state, "statut"))
    rows = views.with_status(rows, status)
    rows = views.sort_targets(rows, sort=urls.value(state, "tri") or "echeance")
    facts = [_target_fact(r) for r in rows]
    parts = [
        "objectifs",
        *(["axe", axis] if axis else []),
        *([status.slug] if status else []),
        *([REAL_ONLY_NAME] if real else []),
    ]
    name = _safe("-".join([*parts, "au", today.isoformat()]))
    return File(records.records(facts, catalog=q.catalog), name)


def _target_fact(r: views.TargetRow) -> dict[str, Any]:
    a, t = r.assessment, r.target
    scope_level = Level.national if t.scope == "FR" else Level.region
    source, source_url = _sources(r.indicator, a.origins)
    return {
        "indicator_id": r.indicator.id,
        "target": t.label,
        "level": scope_level.value,
        "area_code": t.scope,
        "period_start": a.current_period,
        "value": a.current,
        "target_value": t.value,
        "target_value_max": t.value_max,
        "deadline": t.deadline,
        "progress": a.progress,
        "status": a.status.value,
        "rests_on_demo": a.rests_on_demo,
        "basis": a.basis_label or None,
        "projected_start": a.projected_date,
        "remark": views.target_remark(r) or None,
        "unit": t.unit,
        "origin": a.origins,
        "source": source,
        "source_url": source_url,
        "target_source": t.source_title,
        "target_source_url": t.source_url,
    }


def _sources(ind: Indicator, origins: Iterable[Origin]) -> tuple[str | None, str | None]:
    """What a status's values come from: the indicator's sources if any real value was
    used, « Données de démonstration » if any demo value was."""
    used = set(origins)
    names, links = [], []
    if any(o.is_real for o in used):
        names = [s.name for s in ind.sources]
        links = [s.url for s in ind.sources if s.url]
    if Origin.demo in used:
        names.append(records.DEMO_SOURCE)
    return (" ; ".join(names) or None, " ; ".join(links) or None)


# -- links and routes -----------------------------------------------------------------------


def download_links(base: str, *, query: str = "") -> list[tuple[str, str, str]]:
    """(label, href, detail) for the three formats of a table at `base` (no suffix)."""
    suffix = f"?{query}" if query else ""
    return [
        (label, f"{base}{ext}{suffix}", detail) for ext, (label, detail) in FORMAT_LABELS.items()
    ]


def _send(file: File, *, fmt: str) -> flask.Response:
    data = to_bytes(file.frame, fmt=fmt)
    response = flask.Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(file.name, fmt=fmt)}"'
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def request_params() -> dict[str, object]:
    args = flask.request.args
    return {k: (v if len(v) > 1 else v[0]) for k, v in args.lists()}


def _region_departments_file(code: str, name: str) -> tuple[File, str]:
    """/donnees/regions/53/departements.csv: the file and its format, or UnknownDownload."""
    table, fmt = split_format(name)
    _, canonical = area_code(level_slug=str(Level.region.slug), code=code)
    if table != urls.DEPARTMENTS_TABLE:
        raise UnknownDownload(
            f"Tableau inconnu « {urls.shown(table)} ». Attendu : {urls.DEPARTMENTS_TABLE}."
        )
    return region_departments_frame(
        queries.store(), region_code=canonical, params=request_params()
    ), fmt


def answer(
    make: Callable[[], tuple[File, str]],
    send: Callable[[File, str], flask.Response] | None = None,
) -> flask.Response:
    """A file (sent by `send`, a download by default), or a plain French 404 (unknown
    address) or 503 (database unreachable)."""
    try:
        file, fmt = make()
    except UnknownDownload as exc:
        return guards.text_response(str(exc), status=404)
    except queries.DataUnavailable as exc:
        return guards.text_response(str(exc), status=503)
    return send(file, fmt) if send else _send(file, fmt=fmt)


def json_document(file: File, *, path: str, args: dict[str, object]) -> dict[str, Any]:
    """The records of a file (keys of `dashboard.records`, values as `records.json_records`
    writes them, as the API's observations) under a header: title, sources, permalink,
    licence."""
    meta = sharing.page_meta(path, args)
    frame = file.frame
    sources = sorted({str(s) for s in frame["source"].dropna()}) if "source" in frame else []
    permalink = urls.site_origin(flask.request.host_url) + (meta.canonical or path)
    return {
        "title": meta.title,
        "source": " ; ".join(sources) or None,
        "permalink": permalink,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "file": file.name,
        "records": records.json_records(frame),
    }


def send_json(file: File, _: str, *, path: str | None = None) -> flask.Response:
    """A file as JSON: the document of the page at `path` (the request's path without
    `.json` by default)."""
    request = flask.request
    args = request.args.to_dict(flat=False)
    if path is not None:  # a download's page is `path`, whatever its query names
        found = urls.find(path)
        args = {k: v for k, v in args.items() if found is None or k not in found[1]}
    page = path if path is not None else request.path.removesuffix(JSON_SUFFIX)
    body = json.dumps(json_document(file, path=page, args=dict(args)), ensure_ascii=False)
    response = flask.Response(body, mimetype=JSON_MIMETYPE)
    response.headers["Cache-Control"] = "no-cache"
    return response


def register(server: flask.Flask) -> None:
    @server.route(urls.INDICATOR_DOWNLOAD_ROUTE)
    def indicator_download(indicator_id: str, name: str) -> flask.Response:
        if name.endswith(JSON_SUFFIX):  # the indicator page's document, as data by URL
            table = name.removesuffix(JSON_SUFFIX)
            return answer(
                lambda: (
                    indicator_frame(
                        queries.store(),
                        indicator_id=indicator_id,
                        table=table,
                        params=request_params(),
                    ),
                    "json",
                ),
                send=lambda file, fmt: send_json(file, fmt, path=urls.indicator(indicator_id)),
            )
        try:
            table, fmt = split_format(name)
            file = indicator_frame(
                queries.store(), indicator_id=indicator_id, table=table, params=request_params()
            )
        except UnknownDownload as exc:
            return guards.text_response(str(exc), status=404)
        except queries.DataUnavailable as exc:
            return guards.text_response(str(exc), status=503)
        return _send(file, fmt=fmt)

    @server.route(urls.REGION_DEPARTMENTS_ROUTE)
    def region_departments_download(code: str, name: str) -> flask.Response:
        return answer(lambda: _region_departments_file(code, name))

    @server.route(urls.AREA_DOWNLOAD_ROUTE)
    def area_download(level_slug: str, name: str) -> flask.Response:
        try:
            code, fmt = split_format(name)
            if (level_slug, code) == (urls.OBJECTIVES_SLUG, urls.OBJECTIVES_TABLE):
                file = objectives_frame(queries.store(), params=request_params())
            else:
                level, canonical = area_code(level_slug=level_slug, code=code)
                file = area_frame(
                    queries.store(), level=level, code=canonical, params=request_params()
                )
        except UnknownDownload as exc:
            return guards.text_response(str(exc), status=404)
        except queries.DataUnavailable as exc:
            return guards.text_response(str(exc), status=503)
        return _send(file, fmt=fmt)
