"""A file dropped in a folder (e.g. an ARS file in the import template), read like a download.

The newest file matching the pattern wins: an ARS replaces its file by dropping a new one.
It is copied into the cache with its SHA-256, so an unchanged file is not loaded twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import model_validator

from core.catalog import Catalog
from etl.parse import ParseError
from etl.sources import table
from etl.sources.base import BaseConnector, ConnectorConfig, Fetcher, RawFile, SourceError
from etl.sources.table import TableMapping
from etl.template import read_deposit
from etl.validate import ValidationFailed


class Config(ConnectorConfig):
    type: Literal["local_file"]
    directory: str  # absolute, or relative to the project root
    pattern: str = "*.csv"
    format: Literal["template", "table"] = "template"  # the ARS import template by default
    table: TableMapping | None = None

    @model_validator(mode="after")
    def _mapping_for_tables(self) -> Config:
        if (self.format == "table") != (self.table is not None):
            raise ValueError("« table » est requis pour le format « table », et seulement pour lui")
        return self


class LocalFileConnector(BaseConnector[Config]):
    @property
    def directory(self) -> Path:
        path = Path(self.config.directory)
        return path.resolve()

    def newest_file(self) -> Path:
        files = [p for p in self.directory.glob(self.config.pattern) if p.is_file()]
        if not files:
            raise SourceError(
                f"Aucun fichier « {self.config.pattern} » dans le dossier {self.directory}. "
                "Aucune donnée modifiée."
            )
        return max(files, key=lambda p: (p.stat().st_mtime, p.name))

    def extract(self, *, fetcher: Fetcher) -> RawFile:
        return fetcher.register_local(self.newest_file(), source=self.name)

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        if self.config.table is not None:
            return table.to_tidy(raw, mapping=self.config.table)
        try:
            tidy = read_deposit(raw.path)
        except (ParseError, ValidationFailed) as exc:
            raise SourceError(str(exc).replace(raw.path.name, raw.display_name)) from None
        tidy["file"] = raw.display_name
        return tidy
