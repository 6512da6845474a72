"""Download routes: the table on screen as CSV (French or standard) or XLSX.

Plain links to server routes, so they work without JavaScript. The frames come from
`views`, the same functions the pages use: a download is exactly what is shown.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import flask
import pandas as pd

from core.catalog import CatalogError
from core.errors import UserError
from core.vocabulary import Level, TargetStatus
from dashboard import guards, queries, urls, views

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


class UnknownDownload(UserError):
    """No table behind this address (unknown indicator, area or format)."""


def to_bytes(df: pd.DataFrame, *, fmt: str) -> bytes:
    """CSV fr: `;`, decimal comma, UTF-8 with BOM (Excel in French); CSV: RFC 4180, UTF-8."""
    if fmt == "csv_fr":
        return df.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    if fmt == "csv":
        return df.to_csv(index=False).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            df.to_excel(writer, index=False, sheet_name="Données")
        return buffer.getvalue()
    raise UnknownDownload(f"Format inconnu « {fmt} ». Attendu : csv_fr, csv ou xlsx.")


def split_format(name: str) -> tuple[str, str]:
    """`serie-fr.csv` → (`serie`, `csv_fr`)."""
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return name[: -len(suffix)], fmt
    raise UnknownDownload(
        f"Format de fichier inconnu « {urls.shown(name)} ». Attendu : .csv, -fr.csv, .xlsx."
    )


def indicator_frame(
    q: queries.Queries, *, indicator_id: str, table: str, params: Mapping[str, object]
) -> pd.DataFrame:
    try:
        indicator = q.catalog.get(indicator_id)
    except CatalogError:
        raise UnknownDownload(f"Indicateur inconnu « {urls.shown(indicator_id)} ».") from None
    view = views.indicator_view(q, indicator, params)
    if table == "serie":
        return views.series_table(view)
    if table == "carte":
        return views.snapshot_table(view)
    raise UnknownDownload(f"Tableau inconnu « {urls.shown(table)} ». Attendu : serie ou carte.")


def area_code(*, level_slug: str, code: str) -> tuple[Level, str]:
    """The level and canonical code of an area download: only these reach the file name."""
    level = Level.from_slug(level_slug)
    canonical = urls.valid_code(level, code) if level else None
    if level is None or canonical is None:
        raise UnknownDownload(
            f"Territoire inconnu « {urls.shown(level_slug)}/{urls.shown(code)} »."
        )
    return level, canonical


def area_frame(
    q: queries.Queries, *, level: Level, code: str, params: Mapping[str, object]
) -> pd.DataFrame:
    real = urls.real_only(urls.normalise(params))
    table = views.area_table(q, level=level, code=code, real_only=real)
    return table.drop(columns=["indicator_id", "unit", "decimals"], errors="ignore")


def objectives_frame(q: queries.Queries, *, params: Mapping[str, object]) -> pd.DataFrame:
    state = urls.normalise(params)
    axis = urls.value(state, "axe")
    axis = axis if axis in {a.id for a in q.catalog.axes} else None
    rows = views.target_rows(q, today=dt.date.today(), axis=axis, real_only=urls.real_only(state))
    rows = views.with_status(rows, TargetStatus.from_slug(urls.value(state, "statut")))
    return views.objectives_table(rows, sort=urls.value(state, "tri") or "echeance")


def download_links(base: str, *, query: str = "") -> list[tuple[str, str, str]]:
    """(label, href, detail) for the three formats of a table at `base` (no suffix)."""
    suffix = f"?{query}" if query else ""
    return [
        (label, f"{base}{ext}{suffix}", detail) for ext, (label, detail) in FORMAT_LABELS.items()
    ]


def _send(df: pd.DataFrame, *, fmt: str, filename: str) -> flask.Response:
    data = to_bytes(df, fmt=fmt)
    ext = "xlsx" if fmt == "xlsx" else "csv"
    response = flask.Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{ext}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def _params() -> dict[str, object]:
    args = flask.request.args
    return {k: (v if len(v) > 1 else v[0]) for k, v in args.lists()}


def register(server: flask.Flask) -> None:
    @server.route(urls.INDICATOR_DOWNLOAD_ROUTE)
    def indicator_download(indicator_id: str, name: str) -> flask.Response:
        try:
            table, fmt = split_format(name)
            df = indicator_frame(
                queries.store(), indicator_id=indicator_id, table=table, params=_params()
            )
        except UnknownDownload as exc:
            return guards.text_response(str(exc), status=404)
        except queries.DataUnavailable as exc:
            return guards.text_response(str(exc), status=503)
        return _send(df, fmt=fmt, filename=f"{indicator_id}-{table}")

    @server.route(urls.AREA_DOWNLOAD_ROUTE)
    def area_download(level_slug: str, name: str) -> flask.Response:
        try:
            code, fmt = split_format(name)
            if (level_slug, code) == (urls.OBJECTIVES_SLUG, urls.OBJECTIVES_TABLE):
                df = objectives_frame(queries.store(), params=_params())
                filename = "objectifs"
            else:
                level, canonical = area_code(level_slug=level_slug, code=code)
                df = area_frame(queries.store(), level=level, code=canonical, params=_params())
                filename = f"{level.slug}-{canonical}"
        except UnknownDownload as exc:
            return guards.text_response(str(exc), status=404)
        except queries.DataUnavailable as exc:
            return guards.text_response(str(exc), status=503)
        return _send(df, fmt=fmt, filename=filename)
