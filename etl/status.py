"""What is in the database: counts, latest periods and the last runs (`etl status`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from etl.db import safe_url
from etl.models import Area, Indicator, Observation, Run
from etl.load import count_by_origin


def database_status(engine: Engine, *, runs: int = 10) -> dict[str, Any]:
    """The `status --json` document; the same dict feeds the French text output."""
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
        }
