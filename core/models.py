"""Database schema (SQLAlchemy 2.0 typed models); every change is an Alembic migration."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.vocabulary import Origin as Origin  # stored as its code: same values, no migration
from core.vocabulary import TargetOrigin

TOTAL = "_total"  # breakdown of the total row: never NULL, NULLs are distinct in unique keys


class Base(DeclarativeBase):
    pass


class Qualifier(enum.StrEnum):
    """How exact a published figure is (« environ », « plus de », « moins de »)."""

    exact = "exact"
    approx = "approx"
    lower_bound = "lower_bound"
    upper_bound = "upper_bound"


class ChangeKind(enum.StrEnum):
    """What a write did to one observation (`changes`); `withdrawal`: for withdrawals to come."""

    insert = "insert"
    update = "update"
    delete = "delete"
    withdrawal = "withdrawal"


class RunStatus(enum.StrEnum):
    running = "running"
    success = "success"
    unchanged = "unchanged"
    failed = "failed"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, validate_strings=True)


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("level", "code", name="uq_areas_level_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    population: Mapped[int] = mapped_column(Integer)
    population_year: Mapped[int] = mapped_column(Integer)
    tile_row: Mapped[int | None] = mapped_column(Integer)
    tile_col: Mapped[int | None] = mapped_column(Integer)


class Indicator(Base):
    """Synced from indicators.yaml at each ETL command; the yaml is the truth."""

    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    axis: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    nature: Mapped[str] = mapped_column(String(8))
    frequency: Mapped[str] = mapped_column(String(16))
    aggregation: Mapped[str] = mapped_column(String(24))
    breakdown_dimension: Mapped[str | None] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, object]] = mapped_column(JSON)


class Run(Base):
    """One ETL run: its provenance, counts and outcome (the run log)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))  # published | demo | connector | import
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source_url: Mapped[str | None] = mapped_column(Text)
    retrieved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    checksum: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_deleted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(254))  # e-mail of who wrote (a deposit)


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id", "area_id", "period_start", "breakdown", name="uq_observations_key"
        ),
        Index("ix_observations_area", "area_id", "indicator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(48), default=TOTAL)
    value: Mapped[float | None] = mapped_column(Float)  # None when masked
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    is_masked: Mapped[bool] = mapped_column(default=False)  # statistical secrecy (« NS »)
    is_provisional: Mapped[bool] = mapped_column(default=False)
    qualifier: Mapped[Qualifier] = mapped_column(
        _enum(Qualifier, "qualifier"), default=Qualifier.exact
    )
    origin: Mapped[Origin] = mapped_column(_enum(Origin, "origin"))
    observed_on: Mapped[dt.date | None] = mapped_column(Date)  # a stock's exact date
    source_label: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))


class Change(Base):
    """One insert, update, delete or withdrawal of an observation, by one run.

    `previous` is the full stored row before the change (None for an insert), `value`
    the new value (None for a delete). No foreign key to the observation: the history
    stays when the observation goes. Written set-wise by etl.load, in the write's
    transaction; the change feed and « Quoi de neuf » read it.
    """

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('insert', 'update', 'delete', 'withdrawal')", name="ck_changes_kind"
        ),
        Index("ix_changes_run", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[ChangeKind] = mapped_column(_enum(ChangeKind, "change_kind"))
    observation_id: Mapped[int] = mapped_column(Integer)
    indicator_id: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(48))
    origin: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    previous: Mapped[dict[str, object] | None] = mapped_column(JSON)


class Target(Base):
    """A dated target of one area. `origin` says who set it: the catalog (replaced at each
    sync) or a source file (loaded with its run's observations, kept by the sync). The
    baseline is the initial value progress is measured from (DITP's `indic_vi`)."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id",
            "area_id",
            "deadline",
            "comparison",
            "value",
            "origin",
            name="uq_targets_key",
        ),
        Index("ix_targets_indicator", "indicator_id", "origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    value: Mapped[float] = mapped_column(Float)
    value_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[dt.date] = mapped_column(Date)
    comparison: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(Text)
    source_title: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    date_verified: Mapped[bool] = mapped_column(default=True)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_date: Mapped[dt.date | None] = mapped_column(Date)
    baseline_source: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16), default=TargetOrigin.catalog.value)
    run_id: Mapped[int | None] = mapped_column(  # None: a catalog target
        ForeignKey("runs.id", name="fk_targets_run")
    )


class PublishedFigure(Base):
    """The curated file of published figures, row for row, alternatives included.

    Only retained rows whose unit and period fit the indicator's series become
    observations; the others are shown beside the series, never summed into it.
    """

    __tablename__ = "published_figures"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id",
            "geo_level",
            "geo_code",
            "period_type",
            "period_start",
            "breakdown",
            "source_url",
            "value",
            name="uq_published_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    geo_level: Mapped[str] = mapped_column(String(16))
    geo_code: Mapped[str] = mapped_column(String(8))
    period_type: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[dt.date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(48), default=TOTAL)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    qualifier: Mapped[Qualifier] = mapped_column(_enum(Qualifier, "qualifier"))
    retained: Mapped[bool] = mapped_column()
    in_series: Mapped[bool] = mapped_column()
    source_publisher: Mapped[str] = mapped_column(Text)
    source_title: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[str | None] = mapped_column(String(10))
    verified: Mapped[bool] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """An account: an ARS (with its région) or the delegation (DNS). No password hash: the
    account signs in only through ProConnect (`sso_only`)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email", name="uq_users_email"),
        CheckConstraint("role IN ('ars', 'dns')", name="ck_users_role"),
        CheckConstraint("(role = 'ars') = (region IS NOT NULL)", name="ck_users_region_for_ars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # stored lower-case
    role: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(3))
    password_hash: Mapped[str | None] = mapped_column(Text)
    sso_only: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed sign-ins of one account (`kind` account, key: the e-mail typed, known or
    not) or one client address; attempts are refused until `locked_until`."""

    __tablename__ = "login_throttle"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_login_throttle_key"),
        CheckConstraint("kind IN ('account', 'address')", name="ck_login_throttle_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(254))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One line of the audit log: append-only (database triggers refuse UPDATE, DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(254))  # e-mail; None: anonymous
    address: Mapped[str | None] = mapped_column(String(64))  # client address; None: CLI
    action: Mapped[str] = mapped_column(String(32))
    object: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class PendingDeposit(Base):
    """An uploaded file and its preview, kept until confirmed, cancelled or expired: in the
    database (never a served directory) so that another worker may serve the confirmation;
    `data_version` is the one at preview, so that a confirmation after a change is refused."""

    __tablename__ = "pending_deposits"
    __table_args__ = (UniqueConstraint("token", name="uq_pending_deposits_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    uploader: Mapped[str] = mapped_column(String(254))
    indicator_id: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    plan: Mapped[dict[str, object]] = mapped_column(JSON)
    data_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
