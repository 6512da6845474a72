"""The one column schema of the files (dashboard/records.py) as the API declares it: the
observation columns, their JSON Schema from `Column.kind`, and workbooks whose bytes depend
on their rows only."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest

from core.catalog import Catalog
from dashboard import downloads, records
from dashboard.api import openapi

PUBLIC = "mssante_messages_mois"  # a count compared per inhabitant
RATE = "mes_taux_activation"


def series_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "indicator_id": RATE,
        "level": "region",
        "code": "53",
        "name": "Bretagne",
        "breakdown": "_total",
        "period_start": pd.Timestamp(2025, 3, 1),
        "value": 41.53195793808126,
        "numerator": 1234567.0,
        "denominator": 2972654.0,
        "origin": "source",
        "qualifier": "approx",
        "is_masked": False,
        "is_provisional": True,
        "source_label": "ANS",
        "source_url": "https://example.org",
        "observed_on": dt.date(2025, 3, 31),
        "run_id": 7,
    }
    row.update(changes)
    return row


class TestObservations:
    def test_the_facts_fill_exactly_the_observation_columns(self, catalog: Catalog) -> None:
        frame = pd.DataFrame([series_row()])
        out = records.observations(frame, ind=catalog.get(RATE), catalog=catalog)
        filled = records.records(
            records.observation_facts(frame, per_capita=False), catalog=catalog
        )
        assert list(out.columns) == list(filled.columns)
        assert list(out.columns) == list(records.observation_keys(per_capita=False))

    def test_a_row_says_its_codes_labels_flags_and_run(self, catalog: Catalog) -> None:
        frame = pd.DataFrame([series_row()])
        row = records.observations(frame, ind=catalog.get(RATE), catalog=catalog).iloc[0]
        assert (row["period"], row["period_label"]) == ("2025-03", "mars 2025")
        assert (row["breakdown_code"], row["breakdown"]) == ("_total", "Total")
        assert (row["qualifier"], row["qualifier_label"]) == ("approx", "environ")
        assert (row["provisional"], row["masked"]) == ("oui", "non")
        assert row["value"] == 41.5  # the published precision
        assert row["numerator"] == 1234567.0  # as the source gave it
        assert row["observed_on"] == dt.date(2025, 3, 31) and row["run_id"] == 7

    @pytest.mark.parametrize("indicator_id", [RATE, PUBLIC])
    def test_column_by_column_equals_row_by_row(self, catalog: Catalog, indicator_id: str) -> None:
        # Given rows of every sort: masked, without qualifier, source or run, a part, France
        frame = pd.DataFrame(
            [
                series_row(indicator_id=indicator_id),
                series_row(
                    indicator_id=indicator_id,
                    level="national",
                    code="FR",
                    name="France",
                    value=float("nan"),
                    is_masked=True,
                    qualifier=None,
                    numerator=None,
                    source_label=None,
                    observed_on=None,
                    run_id=None,
                ),
                series_row(indicator_id=indicator_id, level="department", code="2A",
                           name="Corse-du-Sud", breakdown="autre", value=-0.04, origin="demo"),
            ]
        )  # fmt: skip
        ind = catalog.get(indicator_id)
        # When the file is built column by column, Then it is the one row by row
        facts = records.observation_facts(frame, per_capita=ind.is_per_capita)
        expected = records.records(facts, catalog=catalog)
        pd.testing.assert_frame_equal(
            records.observations(frame, ind=ind, catalog=catalog), expected
        )

    def test_an_empty_selection_keeps_the_columns(self, catalog: Catalog) -> None:
        empty = pd.DataFrame([series_row()]).iloc[0:0]
        out = records.observations(empty, ind=catalog.get(PUBLIC), catalog=catalog)
        assert list(out.columns) == list(records.observation_keys(per_capita=True))


class TestJsonSchema:
    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            ("masked", {"type": ["string", "null"], "enum": ["oui", "non", None]}),
            ("run_id", {"type": ["integer", "null"]}),
            ("numerator", {"type": ["number", "null"]}),
            ("observed_on", {"type": ["string", "null"], "format": "date"}),
            ("indicator_id", {"type": "string"}),
        ],
    )
    def test_the_type_comes_from_the_kind(self, key: str, expected: dict[str, object]) -> None:
        schema = records.BY_KEY[key].json_schema()
        assert {k: v for k, v in schema.items() if k != "description"} == expected

    def test_the_openapi_observation_is_the_files_columns(self) -> None:
        schema = openapi.components()["Observation"]
        assert list(schema["properties"]) == list(records.observation_keys(per_capita=True))
        assert schema["required"] == list(records.observation_keys(per_capita=False))
        for key, prop in schema["properties"].items():
            assert prop == records.BY_KEY[key].json_schema()


class TestWorkbook:
    def test_the_same_rows_give_the_same_bytes_a_second_later(self) -> None:
        frame = pd.DataFrame({"indicator_id": ["a"], "value": [1.5]})
        first = downloads.to_bytes(frame, fmt="xlsx")
        time.sleep(1.1)  # openpyxl dates its archive and properties to the second
        assert downloads.to_bytes(frame, fmt="xlsx") == first
        assert downloads.to_bytes(frame.assign(value=[2.5]), fmt="xlsx") != first
