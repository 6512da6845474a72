"""Opendatasoft Explore API v2.1 exports (data.ameli.fr, DREES): one CSV of a whole dataset.

The `exports/csv` endpoint has no record-count limit (offset 0), unlike `records` (≤ 10 000),
so the connector always uses it, with `;` as delimiter and field ids as header.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from core.catalog import Catalog
from etl.sources import table
from etl.sources.base import BaseConnector, ConnectorConfig, Fetcher, RawFile
from etl.sources.table import TableMapping


class Config(ConnectorConfig):
    type: Literal["opendatasoft"]
    portal: str  # e.g. https://data.ameli.fr
    dataset: str  # dataset_id, e.g. effectifs
    select: list[str] = Field(default_factory=list)
    where: str | None = None  # ODSQL, e.g. annee >= "2020"
    table: TableMapping


class OpendatasoftConnector(BaseConnector[Config]):
    @property
    def url(self) -> str:
        portal = self.config.portal.rstrip("/")
        return f"{portal}/api/explore/v2.1/catalog/datasets/{self.config.dataset}/exports/csv"

    @property
    def params(self) -> dict[str, str]:
        params = {"delimiter": ";", "use_labels": "false"}
        if self.config.select:
            params["select"] = ",".join(self.config.select)
        if self.config.where:
            params["where"] = self.config.where
        return params

    def extract(self, *, fetcher: Fetcher) -> RawFile:
        return fetcher.download(
            self.url,
            source=self.name,
            params=self.params,
            file_name=f"{self.config.dataset}.csv",
        )

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        return table.to_tidy(raw, mapping=self.config.table)
