"""Build the small contour files the geographic map draws, from the IGN-derived GeoJSON.

Run once at build time, by hand (the dashboard never reads the source files):

    python scripts/build_contours.py --source ../shared/docs/contours

It projects WGS84 longitudes/latitudes to kilometres (equirectangular, scaled by
cos(46.5°) so that mainland France keeps its shape), moves the five overseas
départements / régions into boxes in a row below the mainland (as the tile grid
does), simplifies every ring (Douglas-Peucker, pure numpy) and rounds the
coordinates to the kilometre, so each file stays small on the wire.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "docs" / "contours"
DEFAULT_TARGET = ROOT / "dashboard" / "static" / "contours"
ATTRIBUTION = (
    "Source : IGN – ADMIN EXPRESS COG 2018, conversion france-geojson (G. David) — Licence Ouverte"
)
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON = 111.320
ORIGIN_LON, ORIGIN_LAT = 2.5, 46.5
MAINLAND_COS = math.cos(math.radians(ORIGIN_LAT))

# Overseas areas in the order of the tile grid (Guadeloupe, Martinique, Guyane, La Réunion,
# Mayotte); région codes 01-06 and département codes 971-976 name the same territories.
OVERSEAS = {
    "department": ("971", "972", "973", "974", "976"),
    "region": ("01", "02", "03", "04", "06"),
}
INSET_SIZE = 110.0  # km of map per inset box
INSET_GAP = 20.0
INSET_MARGIN = 30.0  # km between the boxes and the lowest mainland point above them
TOLERANCE = 0.8  # km: Douglas-Peucker tolerance, below a pixel on a 500-pixel-high map
MIN_RING_AREA = 3.0  # km²: islets smaller than this are dropped (never an area's largest ring)

Ring = npt.NDArray[np.float64]  # shape (n, 2)


def project(lonlat: Ring, *, lon0: float, lat0: float) -> Ring:
    """Equirectangular projection in kilometres around (lon0, lat0)."""
    cos = math.cos(math.radians(lat0))
    out = np.empty_like(lonlat)
    out[:, 0] = (lonlat[:, 0] - lon0) * KM_PER_DEGREE_LON * cos
    out[:, 1] = (lonlat[:, 1] - lat0) * KM_PER_DEGREE_LAT
    return out


def douglas_peucker(points: Ring, *, tolerance: float) -> Ring:
    """Keep the points farther than `tolerance` from the chord (iterative, numpy)."""
    n = len(points)
    if n < 3:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        segment = points[first + 1 : last]
        a, b = points[first], points[last]
        chord = b - a
        length = float(np.hypot(*chord))
        if length == 0.0:
            distances = np.hypot(*(segment - a).T)
        else:
            distances = np.abs(
                chord[0] * (segment[:, 1] - a[1]) - chord[1] * (segment[:, 0] - a[0])
            )
            distances = distances / length
        index = int(np.argmax(distances))
        if distances[index] > tolerance:
            middle = first + 1 + index
            keep[middle] = True
            stack.append((first, middle))
            stack.append((middle, last))
    return points[keep]


def simplify_ring(ring: Ring, *, tolerance: float) -> Ring:
    """Simplify a closed ring: split it at its farthest point so both halves keep their ends."""
    if len(ring) < 5:
        return ring
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    first = douglas_peucker(ring[: far + 1], tolerance=tolerance)
    second = douglas_peucker(ring[far:], tolerance=tolerance)
    return np.vstack([first, second[1:]])


def ring_area(ring: Ring) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def round_ring(ring: Ring) -> list[list[int]] | None:
    """Integer kilometres, consecutive duplicates removed; None when the ring collapses."""
    rounded = np.rint(ring).astype(int)
    changed = np.any(np.diff(rounded, axis=0) != 0, axis=1)
    rounded = rounded[np.concatenate([[True], changed])]
    if not np.array_equal(rounded[0], rounded[-1]):
        rounded = np.vstack([rounded, rounded[:1]])
    if len(rounded) < 4:
        return None
    return [rounded[:, 0].tolist(), rounded[:, 1].tolist()]


def outer_rings(geometry: dict[str, Any]) -> list[Ring]:
    """Exterior rings only: holes (enclaves) are drawn by the area that fills them."""
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [np.asarray(polygon[0], dtype=float) for polygon in polygons]


def bounds(rings: Iterable[Ring]) -> tuple[float, float, float, float]:
    stacked = np.vstack(list(rings))
    return (
        float(stacked[:, 0].min()),
        float(stacked[:, 1].min()),
        float(stacked[:, 0].max()),
        float(stacked[:, 1].max()),
    )


def fit_in_box(rings: list[Ring], *, box: tuple[float, float, float, float]) -> list[Ring]:
    """Scale and translate rings (already projected) to fill a box, keeping their shape."""
    x0, y0, x1, y1 = bounds(rings)
    bx0, by0, bx1, by1 = box
    margin = 0.08 * (bx1 - bx0)
    scale = min((bx1 - bx0 - 2 * margin) / (x1 - x0), (by1 - by0 - 2 * margin) / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bcx, bcy = (bx0 + bx1) / 2, (by0 + by1) / 2
    return [
        np.column_stack([(r[:, 0] - cx) * scale + bcx, (r[:, 1] - cy) * scale + bcy]) for r in rings
    ]


def build(geojson: dict[str, Any], *, level: str) -> dict[str, Any]:
    """The compact contour document of one level."""
    overseas = OVERSEAS[level]
    projected: dict[str, list[Ring]] = {}
    for feature in geojson["features"]:
        code = str(feature["properties"]["code"])
        rings = outer_rings(feature["geometry"])
        if code in overseas:
            lon0, lat0, lon1, lat1 = bounds(rings)
            center = ((lon0 + lon1) / 2, (lat0 + lat1) / 2)
            projected[code] = [project(r, lon0=center[0], lat0=center[1]) for r in rings]
        else:
            projected[code] = [project(r, lon0=ORIGIN_LON, lat0=ORIGIN_LAT) for r in rings]
    mainland = [r for code, rs in projected.items() if code not in overseas for r in rs]
    mx0, *_ = bounds(mainland)
    width = len(overseas) * INSET_SIZE + (len(overseas) - 1) * INSET_GAP
    under = np.vstack([r[r[:, 0] <= mx0 + width + INSET_GAP] for r in mainland])
    top = float(under[:, 1].min()) - INSET_MARGIN
    insets: dict[str, list[float]] = {}
    for i, code in enumerate(overseas):
        left = mx0 + i * (INSET_SIZE + INSET_GAP)
        box = (left, top - INSET_SIZE, left + INSET_SIZE, top)
        insets[code] = [round(v) for v in box]
        projected[code] = fit_in_box(projected[code], box=box)
    areas: dict[str, list[list[list[int]]]] = {}
    for code, rings in projected.items():
        largest = max(range(len(rings)), key=lambda k: ring_area(rings[k]))
        kept = []
        for k, ring in enumerate(rings):
            if k != largest and ring_area(ring) < MIN_RING_AREA:
                continue
            rounded = round_ring(simplify_ring(ring, tolerance=TOLERANCE))
            if rounded is not None:
                kept.append(rounded)
        areas[code] = kept
    all_rings = [np.column_stack(r) for rs in areas.values() for r in rs]
    return {
        "attribution": ATTRIBUTION,
        "level": level,
        "unit": "km (projection équirectangulaire, outre-mer en encarts)",
        "bbox": [round(v) for v in bounds(all_rings)],
        "insets": insets,
        "areas": dict(sorted(areas.items())),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Construit les contours compacts des cartes.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    args = parser.parse_args(argv)
    args.target.mkdir(parents=True, exist_ok=True)
    for level, stem in (("department", "departements"), ("region", "regions")):
        source = args.source / f"{stem}-avec-outre-mer.geojson"
        document = build(json.loads(source.read_text(encoding="utf-8")), level=level)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        (args.target / f"{stem}.json").write_text(text + "\n", encoding="utf-8")
        print(f"{stem}.json : {len(document['areas'])} zones, {len(text.encode()) // 1024} Ko")


if __name__ == "__main__":
    main()
