"""A file dropped in a folder, in the ARS import template."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.catalog import Catalog
from etl.http import HttpFetcher
from etl.sources.base import SourceError
from etl.sources.local_file import Config, LocalFileConnector

TEMPLATE = (
    "indicateur;niveau;code_territoire;periode;ventilation;valeur;numerateur;denominateur;"
    "provisoire;commentaire\n"
    "medecins_liberaux_effectif;departement;29;2023;;699;;;non;\n"
)


def make(folder: Path) -> LocalFileConnector:
    return LocalFileConnector.from_config(
        Config.model_validate(
            {"name": "depot", "type": "local_file", "label": "Dépôt ARS", "directory": str(folder)}
        )
    )


class TestLocalFile:
    def test_newest_file_read_as_template(
        self, tmp_path: Path, fetcher: HttpFetcher, empty_catalog: Catalog
    ) -> None:
        # Given two files dropped in the folder, the second more recent
        folder = tmp_path / "depot"
        folder.mkdir()
        old = folder / "ars-bretagne-2024.csv"
        old.write_text(TEMPLATE.replace("699", "600"), encoding="utf-8")
        os.utime(old, (1_700_000_000, 1_700_000_000))
        (folder / "ars-bretagne-2025.csv").write_text(TEMPLATE, encoding="utf-8")
        conn = make(folder)
        # When it is extracted and read
        tidy = conn.to_tidy(conn.extract(fetcher=fetcher), catalog=empty_catalog)
        # Then the newest file's row comes out, named by the dropped file
        assert tidy[["indicator_id", "level", "code", "value", "row", "file"]].values.tolist() == [
            ["medecins_liberaux_effectif", "departement", "29", "699", 2, "ars-bretagne-2025.csv"]
        ]

    def test_empty_folder_is_a_french_error(self, tmp_path: Path, fetcher: HttpFetcher) -> None:
        with pytest.raises(SourceError, match=r"Aucun fichier « \*\.csv » dans le dossier"):
            make(tmp_path).extract(fetcher=fetcher)
