"""Build the table of neighbouring départements from the IGN-derived GeoJSON.

Run once at build time, by hand (nothing reads the source file at run time):

    python scripts/build_neighbours.py --source ../shared/docs/contours

Two départements are neighbours when their unsimplified contours share at least two
vertices (a common border, not a single corner point); the source draws shared borders
with the same coordinates. Overseas départements have none.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "docs" / "contours"
TARGET = ROOT / "core" / "reference" / "department_neighbours.csv"
SOURCE_FILE = "departements-avec-outre-mer.geojson"


def neighbours(geojson: dict) -> list[tuple[str, str]]:
    """Pairs (a, b), a < b, of départements sharing at least two contour vertices."""
    owners: defaultdict[tuple[float, float], set[str]] = defaultdict(set)
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for ring in polygon:
                for x, y in ring:
                    owners[(round(x, 6), round(y, 6))].add(code)
    shared: Counter[tuple[str, str]] = Counter()
    for codes in owners.values():
        shared.update(itertools.combinations(sorted(codes), 2))
    return sorted(pair for pair, count in shared.items() if count >= 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    geojson = json.loads((args.source / SOURCE_FILE).read_text(encoding="utf-8"))
    pairs = neighbours(geojson)
    with TARGET.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["department", "neighbour"])
        out.writerows(pairs)
    print(f"{len(pairs)} paires de départements voisins écrites dans {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
