"""Every figure is a dict that Plotly's own schema accepts: built without `go.Figure`, a
misspelt property would otherwise reach the browser and be silently ignored there."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import plotly.io
import pytest

from dashboard.figures import breakdown, comparison, geo_map, ranking, tile_map, trajectory
from dashboard.figures.theme import Figure
from dashboard.measure import Shown
from tests.dashboard.figures.conftest import (
    make_indicator,
    make_series,
    make_snapshot,
    make_target,
)

SNAPSHOT = make_snapshot(
    [
        ("53", "Bretagne", 2, 0, 40.0, False),
        ("11", "Île-de-France", 1, 2, 70.5, False),
        ("94", "Corse", 5, 4, None, True),
        ("06", "Mayotte", 7, 4, None, False),
    ]
)
CONTOURS = {
    "attribution": "Source : test",
    "bbox": [0, 0, 10, 10],
    "insets": {"06": [8, 0, 10, 2]},
    "areas": {code: [[[0, 4, 4, 0, 0], [0, 0, 4, 4, 0]]] for code in ("53", "11", "94", "06")},
}
YES_NO_SNAPSHOT = SNAPSHOT.assign(value=[1.0, 0.0, None, None])
YES_NO = Shown(decimals=0, title="", yes_no=True)
PER_100K = Shown(decimals=1, title="nombre pour 100 000 habitants", per_capita=True)
PARTS = make_indicator(
    unit="count",
    breakdown={"dimension": "secteur", "label": "Secteur", "values": {"ville": "Ville"}},
)
BUILDERS: dict[str, Callable[[], Figure]] = {
    "trajectory": lambda: trajectory(
        pd.concat(
            [make_series([10, None, 30], origin="demo"), make_series([20], origin="published")]
        ),
        indicator=make_indicator(),
        targets=[make_target(), make_target(value=60.0, value_max=70.0)],
        projection=pd.DataFrame({"period_start": pd.to_datetime(["2026-01-01"]), "value": [50.0]}),
    ),
    "trajectory_undrawn_target": lambda: trajectory(
        make_series([1, 2]),
        indicator=make_indicator(unit="count"),
        targets=[make_target(unit="count", comparison="rolling_12m_sum")],
    ),
    "comparison": lambda: comparison(
        pd.concat([make_series([1, 2]), make_series([3, 4], code="53", name="Bretagne")]),
        indicator=make_indicator(),
    ),
    "breakdown": lambda: breakdown(
        pd.concat([make_series([3]), make_series([1], breakdown="ville")]), indicator=PARTS
    ),
    "ranking": lambda: ranking(SNAPSHOT, indicator=make_indicator(), reference=50.0),
    "tile_map": lambda: tile_map(SNAPSHOT, indicator=make_indicator(), level="region"),
    "geo_map": lambda: geo_map(
        SNAPSHOT, indicator=make_indicator(), level="region", contours=CONTOURS
    ),
    # a yes/no fact (two categories and their legend), values per 100 000 inhabitants
    "tile_map_yes_no": lambda: tile_map(
        YES_NO_SNAPSHOT, indicator=make_indicator(), level="department", shown=YES_NO
    ),
    "geo_map_yes_no": lambda: geo_map(
        YES_NO_SNAPSHOT, indicator=make_indicator(), level="region", contours=CONTOURS, shown=YES_NO
    ),
    "ranking_yes_no": lambda: ranking(YES_NO_SNAPSHOT, indicator=make_indicator(), shown=YES_NO),
    "ranking_per_capita": lambda: ranking(
        SNAPSHOT, indicator=make_indicator(unit="count"), reference=50.0, shown=PER_100K
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
class TestPlotlySchema:
    def test_plotly_validates_every_property(self, name: str) -> None:
        # Given a figure as dcc.Graph receives it
        fig = BUILDERS[name]()
        # When Plotly builds a validated figure from it, Then no property is refused
        validated = go.Figure(fig)
        assert len(validated.data) == len(fig["data"])

    def test_serialises_with_plotly_public_encoder(self, name: str) -> None:
        text = plotly.io.to_json(BUILDERS[name](), validate=False)
        assert text.startswith("{") and "NaN" not in text
