"""A plain file at a stable URL (CSV or XLSX), downloaded conditionally (ETag, Last-Modified)."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from core.catalog import Catalog
from etl.sources import table
from etl.sources.base import BaseConnector, ConnectorConfig, Fetcher, RawFile
from etl.sources.table import TableMapping


class Config(ConnectorConfig):
    type: Literal["http_file"]
    url: str
    table: TableMapping


class HttpFileConnector(BaseConnector[Config]):
    def extract(self, *, fetcher: Fetcher) -> RawFile:
        return fetcher.download(self.config.url, source=self.name)

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        return table.to_tidy(raw, mapping=self.config.table)
