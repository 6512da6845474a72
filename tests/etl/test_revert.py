"""Withdraw a deposit (the values before it come back), restore it; quality alerts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from core import geography
from core.catalog import Catalog
from core.models import Area, Change, Observation, Origin, Run, RunStatus
from etl import quality, service
from etl.pipeline import LoadRequest, load_tidy
from etl.revert import RevertError, restore, withdraw, withdrawn_runs

FLOW = "mes_documents_alimentes_mois"  # monthly, summed from départements, a flow
STOCK = "mes_profils_crees"  # monthly, summed, a cumulative stock
WHO = "agent@ars-bretagne.sante.fr"


def source_rows(
    engine: Engine, catalog: Catalog, records: list[tuple[str, str, str, float]]
) -> None:
    """(indicator, code, period, value) département rows loaded as an open-data source."""
    frame = pd.DataFrame(
        [{"indicator_id": i, "level": "department", "code": c, "period": p, "value": str(v),
          "breakdown": "", "numerator": "", "denominator": ""} for i, c, p, v in records]
    )  # fmt: skip
    frame["row"] = range(2, len(frame) + 2)
    frame["file"] = "source.csv"
    load_tidy(
        engine,
        LoadRequest(catalog=catalog, source="source-test", kind="connector", origin=Origin.source,
                    tidy=frame),
    )  # fmt: skip


def deposit(engine: Engine, catalog: Catalog, tmp_path: Path, lines: list[str], *,
            level: str = "departement", name: str = "depot.csv") -> int:  # fmt: skip
    """`code;period;value` lines deposited the command line's way; the run id."""
    path = tmp_path / name
    body = "".join(f"{FLOW};{level};{line}\n" for line in lines)
    path.write_text("indicateur;niveau;code_territoire;periode;valeur\n" + body, encoding="utf-8")
    return service.confirm_deposit(engine, path, catalog=catalog, indicator=FLOW, actor=WHO).run_id


def snapshot(engine: Engine) -> set[tuple[Any, ...]]:
    o = Observation
    with engine.connect() as conn:
        return {
            tuple(r)
            for r in conn.execute(
                select(o.indicator_id, o.area_id, o.period_start, o.breakdown, o.value, o.origin,
                       o.source_label, o.run_id, o.is_provisional)
            )
        }  # fmt: skip


def value(engine: Engine, code: str, period: str, *, level: str = "department") -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(Observation.value, Observation.origin)
            .join(Area, Area.id == Observation.area_id)
            .where(Observation.indicator_id == FLOW, Area.level == level, Area.code == code,
                   Observation.period_start == dt.date.fromisoformat(period + "-01"))
        ).first()  # fmt: skip


