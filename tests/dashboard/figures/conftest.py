"""Small indicators and frames in the contract shapes shared with dashboard.queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from core.catalog import Indicator, Target


def make_indicator(**overrides: Any) -> Indicator:
    fields: dict[str, Any] = {
        "id": "mes_taux_activation",
        "label": "Taux d'activation de Mon espace santé",
        "short_label": "Activation MES",
        "description": "Part des profils activés.",
        "axis": "usagers",
        "unit": "percent",
        "nature": "stock",
        "frequency": "monthly",
        "levels_published": ["national"],
        "levels_shown": ["national", "region", "department"],
        "aggregation": {"rule": "sum"},
        "direction": "higher_is_better",
        "visibility": "public",
        "decimals": 1,
        "sources": [{"name": "ANS", "publisher": "ANS"}],
        "methodology": "Comptage.",
    }
    fields.update(overrides)
    return Indicator.model_validate(fields)


def make_target(**overrides: Any) -> Target:
    fields: dict[str, Any] = {
        "value": 80.0,
        "unit": "percent",
        "deadline": dt.date(2027, 12, 31),
        "label": "80 % des Français d'ici 2027",
        "source_title": "Feuille de route 2023-2027",
    }
    fields.update(overrides)
    return Target.model_validate(fields)


def make_series(
    values: list[float | None], *, origin: str = "source", **columns: Any
) -> pd.DataFrame:
    n = len(values)
    frame = pd.DataFrame(
        {
            "period_start": pd.date_range("2024-01-01", periods=n, freq="MS"),
            "value": [float("nan") if v is None else v for v in values],
            "numerator": [None] * n,
            "denominator": [None] * n,
            "origin": [origin] * n,
            "qualifier": ["exact"] * n,
            "is_masked": [False] * n,
            "is_provisional": [False] * n,
            "source_label": ["ANS — chiffres clés"] * n,
            "source_url": ["https://esante.gouv.fr"] * n,
            "observed_on": [None] * n,
            "code": ["FR"] * n,
            "name": ["France"] * n,
            "breakdown": ["_total"] * n,
        }
    )
    for column, value in columns.items():
        frame[column] = value
    return frame


def make_snapshot(rows: list[tuple[str, str, int, int, float | None, bool]]) -> pd.DataFrame:
    """rows: (code, name, tile_row, tile_col, value, is_masked)."""
    return pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "parent_code": ["FR"] * len(rows),
            "tile_row": [r[2] for r in rows],
            "tile_col": [r[3] for r in rows],
            "population": [1000] * len(rows),
            "value": [float("nan") if r[4] is None else r[4] for r in rows],
            "is_masked": [r[5] for r in rows],
            "origin": ["demo"] * len(rows),
        }
    )


@pytest.fixture
def percent_indicator() -> Indicator:
    return make_indicator()


@pytest.fixture
def region_snapshot() -> pd.DataFrame:
    return make_snapshot(
        [
            ("53", "Bretagne", 2, 0, 40.0, False),
            ("11", "Île-de-France", 1, 2, 70.5, False),
            ("84", "Auvergne-Rhône-Alpes", 4, 3, 55.0, False),
            ("94", "Corse", 5, 4, None, True),
            ("06", "Mayotte", 7, 4, None, False),
        ]
    )
