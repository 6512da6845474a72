"""Withdraw a deposit, restore it: each is its own run through the one write path.

A withdrawal puts back, for every observation a deposit run wrote (its département rows
and the région and France aggregates recomputed with them), the row stored before it,
taken from the history (`changes.previous`); a row the deposit created is removed. The
withdrawal's own history rows keep the deposit's rows, so a restore is the withdrawal
reverted the same way: nothing is ever lost. A row written again by a later run since
is left as it is (the later figure stands) and counted as kept.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from core.errors import UserError
from core.models import Change, ChangeKind, Observation, Run, RunStatus
from etl.load import COLUMNS
from etl.runlog import LoadReport, utcnow
from etl.write import WriteRequest, recorded_write

WITHDRAWAL, RESTORE = "withdrawal", "restore"  # run kinds
WITHDRAWAL_SOURCE, RESTORE_SOURCE = "retrait-depot", "restauration-depot"
DEPOSIT_SOURCE = "depot-ars"  # runs of deposits: « depot-ars:<indicator> » (etl.service)
_OK = (RunStatus.success, RunStatus.unchanged)


class RevertError(UserError):
    """A withdrawal or restore that cannot be done; the message is French."""


@dataclass(frozen=True)
class Reverted:
    run_id: int
    report: LoadReport


def _same_value(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    return fa == fb or (math.isnan(fa) and math.isnan(fb))


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _row(obs: Any) -> dict[str, Any]:
    """A stored observation as the history keeps it (JSON-ready)."""
    out: dict[str, Any] = {"id": obs.id, "run_id": obs.run_id}
    for c in COLUMNS:
        value = getattr(obs, c)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif hasattr(value, "value"):  # enums
            value = value.value
        out[c] = value
    return out


def _values(previous: dict[str, Any]) -> dict[str, Any]:
    """Column values of a history row, ready to be written back."""
    values = {c: previous.get(c) for c in COLUMNS}
    values["period_start"] = _date(values["period_start"])
    values["observed_on"] = _date(values["observed_on"])
    for flag in ("is_masked", "is_provisional"):
        values[flag] = bool(values[flag])
    values["run_id"] = previous["run_id"]
    return values


def _revert_changes(conn: Connection, *, of_run: int, run_id: int, kind: str) -> LoadReport:
    """Put back what run `of_run` replaced; record each step as a change of `run_id`."""
    report = LoadReport()
    now = utcnow()
    changes = conn.execute(
        select(Change.__table__).where(Change.run_id == of_run).order_by(Change.id.desc())
    ).all()
    for change in changes:
        report.rows_read += 1
        o = Observation
        key = and_(
            o.indicator_id == change.indicator_id,
            o.area_id == change.area_id,
            o.period_start == change.period_start,
            o.breakdown == change.breakdown,
        )
        current = conn.execute(select(o.__table__).where(key)).first()
        removed = change.kind in (ChangeKind.delete, ChangeKind.delete.value)
        as_left = (
            current is None
            if removed
            else (current is not None and _same_value(current.value, change.value))
        )
        if not as_left:  # written again since: the later figure stands
            report.rows_kept += 1
            continue
        target = change.previous
        history: dict[str, Any] = {
            "run_id": run_id,
            "changed_at": now,
            "indicator_id": change.indicator_id,
            "area_id": change.area_id,
            "period_start": change.period_start,
            "breakdown": change.breakdown,
        }
        if target is None:  # the reverted run created the row: it goes
            assert current is not None
            conn.execute(delete(o).where(o.id == current.id))
            conn.execute(
                insert(Change).values(
                    **history,
                    kind=ChangeKind.delete,
                    observation_id=current.id,
                    origin=current.origin,
                    value=None,
                    previous=_row(current),
                )
            )
            report.rows_deleted += 1
        elif current is None:  # the reverted run removed it: it comes back
            values = _values(target)
            new_id = conn.execute(insert(o).values(**values).returning(o.id)).scalar_one()
            conn.execute(
                insert(Change).values(
                    **history,
                    kind=ChangeKind.insert,
                    observation_id=new_id,
                    origin=values["origin"],
                    value=values["value"],
                    previous=None,
                )
            )
            report.rows_inserted += 1
        else:
            values = _values(target)
            conn.execute(update(o).where(o.id == current.id).values(**values))
            conn.execute(
                insert(Change).values(
                    **history,
                    kind=ChangeKind.withdrawal if kind == WITHDRAWAL else ChangeKind.update,
                    observation_id=current.id,
                    origin=values["origin"],
                    value=values["value"],
                    previous=_row(current),
                )
            )
            report.rows_updated += 1
    return report


def _state(conn: Connection, run_id: int) -> tuple[Any, int | None]:
    deposit = conn.execute(select(Run.__table__).where(Run.id == run_id)).first()
    if (
        deposit is None
        or deposit.kind != "import"
        or not str(deposit.source).startswith(DEPOSIT_SOURCE)
        or deposit.status not in (RunStatus.success, RunStatus.success.value)
    ):
        raise RevertError(f"Aucun dépôt chargé n° {run_id} : rien à retirer ni à restaurer.")
    last = conn.execute(
        select(Run.id, Run.kind)
        .where(
            Run.source.in_([f"{WITHDRAWAL_SOURCE}:{run_id}", f"{RESTORE_SOURCE}:{run_id}"]),
            Run.status.in_(_OK),
        )
        .order_by(Run.id.desc())
        .limit(1)
    ).first()
    withdrawn_by = int(last.id) if last is not None and last.kind == WITHDRAWAL else None
    return deposit, withdrawn_by


def withdrawn_runs(conn: Connection) -> dict[int, int]:
    """Deposit run id → the withdrawal run in force, for every withdrawn deposit."""
    rows = conn.execute(
        select(Run.id, Run.kind, Run.source)
        .where(Run.kind.in_([WITHDRAWAL, RESTORE]), Run.status.in_(_OK))
        .order_by(Run.id)
    ).all()
    out: dict[int, int] = {}
    for run_id, kind, source in rows:
        deposit = int(str(source).rsplit(":", 1)[-1])
        if kind == WITHDRAWAL:
            out[deposit] = int(run_id)
        else:
            out.pop(deposit, None)
    return out


def _revert(
    engine: Engine, run_id: int, *, kind: str, actor: str | None, lock_timeout: float | None
) -> Reverted:
    source = WITHDRAWAL_SOURCE if kind == WITHDRAWAL else RESTORE_SOURCE
    with (
        recorded_write(
            engine,
            WriteRequest(f"{source}:{run_id}", kind, lock_timeout=lock_timeout, actor=actor),
        ) as write,
        write.transaction() as conn,
    ):
        _, withdrawn_by = _state(conn, run_id)  # read under the lock
        if kind == WITHDRAWAL and withdrawn_by is not None:
            raise RevertError(f"Le dépôt n° {run_id} est déjà retiré : rien n'a été modifié.")
        if kind == RESTORE and withdrawn_by is None:
            raise RevertError(
                f"Le dépôt n° {run_id} n'est pas retiré : rien à restaurer, rien n'a été modifié."
            )
        of_run = run_id if kind == WITHDRAWAL else withdrawn_by
        assert of_run is not None
        write.report = _revert_changes(conn, of_run=of_run, run_id=write.run_id, kind=kind)
        # a withdrawal that finds nothing left to put back is still a withdrawal: success
    return Reverted(write.run_id, write.report)


def withdraw(
    engine: Engine, run_id: int, *, actor: str | None, lock_timeout: float | None = None
) -> Reverted:
    """Withdraw deposit run `run_id`: the values before it come back (a run of its own)."""
    return _revert(engine, run_id, kind=WITHDRAWAL, actor=actor, lock_timeout=lock_timeout)


def restore(
    engine: Engine, run_id: int, *, actor: str | None, lock_timeout: float | None = None
) -> Reverted:
    """Restore withdrawn deposit run `run_id`: its values come back (a run of its own)."""
    return _revert(engine, run_id, kind=RESTORE, actor=actor, lock_timeout=lock_timeout)


__all__ = ["RevertError", "Reverted", "restore", "withdraw", "withdrawn_runs"]
