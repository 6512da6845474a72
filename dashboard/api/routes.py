"""The API's handlers: each reads its parameters through its declaration (endpoints.py),
asks the access policy what the reader may see, and builds its answer with the functions
the dashboard's pages use (queries, views, targets)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import flask
import pandas as pd

from core import geography
from core.catalog import Indicator
from core.models import TOTAL
from core.policy import Actor, may_see_indicator
from core.vocabulary import Level
from dashboard import downloads, queries, targets, urls, views
from dashboard import records as shared
from dashboard.actor import current_actor
from dashboard.api import endpoints as ep
from dashboard.api import feed, openapi, records
from dashboard.api.params import make_cursor
from dashboard.api.problems import ParameterError, bad_parameters, not_found

Handler = Callable[..., flask.Response]


def visible(q: queries.Queries, actor: Actor) -> list[Indicator]:
    """The indicators the reader may know of, in catalog order."""
    return [i for i in q.catalog.indicators if may_see_indicator(actor, i.visibility)]


def visible_indicator(q: queries.Queries, actor: Actor, indicator_id: str) -> Indicator:
    """The indicator, or a 404 that says the same for an unknown and a restricted one."""
    found = next((i for i in visible(q, actor) if i.id == indicator_id), None)
    if found is None:
        raise not_found(f"Indicateur inconnu « {urls.shown(indicator_id)} ».")
    return found


def json_response(body: object, *, status: int = 200) -> flask.Response:
    text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    return flask.Response(text, status=status, mimetype=ep.JSON)


def file_response(data: bytes, *, mimetype: str, filename: str) -> flask.Response:
    response = flask.Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet written by DuckDB, columns named by their keys, dates typed as dates."""
    dates = [c for c in frame.columns if c in shared.BY_KEY and shared.BY_KEY[c].kind == "date"]
    casts = ", ".join(f"CAST({c} AS DATE) AS {c}" for c in dates)
    select = (
        f"SELECT * REPLACE ({casts}) FROM observations" if casts else "SELECT * FROM observations"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "observations.parquet"
        con = duckdb.connect()
        try:
            con.register("observations", frame.astype(object).where(frame.notna(), None))
            con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        finally:
            con.close()
        return path.read_bytes()


def _query(**changes: object) -> dict[str, object]:
    args = flask.request.args
    query: dict[str, object] = {k: args.get(k) for k in args}
    query.update(changes)
    return query


# -- handlers -------------------------------------------------------------------------------


def list_indicators() -> flask.Response:
    ep.INDICATORS.read()
    q, actor = queries.store(), current_actor()
    national = q.series(level=Level.national.value)
    last_update, today = q.last_update(), dt.date.today()
    data = [
        records.indicator_record(
            ind,
            catalog=q.catalog,
            national=national[national["indicator_id"] == ind.id],
            last_update=last_update,
            today=today,
        )
        for ind in visible(q, actor)
    ]
    return json_response({"data": data})


def get_indicator(indicator_id: str) -> flask.Response:
    ep.INDICATOR.read()
    q = queries.store()
    ind = visible_indicator(q, current_actor(), indicator_id)
    national = q.series(indicator_id=ind.id, level=Level.national.value)
    record = records.indicator_record(
        ind,
        catalog=q.catalog,
        national=national,
        last_update=q.last_update(),
        today=dt.date.today(),
    )
    return json_response(record)


def _area_codes(level: str, codes: tuple[str, ...] | None) -> list[str] | None:
    if codes is None:
        return None
    canonical = [urls.valid_code(level, c) for c in codes]
    wrong = [c for c, k in zip(codes, canonical, strict=True) if k is None]
    if wrong:
        raise bad_parameters(
            [
                ParameterError(
                    "area",
                    f"code(s) inconnu(s) au niveau « {level} » : "
                    + ", ".join(f"« {urls.shown(c)} »" for c in wrong[:10])
                    + f". Liste : {urls.API_AREAS}?level={level}.",
                )
            ]
        )
    return [c for c in canonical if c is not None]


def _breakdowns(ind: Indicator, codes: tuple[str, ...] | None) -> list[str] | None:
    if codes is None:
        return None
    known = {TOTAL, *(ind.breakdown.values if ind.breakdown else {})}
    wrong = [c for c in codes if c not in known]
    if wrong:
        raise bad_parameters(
            [
                ParameterError(
                    "breakdown",
                    "ventilation(s) inconnue(s) pour cet indicateur : "
                    + ", ".join(f"« {urls.shown(c)} »" for c in wrong[:10])
                    + ". Attendu : "
                    + ", ".join(sorted(known))
                    + ".",
                )
            ]
        )
    return list(codes)


def observation_selection(
    q: queries.Queries, actor: Actor, ind: Indicator, args: dict[str, Any]
) -> pd.DataFrame:
    """The selection's rows, from the frame the pages read, in the trajectory table's order
    and the columns of every observation file (dashboard.records.observations): `area=FR`
    adds the national series to the areas of another level, as the indicator page's table
    puts France above the compared areas."""
    level = args["level"]
    asked = args["area"]
    france = (
        asked is not None and level != Level.national.value and geography.NATIONAL_CODE in asked
    )
    codes = _area_codes(
        level, tuple(c for c in asked if c != geography.NATIONAL_CODE) if france else asked
    )
    breakdowns = _breakdowns(ind, args["breakdown"])
    first, last = args["from"], args["to"]
    if first is not None and last is not None and first > last:
        raise bad_parameters([ParameterError("from", "période postérieure à « to ».")])
    series = q.series(indicator_id=ind.id, level=level, breakdown=None)
    if codes is not None:
        series = series[series["code"].isin(codes)]
    if france:
        national = q.series(indicator_id=ind.id, level=Level.national.value, breakdown=None)
        series = pd.concat([national, series], ignore_index=True)
    if breakdowns is not None:
        series = series[series["breakdown"].isin(breakdowns)]
    if args["origin"] is not None:
        series = series[series["origin"].isin(args["origin"])]
    if first is not None:
        series = series[series["period_start"] >= pd.Timestamp(first)]
    if last is not None:
        series = series[series["period_start"] <= pd.Timestamp(last)]
    return shared.observations(views.in_table_order(series), ind=ind, catalog=q.catalog)


PAGE_KEY = ["level", "area_code", "breakdown_code", "period"]


def _after(frame: pd.DataFrame, key: list[Any]) -> pd.DataFrame:
    """Rows strictly after a page's last key, in the stable order (views.in_table_order)."""
    if len(key) != len(PAGE_KEY) or not all(isinstance(k, str) for k in key):
        raise bad_parameters([ParameterError("cursor", "curseur qui n'est pas de cette liste.")])
    level, code, breakdown, period = key
    mark = (*views.table_key(level, code), "" if breakdown == TOTAL else breakdown)
    after = [
        (k := (*views.table_key(lvl, c), "" if b == TOTAL else b)) > mark
        or (k == mark and p < period)
        for lvl, c, b, p in zip(
            frame["level"], frame["area_code"], frame["breakdown_code"], frame["period"],
            strict=True,
        )
    ]  # fmt: skip
    return frame[after]


def list_observations(indicator_id: str) -> flask.Response:
    args = ep.OBSERVATIONS.read()
    q, actor = queries.store(), current_actor()
    ind = visible_indicator(q, actor, indicator_id)
    frame = observation_selection(q, actor, ind, args)
    name = f"{ind.id}-{args['level']}"
    fmt = args["format"]
    if fmt != "json":
        kind = downloads.FORMATS[FILE_SUFFIXES[fmt]]
        return file_response(
            downloads.to_bytes(frame, fmt=kind),
            mimetype=downloads.MIMETYPES[kind],
            filename=name + FILE_SUFFIXES[fmt],
        )
    if args["cursor"] is not None:
        frame = _after(frame, args["cursor"])
    limit = args["limit"]
    page = frame.iloc[:limit]
    next_url = None
    if len(frame) > limit:
        last = page.iloc[-1]
        cursor = make_cursor([str(last[k]) for k in PAGE_KEY])
        next_url = urls.api_observations(ind.id, _query(cursor=cursor))
    response = json_response(
        {"indicator_id": ind.id, "data": records.json_records(page), "next": next_url}
    )
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


FILE_SUFFIXES = {"csv": ".csv", "csv-fr": "-fr.csv", "xlsx": ".xlsx"}  # format → suffix


def list_areas() -> flask.Response:
    args = ep.AREAS.read()
    level = args["level"]
    found = geography.by_level(level) if level else geography.areas()
    return json_response({"data": [records.area_record(a) for a in found]})


def assessments(q: queries.Queries, actor: Actor, *, real_only: bool) -> list[views.TargetRow]:
    """Every dated target of the indicators the reader may see, assessed by the function of
    /objectifs (views.target_rows), France first then each région with its own targets."""
    shown = visible(q, actor)
    ids = {i.id for i in shown}
    rows: list[views.TargetRow] = []
    for target_scope in records.target_scopes(shown):
        rows += [
            r
            for r in views.target_rows(
                q, today=dt.date.today(), scope=target_scope, real_only=real_only
            )
            if r.indicator.id in ids
        ]
    return rows


def list_targets() -> flask.Response:
    args = ep.TARGETS.read()
    rows = assessments(queries.store(), current_actor(), real_only=args["real_only"])
    return json_response(
        {"data": [records.target_record(r) for r in rows], "method": targets.METHOD_TEXT}
    )


def list_changes() -> flask.Response:
    args = ep.CHANGES.read()
    q, actor = queries.store(), current_actor()
    after = 0
    if args["cursor"] is not None:
        key = args["cursor"]
        if len(key) != 1 or not isinstance(key[0], int) or key[0] < 0:
            raise bad_parameters(
                [ParameterError("cursor", "curseur qui n'est pas de cette liste.")]
            )
        after = key[0]
    limit = args["limit"]
    ids = [i.id for i in visible(q, actor)]
    rows = q.history_since(since=args["since"], indicator_ids=ids, after_id=after, limit=limit + 1)
    raw = rows.iloc[:limit]
    page = records.change_frame(raw)
    next_url = None
    if len(rows) > limit:
        cursor = make_cursor([int(raw["id"].iloc[-1])])
        next_url = urls.with_query(urls.API_CHANGES, _query(cursor=cursor))
    shown = visible(q, actor)
    firsts = q.new_sources(since=args["since"])
    new_sources = records.new_source_records(
        firsts[firsts["indicator_id"].isin([i.id for i in shown])],
        labels={i.id: i.short_label for i in shown},
    )
    return json_response(
        {"data": records.json_records(page), "next": next_url, "new_sources": new_sources}
    )


def export_frame(q: queries.Queries, actor: Actor) -> pd.DataFrame:
    """Every value the reader may see, all levels, in one long frame: each indicator's
    observation file (dashboard.records.observations), indicator by indicator in catalog
    order, all levels in the trajectory table's order."""
    shown = visible(q, actor)
    by_level = [q.series(level=level.value, breakdown=None) for level in Level]
    everything = pd.concat(by_level, ignore_index=True)
    parts = [
        shared.observations(
            views.in_table_order(everything[everything["indicator_id"] == ind.id]),
            ind=ind,
            catalog=q.catalog,
        )
        for ind in shown
    ]
    keys = shared.observation_keys(per_capita=True)
    frame = pd.concat(parts, ignore_index=True)
    return frame[[k for k in keys if k in frame.columns]]


def export_csv() -> flask.Response:
    ep.EXPORT_CSV.read()
    frame = export_frame(queries.store(), current_actor())
    return file_response(
        downloads.to_bytes(frame, fmt="csv"), mimetype=ep.CSV, filename="observations.csv"
    )


def export_parquet() -> flask.Response:
    ep.EXPORT_PARQUET.read()
    frame = export_frame(queries.store(), current_actor())
    return file_response(parquet_bytes(frame), mimetype=ep.PARQUET, filename="observations.parquet")


def get_openapi() -> flask.Response:
    ep.OPENAPI.read()
    return json_response(openapi.document())


def change_feed() -> flask.Response:
    ep.FEED.read()
    q, actor = queries.store(), current_actor()
    shown = visible(q, actor)
    summary = q.change_summary(indicator_ids=[i.id for i in shown])
    firsts = q.new_sources()
    xml = feed.atom(
        summary,
        new_sources=firsts[firsts["run_id"].isin(summary["run_id"])],
        labels={i.id: i.short_label for i in shown},
        base=flask.request.host_url.removesuffix(urls.HOME),
        updated=q.last_update(),
    )
    return flask.Response(xml, mimetype=ep.ATOM)


def healthz() -> flask.Response:
    ep.HEALTHZ.read()
    return json_response({"statut": "ok"})


def readyz() -> flask.Response:
    ep.READYZ.read()
    q = queries.store()
    version = q.data_version()
    last = q.last_update()
    age = None
    if last is not None:
        aware = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
        age = max(0, int((dt.datetime.now(dt.UTC) - aware).total_seconds()))
    return json_response(
        {
            "statut": "ok",
            "version_donnees": version,
            "derniere_mise_a_jour": records.iso_datetime(last),
            "age_secondes": age,
        }
    )


HANDLERS: dict[str, Handler] = {
    ep.INDICATORS.operation_id: list_indicators,
    ep.INDICATOR.operation_id: get_indicator,
    ep.OBSERVATIONS.operation_id: list_observations,
    ep.AREAS.operation_id: list_areas,
    ep.TARGETS.operation_id: list_targets,
    ep.CHANGES.operation_id: list_changes,
    ep.EXPORT_CSV.operation_id: export_csv,
    ep.EXPORT_PARQUET.operation_id: export_parquet,
    ep.OPENAPI.operation_id: get_openapi,
    ep.FEED.operation_id: change_feed,
    ep.HEALTHZ.operation_id: healthz,
    ep.READYZ.operation_id: readyz,
}
