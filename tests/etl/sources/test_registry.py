"""Connectors from the catalog's `sources:` list: each wrong entry gets a French message."""

from __future__ import annotations

from typing import Any

import pytest

from core.catalog import Catalog
from core.errors import UserError
from etl.sources.local_file import LocalFileConnector
from etl.sources.registry import SourceConfigError, build_connector, build_connectors
from tests.etl.sources.test_table import SECTEURS

LOCAL = {"name": "depots", "type": "local_file", "label": "Dépôts", "directory": "/tmp"}


def with_sources(catalog: Catalog, *entries: dict[str, Any]) -> Catalog:
    return catalog.model_copy(update={"sources": list(entries)})


class TestBuildConnector:
    def test_valid_entry_gives_its_connector_named_and_labelled(self, catalog: Catalog) -> None:
        connector = build_connector(LOCAL, catalog=catalog)
        assert isinstance(connector, LocalFileConnector)
        assert (connector.name, connector.label) == ("depots", "Dépôts")

    def test_unknown_type_names_the_source_and_the_known_types(self, catalog: Catalog) -> None:
        with pytest.raises(SourceConfigError) as caught:
            build_connector({**LOCAL, "type": "ftp"}, catalog=catalog)
        assert str(caught.value) == (
            "Source « depots » : type inconnu « ftp ». "
            "Attendu : damir, datagouv, ditp, http_file, local_file, opendatasoft."
        )

    def test_missing_and_unknown_fields_are_named_in_french(self, catalog: Catalog) -> None:
        entry = {k: v for k, v in LOCAL.items() if k != "directory"} | {"dossier": "/tmp"}
        with pytest.raises(SourceConfigError) as caught:
            build_connector(entry, catalog=catalog)
        message = str(caught.value)
        assert "source « depots », champ « directory » : champ obligatoire absent" in message
        assert "source « depots », champ « dossier » : champ inconnu" in message

    def test_unknown_indicator_of_a_table_is_refused(self, catalog: Catalog) -> None:
        table = {**SECTEURS, "indicator": "inexistant"}
        entry = {**LOCAL, "format": "table", "table": table}
        with pytest.raises(SourceConfigError, match="indicateur inconnu « inexistant »"):
            build_connector(entry, catalog=catalog)

    def test_a_config_error_is_a_user_error(self) -> None:
        assert issubclass(SourceConfigError, UserError)


class TestBuildConnectors:
    def test_duplicate_name_is_refused(self, catalog: Catalog) -> None:
        with pytest.raises(SourceConfigError, match="Source « depots » en double"):
            build_connectors(with_sources(catalog, LOCAL, LOCAL))

    def test_unknown_name_lists_the_catalog_sources(self, catalog: Catalog) -> None:
        with pytest.raises(SourceConfigError) as caught:
            build_connectors(with_sources(catalog, LOCAL), names=["autre"])
        assert str(caught.value) == "Source inconnue : « autre ». Sources du catalogue : depots."

    def test_disabled_source_runs_only_when_named(self, catalog: Catalog) -> None:
        off = with_sources(catalog, {**LOCAL, "enabled": False})
        assert build_connectors(off) == []
        assert [c.name for c in build_connectors(off, names=["depots"])] == ["depots"]
