"""Copy the DSFR's woff2 fonts, cut to the characters French pages write (run by `make`).

    python scripts/subset_fonts.py SOURCE_DIR TARGET_DIR

Each Marianne and Spectral file of the DSFR carries Latin Extended, Greek, Cyrillic…
(41 KB per weight); the pages write French. Kept: ASCII, Latin-1 (é, è, à, ç, « », the
no-break space…), œ/Œ/Ÿ, the general punctuation block (narrow no-break space of French
numbers, dashes, ’, …, ‰), superscripts and subscripts (1ᵉʳ), €, ™, arrows, the maths
operators the pages use (−, ≤, ≥, ≈, ×). About half the bytes, fetched before the first
paint. A character outside the set is still drawn, in the fallback font;
tests/dashboard/test_app.py checks that the catalogue's texts and the pages' need none.
Uses fontTools' public subsetting API, with its layout features kept (kerning, ligatures).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from fontTools import subset

KEPT = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + [0x152, 0x153, 0x178]
    + list(range(0x2B0, 0x300))  # modifier letters (ʳ of « 1ᵉʳ » written in Unicode)
    + list(range(0x1D00, 0x1DC0))  # phonetic extensions (ᵉ)
    + list(range(0x2000, 0x20A0))  # punctuation, superscripts and subscripts
    + [0x20AC, 0x2122, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212, 0x2248, 0x2264, 0x2265]
)


def subset_font(source: Path, target: Path) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=KEPT)
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # « FFTM dropped »: a timestamp
    source_dir, target_dir = Path(argv[0]), Path(argv[1])
    target_dir.mkdir(parents=True, exist_ok=True)
    for source in sorted(source_dir.glob("*.woff2")):
        subset_font(source, target_dir / source.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
