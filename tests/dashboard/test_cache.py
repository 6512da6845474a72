"""Caches: bounded in the process, JSON (never pickle) in Redis, keys from the view state."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from core.catalog import Catalog
from dashboard.cache import (
    FORMAT,
    CacheFormatError,
    MemoryCache,
    RedisCache,
    cache_key,
    catalog_version,
    decode,
    encode,
)


class _Planted:
    """What a hostile process could write to a shared Redis: unpickling it creates a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.path,))


def _frame() -> pd.DataFrame:
    """Every column type the queries return (see SERIES_COLUMNS and SNAPSHOT_COLUMNS)."""
    return pd.DataFrame(
        {
            "code": pd.Series(["FR", None, "53"], dtype="str"),
            "period_start": pd.to_datetime(["2025-01-01", "2025-02-01", None]).astype(
                "datetime64[s]"
            ),
            "value": [1.5, float("nan"), -2.0],
            "is_masked": [False, True, False],
            "population": np.array([1, 2, 3], dtype="int64"),
            "observed_on": [dt.date(2025, 3, 7), None, dt.date(2024, 1, 1)],
            "origin": pd.Series(["demo", None, "source"], dtype=object),
        }
    )


class TestMemoryCache:
    def test_holds_at_most_maxsize_entries(self) -> None:
        cache = MemoryCache(maxsize=2)
        for key in ("a", "b", "c", "d"):
            cache.set(key, key)
        assert len(cache) == 2
        assert (cache.get("a"), cache.get("b"), cache.get("d")) == (None, None, "d")

    def test_evicts_the_least_recently_read(self) -> None:
        # Given a full cache whose oldest entry was just read
        cache = MemoryCache(maxsize=2)
        cache.set("a", 1)
        cache.set("b", 2)
        assert cache.get("a") == 1
        # When a third entry comes in
        cache.set("c", 3)
        # Then the one not read recently goes
        assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)

    def test_a_size_below_one_is_refused_in_french(self) -> None:
        with pytest.raises(ValueError, match="Taille de cache invalide « 0 »"):
            MemoryCache(maxsize=0)


class TestEncode:
    def test_frames_come_back_with_the_same_values_and_dtypes(self) -> None:
        frame = _frame()
        pd.testing.assert_frame_equal(decode(encode(frame)), frame, check_exact=True)

    def test_an_index_that_is_not_a_range_is_kept(self) -> None:
        frame = _frame().set_index("population")
        pd.testing.assert_frame_equal(decode(encode(frame)), frame, check_exact=True)

    @pytest.mark.parametrize(
        "value",
        [
            [dt.date(2025, 1, 1), dt.date(2025, 2, 1)],
            {"national": {"published", "demo"}, "region": {"demo"}},
            dt.datetime(2025, 3, 7, 12, 30, tzinfo=dt.UTC),
            True,
            ("FR", 3, None),
            pd.Timestamp("2025-01-01"),
        ],
    )
    def test_plain_values_come_back_equal(self, value: object) -> None:
        back = decode(encode(value))
        assert back == value and type(back) is type(value)

    def test_it_is_json_not_pickle(self) -> None:
        raw = encode({"region": {"demo"}})
        assert raw.startswith(FORMAT)
        assert raw[len(FORMAT) :].decode() == '{"dict":[["region",{"set":["demo"]}]]}'

    def test_an_unknown_type_is_not_encoded(self) -> None:
        with pytest.raises(TypeError, match="type non mis en cache partagé"):
            encode(object())


class TestDecode:
    def test_a_pickle_is_refused_and_never_loaded(self, tmp_path: Path) -> None:
        # Given a pickle that would create a file when loaded
        marker = tmp_path / "unpickled"
        planted = pickle.dumps(_Planted(marker))
        # When read as a cached value, Then it is refused and the file is never created
        with pytest.raises(CacheFormatError):
            decode(planted)
        assert not marker.exists()

    def test_object_bytes_are_refused(self) -> None:
        # Raw bytes read as Python objects would be pointers: only numbers are read raw
        raw = FORMAT + b'{"frame":{"columns":{"name":null,"range":[0,1,1]},'
        raw += b'"index":{"name":null,"range":[0,1,1]},'
        raw += b'"values":[{"dtype":"|O","raw":"AAAAAAAAAAA="}]}}'
        with pytest.raises(CacheFormatError, match="Type de colonne refusé"):
            decode(raw)

    @pytest.mark.parametrize(
        "raw", [FORMAT + b"{not json", FORMAT + b'{"eval":"1"}', FORMAT + b'{"a":1,"b":2}']
    )
    def test_garbage_is_a_format_error(self, raw: bytes) -> None:
        with pytest.raises(CacheFormatError):
            decode(raw)


class TestCacheKey:
    BASE: ClassVar[dict[str, Any]] = {
        "scope": "anonymous",
        "catalog_version": "1-abc",
        "data_version": 7,
    }

    def test_same_parameters_in_another_order_same_key(self) -> None:
        one = cache_key("page", {"niveau": "region", "periode": dt.date(2025, 3, 1)}, **self.BASE)
        two = cache_key("page", {"periode": dt.date(2025, 3, 1), "niveau": "region"}, **self.BASE)
        assert one == two

    @pytest.mark.parametrize(
        "change",
        [
            {"scope": "ars-53"},
            {"catalog_version": "1-def"},
            {"data_version": 8},
        ],
    )
    def test_scope_and_versions_are_in_the_key(self, change: dict[str, object]) -> None:
        params = {"niveau": "region"}
        changed = {**self.BASE, **change}
        assert cache_key("page", params, **self.BASE) != cache_key("page", params, **changed)

    def test_other_parameters_other_key(self) -> None:
        assert cache_key("page", {"comparer": ["53"]}, **self.BASE) != cache_key(
            "page", {"comparer": ["53", "11"]}, **self.BASE
        )

    def test_catalog_version_follows_its_content(self, catalog: Catalog) -> None:
        first = catalog.indicators[0]
        edited = catalog.model_copy(
            update={"indicators": [first.model_copy(update={"label": "Autre"})]}
        )
        assert catalog_version(catalog) == catalog_version(catalog.model_copy())
        assert catalog_version(edited) != catalog_version(catalog)


class TestRedisOutage:
    def test_an_unreachable_redis_is_a_miss_not_an_error(self) -> None:
        cache = RedisCache("redis://127.0.0.1:1/0")
        cache.set("k", 1)
        assert cache.get("k") is None


@pytest.mark.redis
class TestRedisCache:
    def test_a_frame_is_shared_through_redis(self, redis_url: str) -> None:
        prefix = f"t{id(self)}:"
        RedisCache(redis_url, prefix=prefix).set("frame", _frame())
        back = RedisCache(redis_url, prefix=prefix).get("frame")
        pd.testing.assert_frame_equal(back, _frame(), check_exact=True)

    def test_a_pickle_planted_by_another_process_is_not_unpickled(
        self, redis_url: str, tmp_path: Path
    ) -> None:
        import redis

        # Given another program that writes a pickle under one of our keys
        marker = tmp_path / "unpickled"
        prefix = f"t{id(self)}p:"
        redis.Redis.from_url(redis_url).set(prefix + "series", pickle.dumps(_Planted(marker)))
        # When the dashboard reads that key
        value = RedisCache(redis_url, prefix=prefix).get("series")
        # Then it is a miss, and the pickle was never loaded
        assert value is None
        assert not marker.exists()
