"""The roadmap milestones of the catalog (`events:`) and their validation errors."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import yaml

from core.catalog import DEFAULT_CATALOG_PATH, CatalogError, load_catalog, parse_catalog

# The four milestones the issue asks for, with the date their source gives.
MILESTONES = {
    "covid_confinement": dt.date(2020, 3, 17),
    "mes_generalisation": dt.date(2022, 1, 1),
    "feuille_de_route_2023_2027": dt.date(2023, 5, 17),
    "segur_vague_1_fin": dt.date(2023, 9, 20),
}


@pytest.fixture
def raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(CatalogError) as err:
        parse_catalog(raw)
    return str(err.value)


class TestDeclaredEvents:
    def test_the_four_milestones_are_declared_with_their_dates(self) -> None:
        # Given the real catalog
        catalog = load_catalog()
        # When its events are read
        dates = {e.id: e.date for e in catalog.events}
        # Then the four roadmap milestones are there, at their dates
        assert dates == MILESTONES

    def test_every_event_names_its_source_with_a_link(self) -> None:
        # Given the real catalog's events
        for event in load_catalog().events:
            # Then each has a source title and an https link
            assert event.source_title
            assert event.source_url.startswith("https://")


class TestEventErrors:
    def test_a_bad_date_names_the_event_and_the_field(self, raw: dict[str, Any]) -> None:
        # Given an event whose date is not a date
        raw["events"][1]["date"] = "janvier 2022"
        # When the catalog is parsed
        message = _error(raw)
        # Then the French message names the event, the field and what was expected
        assert "événement « mes_generalisation », champ « date »" in message
        assert "date invalide (attendu AAAA-MM-JJ)" in message

    def test_a_missing_source_names_the_event_and_the_field(self, raw: dict[str, Any]) -> None:
        # Given an event without its source title
        del raw["events"][0]["source_title"]
        # When the catalog is parsed
        message = _error(raw)
        # Then the message says which field of which event is missing
        assert (
            "événement « covid_confinement », champ « source_title » : champ obligatoire absent"
            in (message)
        )

    def test_an_unknown_field_is_rejected(self, raw: dict[str, Any]) -> None:
        # Given an event with a misspelt field
        raw["events"][2]["libelle"] = "Feuille de route"
        # When the catalog is parsed
        message = _error(raw)
        # Then the unknown field is named
        assert "événement « feuille_de_route_2023_2027 », champ « libelle » : champ inconnu" in (
            message
        )

    def test_a_label_too_long_for_the_chart_is_rejected(self, raw: dict[str, Any]) -> None:
        # Given an event whose short label would not fit beside its line
        raw["events"][3]["label"] = "Fin du déploiement de la vague 1 du Ségur du numérique"
        # When the catalog is parsed
        message = _error(raw)
        # Then the message names the field and the limit
        assert "événement « segur_vague_1_fin », champ « label » : texte trop long" in message

    def test_a_link_that_is_not_https_is_rejected(self, raw: dict[str, Any]) -> None:
        # Given an event whose source link is not a web address
        raw["events"][0]["source_url"] = "legifrance"
        # When the catalog is parsed
        message = _error(raw)
        # Then the message names the field
        assert "événement « covid_confinement », champ « source_url » : format invalide" in message

    def test_events_out_of_date_order_are_rejected(self, raw: dict[str, Any]) -> None:
        # Given two events swapped
        raw["events"][0], raw["events"][1] = raw["events"][1], raw["events"][0]
        # When the catalog is parsed
        message = _error(raw)
        # Then the message says they must be in date order
        assert "les événements « events » doivent être rangés par date" in message

    def test_a_duplicate_event_is_rejected(self, raw: dict[str, Any]) -> None:
        # Given the same event declared twice
        raw["events"].append(copy.deepcopy(raw["events"][-1]))
        # When the catalog is parsed
        message = _error(raw)
        # Then it is named
        assert "événement « segur_vague_1_fin » en double" in message
