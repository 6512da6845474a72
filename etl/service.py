"""The public write interface of the ETL: the one module the dashboard may import.

An ARS deposit file (the template of `python -m etl template`) is previewed with
`plan_deposit` (validation and diff, nothing written) then loaded with
`confirm_deposit`, the same path as `python -m etl import`. Both raise a
core.errors.UserError subclass with a French message naming file, row, column, value.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy import delete as sa_delete

from core import settings
from core.catalog import Catalog, Indicator
from core.db import transaction
from core.errors import UserError
from core.models import TOTAL, Origin, PendingDeposit, Run, RunStatus
from core.policy import Actor, may_deposit_area
from etl.freshness import FRESH, LATE, NO_DATA, database_status
from etl.load import diff_observations
from etl.lock import LockTimeout
from etl.parse import ParseError, bytes_fr, check_file
from etl.pipeline import LoadRequest, LoadResult, Plan, load_tidy, plan, plan_of
from etl.published import file_checksum
from etl.quality import Alert, quality_alerts
from etl.revert import (
    DEPOSIT_SOURCE,
    Reverted,
    RevertError,
    restore,
    withdraw,
    withdrawn_runs,
)
from etl.template import TIDY_TO_FRENCH, describe_ignored, read_deposit, write_template
from etl.validate import RowError, ValidationFailed
from etl.write import Provenance

__all__ = ["LoadResult", "Plan", "confirm_deposit", "plan_deposit"]
# Below: the web deposit (dashboard.pages.deposit) and the administration page
# (dashboard.pages.administration), through the same functions.


def _deposit(
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None,
    force: bool = False,
    lock_timeout: float | None = None,
    actor: str | None = None,
    check: Callable[[Connection, pd.DataFrame], None] | None = None,
    max_bytes: int | None = None,
) -> tuple[LoadRequest, str]:
    """The load request of a deposit file, parsed, and the rows it leaves out (in French)."""
    check_file(path, max_bytes=max_bytes)
    ids = [catalog.get(indicator).id] if indicator else None
    # parsed here, before the write takes the lock: a slow file never holds it
    tidy = read_deposit(path)
    request = LoadRequest(
        catalog=catalog,
        source=f"{DEPOSIT_SOURCE}:{indicator or 'plusieurs'}",
        kind="import",
        origin=Origin.deposit,
        tidy=tidy,
        provenance=Provenance(
            source_url=path.resolve().as_uri(),
            retrieved_at=dt.datetime.now(dt.UTC),
            checksum=file_checksum(path),
        ),
        indicator_ids=ids,
        columns=TIDY_TO_FRENCH,
        file=path.name,
        source_label=f"Dépôt ARS — {path.name}",
        force=force,
        lock_timeout=lock_timeout,
        actor=actor,
        check=check,
    )
    return request, describe_ignored(tidy)


def plan_deposit(
    engine: Engine,
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None = None,
    max_bytes: int | None = None,
) -> Plan:
    """What importing `path` would do (rows new, updated, unchanged; values before → after)."""
    return plan(
        engine, _deposit(path, catalog=catalog, indicator=indicator, max_bytes=max_bytes)[0]
    )


def confirm_deposit(
    engine: Engine,
    path: Path,
    *,
    catalog: Catalog,
    indicator: str | None = None,
    force: bool = False,
    lock_timeout: float | None = None,
    actor: str | None = None,
    check: Callable[[Connection, pd.DataFrame], None] | None = None,
    max_bytes: int | None = None,
) -> LoadResult:
    """Import `path`: the whole file or nothing, recorded as one run (carrying `actor`).

    The result's `ignored` lists the rows not imported (the template's example line, blank
    rows), so that no row is left out silently. `check` runs under the lock with the
    validated rows, before any write, and refuses by raising.
    """
    request, ignored = _deposit(
        path,
        catalog=catalog,
        indicator=indicator,
        force=force,
        lock_timeout=lock_timeout,
        actor=actor,
        check=check,
        max_bytes=max_bytes,
    )
    return replace(load_tidy(engine, request), ignored=ignored)


# -- web deposit: upload, preview stored in the database, confirm or cancel -----------------

WEB_LOCK_TIMEOUT = 5.0  # a web request waits at most this long for the load lock
WEB_MAX_BYTES = 20_000_000  # a web deposit's size limit (IMPORT_MAX_BYTES if smaller)
PENDING_LIFETIME = dt.timedelta(minutes=30)
PREVIEW_ROWS_SHOWN = 500
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_STATUS_FR = {
    "new": "nouvelle",
    "updated": "mise à jour",
    "unchanged": "inchangée",
    "kept": "inchangée (valeur publiée prioritaire)",
}


class DepositError(UserError):
    """A pending deposit that cannot be confirmed or cancelled; the message is French."""


class DepositOutdated(DepositError):
    """The stored data changed since the preview: the confirmation is refused."""


class DepositBusy(DepositError):
    """Another load holds the lock longer than a web request waits."""


def _web_lock_timeout() -> float:
    return WEB_LOCK_TIMEOUT  # read at each call: tests shorten it


def web_max_bytes() -> int:
    return min(WEB_MAX_BYTES, settings.etl().import_max_bytes)


def data_version(engine: Engine) -> int:
    """Id of the last successful run (what the dashboard's caches are keyed on)."""
    with engine.connect() as conn:
        return _version(conn)


def _version(conn: Connection) -> int:
    stmt = select(func.max(Run.id)).where(Run.status == RunStatus.success)
    return int(conn.execute(stmt).scalar() or 0)


def upload_suffix(data: bytes, *, name: str) -> str:
    """`.xlsx` or `.csv`, decided by the bytes, never by the name the browser sent."""
    if not data:
        raise ParseError(f"Fichier « {name} » vide. Attendu : un fichier .csv ou .xlsx rempli.")
    if data.startswith(_ZIP_MAGIC):
        return ".xlsx"
    if data.startswith(_OLE_MAGIC):
        raise ParseError(
            f"Fichier « {name} » : ancien format Excel (.xls) non pris en charge. "
            "Attendu : enregistrez-le au format .xlsx ou .csv."
        )
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in data[:65536] and not utf16:
        raise ParseError(
            f"Fichier « {name} » : contenu binaire, ni un tableau CSV ni un classeur XLSX. "
            "Attendu : un fichier .csv ou .xlsx du modèle de dépôt."
        )
    return ".csv"


def safe_filename(name: str) -> str:
    """The uploaded file's name as shown in messages: no folder, no control character."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^\w.\- ()]", "_", base).strip(" .")[:100]
    return cleaned or "depot"


@contextlib.contextmanager
def _upload_file(data: bytes, *, name: str) -> Iterator[Path]:
    """The upload in a private temporary folder (never a served one), removed afterwards;
    its suffix says what its content is."""
    shown = safe_filename(name)
    limit = web_max_bytes()
    if len(data) > limit:
        raise ParseError(
            f"Fichier « {shown} » trop volumineux : {bytes_fr(len(data))}. "
            f"Attendu : au plus {bytes_fr(limit)}."
        )
    suffix = upload_suffix(data, name=shown)
    stem = shown.rsplit(".", 1)[0] if "." in shown else shown
    with tempfile.TemporaryDirectory(prefix="tdb-depot-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        yield path


def _outside_region(plan_: Plan, *, actor: Actor, file: str) -> None:
    """Refuse the whole file if any row is for an area the actor may not deposit for."""
    rows = plan_.rows
    numbers = rows.attrs.get("rows")
    errors = []
    for i, (level, code) in enumerate(zip(rows["level"], rows["code"], strict=True)):
        if not may_deposit_area(actor, str(level), str(code)):
            where = f"la région {actor.region} et ses départements" if actor.region else "—"
            errors.append(
                RowError(
                    file=file,
                    row=int(numbers[i]) if numbers is not None else i + 2,
                    column="code_territoire",
                    value=code,
                    expected=f"un territoire de votre périmètre de dépôt ({where})",
                )
            )
    if errors:
        raise ValidationFailed(errors, rows_read=len(rows))


def _fingerprint(plan_: Plan) -> str:
    """The diff in one hash: equal means the stored rows the file touches are as previewed."""
    digest = hashlib.sha256()
    digest.update("|".join(plan_.rows["status"].astype(str)).encode())
    for c in plan_.changes:
        digest.update(f"{c.row}:{c.column}:{c.before!r}:{c.after!r};".encode())
    return digest.hexdigest()


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(vide)"
    if isinstance(value, float):
        return f"{value:,.10g}".replace(",", " ")
    return str(value)


def _plan_document(plan_: Plan, *, catalog: Catalog) -> dict[str, Any]:
    """The preview as stored with the pending deposit (JSON): counts, rows, changes."""
    rows = plan_.rows
    numbers = rows.attrs.get("rows")
    shown = []
    for i, r in enumerate(rows.head(PREVIEW_ROWS_SHOWN).itertuples(index=False)):
        shown.append(
            {
                "row": int(numbers[i]) if numbers is not None else i + 2,
                "indicator": str(r.indicator_id),
                "level": str(r.level),
                "code": str(r.code),
                "period": str(r.period_start),
                "breakdown": "" if r.breakdown == TOTAL else str(r.breakdown),
                "value": _shown(r.value),
                "status": _STATUS_FR.get(str(r.status), str(r.status)),
            }
        )
    changes = [
        {
            "row": int(numbers[c.row]) if numbers is not None else c.row + 2,
            "column": TIDY_TO_FRENCH.get(c.column, c.column),
            "before": _shown(c.before),
            "after": _shown(c.after),
        }
        for c in plan_.changes
        if c.column not in ("source_label", "source_url", "origin", "run_id")
    ][:PREVIEW_ROWS_SHOWN]
    return {
        "counts": {s: plan_.count(s) for s in ("new", "updated", "unchanged", "kept")},
        "total": len(rows),
        "rows": shown,
        "changes": changes,
        "fingerprint": _fingerprint(plan_),
    }


@dataclass(frozen=True)
class Preview:
    """A pending deposit as the preview page shows it."""

    token: str
    uploader: str
    indicator_id: str
    filename: str
    plan: dict[str, Any]
    expires_at: dt.datetime


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; every one stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_moment(text: str) -> dt.datetime:
    """An ISO date-time of `freshness_report`, as an aware datetime."""
    return aware(dt.datetime.fromisoformat(text))


def preview_upload(
    engine: Engine,
    data: bytes,
    *,
    filename: str,
    catalog: Catalog,
    indicator: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Preview:
    """Validate and diff an uploaded file (nothing written to the data), then keep it
    with its preview in `pending_deposits` until confirmed, cancelled or expired.

    Raises ParseError or ValidationFailed (French, with rows and columns) for a bad file,
    including any row outside the actor's région.
    """
    if actor.email is None or not actor.signed_in:
        raise DepositError("Dépôt réservé aux comptes connectés.")
    now = now or dt.datetime.now(dt.UTC)
    shown = safe_filename(filename)
    with _upload_file(data, name=filename) as path:
        plan_ = plan_deposit(
            engine, path, catalog=catalog, indicator=indicator, max_bytes=web_max_bytes()
        )
        _outside_region(plan_, actor=actor, file=path.name)
    document = _plan_document(plan_, catalog=catalog)
    token = secrets.token_urlsafe(32)
    with transaction(engine) as session:
        session.execute(sa_delete(PendingDeposit).where(PendingDeposit.expires_at < now))
        session.add(
            PendingDeposit(
                token=token,
                uploader=actor.email,
                indicator_id=indicator,
                filename=shown,
                content=data,
                plan=document,
                data_version=_version(session.connection()),
                created_at=now,
                expires_at=now + PENDING_LIFETIME,
            )
        )
    return Preview(token, actor.email, indicator, shown, document, now + PENDING_LIFETIME)


_GONE = (
    "Dépôt en attente introuvable ou expiré (un aperçu est gardé {minutes} minutes) : rien n'a "
    "été enregistré. Déposez à nouveau le fichier."
)


def pending(engine: Engine, token: str, *, actor: Actor, now: dt.datetime | None = None) -> Preview:
    """The actor's own pending deposit of this token, if not expired; else DepositError."""
    now = now or dt.datetime.now(dt.UTC)
    with transaction(engine) as session:
        row = session.scalar(select(PendingDeposit).where(PendingDeposit.token == token))
        if row is None or row.uploader != actor.email or aware(row.expires_at) <= now:
            raise DepositError(_GONE.format(minutes=int(PENDING_LIFETIME.total_seconds() // 60)))
        return Preview(
            row.token,
            row.uploader,
            row.indicator_id,
            row.filename,
            dict(row.plan),
            aware(row.expires_at),
        )


def _drop(engine: Engine, token: str) -> None:
    with transaction(engine) as session:
        session.execute(sa_delete(PendingDeposit).where(PendingDeposit.token == token))


def cancel_pending(engine: Engine, token: str, *, actor: Actor) -> Preview:
    """Forget the pending deposit: nothing is written to the data."""
    found = pending(engine, token, actor=actor)
    _drop(engine, token)
    return found


OUTDATED = (
    "Les données ont changé depuis l'aperçu (un autre chargement a eu lieu) : rien n'a été "
    "enregistré. Déposez à nouveau le fichier pour voir l'aperçu à jour."
)
BUSY = "Chargement en cours, réessayez dans quelques instants : rien n'a été enregistré."


def confirm_pending(
    engine: Engine,
    token: str,
    *,
    catalog: Catalog,
    actor: Actor,
    lock_timeout: float | None = None,
    now: dt.datetime | None = None,
) -> LoadResult:
    """Load the pending deposit through the same locked path as `python -m etl import`.

    Under the lock the file is validated again and its diff compared with the preview's:
    if the stored data it touches changed since, DepositOutdated (nothing written). A
    lock held longer than `lock_timeout` (default WEB_LOCK_TIMEOUT) gives DepositBusy (the
    deposit stays pending).
    """
    lock_timeout = _web_lock_timeout() if lock_timeout is None else lock_timeout
    now = now or dt.datetime.now(dt.UTC)
    with transaction(engine) as session:
        row = session.scalar(select(PendingDeposit).where(PendingDeposit.token == token))
        if row is None or row.uploader != actor.email or aware(row.expires_at) <= now:
            raise DepositError(_GONE.format(minutes=int(PENDING_LIFETIME.total_seconds() // 60)))
        data, name, indicator = bytes(row.content), row.filename, row.indicator_id
        version, expected = row.data_version, str(row.plan.get("fingerprint", ""))

    def unchanged_since_preview(conn: Connection, frame: pd.DataFrame) -> None:
        if _version(conn) == version:
            return
        current = plan_of(frame, diff_observations(conn, frame))
        if _fingerprint(current) != expected:
            raise DepositOutdated(OUTDATED)

    with _upload_file(data, name=name) as path:
        again = plan_deposit(engine, path, catalog=catalog, indicator=indicator)
        _outside_region(again, actor=actor, file=path.name)
        try:
            result = confirm_deposit(
                engine,
                path,
                catalog=catalog,
                indicator=indicator,
                force=True,
                lock_timeout=lock_timeout,
                actor=actor.email,
                check=unchanged_since_preview,
                max_bytes=web_max_bytes(),
            )
        except LockTimeout:
            raise DepositBusy(BUSY) from None
        except DepositOutdated:
            _drop(engine, token)
            raise
    _drop(engine, token)
    return result


def template_file(indicator: Indicator, *, suffix: str) -> tuple[bytes, str]:
    """The empty deposit template of `indicator` (what `python -m etl template` writes):
    its bytes and file name."""
    name = f"modele-depot-{indicator.id}{suffix}"
    with tempfile.TemporaryDirectory(prefix="tdb-modele-") as folder:
        path = write_template(Path(folder) / name, indicator=indicator)
        return path.read_bytes(), name


# -- administration: deposits, runs, freshness, quality --------------------------------------


@dataclass(frozen=True)
class DepositRow:
    run: Run
    withdrawn_by: int | None


def deposits(engine: Engine, *, limit: int = 50, offset: int = 0) -> list[DepositRow]:
    """Loaded deposit runs (web and command line), latest first, with their state."""
    with transaction(engine) as session:
        runs = session.scalars(
            select(Run)
            .where(
                Run.kind == "import",
                Run.source.like(f"{DEPOSIT_SOURCE}%"),
                Run.status == RunStatus.success,
            )
            .order_by(Run.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        withdrawn = withdrawn_runs(session.connection())
        session.expunge_all()
    return [DepositRow(r, withdrawn.get(r.id)) for r in runs]


def runs_page(engine: Engine, *, limit: int, offset: int) -> tuple[list[Run], int]:
    """A page of the run log, latest first, and the number of runs."""
    with transaction(engine) as session:
        total = int(session.scalar(select(func.count()).select_from(Run)) or 0)
        runs = list(
            session.scalars(select(Run).order_by(Run.id.desc()).limit(limit).offset(offset))
        )
        session.expunge_all()
    return runs, total


def freshness_report(engine: Engine, *, today: dt.date | None = None) -> dict[str, Any]:
    """`python -m etl status`'s document: per indicator and per source (etl.freshness)."""
    return database_status(engine, runs=0, today=today)


_ALERTS: dict[tuple[str, int], list[Alert]] = {}


def current_alerts(engine: Engine, *, catalog: Catalog) -> list[Alert]:
    """`quality_alerts`, computed once per data version (they read every real row)."""
    key = (str(engine.url), data_version(engine))
    if key not in _ALERTS:
        _ALERTS.clear()
        _ALERTS[key] = quality_alerts(engine, catalog=catalog)
    return _ALERTS[key]


def withdraw_deposit(engine: Engine, run_id: int, *, actor: Actor) -> Reverted:
    try:
        return withdraw(engine, run_id, actor=actor.email, lock_timeout=_web_lock_timeout())
    except LockTimeout:
        raise DepositBusy(BUSY) from None


def restore_deposit(engine: Engine, run_id: int, *, actor: Actor) -> Reverted:
    try:
        return restore(engine, run_id, actor=actor.email, lock_timeout=_web_lock_timeout())
    except LockTimeout:
        raise DepositBusy(BUSY) from None


__all__ += [
    "FRESH",
    "LATE",
    "NO_DATA",
    "Alert",
    "DepositBusy",
    "DepositError",
    "DepositOutdated",
    "ParseError",
    "Preview",
    "RevertError",
    "UserError",
    "ValidationFailed",
    "aware",
    "bytes_fr",
    "cancel_pending",
    "confirm_pending",
    "current_alerts",
    "deposits",
    "freshness_report",
    "parse_moment",
    "pending",
    "preview_upload",
    "quality_alerts",
    "restore_deposit",
    "runs_page",
    "safe_filename",
    "template_file",
    "web_max_bytes",
    "withdraw_deposit",
]
