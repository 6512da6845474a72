"""The dashboard's caches and their keys.

Two caches, both bounded: a least-recently-used one in the process (the default, and
always for page bodies, which hold Dash components), and Redis shared between workers
when REDIS_URL is set. Redis values are JSON, never pickle: a Redis server may be shared
with other programs, and unpickling what another process wrote there would run its code.
A value that is not in our format is a cache miss, never an error.

flask-caching was not used: its Redis backend pickles every value, and its in-process
cache is not least-recently-used.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock
from typing import Any, Final, Protocol, cast

import numpy as np
import pandas as pd

from core.catalog import Catalog

ANONYMOUS: Final = "anonymous"  # the visibility scope of a reader who is not signed in
FORMAT: Final = b"tdb-json-1\n"  # first bytes of every Redis value we write
# numpy kinds whose bytes are plain numbers: bool, integers, floats, dates, durations
# (never "O": bytes read as object pointers would crash the process)
RAW_KINDS: Final = frozenset("biufMm")


class CacheFormatError(ValueError):
    """A cached value is not in our format: read as a miss."""


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any) -> None: ...


class MemoryCache:
    """A least-recently-used cache local to the process, holding at most `maxsize` values."""

    def __init__(self, *, maxsize: int = 1024) -> None:
        if maxsize < 1:
            raise ValueError(f"Taille de cache invalide « {maxsize} ». Attendu : au moins 1.")
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._maxsize = maxsize
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._data)

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
    """Shared between workers, values as JSON (`encode`); entries expire after a day as old
    data versions are never read again."""

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
        if raw is None:
            return None
        try:
            return decode(cast(bytes, raw))
        except CacheFormatError:
            return None

    def set(self, key: str, value: Any) -> None:
        try:
            self._client.set(self._prefix + key, encode(value), ex=self._ttl)
        except Exception:  # not encodable, or Redis down: the value is simply not shared
            return


# -- keys -----------------------------------------------------------------------------------


def catalog_version(catalog: Catalog) -> str:
    """The catalog's declared version and a digest of its content: an edited catalog
    never reads the entries of the previous one, even without a version bump."""
    digest = hashlib.sha256(catalog.model_dump_json().encode()).hexdigest()[:12]
    return f"{catalog.version}-{digest}"


def cache_key(
    name: str,
    params: Mapping[str, object] | tuple[object, ...],
    *,
    scope: str,
    catalog_version: str,
    data_version: int,
) -> str:
    """The key of a cached value: what it is, the (already normalised) view parameters,
    who may read it, and the versions of the catalog and of the data it was built from.

    Parameters are written canonically (sorted keys, sets sorted), then hashed so that a
    long list of compared areas still gives a short key.
    """
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=_key_part)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{name}:{scope}:{catalog_version}:{data_version}:{digest}"


def _key_part(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


# -- the Redis format -----------------------------------------------------------------------


def encode(value: Any) -> bytes:
    """JSON of the values the queries return: numbers, text, dates, lists, sets, dicts
    and data frames (column by column, with their dtypes). Raises TypeError otherwise."""
    return FORMAT + json.dumps(_encode(value), separators=(",", ":")).encode()


def decode(raw: bytes) -> Any:
    """The value `encode` wrote; CacheFormatError for anything else (pickle included)."""
    if not raw.startswith(FORMAT):
        raise CacheFormatError("Valeur de cache d'un autre format.")
    try:
        return _decode(json.loads(raw[len(FORMAT) :]))
    except (ValueError, TypeError, KeyError) as exc:
        raise CacheFormatError(f"Valeur de cache illisible : {exc}.") from exc


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"set": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, pd.Timestamp):
        return {"timestamp": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, pd.DataFrame):
        return {
            "frame": {
                "columns": _index(value.columns),
                "values": [_column(value.iloc[:, i]) for i in range(value.shape[1])],
                "index": _index(value.index),
            }
        }
    raise TypeError(f"type non mis en cache partagé : {type(value).__name__}")


def _index(index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.RangeIndex):
        return {"name": _encode(index.name), "range": [index.start, index.stop, index.step]}
    return {"name": _encode(index.name), **_column(index.to_series())}


def _column(column: pd.Series) -> dict[str, Any]:
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in RAW_KINDS:
        data = base64.b64encode(np.ascontiguousarray(column.to_numpy()).tobytes()).decode()
        return {"dtype": dtype.str, "raw": data}
    if isinstance(dtype, pd.StringDtype):  # text or NaN: JSON as is, the common case
        return {"dtype": str(dtype), "text": column.tolist()}
    return {"dtype": str(dtype), "items": [_encode(v) for v in column.astype(object)]}


_TAGS: Final = {
    "tuple": lambda v: tuple(_decode(x) for x in v),
    "set": lambda v: {_decode(x) for x in v},
    "dict": lambda v: {_decode(k): _decode(x) for k, x in v},
    "timestamp": pd.Timestamp,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    (tag, body), *rest = value.items()
    if rest:
        raise CacheFormatError("Objet de cache à plusieurs étiquettes.")
    if tag == "frame":
        index = _read_index(body["index"])
        frame = pd.DataFrame(
            {i: _series(column).set_axis(index) for i, column in enumerate(body["values"])},
            index=index,
        )
        return frame.set_axis(_read_index(body["columns"]), axis=1)
    return _TAGS[tag](body)


def _read_index(index: Mapping[str, Any]) -> pd.Index:
    name = _decode(index["name"])
    if "range" in index:
        start, stop, step = (int(n) for n in index["range"])
        return pd.RangeIndex(start, stop, step, name=name)
    return pd.Index(_series(index), name=name)


def _series(column: Mapping[str, Any]) -> pd.Series:
    if "raw" in column:
        dtype = np.dtype(column["dtype"])
        if dtype.kind not in RAW_KINDS:
            raise CacheFormatError(f"Type de colonne refusé « {column['dtype']} ».")
        return pd.Series(np.frombuffer(base64.b64decode(column["raw"]), dtype=dtype).copy())
    if "text" in column:
        return pd.Series(column["text"], dtype=column["dtype"])
    return pd.Series([_decode(v) for v in column["items"]], dtype=column["dtype"])
