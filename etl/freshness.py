"""Database freshness: counts, latest periods, data age and last runs (`etl status`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from core.catalog import Frequency
from core.db import safe_url
from core.models import Area, Indicator, Observation, Origin, Run, RunStatus
from core.periods import add_periods, last_complete_period
from etl.load import count_by_origin

# Publication delay tolerated after a period ends, in months, before data is « en retard ».
GRACE_MONTHS: dict[str, int] = {"monthly": 2, "quarterly": 3, "yearly": 9}
FRESH, LATE, NO_DATA = "à jour", "en retard", "aucune donnée réelle"
OK_STATUSES = (RunStatus.success, RunStatus.unchanged)


def expected_period(today: dt.date, frequency: Frequency) -> dt.date:
    """The latest period a source should have published by `today`, grace included."""
    month_start = dt.date(today.year, today.month, 1)
    shifted = add_periods(month_start, -GRACE_MONTHS[frequency], "monthly")
    return last_complete_period(shifted, frequency)


def freshness(latest: dt.date | None, *, frequency: Frequency, today: dt.date) -> str:
    if latest is None:
        return NO_DATA
    return FRESH if latest >= expected_period(today, frequency) else LATE


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _sources(conn: Connection) -> dict[str, Any]:
    """Per source: last successful run, last failure; plus the last failures overall."""
    session = Session(bind=conn)
    out: dict[str, Any] = {}
    for (source,) in conn.execute(select(Run.source).distinct().order_by(Run.source)):
        ok = session.scalars(
            select(Run)
            .where(Run.source == source, Run.status.in_(OK_STATUSES))
            .order_by(Run.id.desc())
            .limit(1)
        ).first()
        bad = session.scalars(
            select(Run)
            .where(Run.source == source, Run.status == RunStatus.failed)
            .order_by(Run.id.desc())
            .limit(1)
        ).first()
        out[source] = {
            "last_success_run": ok.id if ok else None,
            "last_success_at": _iso(ok.finished_at) if ok else None,
            "last_success_checksum": ok.checksum if ok else None,
            "last_failure_run": bad.id if bad else None,
            "last_failure_at": _iso(bad.started_at) if bad else None,
            "last_failure_error": bad.error if bad else None,
        }
    return out


def _last_failures(conn: Connection, *, limit: int) -> list[dict[str, Any]]:
    runs = Session(bind=conn).scalars(
        select(Run).where(Run.status == RunStatus.failed).order_by(Run.id.desc()).limit(limit)
    )
    return [
        {"id": r.id, "source": r.source, "kind": r.kind, "started_at": _iso(r.started_at),
         "error": r.error}
        for r in runs
    ]  # fmt: skip


def _indicators(conn: Connection, *, today: dt.date) -> dict[str, Any]:
    """Per indicator: latest real period, last successful run touching it, freshness."""
    real = dict(
        conn.execute(
            select(Observation.indicator_id, func.max(Observation.period_start))
            .where(Observation.value.is_not(None), Observation.origin != Origin.demo)
            .group_by(Observation.indicator_id)
        ).all()
    )
    last_run = dict(
        conn.execute(
            select(Observation.indicator_id, func.max(Run.finished_at))
            .join(Run, Run.id == Observation.run_id)
            .where(Run.status.in_(OK_STATUSES), Observation.origin != Origin.demo)
            .group_by(Observation.indicator_id)
        ).all()
    )
    out: dict[str, Any] = {}
    indicators = conn.execute(select(Indicator.id, Indicator.frequency).order_by(Indicator.id))
    for slug, stored in indicators:
        frequency = cast(Frequency, stored)
        latest = _as_date(real.get(slug))
        out[slug] = {
            "frequency": frequency,
            "latest_real_period": _iso(latest),
            "expected_period": expected_period(today, frequency).isoformat(),
            "last_update": _iso(last_run.get(slug)),
            "freshness": freshness(latest, frequency=frequency, today=today),
        }
    return out


def database_status(
    engine: Engine, *, runs: int = 10, failures: int = 5, today: dt.date | None = None
) -> dict[str, Any]:
    """The `status --json` document; the same dict feeds the French text output.

    Keys kept from the first version; `sources`, `indicators_detail` and `last_failures`
    were added for the run log and freshness, so existing readers keep working.
    """
    today = today or dt.date.today()
    with engine.connect() as conn:
        areas = dict(conn.execute(select(Area.level, func.count()).group_by(Area.level)).all())
        latest = conn.execute(
            select(Observation.indicator_id, func.max(Observation.period_start))
            .where(Observation.value.is_not(None))
            .group_by(Observation.indicator_id)
        ).all()
        last = Session(bind=conn).scalars(select(Run).order_by(Run.id.desc()).limit(runs)).all()
        return {
            "database": safe_url(str(engine.url.render_as_string(hide_password=False))),
            "indicators": conn.execute(select(func.count()).select_from(Indicator)).scalar_one(),
            "areas": {lvl: int(areas.get(lvl, 0)) for lvl in ("national", "region", "department")},
            "observations": conn.execute(
                select(func.count()).select_from(Observation)
            ).scalar_one(),
            "observations_by_origin": count_by_origin(conn),
            "latest_period": {slug: period.isoformat() for slug, period in sorted(latest)},
            "last_runs": [
                {
                    "id": r.id,
                    "source": r.source,
                    "kind": r.kind,
                    "status": r.status.value,
                    "started_at": r.started_at.isoformat(),
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    "rows_read": r.rows_read,
                    "rows_inserted": r.rows_inserted,
                    "rows_updated": r.rows_updated,
                    "rows_unchanged": r.rows_unchanged,
                    "rows_rejected": r.rows_rejected,
                    "error": r.error,
                }
                for r in last
            ],
            "sources": _sources(conn),
            "indicators_detail": _indicators(conn, today=today),
            "last_failures": _last_failures(conn, limit=failures),
        }
