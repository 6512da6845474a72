"""data.gouv.fr datasets: dataset API → chosen resource → download of its current file.

The resource's `checksum` and `last_modified` are the upstream version: when they have not
moved since the cached download, nothing is downloaded (remote resources often have no
checksum; then the conditional request on the file itself decides).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

import pandas as pd
from pydantic import model_validator

from core.catalog import Catalog
from etl.sources import table
from etl.sources.base import BaseConnector, ConnectorConfig, Fetcher, RawFile, SourceError
from etl.sources.table import TableMapping

DEFAULT_API = "https://www.data.gouv.fr/api/1"
_HASHES = {"sha1", "sha256", "md5"}


class Config(ConnectorConfig):
    type: Literal["datagouv"]
    api: str = DEFAULT_API
    dataset: str  # id or slug
    resource_id: str | None = None
    resource_title: str | None = None  # regular expression on the resource title
    table: TableMapping

    @model_validator(mode="after")
    def _one_resource(self) -> Config:
        if (self.resource_id is None) == (self.resource_title is None):
            raise ValueError("indiquez soit « resource_id », soit « resource_title »")
        return self


class DatagouvConnector(BaseConnector[Config]):
    @property
    def dataset_url(self) -> str:
        return f"{self.config.api.rstrip('/')}/datasets/{self.config.dataset}/"

    def pick_resource(self, dataset: dict[str, Any]) -> dict[str, Any]:
        """The configured resource; by title, the most recently modified match."""
        resources = [r for r in dataset.get("resources") or [] if isinstance(r, dict)]
        if self.config.resource_id:
            found = [r for r in resources if r.get("id") == self.config.resource_id]
            wanted = f"d'identifiant « {self.config.resource_id} »"
        else:
            pattern = re.compile(self.config.resource_title or "")
            found = [r for r in resources if pattern.search(str(r.get("title", "")))]
            wanted = f"dont le titre correspond à « {self.config.resource_title} »"
        if not found:
            titles = ", ".join(f"« {r.get('title')} »" for r in resources) or "aucune"
            raise SourceError(
                f"Jeu de données {self.dataset_url} : aucune ressource {wanted}. "
                f"Ressources présentes : {titles}. Aucune donnée modifiée."
            )
        return max(found, key=lambda r: str(r.get("last_modified") or ""))

    def extract(self, *, fetcher: Fetcher) -> RawFile:
        dataset = fetcher.get_json(self.dataset_url)
        if not isinstance(dataset, dict):
            raise SourceError(f"Réponse inattendue de {self.dataset_url} : objet JSON attendu.")
        resource = self.pick_resource(dataset)
        url = resource.get("latest") or resource.get("url")
        if not url:
            raise SourceError(
                f"Ressource « {resource.get('title')} » sans adresse de téléchargement."
            )
        checksum = resource.get("checksum") or {}
        fingerprint = None
        if checksum.get("value"):
            fingerprint = f"{checksum['value']}|{resource.get('last_modified') or ''}"
        raw = fetcher.download(
            str(url),
            source=self.name,
            fingerprint=fingerprint,
            file_name=str(resource.get("title") or ""),
        )
        verify_checksum(raw, checksum=checksum)
        return raw

    def to_tidy(self, raw: RawFile, *, catalog: Catalog) -> pd.DataFrame:
        return table.to_tidy(raw, mapping=self.config.table)


def verify_checksum(raw: RawFile, *, checksum: dict[str, Any]) -> None:
    """The downloaded file must have the checksum data.gouv.fr announces, when it gives one."""
    kind, expected = str(checksum.get("type") or "").lower(), checksum.get("value")
    if raw.not_modified or not expected or kind not in _HASHES:
        return
    digest = hashlib.new(kind)
    with raw.path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    if digest.hexdigest().lower() != str(expected).lower():
        raw.path.unlink(missing_ok=True)  # never reused as « not modified » by a later run
        raise SourceError(
            f"Fichier « {raw.display_name} » téléchargé depuis {raw.url} : empreinte {kind} "
            f"« {digest.hexdigest()} » différente de celle annoncée par data.gouv.fr "
            f"« {expected} ». Aucune donnée modifiée."
        )
