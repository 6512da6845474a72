"""The one interface every source connector follows (data.gouv.fr, Opendatasoft, DAMIR…).

A connector is built from one entry of the catalog's `sources:` list and does two things:

1. `extract(*, fetcher) -> RawFile`: bring the raw file into the local cache through the
   shared `Fetcher` (etl/http.py), which handles retries, conditional requests (304),
   the SHA-256 and the cache sidecar. A connector never opens a network connection itself.
2. `to_tidy(raw, *, catalog) -> DataFrame`: read the cached file and return the rows in the
   tidy shape below, values still as raw strings where parsing belongs to etl/parse
   (decimal comma, « NS »). No database access, no network: a pure function of the file.

Tidy columns (`TIDY_COLUMNS`), one row per (indicator, area, period, breakdown):

- `indicator_id` : catalog id of the series;
- `level`, `code` : area as (« national » | « region » | « department » | « group », code as text);
- `period`       : period as written in the source (« 2023 », « 202401 », « 2024-01 »…);
- `breakdown`    : breakdown code, `_total` for the total (never empty);
- `value`, `numerator`, `denominator` : raw strings or None (not every source has all three);
- `is_masked`    : True when the source hides the value (statistical secrecy « NS »);
- `row`          : row number in the source file as a spreadsheet shows it (header = 1);
- `file`         : file name shown in error messages.

To add a connector: write `etl/sources/<type>.py` with a pydantic `Config` model (fields
`name`, `type: Literal["<type>"]`, …, `model_config = ConfigDict(extra="forbid", frozen=True)`)
and a `BaseConnector[Config]` subclass, then add the module to `etl/sources/registry.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, runtime_checkable

import pandas as pd
from pydantic import BaseModel, ConfigDict

from core.catalog import Catalog
from core.errors import UserError

if TYPE_CHECKING:
    from etl.targets import SourceTargets

TIDY_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "level",
    "code",
    "period",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "is_masked",
    "row",
    "file",
)


class SourceError(UserError):
    """A source cannot be read or does not hold what its configuration says; French message."""


class SourceUnreachable(SourceError):
    """The source could not be downloaded; the message names the URL and the HTTP status."""

    def __init__(self, url: str, *, reason: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        detail = f"HTTP {status}" if status is not None else reason
        super().__init__(f"Source injoignable : {url} ({detail}). Aucune donnée modifiée.")


class SourceTooLarge(SourceError):
    """The answer is larger than its setting allows; refused before or while it streams."""

    def __init__(self, url: str, *, limit: str, setting: str) -> None:
        self.url = url
        super().__init__(
            f"Source trop volumineuse : {url} (plus de {limit}, paramètre {setting}). "
            "Aucune donnée modifiée."
        )


class SumCheckError(SourceError):
    """The detail rows do not add up to the total row the source publishes."""


@dataclass(frozen=True)
class RawFile:
    """A raw file in the local cache, with what proves where and when it came from."""

    source: str  # connector name (catalog `sources[].name`)
    url: str  # URL actually downloaded (or file:// path for a local file)
    path: Path  # the file in the cache
    sha256: str
    retrieved_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # the server said 304 / the upstream checksum did not move
    file_name: str = ""  # name shown to users in error messages

    @property
    def display_name(self) -> str:
        return self.file_name or self.path.name


class Fetcher(Protocol):
    """What connectors may ask of the network layer (implemented by etl.http.HttpFetcher)."""

    def get_json(self, url: str, *, params: dict[str, str] | None = None) -> Any:
        """GET a small JSON document (an API response), with retries."""
        ...

    def download(
        self,
        url: str,
        *,
        source: str,
        params: dict[str, str] | None = None,
        fingerprint: str | None = None,
        file_name: str | None = None,
    ) -> RawFile:
        """Download into the cache, conditionally (ETag / Last-Modified from the sidecar).

        `fingerprint` is an upstream version marker (e.g. data.gouv.fr checksum + last_modified):
        when it equals the cached one, nothing is requested and the cached file is returned
        with `not_modified=True`.
        """
        ...

    def register_local(self, path: Path, *, source: str) -> RawFile:
        """Copy a local file into the cache and return it like a download."""
        ...


class Connector(Protocol):
    """A configured source: its catalog name, how to fetch it, how to read it."""

    name: str
    label: str

    def extract(self, *, fetcher: Fetcher) -> RawFile: ...

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame: ...

    def cited_url(self, raw: RawFile) -> str: ...


@runtime_checkable
class TargetConnector(Connector, Protocol):
    """A connector whose file also sets targets (etl.targets), loaded in the same run."""

    def to_targets(self, raw: RawFile, *, catalog: Catalog) -> SourceTargets: ...


class ConnectorConfig(BaseModel):
    """Fields every `sources:` entry has; each connector's Config extends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: str
    label: str
    enabled: bool = True
    verified: bool = True  # documentary: False when a filter value or format is not confirmed
    note: str | None = None


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)


class BaseConnector(Generic[ConfigT]):
    """What every connector shares: built from its validated config, named and labelled by it."""

    def __init__(self, config: ConfigT) -> None:
        self.config = config
        self.name = config.name
        self.label = config.label

    @classmethod
    def from_config(cls, config: ConfigT) -> Self:
        return cls(config)

    def cited_url(self, raw: RawFile) -> str:
        """The address readers are given as the source of the rows: the file downloaded.
        A connector reading a vendored copy of a published file cites the published file."""
        return raw.url


def empty_tidy() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TIDY_COLUMNS})


def tidy_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the tidy frame in canonical column order; missing optional columns are None."""
    if not rows:
        return empty_tidy()
    frame = pd.DataFrame(rows)
    for col in TIDY_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    return frame[list(TIDY_COLUMNS)].reset_index(drop=True)
