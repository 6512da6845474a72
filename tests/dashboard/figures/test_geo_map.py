"""Geographic map: filled polygons from the vendored contours, same scale as the tiles."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.geography import by_level
from dashboard.figures.geo_map import geo_map, ring_path
from tests.dashboard.figures.conftest import make_indicator, make_snapshot

CONTOURS = Path(__file__).resolve().parents[3] / "dashboard" / "static" / "contours"

TINY = {
    "attribution": "Source : test",
    "bbox": [0, 0, 10, 10],
    "insets": {"06": [8, 0, 10, 2]},
    "areas": {
        "53": [[[0, 4, 4, 0, 0], [0, 0, 4, 4, 0]], [[5, 6, 6, 5], [5, 5, 6, 5]]],
        "11": [[[4, 8, 8, 4, 4], [0, 0, 4, 4, 0]]],
        "84": [[[0, 4, 4, 0, 0], [4, 4, 8, 8, 4]]],
        "94": [[[8, 9, 9, 8], [8, 8, 9, 8]]],
        "06": [[[8, 9, 9, 8], [0, 0, 1, 0]]],
    },
}


class TestGeoMap:
    def test_one_filled_trace_per_area_plus_the_colour_bar(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = geo_map(region_snapshot, indicator=make_indicator(), level="region", contours=TINY)
        filled = [t for t in fig["data"] if t.get("fill") == "toself"]
        assert len(filled) == 5
        bar = [t for t in fig["data"] if t.get("marker", {}).get("showscale")]
        assert len(bar) == 1 and bar[0]["marker"]["colorbar"]["title"]["text"] == "%"

    def test_multipolygons_are_one_trace_separated_by_none(self) -> None:
        xs, ys = ring_path(TINY["areas"]["53"])
        assert xs.count(None) == 2 and len(xs) == len(ys) == 11

    def test_masked_area_is_hatched_and_says_so(self, region_snapshot: pd.DataFrame) -> None:
        fig = geo_map(region_snapshot, indicator=make_indicator(), level="region", contours=TINY)
        corse = next(t for t in fig["data"] if "Corse" in t.get("text", ""))
        assert corse["fillpattern"]["shape"] == "/"
        assert "secret statistique" in corse["text"]
        assert corse["showlegend"] is True

    def test_area_without_contour_is_skipped_not_an_error(self) -> None:
        snapshot = make_snapshot([("75", "Paris", 4, 6, 10.0, False)])
        fig = geo_map(snapshot, indicator=make_indicator(), level="department", contours=TINY)
        assert [t for t in fig["data"] if t.get("fill") == "toself"] == []

    def test_attribution_and_inset_frames_are_drawn(self, region_snapshot: pd.DataFrame) -> None:
        fig = geo_map(region_snapshot, indicator=make_indicator(), level="region", contours=TINY)
        assert fig["layout"]["annotations"][0]["text"] == "Source : test"
        assert len(fig["layout"]["shapes"]) == 1
        assert fig["layout"]["yaxis"]["scaleanchor"] == "x"


class TestVendoredContours:
    """The files written by scripts/build_contours.py, as the app serves them."""

    @pytest.mark.parametrize(
        ("stem", "level"), [("departements", "department"), ("regions", "region")]
    )
    def test_every_area_of_the_reference_has_a_contour(self, stem: str, level: str) -> None:
        document = json.loads((CONTOURS / f"{stem}.json").read_text(encoding="utf-8"))
        assert set(document["areas"]) == {a.code for a in by_level(level)}  # type: ignore[arg-type]
        assert document["attribution"].startswith("Source : IGN – ADMIN EXPRESS COG 2018")
        assert "Licence Ouverte" in document["attribution"]
        assert all(
            len(ring[0]) == len(ring[1]) >= 4
            for rings in document["areas"].values()
            for ring in rings
        )

    @pytest.mark.parametrize("stem", ["departements", "regions"])
    def test_files_are_small_on_the_wire(self, stem: str) -> None:
        import gzip

        raw = (CONTOURS / f"{stem}.json").read_bytes()
        assert len(gzip.compress(raw)) < 150_000

    def test_overseas_insets_do_not_overlap_the_mainland(self) -> None:
        document = json.loads((CONTOURS / "departements.json").read_text(encoding="utf-8"))
        tops = [box[3] for box in document["insets"].values()]
        pyrenees = document["areas"]["66"]
        assert max(tops) < min(min(ring[1]) for ring in pyrenees)

    def test_a_full_map_draws_every_departement(self) -> None:
        document = json.loads((CONTOURS / "departements.json").read_text(encoding="utf-8"))
        rows = [
            (a.code, a.name, a.tile_row, a.tile_col, float(i), False)
            for i, a in enumerate(by_level("department"))
        ]
        fig = geo_map(
            make_snapshot(rows), indicator=make_indicator(), level="department", contours=document
        )
        assert len([t for t in fig["data"] if t.get("fill") == "toself"]) == 101