class TestWithdrawRestore:
    def test_withdrawal_brings_back_the_values_before_and_restore_the_deposit(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        # Given open-data values for the four Bretagne départements
        source_rows(engine, catalog, [(FLOW, c, "2025-06", 50) for c in ("22", "29", "35", "56")])
        before = snapshot(engine)
        # and a deposit changing Finistère and adding a month for Morbihan
        run_id = deposit(engine, catalog, tmp_path, ["29;2025-06;80", "56;2025-07;7"])
        deposited = snapshot(engine)
        assert value(engine, "29", "2025-06")[0] == 80
        assert value(engine, "53", "2025-06", level="region")[0] == 230
        # When the deposit is withdrawn
        done = withdraw(engine, run_id, actor="admin@sante.gouv.fr")
        # Then every value before it is back (département, région, France), its new row gone
        assert snapshot(engine) == before
        assert value(engine, "29", "2025-06")[1] == Origin.source
        assert value(engine, "56", "2025-07") is None
        assert done.report.rows_updated >= 1 and done.report.rows_deleted >= 1
        with engine.connect() as conn:
            run = conn.execute(select(Run.__table__).where(Run.id == done.run_id)).one()
            kinds = set(
                conn.execute(select(Change.kind).where(Change.run_id == done.run_id)).scalars()
            )
            assert withdrawn_runs(conn) == {run_id: done.run_id}
        assert (run.kind, run.status, run.actor) == ("withdrawal", RunStatus.success,
                                                     "admin@sante.gouv.fr")  # fmt: skip
        assert {k.value for k in kinds} == {"withdrawal", "delete"}
        # When it is restored, the deposit's values are back; withdrawn again, gone again
        restore(engine, run_id, actor="admin@sante.gouv.fr")
        assert snapshot(engine) == deposited
        withdraw(engine, run_id, actor=None)
        assert snapshot(engine) == before

    def test_a_value_written_again_since_is_kept(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        first = deposit(engine, catalog, tmp_path, ["29;2025-06;80"])
        deposit(engine, catalog, tmp_path, ["29;2025-06;90"], name="ensuite.csv")
        done = withdraw(engine, first, actor=None)
        assert done.report.rows_kept >= 1
        assert value(engine, "29", "2025-06")[0] == 90

    def test_withdrawing_twice_or_restoring_a_deposit_in_force_is_refused(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        run_id = deposit(engine, catalog, tmp_path, ["29;2025-06;80"])
        with pytest.raises(RevertError, match="n'est pas retiré"):
            restore(engine, run_id, actor=None)
        withdraw(engine, run_id, actor=None)
        with pytest.raises(RevertError, match="déjà retiré"):
            withdraw(engine, run_id, actor=None)
        with pytest.raises(RevertError, match="Aucun dépôt"):
            withdraw(engine, 9999, actor=None)
        assert value(engine, "29", "2025-06") is None


class TestQualityAlerts:
    def test_the_three_checks(self, engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
        # a cumulative stock that dips by 3 % (accepted by validation, still an alert)
        source_rows(engine, catalog, [(STOCK, "29", "2025-01", 100), (STOCK, "29", "2025-02", 97)])
        # a région given beside its départements, not their sum
        lines = [f"{c};2025-06;10" for c in ("22", "29", "35", "56")]
        deposit(engine, catalog, tmp_path, lines)
        deposit(engine, catalog, tmp_path, ["53;2025-06;100"], level="region", name="region.csv")
        # a jump: 10, 11, 12, 13, 14, then 100
        months = [f"2024-{m:02d}" for m in range(1, 7)]
        source_rows(
            engine,
            catalog,
            [(FLOW, "75", m, v) for m, v in zip(months, [10, 11, 12, 13, 14, 100], strict=True)],
        )
        alerts = quality.quality_alerts(engine, catalog=catalog)
        found = {(a.kind, a.indicator_id, a.area, a.period.isoformat()) for a in alerts}
        assert (quality.DECREASE, STOCK, "Finistère (29)", "2025-02-01") in found
        assert (quality.NOT_ADDING_UP, FLOW, "Bretagne (53)", "2025-06-01") in found
        assert (quality.JUMP, FLOW, "Paris (75)", "2024-06-01") in found
        # and none for the steady series or the France total computed from départements
        assert not any(a.area == "France (FR)" for a in alerts)
        assert not any(
            a.kind == quality.JUMP and a.period.isoformat() < "2024-06-01" for a in alerts
        )

    def test_a_department_far_from_its_neighbours(self, engine: Engine, catalog: Catalog) -> None:
        # Given Paris and its three bordering départements, with as many per inhabitant
        def per_head(code: str, times: float = 1.0) -> float:
            return round(times * geography.get_area("department", code).population / 1000)

        ring = ("92", "93", "94")
        rows = [(FLOW, c, "2025-08", per_head(c)) for c in (*ring, "75")]
        # then a month where Paris has twenty times as many per inhabitant
        rows += [(FLOW, c, "2025-09", per_head(c)) for c in ring]
        rows += [(FLOW, "75", "2025-09", per_head("75", 20))]
        # and Finistère far above its two neighbours only (too few to judge)
        rows += [(FLOW, c, "2025-09", per_head(c)) for c in ("22", "56")]
        rows += [(FLOW, "29", "2025-09", per_head("29", 20))]
        source_rows(engine, catalog, rows)
        alerts = [
            a for a in quality.quality_alerts(engine, catalog=catalog)
            if a.kind == quality.FAR_FROM_NEIGHBOURS
        ]  # fmt: skip
        # Then only Paris in September is flagged, per inhabitant, naming its neighbours' count
        assert [(a.area, a.period.isoformat()) for a in alerts] == [("Paris (75)", "2025-09-01")]
        assert "3 départements voisins" in alerts[0].message
        assert "pour 100 000 habitants" in alerts[0].message


def test_neighbours_are_bordering_departments() -> None:
    assert geography.neighbours("29") == ("22", "56")
    assert geography.neighbours("75") == ("92", "93", "94")
    assert "2B" in geography.neighbours("2A")
    assert geography.neighbours("971") == ()
