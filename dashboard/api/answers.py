"""The API's answers kept in the process, under their validator (http.etag) and the day.

The ETag already names everything an answer depends on — data version, catalog version,
reader's scope, address with its query — so the bytes built for one request serve every
later one with the same tag until the next load, without reading or formatting the data
again: the cost of a cached GET is the version lookup (in memory, DATA_VERSION_TTL) and the
tag. The day is part of the key as answers say how late a target is. Bounded in bytes, least
recently used first out; only whole 200 answers (never an error, a stream or a file sent
from disk). Per process and not in Redis: a hit costs no network round trip, and each
worker builds an answer at most once per load.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Final

import flask

# Per process. The bulk CSV export of the full demo database (~67 MB with the one column
# schema of dashboard/records.py; benchmarks/bench_api.py prints its size) must fit in half.
MAX_BYTES: Final = 256 * 1024 * 1024
KEPT_HEADERS: Final = ("Content-Type", "Content-Disposition", "Link")


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> flask.Response:
        return flask.Response(self.body, status=200, headers=list(self.headers))


class Answers:
    """At most `max_bytes` of answer bodies; an answer larger than half of it is not kept."""

    def __init__(self, *, max_bytes: int = MAX_BYTES) -> None:
        self._data: OrderedDict[str, Answer] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._data)

    @staticmethod
    def key(tag: str, *, today: dt.date | None = None) -> str:
        return f"{tag}:{(today or dt.date.today()).isoformat()}"

    def get(self, key: str) -> flask.Response | None:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
        return found.response()

    def keep(self, key: str, response: flask.Response) -> None:
        """Keep a whole 200 answer (not streamed, not a file passed through)."""
        if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
            return
        body = response.get_data()
        if len(body) > self._max_bytes // 2:
            return
        headers = tuple((k, v) for k, v in response.headers.items() if k in KEPT_HEADERS)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._data[key] = Answer(body, headers)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped.body)
