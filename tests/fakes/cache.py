"""`RecordingCache`: a cache that records the keys written, in front of another one."""

from __future__ import annotations

from typing import Any

from dashboard.cache import Cache


class RecordingCache:
    """Keys written, in order; reads and writes go to `inner`, or every read misses
    (`inner=None`: each page is built again)."""

    def __init__(self, inner: Cache | None = None) -> None:
        self.inner = inner
        self.written: list[str] = []

    def get(self, key: str) -> Any | None:
        return self.inner.get(key) if self.inner is not None else None

    def set(self, key: str, value: Any) -> None:
        self.written.append(key)
        if self.inner is not None:
            self.inner.set(key, value)
