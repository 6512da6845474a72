"""Static SVG drawings of the figures: what the server paints before Plotly loads."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from core.catalog import load_catalog
from core.geography import by_level
from dashboard.figures.breakdown import breakdown
from dashboard.figures.comparison import comparison
from dashboard.figures.geo_map import geo_map
from dashboard.figures.ranking import ranking
from dashboard.figures.static_svg import (
    FULL,
    NARROW,
    WIDE,
    figure_svg,
    nice_ticks,
    rich_lines,
    static_chart,
    tick_label,
)
from dashboard.figures.theme import DEMO_COLOUR, Figure, with_export_marks, with_font
from dashboard.figures.tile_map import tile_map
from dashboard.figures.trajectory import trajectory
from dashboard.formatting import NNBSP
from tests.dashboard.figures.conftest import (
    make_indicator,
    make_series,
    make_snapshot,
    make_target,
)
from tests.dashboard.figures.test_breakdown import _frame as breakdown_frame
from tests.dashboard.figures.test_breakdown import _indicator as breakdown_indicator
from tests.dashboard.figures.test_geo_map import CONTOURS, TINY
from tests.dashboard.figures.test_plotly_schema import BUILDERS

SVG = "{http://www.w3.org/2000/svg}"
DEMO_NOTE = "<b>DONNÉES DE DÉMONSTRATION</b> · Données : janvier 2024 à juin 2024"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    """Every `<text>` as the reader sees it (its tspans joined)."""
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def elements(root: ET.Element, tag: str, **attributes: str) -> list[ET.Element]:
    return [
        e
        for e in root.iter(f"{SVG}{tag}")
        if all(e.get(k.replace("_", "-")) == v for k, v in attributes.items())
    ]


def bold_texts(root: ET.Element) -> list[str]:
    out = ["".join(t.itertext()) for t in root.iter() if t.get("font-weight") == "bold"]
    return [text for text in out if text]


def marked(figure: Figure, title: str = "Activation MES — trajectoire nationale") -> Figure:
    """The figure as `graph()` gives it to the page: title, notes and font."""
    return with_font(with_export_marks(figure, title=title, notes=[DEMO_NOTE]), state_marks=True)


def full_map(level: str, *, highlight: set[str] | None = None) -> Figure:
    """The geographic map of every area of a level, from the vendored contours."""
    stem = {"region": "regions", "department": "departements"}[level]
    document = json.loads((CONTOURS / f"{stem}.json").read_text(encoding="utf-8"))
    rows = [
        (a.code, a.name, a.tile_row, a.tile_col, float(i), False)
        for i, a in enumerate(by_level(level))  # type: ignore[arg-type]
    ]
    return geo_map(
        make_snapshot(rows),
        indicator=make_indicator(),
        level=level,
        contours=document,
        highlight=highlight or set(),
    )


@pytest.fixture
def count_trajectory() -> Figure:
    ind = make_indicator(unit="count", decimals=0)
    demo = make_series([10_000_000.0, 25_000_000.0, 40_000_000.0, 52_500_000.0], origin="demo")
    published = make_series([None, None, None, 50_000_000.0], origin="published")
    target = make_target(value=60_000_000.0, unit="count", label="60 millions")
    figure = trajectory(pd.concat([demo, published]), indicator=ind, targets=[target])
    return marked(figure)


class TestTrajectory:
    def test_the_drawing_is_xml_hidden_from_assistive_technologies(
        self, count_trajectory: Figure
    ) -> None:
        root = parse(figure_svg(count_trajectory))
        assert root.tag == f"{SVG}svg"
        assert root.get("aria-hidden") == "true" and root.get("focusable") == "false"
        assert root.get("viewBox") == f"0 0 {WIDE} 420" and root.get("width") == "100%"
        paper = root.find(f"{SVG}rect")  # the first thing drawn: white, in a dark theme too
        assert paper is not None and paper.get("fill") == "#ffffff"

    def test_title_and_demo_note_are_written_the_note_in_bold(
        self, count_trajectory: Figure
    ) -> None:
        root = parse(figure_svg(count_trajectory))
        assert "Activation MES — trajectoire nationale" in texts(root)
        assert "DONNÉES DE DÉMONSTRATION" in bold_texts(root)
        assert any("Données : janvier 2024 à juin 2024" in t for t in texts(root))

    def test_demo_values_are_a_dashed_grey_line(self, count_trajectory: Figure) -> None:
        root = parse(figure_svg(count_trajectory))
        demo = elements(root, "path", stroke=DEMO_COLOUR, fill="none", stroke_width="2")
        assert demo and all(p.get("stroke-dasharray") for p in demo)

    def test_value_ticks_are_french_numbers(self, count_trajectory: Figure) -> None:
        written = texts(parse(figure_svg(count_trajectory)))
        assert f"20{NNBSP}000{NNBSP}000" in written
        assert "0" in written and "janv. 2025" in written  # the figure's date ticks

    def test_the_legend_names_every_series_and_the_target(self, count_trajectory: Figure) -> None:
        written = texts(parse(figure_svg(count_trajectory)))
        assert {
            "Démonstration",
            "Chiffre publié",
            f"Objectif 2027 : 60{NNBSP}000{NNBSP}000",
        } <= set(written)

    def test_the_same_figure_gives_the_same_bytes(self, count_trajectory: Figure) -> None:
        assert static_chart(count_trajectory) == static_chart(count_trajectory)

    def test_events_are_labelled_beside_their_line(self) -> None:
        events = load_catalog().events
        first = min(events, key=lambda e: e.date)
        start = first.date.replace(day=1)
        series = make_series(
            [1.0, 2.0, 3.0], period_start=pd.date_range(start, periods=3, freq="MS")
        )
        figure = trajectory(series, indicator=make_indicator(), targets=[], events=[first])
        root = parse(figure_svg(figure))
        assert first.label in texts(root)
        assert elements(root, "path", stroke="#666666", stroke_dasharray="3 3")


class TestBothWidths:
    def test_no_text_is_drawn_under_12px(self, count_trajectory: Figure) -> None:
        for width in (WIDE, NARROW):
            root = parse(figure_svg(count_trajectory, width=width))
            sizes = [float(e.get("font-size", "14")) for e in root.iter(f"{SVG}text")]
            assert sizes and min(sizes) >= 12
        assert (
            parse(figure_svg(count_trajectory, width=NARROW)).get("viewBox") == f"0 0 {NARROW} 420"
        )

    def test_each_drawing_has_its_class_and_its_own_ids(
        self, count_trajectory: Figure, region_snapshot: pd.DataFrame
    ) -> None:
        chart = parse(static_chart(count_trajectory))
        assert chart.get("class") == "tdb-static-chart"
        kinds = [svg.get("class") for svg in chart]
        assert kinds == [f"tdb-static-chart__{k}" for k in ("full", "wide", "narrow")]
        assert [svg.get("viewBox") for svg in chart] == [
            f"0 0 {w} 420" for w in (FULL, WIDE, NARROW)
        ]
        # a geographic map (its points the heaviest part of a page): no full drawing, as
        # Plotly centres it at any width, the wide one centred
        figure = full_map("region")
        chart = parse(static_chart(figure))
        assert chart.get("class") == "tdb-static-chart tdb-static-chart--centred"
        assert [svg.get("class") for svg in chart] == [
            "tdb-static-chart__wide",
            "tdb-static-chart__narrow",
        ]
        # each drawing its own gradient and hatching: a hidden one never lends its definitions
        tiles = parse(
            static_chart(tile_map(region_snapshot, indicator=make_indicator(), level="region"))
        )
        ids = [e.get("id") for e in tiles.iter() if e.get("id")]
        assert len(ids) == len(set(ids)) == 2 * len(tiles) == 6

    def test_iso_dates_with_a_space_or_a_t_are_the_same_place(self) -> None:
        def at(x: str) -> str:
            fig = {"data": [{"type": "scatter", "mode": "markers", "x": [x, "2024-01-01"],
                             "y": [1, 2]}], "layout": {}}  # fmt: skip
            return figure_svg(fig)

        assert at("2022-01-01 00:00:00") == at("2022-01-01T00:00:00") == at("2022-01-01")


class TestRanking:
    def test_one_bar_per_area_with_its_french_value_and_rank(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        figure = ranking(region_snapshot, indicator=make_indicator(), highlight={"53"})
        root = parse(figure_svg(marked(figure, "Classement des régions")))
        bars = [r for g in root.iter(f"{SVG}g") for r in g.findall(f"{SVG}rect")]
        assert len(bars) == len(region_snapshot)
        written = texts(root)
        assert f"70,5{NNBSP}%" in written and "1. Île-de-France" in written
        assert "3. Bretagne" in bold_texts(root)  # the territory followed
        assert "secret statistique" in written

    def test_long_names_are_cut_on_a_phone_the_followed_one_still_bold(self) -> None:
        snapshot = make_snapshot([("04", "Alpes-de-Haute-Provence", 1, 1, 12.0, False)])
        figure = ranking(snapshot, indicator=make_indicator(), highlight={"04"})
        assert "1. Alpes-de-Haute-Provence" in bold_texts(parse(figure_svg(figure)))
        assert "1. Alpes-de-Haute-Prove…" in bold_texts(parse(figure_svg(figure, width=NARROW)))

    def test_the_france_reference_is_a_dashed_line_and_its_label(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        figure = ranking(region_snapshot, indicator=make_indicator(), reference=55.5)
        root = parse(figure_svg(figure))
        assert f"France : 55,5{NNBSP}%" in texts(root)
        assert [p for p in elements(root, "path", stroke="#666666") if p.get("stroke-dasharray")]


class TestMaps:
    def test_one_tile_per_area_labelled_and_a_colour_bar(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        figure = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        root = parse(figure_svg(figure))
        valued = [r for r in elements(root, "rect") if (r.get("fill") or "").startswith("rgb(")]
        assert len(valued) == 3  # Corse is masked, Mayotte missing: drawn apart
        apart = [p for p in elements(root, "path") if p.get("fill-rule") == "evenodd"]
        assert len(apart) == 2
        written = texts(root)
        assert {"BRE", "IDF", "ARA", "COR", "MAY"} <= set(written)
        assert elements(root, "linearGradient")
        assert f"50{NNBSP}%" in written  # the colour bar's ticks

    def test_one_path_per_territory_hatched_when_masked_with_its_legend(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        figure = geo_map(region_snapshot, indicator=make_indicator(), level="region", contours=TINY)
        root = parse(figure_svg(figure))
        territories = [p for p in elements(root, "path") if p.get("fill-rule") == "evenodd"]
        assert len(territories) == 5
        hatched = [p for p in territories if (p.get("fill") or "").startswith("url(#")]
        assert len(hatched) >= 1 and len(elements(root, "pattern")) == 1  # one, shared
        assert {"secret statistique", "non disponible", "Source : test"} <= set(texts(root))

    def test_a_single_masked_area_is_in_the_legend_as_plotly_shows_it(self) -> None:
        snapshot = make_snapshot(
            [("53", "Bretagne", 2, 0, 40.0, False), ("94", "Corse", 5, 4, None, True)]
        )
        figure = geo_map(snapshot, indicator=make_indicator(), level="region", contours=TINY)
        assert "secret statistique" in texts(parse(figure_svg(figure)))

    def test_the_departement_map_stays_small(self) -> None:
        figure = full_map("department", highlight={"29"})
        chart = static_chart(marked(figure, "Carte des départements"))
        root = parse(chart)
        assert len(chart.encode()) < 150_000  # both drawings
        for svg in root:
            drawn = [p for p in svg.iter(f"{SVG}path") if p.get("fill-rule") == "evenodd"]
            assert len(drawn) == 101


class TestSeriesCharts:
    def test_breakdown_draws_a_bar_per_part_and_period_and_names_the_parts(self) -> None:
        ind, frame = breakdown_indicator(), breakdown_frame()  # two parts, two periods
        root = parse(figure_svg(breakdown(frame, indicator=ind)))
        bars = [r for g in root.iter(f"{SVG}g") for r in g.findall(f"{SVG}rect")]
        assert len(bars) == 4 + 2  # two periods of two parts, and the two legend swatches
        assert {"Hôpital", "Ville"} <= set(texts(root))

    def test_comparison_draws_france_dashed_and_names_the_areas(self) -> None:
        frame = pd.concat(
            [
                make_series([1.0, 2.0, 3.0]),
                make_series([2.0, 3.0, 4.0], code="53", name="Bretagne"),
            ]
        )
        root = parse(figure_svg(comparison(frame, indicator=make_indicator())))
        assert {"France", "Bretagne"} <= set(texts(root))
        assert [p for p in elements(root, "path", fill="none") if p.get("stroke-dasharray")]

    def test_an_empty_chart_says_so(self) -> None:
        figure = comparison({}, indicator=make_indicator())
        assert "Aucune donnée disponible" in texts(parse(figure_svg(figure)))


class TestText:
    def test_labels_are_escaped(self) -> None:
        series = pd.concat(
            [make_series([1.0, 2.0]), make_series([1.0, 2.0], code="53", name="A < B & C")]
        )
        figure = marked(comparison(series, indicator=make_indicator()), "Part < 5 % & plus")
        svg = figure_svg(figure)
        assert "A &lt; B &amp; C" in svg and "Part &lt; 5 % &amp; plus" in svg
        assert {"A < B & C", "Part < 5 % & plus"} <= set(texts(parse(svg)))

    def test_plotly_tags_become_styles_and_other_brackets_stay_text(self) -> None:
        assert rich_lines("<b>Bretagne</b> (53)<br>moins de 5 < 10") == [
            [("Bretagne", True, False), (" (53)", False, False)],
            [("moins de 5 < 10", False, False)],
        ]

    @pytest.mark.parametrize(
        ("low", "high", "expected"),
        [
            (0, 78_000_000, ["0", f"20{NNBSP}000{NNBSP}000", f"40{NNBSP}000{NNBSP}000"]),
            (0, 1.2, ["0,0", "0,2", "0,4"]),
        ],
    )
    def test_round_ticks_in_french(self, low: float, high: float, expected: list[str]) -> None:
        values = nice_ticks(low, high, 5)
        step = values[1] - values[0]
        assert [tick_label(v, step) for v in values][:3] == expected


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_kind_is_drawn(name: str) -> None:
    """Guard: each figure of the Plotly schema test (yes/no facts, target ranges, projections,
    undrawn targets…) is drawn as XML at both widths, no text under 12 px."""
    figure = BUILDERS[name]()
    for width in (WIDE, NARROW):
        root = parse(figure_svg(figure, width=width))
        sizes = [float(e.get("font-size", "14")) for e in root.iter(f"{SVG}text")]
        assert sizes and min(sizes) >= 12  # 11 px on screen at least, once shrunk
