"""The one data-access module of the dashboard: every read goes through here.

Results are cached under the data version (id of the last successful ETL run), so a
new load is seen by every worker with no message between processes: each process reads
the version at most once every DATA_VERSION_TTL seconds (one SQL query, not one per
request), so a load shows within that time everywhere. The data cache is in-process by
default and Redis when REDIS_URL is set; page bodies stay in the process (see
dashboard/cache.py). Nothing here writes to the database.

Every read answers for the reader of the request (dashboard.actor.current_actor): the
catalog holds only the indicators it may see, and the rows only the areas it may see
(dashboard/access.py asks core.policy). Reads and page bodies are cached under the
reader's visibility scope: what one reader may see is never served to another who sees less.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from threading import Lock
from typing import Any, Protocol, TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from core import geography, policy, settings
from core.catalog import Catalog, load_catalog
from core.db import make_engine
from core.errors import UserError
from core.models import (
    TOTAL,
    Area,
    Change,
    Observation,
    Origin,
    PublishedFigure,
    Run,
    RunStatus,
    Target,
)
from core.package_data import package_path
from core.policy import Actor
from core.vocabulary import Level, TargetOrigin
from dashboard.access import sees_whole_level, visible_catalog, visible_rows
from dashboard.actor import current_actor
from dashboard.cache import Cache, MemoryCache, RedisCache, cache_key, catalog_version

T = TypeVar("T")

EVERY_READER = "tous"  # the scope of a value the same for every reader (a date, a flag)

PAGE_CACHE_SIZE = 512  # page bodies kept per process (a geographic map page is ~1 MB)

SERIES_COLUMNS = [
    "indicator_id",
    "level",
    "code",
    "name",
    "breakdown",
    "period_start",
    "value",
    "numerator",
    "denominator",
    "origin",
    "qualifier",
    "is_masked",
    "is_provisional",
    "source_label",
    "source_url",
    "observed_on",
    "run_id",  # the run (ETL) that wrote the value: the files and the API name it
]
PUBLISHED_COLUMNS = [
    "geo_level",
    "geo_code",
    "period_start",
    "value",
    "unit",
    "qualifier",
    "retained",
    "in_series",
    "source_publisher",
    "source_title",
    "source_url",
    "published_on",
    "note",
]
SNAPSHOT_VALUES = ["code", "value", "is_masked", "origin"]
SOURCE_TARGET_COLUMNS = [
    "indicator_id",
    "level",
    "code",
    "name",
    "value",
    "unit",
    "deadline",
    "label",
    "source_title",
    "source_url",
    "baseline_value",
    "baseline_date",
    "baseline_source",
    "run_id",
]
CHANGE_RUN_COLUMNS = ["run_id", "source", "kind", "source_url", "finished_at", "new_source"]
NEW_SOURCE_COLUMNS = ["indicator_id", "source", "run_id", "kind", "source_url", "changed_at"]
CHANGE_COLUMNS = [
    "run_id",
    "changed_at",
    "kind",
    "indicator_id",
    "level",
    "code",
    "name",
    "period_start",
    "breakdown",
    "origin",
    "value",
    "previous_value",
    "previous_origin",
]
SNAPSHOT_COLUMNS = [
    "code",
    "name",
    "parent_code",
    "tile_row",
    "tile_col",
    "population",
    "value",
    "is_masked",
    "origin",
]


class DataUnavailable(UserError):
    """The database cannot be read; the message is French and shown as is."""


class Reads(Protocol):
    """What the views and pages read: `Queries`, or an in-memory fake in the tests."""

    @property
    def catalog(self) -> Catalog: ...

    def series(
        self,
        *,
        indicator_id: str | None = None,
        level: str = "national",
        codes: Sequence[str] | None = None,
        breakdown: str | None = TOTAL,
    ) -> pd.DataFrame: ...
    def periods(
        self, *, indicator_id: str, level: str, real_only: bool = False
    ) -> list[dt.date]: ...
    def snapshot(self, *, indicator_id: str, level: str, period: dt.date) -> pd.DataFrame: ...
    def territorial_levels(self, *, indicator_id: str) -> dict[str, set[str]]: ...
    def has_demo(self) -> bool: ...
    def last_update(self) -> dt.datetime | None: ...
    def published_figures(self, *, indicator_id: str) -> pd.DataFrame: ...
    def source_targets(self, *, indicator_id: str | None = None) -> pd.DataFrame: ...
    def change_runs(self, *, indicator_id: str | None = None) -> pd.DataFrame: ...
    def changes(
        self, *, run_ids: Sequence[int], indicator_id: str | None = None
    ) -> pd.DataFrame: ...


def _copy(value: T) -> T:
    """Callers may add columns: never hand out the cached frame itself."""
    return value.copy() if isinstance(value, pd.DataFrame) else value


class Queries:
    """Reads of one database, cached by data version, as the request's reader may see them.

    `cache` holds the reads (frames and plain values: it may be Redis); `pages` holds
    what `memo` builds, Dash components included, and is always in the process.
    `declared_catalog` is the whole catalog; `catalog` is the reader's part of it.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        cache: Cache,
        catalog: Catalog,
        pages: Cache | None = None,
        version_ttl: float = 0.0,
    ) -> None:
        self.engine = engine
        self.version_ttl = version_ttl  # seconds the process reuses the data version
        self._version: tuple[float, int] | None = None  # (monotonic time read, version)
        self._version_lock = Lock()
        self.cache = cache
        self.pages = pages if pages is not None else MemoryCache(maxsize=PAGE_CACHE_SIZE)
        self.declared_catalog = catalog
        self.catalog_version = catalog_version(catalog)
        self._catalogs: dict[str, Catalog] = {}  # the catalog of each visibility scope

    # -- the reader -----------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The indicators the request's reader may see (404, lists, counts ask this)."""
        return self.catalog_for(current_actor())

    def catalog_for(self, actor: Actor) -> Catalog:
        key = policy.scope(actor)
        found = self._catalogs.get(key)
        if found is None:
            found = self._catalogs[key] = visible_catalog(self.declared_catalog, actor)
        return found

    def _visible(
        self,
        name: str,
        args: Mapping[str, object],
        compute: Callable[[], pd.DataFrame],
        *,
        indicator_id: str | None = None,
        level: str | None = None,
        level_column: str = "level",
        code_column: str = "code",
    ) -> pd.DataFrame:
        """A read of rows, keeping those the request's reader may see, cached under its
        visibility scope (filtered once, not on every request)."""
        actor = current_actor()

        def filtered() -> pd.DataFrame:
            return visible_rows(
                compute(),
                catalog=self.declared_catalog,
                actor=actor,
                indicator_id=indicator_id,
                level=level,
                level_column=level_column,
                code_column=code_column,
            )

        return self._cached(name, args, filtered, scope=policy.scope(actor))

    # -- version and caching ------------------------------------------------------------

    def data_version(self) -> int:
        """Id of the last successful run (0 before any load): the same for a whole request,
        and read from the database at most once every `version_ttl` seconds per process."""
        try:
            import flask

            if flask.has_request_context():
                version = getattr(flask.g, "tdb_data_version", None)
                if version is None:
                    version = self._process_version()
                    flask.g.tdb_data_version = version
                return int(version)
        except ImportError:  # pragma: no cover - flask is a dependency of dash
            pass
        return self._process_version()

    def _process_version(self) -> int:
        """The version this process read less than `version_ttl` seconds ago, else a fresh
        read (one thread reads, the others wait for it). Stamped with the time before the
        read, so nothing is reused for longer than the TTL after the database said it."""
        if self.version_ttl <= 0:
            return self._read_version()
        with self._version_lock:
            now = time.monotonic()
            known = self._version
            if known is not None and now - known[0] < self.version_ttl:
                return known[1]
            version = self._read_version()
            self._version = (now, version)
            return version

    def forget_data_version(self) -> None:
        """After a write by this process (a deposit): its next read asks the database."""
        with self._version_lock:
            self._version = None
        try:
            import flask

            if flask.has_request_context():
                flask.g.pop("tdb_data_version", None)
        except ImportError:  # pragma: no cover - flask is a dependency of dash
            pass

    def _read_version(self) -> int:
        def read() -> int:
            with self.engine.connect() as conn:
                stmt = select(func.max(Run.id)).where(Run.status == RunStatus.success)
                return int(conn.execute(stmt).scalar() or 0)

        return self._guard(read)

    def _cached(
        self,
        name: str,
        args: Mapping[str, object] | tuple[object, ...],
        compute: Callable[[], T],
        *,
        cache: Cache | None = None,
        scope: str = EVERY_READER,
    ) -> T:
        store = self.cache if cache is None else cache
        key = cache_key(
            name,
            args,
            scope=scope,
            catalog_version=self.catalog_version,
            data_version=self.data_version(),
        )
        hit = store.get(key)
        if hit is not None:
            return _copy(hit)
        value = self._guard(compute)
        store.set(key, value)
        return _copy(value)

    def memo(
        self,
        name: str,
        params: Mapping[str, object] | tuple[object, ...],
        compute: Callable[[], T],
        *,
        scope: str | None = None,
    ) -> T:
        """Cache a value derived from the data (a page body) in the process, keyed on the
        normalised view parameters, the reader's visibility scope (the request's reader
        unless given) and the versions: a page built for one reader is never served to
        one who sees less."""
        reader_scope = policy.scope(current_actor()) if scope is None else scope
        return self._cached(name, params, compute, cache=self.pages, scope=reader_scope)

    @staticmethod
    def _guard(compute: Callable[[], T]) -> T:
        try:
            return compute()
        except SQLAlchemyError as exc:
            raise DataUnavailable(
                "La base de données du tableau de bord est injoignable ou incomplète. "
                "Réessayez dans quelques minutes ; si le problème persiste, vérifiez "
                "DATABASE_URL et lancez « python -m etl init »."
            ) from exc

    # -- observations -------------------------------------------------------------------

    def series(
        self,
        *,
        indicator_id: str | None = None,
        level: str = "national",
        codes: Sequence[str] | None = None,
        breakdown: str | None = TOTAL,
    ) -> pd.DataFrame:
        """Observations in time order (the `series` frame shared with `figures`).

        `indicator_id=None` reads every indicator (one query for the national view).
        """
        args = {
            "indicator_id": indicator_id,
            "level": level,
            "codes": list(codes) if codes is not None else None,
            "breakdown": breakdown,
        }
        return self._visible(
            "series",
            args,
            lambda: self._series(
                indicator_id=indicator_id, level=level, codes=codes, breakdown=breakdown
            ),
        )

    def _series(
        self,
        *,
        indicator_id: str | None,
        level: str,
        codes: Sequence[str] | None,
        breakdown: str | None,
    ) -> pd.DataFrame:
        o = Observation
        stmt = (
            select(
                o.indicator_id,
                Area.level,
                Area.code,
                Area.name,
                o.breakdown,
                o.period_start,
                o.value,
                o.numerator,
                o.denominator,
                o.origin,
                o.qualifier,
                o.is_masked,
                o.is_provisional,
                o.source_label,
                o.source_url,
                o.observed_on,
                o.run_id,
            )
            .join(Area, Area.id == o.area_id)
            .where(Area.level == level)
            .order_by(o.indicator_id, Area.code, o.breakdown, o.period_start)
        )
        if indicator_id is not None:
            stmt = stmt.where(o.indicator_id == indicator_id)
        if codes is not None:
            stmt = stmt.where(Area.code.in_(list(codes)))
        if breakdown is not None:
            stmt = stmt.where(o.breakdown == breakdown)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        df = pd.DataFrame(rows, columns=SERIES_COLUMNS)
        return typed_series(df)

    def periods(self, *, indicator_id: str, level: str, real_only: bool = False) -> list[dt.date]:
        """Periods with at least one value at this level, oldest first; with `real_only`,
        at least one real value (published, source, deposit)."""

        def compute() -> list[dt.date]:
            stmt = (
                select(Observation.period_start)
                .join(Area, Area.id == Observation.area_id)
                .where(
                    Observation.indicator_id == indicator_id,
                    Area.level == level,
                    Observation.breakdown == TOTAL,
                )
                .distinct()
                .order_by(Observation.period_start)
            )
            if real_only:
                stmt = stmt.where(Observation.origin != Origin.demo)
            with self.engine.connect() as conn:
                return [r[0] for r in conn.execute(stmt)]

        if not self._sees_whole_level(indicator_id, level):
            return self._visible_periods(indicator_id, level, real_only=real_only)
        args = {"indicator_id": indicator_id, "level": level, "real_only": real_only}
        return self._cached("periods", args, compute)

    def _visible_periods(self, indicator_id: str, level: str, *, real_only: bool) -> list[dt.date]:
        """`periods` from the rows the reader may see (a reader who sees part of a level)."""
        rows = self.series(indicator_id=indicator_id, level=level)
        if real_only:
            rows = rows[rows["origin"] != Origin.demo.value]
        return sorted({ts.date() for ts in rows["period_start"]})

    def _sees_whole_level(self, indicator_id: str, level: str) -> bool:
        """Whether the reader may see the indicator for every area of the level (then the
        reads about the level as a whole, periods and origins, are the reader's too)."""
        indicator = self.declared_catalog.by_id.get(indicator_id)
        return indicator is not None and sees_whole_level(indicator, level, current_actor())

    def snapshot(self, *, indicator_id: str, level: str, period: dt.date) -> pd.DataFrame:
        """Every area of a level at one period; areas without a value have NaN, never 0."""

        def compute() -> pd.DataFrame:
            stmt = (
                select(Area.code, Observation.value, Observation.is_masked, Observation.origin)
                .join(Area, Area.id == Observation.area_id)
                .where(
                    Observation.indicator_id == indicator_id,
                    Area.level == level,
                    Observation.breakdown == TOTAL,
                    Observation.period_start == period,
                )
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            return snapshot_frame(level, pd.DataFrame(rows, columns=SNAPSHOT_VALUES))

        return self._visible(
            "snapshot",
            {"indicator_id": indicator_id, "level": level, "period": period},
            compute,
            indicator_id=indicator_id,
            level=level,
        )

    def territorial_levels(self, *, indicator_id: str) -> dict[str, set[str]]:
        """Origins present at each level, to say « publié à l'échelle nationale uniquement »."""

        def compute() -> dict[str, set[str]]:
            stmt = (
                select(Area.level, Observation.origin)
                .join(Area, Area.id == Observation.area_id)
                .where(Observation.indicator_id == indicator_id)
                .distinct()
            )
            out: dict[str, set[str]] = {}
            with self.engine.connect() as conn:
                for level, origin in conn.execute(stmt):
                    out.setdefault(level, set()).add(_text(origin))
            return out

        levels = self._cached("levels", {"indicator_id": indicator_id}, compute)
        out: dict[str, set[str]] = {}
        for level, origins in levels.items():
            if not self._sees_whole_level(indicator_id, level):  # the reader's areas only
                rows = self.series(indicator_id=indicator_id, level=level, breakdown=None)
                origins = set(rows["origin"])
            if origins:
                out[level] = origins
        return out

    def has_demo(self) -> bool:
        """Whether any synthetic value is in the database (the banner on every page)."""

        def compute() -> bool:
            stmt = select(Observation.id).where(Observation.origin == Origin.demo).limit(1)
            with self.engine.connect() as conn:
                return conn.execute(stmt).first() is not None

        return self._cached("has_demo", {}, compute)

    def last_update(self) -> dt.datetime | None:
        """End of the last successful load: « mis à jour le … »."""

        def compute() -> dt.datetime | None:
            stmt = select(func.max(Run.finished_at)).where(Run.status == RunStatus.success)
            with self.engine.connect() as conn:
                value = conn.execute(stmt).scalar()
            return value if isinstance(value, dt.datetime) else None

        # In the process: every API answer asks it (Last-Modified), a Redis round trip
        # each time would cost more than the answer kept under its ETag.
        return self._cached("last_update", {}, compute, cache=self.pages)

    def published_figures(self, *, indicator_id: str) -> pd.DataFrame:
        """The curated published figures, alternatives included (shown, never summed)."""

        def compute() -> pd.DataFrame:
            p = PublishedFigure
            stmt = (
                select(
                    p.geo_level,
                    p.geo_code,
                    p.period_start,
                    p.value,
                    p.unit,
                    p.qualifier,
                    p.retained,
                    p.in_series,
                    p.source_publisher,
                    p.source_title,
                    p.source_url,
                    p.published_on,
                    p.note,
                )
                .where(p.indicator_id == indicator_id)
                .order_by(p.period_start)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            df = pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
            df["qualifier"] = [_text(v) for v in df["qualifier"]]
            return df

        return self._visible(
            "published",
            {"indicator_id": indicator_id},
            compute,
            indicator_id=indicator_id,
            level_column="geo_level",
            code_column="geo_code",
        )

    def source_targets(self, *, indicator_id: str | None = None) -> pd.DataFrame:
        """The targets a source file set for each area (origin « source », etl.targets),
        with their baselines, of one indicator or all (None); catalog targets are read
        from the catalog itself."""

        def compute() -> pd.DataFrame:
            t = Target
            stmt = (
                select(
                    t.indicator_id,
                    Area.level,
                    Area.code,
                    Area.name,
                    t.value,
                    t.unit,
                    t.deadline,
                    t.label,
                    t.source_title,
                    t.source_url,
                    t.baseline_value,
                    t.baseline_date,
                    t.baseline_source,
                    t.run_id,
                )
                .join(Area, Area.id == t.area_id)
                .where(t.origin == TargetOrigin.source.value)
                .order_by(t.indicator_id, Area.level, Area.code, t.deadline)
            )
            if indicator_id is not None:
                stmt = stmt.where(t.indicator_id == indicator_id)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            return source_target_frame(pd.DataFrame(rows, columns=SOURCE_TARGET_COLUMNS))

        return self._visible(
            "source_targets", {"indicator_id": indicator_id}, compute, indicator_id=indicator_id
        )

    # -- change history (« Quoi de neuf ») ----------------------------------------------

    def _real_changes(self, indicator_id: str | None) -> list[Any]:
        """Conditions on `changes`: real values only (no demo) of indicators the reader
        may see, or of one of them."""
        ids = sorted(self.catalog.by_id)
        if indicator_id is not None:
            ids = [i for i in ids if i == indicator_id]
        return [Change.origin != Origin.demo.value, Change.indicator_id.in_(ids)]

    def change_runs(self, *, indicator_id: str | None = None) -> pd.DataFrame:
        """The runs that changed real values the reader may see, latest first
        (CHANGE_RUN_COLUMNS); `new_source`: the first successful run of its source.

        The history is scanned once per data version for every indicator (run, indicator
        pairs), then filtered for the reader: the warm-up asks it of each indicator page.
        """
        ids = set(self.catalog.by_id)
        if indicator_id is not None:
            ids &= {indicator_id}
        pairs, runs = self._cached("change_runs", {}, self._change_runs)
        kept = set(pairs.loc[pairs["indicator_id"].isin(sorted(ids)), "run_id"])
        return runs[runs["run_id"].isin(sorted(kept))].reset_index(drop=True)

    def _change_runs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(run, indicator) pairs of real changes, and those runs (latest first)."""
        real = Change.origin != Origin.demo.value
        pairs_stmt = select(Change.run_id, Change.indicator_id).where(real).distinct()
        first = (
            select(Run.source, func.min(Run.id).label("first_id"))
            .where(Run.status == RunStatus.success)
            .group_by(Run.source)
            .subquery()
        )
        ids = select(Change.run_id).where(real).distinct().subquery()
        runs_stmt = (
            select(
                Run.id,
                Run.source,
                Run.kind,
                Run.source_url,
                func.coalesce(Run.finished_at, Run.started_at),
                first.c.first_id,
            )
            .join(ids, ids.c.run_id == Run.id)
            .outerjoin(first, first.c.source == Run.source)
            .order_by(Run.id.desc())
        )
        with self.engine.connect() as conn:
            pairs = pd.DataFrame(conn.execute(pairs_stmt).all(), columns=["run_id", "indicator_id"])
            runs = [(*r[:5], r[5] == r[0]) for r in conn.execute(runs_stmt)]
        return pairs, pd.DataFrame(runs, columns=CHANGE_RUN_COLUMNS)

    def changes(self, *, run_ids: Sequence[int], indicator_id: str | None = None) -> pd.DataFrame:
        """What these runs did to the real values the reader may see (CHANGE_COLUMNS), one
        row per observation changed, with the value before (`previous_value`) for an update
        or a delete. Demo values are left out: they are synthetic, not news."""
        where = self._real_changes(indicator_id)

        def compute() -> pd.DataFrame:
            c = Change
            stmt = (
                select(
                    c.run_id,
                    c.changed_at,
                    c.kind,
                    c.indicator_id,
                    Area.level,
                    Area.code,
                    Area.name,
                    c.period_start,
                    c.breakdown,
                    c.origin,
                    c.value,
                    c.previous["value"].as_float(),
                    c.previous["origin"].as_string(),
                )
                .join(Area, Area.id == c.area_id)
                .where(*where, c.run_id.in_(list(run_ids)))
                .order_by(c.run_id.desc(), c.indicator_id, c.period_start, Area.level, Area.code)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            return change_frame(pd.DataFrame(rows, columns=CHANGE_COLUMNS))

        args = {"run_ids": list(run_ids), "indicator_id": indicator_id}
        return self._visible("changes", args, compute)

    def new_sources(
        self, *, since: dt.date | None = None, indicator_id: str | None = None
    ) -> pd.DataFrame:
        """The first run of each source (`runs.source`) that wrote real values of each
        indicator the reader may see, in an area it may see (NEW_SOURCE_COLUMNS), latest
        first; from `since` on when given. Demo values are no source."""

        def compute() -> pd.DataFrame:
            c = Change
            stmt = (
                select(
                    c.indicator_id,
                    Run.source,
                    Area.level,
                    Area.code,
                    func.min(c.run_id),
                )
                .join(Run, Run.id == c.run_id)
                .join(Area, Area.id == c.area_id)
                .where(c.origin != Origin.demo.value)
                .group_by(c.indicator_id, Run.source, Area.level, Area.code)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            columns = ["indicator_id", "source", "level", "code", "run_id"]
            return pd.DataFrame(rows, columns=columns)

        firsts = self._visible("new_source_areas", {}, compute)
        firsts = firsts[firsts["indicator_id"].isin(sorted(self.catalog.by_id))]
        if indicator_id is not None:
            firsts = firsts[firsts["indicator_id"] == indicator_id]
        firsts = firsts.sort_values("run_id", kind="stable")
        firsts = firsts.drop_duplicates(["indicator_id", "source"])[
            ["indicator_id", "source", "run_id"]
        ]
        runs = self._cached("new_source_runs", {}, self._run_facts)
        out = firsts.merge(runs, on="run_id", how="inner")
        if since is not None:
            out = out[out["changed_at"] >= pd.Timestamp(since, tz="UTC")]
        order = {ind.id: n for n, ind in enumerate(self.catalog.indicators)}
        out = out.assign(_order=out["indicator_id"].map(order))
        out = out.sort_values(["run_id", "_order"], ascending=[False, True], kind="stable")
        return out[NEW_SOURCE_COLUMNS].reset_index(drop=True)

    def _run_facts(self) -> pd.DataFrame:
        """Kind, address and time (end, or start) of every run that wrote a change."""
        ids = select(Change.run_id).distinct().subquery()
        stmt = select(
            Run.id, Run.kind, Run.source_url, func.coalesce(Run.finished_at, Run.started_at)
        ).join(ids, ids.c.run_id == Run.id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        df = pd.DataFrame(rows, columns=["run_id", "kind", "source_url", "changed_at"])
        df["run_id"] = df["run_id"].astype("int64")
        df["changed_at"] = pd.to_datetime(df["changed_at"], utc=True)
        return df

    # -- open API ----------------------------------------------------------------------

    def history_since(
        self,
        *,
        since: dt.date,
        indicator_ids: Sequence[str],
        after_id: int = 0,
        limit: int = 100,
    ) -> pd.DataFrame:
        """Change history rows (`core.models.Change`) from `since` on, oldest first, for the
        given indicators only, and of the areas the request's reader may see."""

        def compute() -> pd.DataFrame:
            c = Change
            stmt = (
                select(
                    c.id,
                    c.changed_at,
                    c.run_id,
                    c.kind,
                    c.indicator_id,
                    Area.level,
                    Area.code,
                    c.period_start,
                    c.breakdown,
                    c.origin,
                    c.value,
                    c.previous,
                )
                .join(Area, Area.id == c.area_id)
                .where(
                    c.changed_at >= dt.datetime.combine(since, dt.time()),
                    c.indicator_id.in_(list(indicator_ids)),
                    c.id > after_id,
                )
                .order_by(c.id)
                .limit(limit)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
            df["kind"] = [_text(v) for v in df["kind"]]
            previous = [_previous(p) for p in df.pop("previous")]
            df["previous_value"] = pd.Series(
                [p.get("value") for p in previous], index=df.index, dtype=float
            )
            df["previous_origin"] = [_text(p.get("origin")) or None for p in previous]
            df["changed_at"] = pd.to_datetime(df["changed_at"], utc=True)
            df["period_start"] = pd.to_datetime(df["period_start"])
            return df

        args = {
            "since": since,
            "indicators": sorted(indicator_ids),
            "after_id": after_id,
            "limit": limit,
        }
        return self._visible("changes", args, compute)

    def change_summary(self, *, indicator_ids: Sequence[str], runs: int = 20) -> pd.DataFrame:
        """Per run and indicator of the last `runs` runs that changed anything: how many
        rows of each kind, and when (the Atom feed's entries)."""

        def compute() -> pd.DataFrame:
            c = Change
            wanted = list(indicator_ids)
            last_runs = (
                select(c.run_id)
                .where(c.indicator_id.in_(wanted))
                .distinct()
                .order_by(c.run_id.desc())
                .limit(runs)
            ).subquery()
            stmt = (
                select(c.run_id, c.indicator_id, c.kind, func.count(), func.max(c.changed_at))
                .where(c.indicator_id.in_(wanted), c.run_id.in_(select(last_runs.c.run_id)))
                .group_by(c.run_id, c.indicator_id, c.kind)
                .order_by(c.run_id.desc(), c.indicator_id, c.kind)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
            df["kind"] = [_text(v) for v in df["kind"]]
            df["changed_at"] = pd.to_datetime(df["changed_at"], utc=True)
            return df

        return self._cached("change_summary", {"indicators": sorted(indicator_ids)}, compute)


HISTORY_COLUMNS = [
    "id",
    "changed_at",
    "run_id",
    "kind",
    "indicator_id",
    "level",
    "code",
    "period_start",
    "breakdown",
    "origin",
    "value",
    "previous",
]
SUMMARY_COLUMNS = ["run_id", "indicator_id", "kind", "rows", "changed_at"]


def change_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The `changes` frame's types: kinds as text, periods as timestamps, values as floats."""
    df["kind"] = [_text(v) for v in df["kind"]]
    df["period_start"] = pd.to_datetime(df["period_start"])
    for col in ("value", "previous_value"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def _text(value: object) -> str:
    return str(getattr(value, "value", value)) if value is not None else ""


def source_target_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The `source_targets` frame's types: dates as dates, missing baselines as None."""
    for col in ("deadline", "baseline_date"):
        df[col] = [None if pd.isna(v) else dt.date.fromisoformat(str(v)[:10]) for v in df[col]]
    df["baseline_value"] = df["baseline_value"].astype(object).where(df["baseline_value"].notna())
    return df


def _previous(value: object) -> dict[str, Any]:
    """The `previous` row of a change as a mapping (empty for an insert)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def typed_series(df: pd.DataFrame) -> pd.DataFrame:
    """The `series` frame's types, from rows in SERIES_COLUMNS order."""
    df["period_start"] = pd.to_datetime(df["period_start"])
    for col in ("value", "numerator", "denominator"):
        df[col] = df[col].astype(float)
    for col in ("origin", "qualifier"):
        df[col] = [_text(v) for v in df[col]]
    for col in ("is_masked", "is_provisional"):
        df[col] = df[col].astype(bool)
    df["run_id"] = df["run_id"].astype("Int64")
    df.loc[df["is_masked"], "value"] = float("nan")
    return df


def snapshot_frame(level: str, values: pd.DataFrame) -> pd.DataFrame:
    """Every area of `level` beside its value (`values` in SNAPSHOT_VALUES order, one row
    per area that has one): areas without a value get NaN, never 0."""
    base = pd.DataFrame(
        [
            {
                "code": a.code,
                "name": a.name,
                "parent_code": a.parent_code,
                "tile_row": a.tile_row,
                "tile_col": a.tile_col,
                "population": a.population,
            }
            for a in geography.by_level(level)
        ]
    )
    values = values.copy()
    values["origin"] = [_text(v) for v in values["origin"]]
    df = base.merge(values, on="code", how="left")
    df["value"] = df["value"].astype(float)
    df["is_masked"] = df["is_masked"].astype("boolean").fillna(False).astype(bool)
    df["origin"] = df["origin"].astype(object).where(df["origin"].notna(), None)
    return df[SNAPSHOT_COLUMNS]


# -- the process-wide store --------------------------------------------------------------

_store: Queries | None = None


def configure(*, database_url: str | None = None, redis_url: str = "") -> Queries:
    """Build the store once at start-up (app factory); tests pass their own URLs."""
    global _store
    cache: Cache = RedisCache(redis_url) if redis_url else MemoryCache()
    _store = Queries(
        make_engine(database_url),
        cache=cache,
        catalog=load_catalog(),
        version_ttl=settings.dashboard().data_version_ttl,
    )
    return _store


def store() -> Queries:
    if _store is None:
        return configure(
            database_url=settings.database_url(), redis_url=settings.dashboard().redis_url
        )
    return _store


CONTOURS_DIR = package_path("dashboard", "static", "contours")


@lru_cache(maxsize=2)
def contours(level: str) -> dict[str, Any]:
    """Vendored simplified contours (IGN ADMIN EXPRESS COG 2018, Licence Ouverte).

    Read only when a geographic map is asked for: the tile grid is the default.
    """
    slug = Level(level).slug if level in Level.__members__ else None
    name = f"{slug}.json" if slug else None  # contours/regions.json, departements.json
    if name is None:
        raise DataUnavailable(f"Pas de contours pour le niveau « {level} ».")
    try:
        data: dict[str, Any] = json.loads((CONTOURS_DIR / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataUnavailable(f"Fichier de contours absent : {CONTOURS_DIR / name}.") from None
    return data
