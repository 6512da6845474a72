"""Contour builder: simplification, insets and rounding on small synthetic shapes."""

from __future__ import annotations

import math

import numpy as np

from tests.scripts_loader import load_script

bc = load_script("build_contours")


def _square(lon: float, lat: float, size: float, n: int = 40) -> list[list[float]]:
    """A square ring with many collinear points, as a GeoJSON ring (closed)."""
    side = np.linspace(0, size, n, endpoint=False)
    pts = (
        [(lon + s, lat) for s in side]
        + [(lon + size, lat + s) for s in side]
        + [(lon + size - s, lat + size) for s in side]
        + [(lon, lat + size - s) for s in side]
    )
    return [list(p) for p in [*pts, pts[0]]]


def _feature(code: str, ring: list[list[float]]) -> dict:
    return {"properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


class TestDouglasPeucker:
    def test_collinear_points_are_removed(self) -> None:
        line = np.column_stack([np.linspace(0, 10, 50), np.zeros(50)])
        assert len(bc.douglas_peucker(line, tolerance=0.1)) == 2

    def test_a_corner_farther_than_the_tolerance_is_kept(self) -> None:
        line = np.array([[0.0, 0.0], [5.0, 3.0], [10.0, 0.0]])
        assert len(bc.douglas_peucker(line, tolerance=1.0)) == 3
        assert len(bc.douglas_peucker(line, tolerance=5.0)) == 2

    def test_a_square_ring_keeps_its_four_corners(self) -> None:
        ring = bc.project(np.asarray(_square(2.0, 46.0, 1.0)), lon0=2.5, lat0=46.5)
        simplified = bc.simplify_ring(ring, tolerance=0.5)
        assert 5 <= len(simplified) <= 6
        assert math.isclose(bc.ring_area(simplified), bc.ring_area(ring), rel_tol=1e-6)


class TestBuild:
    def _geojson(self) -> dict:
        return {
            "features": [
                _feature("29", _square(-4.5, 48.0, 1.0)),
                _feature("66", _square(2.0, 42.3, 1.0)),
                _feature("67", _square(7.0, 48.0, 1.0)),
                _feature("971", _square(-61.8, 15.8, 0.8)),
                _feature("972", _square(-61.2, 14.4, 0.4)),
                _feature("973", _square(-54.6, 2.1, 3.0)),
                _feature("974", _square(55.2, -21.4, 0.6)),
                _feature("976", _square(45.0, -13.0, 0.3)),
            ]
        }

    def test_overseas_areas_fill_boxes_in_a_row_below_the_mainland(self) -> None:
        doc = bc.build(self._geojson(), level="department")
        boxes = doc["insets"]
        assert list(boxes) == ["971", "972", "973", "974", "976"]
        lowest_mainland = min(min(r[1]) for code in ("29", "66", "67") for r in doc["areas"][code])
        assert all(box[3] < lowest_mainland for box in boxes.values())
        for code, (x0, y0, x1, y1) in boxes.items():
            xs = [x for ring in doc["areas"][code] for x in ring[0]]
            ys = [y for ring in doc["areas"][code] for y in ring[1]]
            assert x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys) and max(ys) <= y1

    def test_coordinates_are_integers_and_rings_closed(self) -> None:
        doc = bc.build(self._geojson(), level="department")
        for rings in doc["areas"].values():
            for xs, ys in rings:
                assert all(isinstance(v, int) for v in xs + ys)
                assert (xs[0], ys[0]) == (xs[-1], ys[-1])

    def test_attribution_is_embedded(self) -> None:
        doc = bc.build(self._geojson(), level="department")
        assert doc["attribution"] == bc.ATTRIBUTION
        assert "Licence Ouverte" in doc["attribution"]
