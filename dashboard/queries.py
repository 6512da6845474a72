"""The one data-access module of the dashboard: every read goes through here.

Results are cached under the data version (id of the last successful ETL run), so a
new load is seen by every worker at its next request with no message between
processes. The cache is in-process by default and Redis when REDIS_URL is set.
Nothing here writes to the database.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from threading import Lock
from typing import Any, Protocol, TypeVar, cast

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from core import geography
from core.catalog import Catalog, load_catalog
from core.db import make_engine
from core.models import TOTAL, Area, Observation, Origin, PublishedFigure, Run, RunStatus
from core.package_data import package_path

T = TypeVar("T")

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


class DataUnavailable(Exception):
    """The database cannot be read; the message is French and shown as is."""


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any) -> None: ...


class MemoryCache:
    """A bounded LRU cache local to the process (the default)."""

    def __init__(self, *, maxsize: int = 1024) -> None:
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._maxsize = maxsize
        self._lock = Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)


class RedisCache:
    """Shared between workers; entries expire after a day as old versions are never read."""

    def __init__(self, url: str, *, prefix: str = "tdb:", ttl: int = 86_400) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._prefix = prefix
        self._ttl = ttl

    def get(self, key: str) -> Any | None:
        try:
            raw = self._client.get(self._prefix + key)
        except Exception:  # a cache outage must not take the dashboard down
            return None
        return None if raw is None else pickle.loads(cast(bytes, raw))

    def set(self, key: str, value: Any) -> None:
        try:
            self._client.set(self._prefix + key, pickle.dumps(value), ex=self._ttl)
        except Exception:
            return


def _copy(value: T) -> T:
    """Callers may add columns: never hand out the cached frame itself."""
    return value.copy() if isinstance(value, pd.DataFrame) else value


class Queries:
    """Reads of one database, cached by data version."""

    def __init__(self, engine: Engine, *, cache: Cache, catalog: Catalog) -> None:
        self.engine = engine
        self.cache = cache
        self.catalog = catalog

    # -- version and caching ------------------------------------------------------------

    def data_version(self) -> int:
        """Id of the last successful run (0 before any load); read once per request."""
        try:
            import flask

            if flask.has_request_context():
                version = getattr(flask.g, "_tdb_data_version", None)
                if version is None:
                    version = self._read_version()
                    flask.g._tdb_data_version = version
                return int(version)
        except ImportError:  # pragma: no cover - flask is a dependency of dash
            pass
        return self._read_version()

    def _read_version(self) -> int:
        def read() -> int:
            with self.engine.connect() as conn:
                stmt = select(func.max(Run.id)).where(Run.status == RunStatus.success)
                return int(conn.execute(stmt).scalar() or 0)

        return self._guard(read)

    def _cached(self, name: str, args: tuple[Any, ...], compute: Callable[[], T]) -> T:
        key = f"{name}:{self.data_version()}:{args!r}"
        hit = self.cache.get(key)
        if hit is not None:
            return _copy(hit)
        value = self._guard(compute)
        self.cache.set(key, value)
        return _copy(value)

    def memo(self, name: str, args: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Cache any value derived from the data (a page body) under the data version."""
        return self._cached(name, args, compute)

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
        args = (indicator_id, level, tuple(codes) if codes is not None else None, breakdown)
        return self._cached(
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
        return _typed_series(df)

    def periods(self, *, indicator_id: str, level: str) -> list[dt.date]:
        """Periods with at least one value at this level, oldest first."""

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
            with self.engine.connect() as conn:
                return [r[0] for r in conn.execute(stmt)]

        return self._cached("periods", (indicator_id, level), compute)

    def snapshot(self, *, indicator_id: str, level: str, period: dt.date) -> pd.DataFrame:
        """Every area of a level at one period; areas without a value have NaN, never 0."""

        def compute() -> pd.DataFrame:
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
                    for a in geography.by_level(level)  # type: ignore[arg-type]
                ]
            )
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
            values = pd.DataFrame(rows, columns=["code", "value", "is_masked", "origin"])
            values["origin"] = [_text(v) for v in values["origin"]]
            df = base.merge(values, on="code", how="left")
            df["value"] = df["value"].astype(float)
            df["is_masked"] = df["is_masked"].astype("boolean").fillna(False).astype(bool)
            df["origin"] = df["origin"].astype(object).where(df["origin"].notna(), None)
            return df[SNAPSHOT_COLUMNS]

        return self._cached("snapshot", (indicator_id, level, period), compute)

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

        return self._cached("levels", (indicator_id,), compute)

    def has_demo(self) -> bool:
        """Whether any synthetic value is in the database (the banner on every page)."""

        def compute() -> bool:
            stmt = select(Observation.id).where(Observation.origin == Origin.demo).limit(1)
            with self.engine.connect() as conn:
                return conn.execute(stmt).first() is not None

        return self._cached("has_demo", (), compute)

    def last_update(self) -> dt.datetime | None:
        """End of the last successful load: « mis à jour le … »."""

        def compute() -> dt.datetime | None:
            stmt = select(func.max(Run.finished_at)).where(Run.status == RunStatus.success)
            with self.engine.connect() as conn:
                value = conn.execute(stmt).scalar()
            return value if isinstance(value, dt.datetime) else None

        return self._cached("last_update", (), compute)

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
            cols = [c.key for c in stmt.selected_columns]
            df = pd.DataFrame(rows, columns=cols)
            df["qualifier"] = [_text(v) for v in df["qualifier"]]
            return df

        return self._cached("published", (indicator_id,), compute)


def _text(value: object) -> str:
    return str(getattr(value, "value", value)) if value is not None else ""


def _typed_series(df: pd.DataFrame) -> pd.DataFrame:
    df["period_start"] = pd.to_datetime(df["period_start"])
    for col in ("value", "numerator", "denominator"):
        df[col] = df[col].astype(float)
    for col in ("origin", "qualifier"):
        df[col] = [_text(v) for v in df[col]]
    for col in ("is_masked", "is_provisional"):
        df[col] = df[col].astype(bool)
    df.loc[df["is_masked"], "value"] = float("nan")
    return df


# -- the process-wide store --------------------------------------------------------------

_store: Queries | None = None


def configure(*, database_url: str | None = None, redis_url: str = "") -> Queries:
    """Build the store once at start-up (app factory); tests pass their own URLs."""
    global _store
    cache: Cache = RedisCache(redis_url) if redis_url else MemoryCache()
    _store = Queries(make_engine(database_url), cache=cache, catalog=load_catalog())
    return _store


def store() -> Queries:
    if _store is None:
        from core import settings

        return configure(
            database_url=settings.database_url(), redis_url=settings.dashboard().redis_url
        )
    return _store


CONTOURS_DIR = package_path("dashboard", "static", "contours")
CONTOUR_FILES = {"region": "regions.json", "department": "departements.json"}


@lru_cache(maxsize=2)
def contours(level: str) -> dict[str, Any]:
    """Vendored simplified contours (IGN ADMIN EXPRESS COG 2018, Licence Ouverte).

    Read only when a geographic map is asked for: the tile grid is the default.
    """
    name = CONTOUR_FILES.get(level)
    if name is None:
        raise DataUnavailable(f"Pas de contours pour le niveau « {level} ».")
    try:
        data: dict[str, Any] = json.loads((CONTOURS_DIR / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataUnavailable(f"Fichier de contours absent : {CONTOURS_DIR / name}.") from None
    return data
