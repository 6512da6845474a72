"""Charts drawn by the server (dashboard/figures/static_svg.py) are the page's until Dash and
Plotly run: here no script runs at all, at a desktop and a phone width."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import AXE
from tests.e2e.test_dashboard import INDICATOR

# For each chart of the server's copy: how many drawings show, the class of the one shown,
# its smallest text in CSS pixels, its size, the height of the chart's place, whether it is a
# geographic map (a centred drawing) and whether it is centred.
CHARTS = """() => [...document.querySelectorAll('#tdb-server-page .tdb-static-chart')].map(c => {
  const shown = [...c.children].filter(s => getComputedStyle(s).display !== 'none');
  const svg = shown[0], box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
  return {shown: shown.length, kind: svg.getAttribute('class'), text: Math.min(...sizes) * scale,
          height: box.height, place: c.parentElement.getBoundingClientRect().height,
          width: box.width, drawn: svg.viewBox.baseVal.width,
          map: c.classList.contains('tdb-static-chart--centred'),
          centred: Math.abs(box.left + box.width / 2 - (c.getBoundingClientRect().left
                   + c.getBoundingClientRect().width / 2)) < 1};
})"""


@pytest.fixture(
    params=[(1280, "full"), (1024, "wide"), (390, "narrow")],
    ids=["bureau", "portable", "telephone"],
)
def scriptless(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, str]]:
    """A page whose scripts never load (Dash never mounts), at a width, with the drawing a
    chart that is not a map shows there."""
    width, kind = request.param
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    context.route("**/*.js", lambda route: route.abort())
    yield context.new_page(), kind
    context.close()


def test_indicator_charts_are_drawn_readable_and_in_their_place(
    scriptless: tuple[Any, str], live_url: str
) -> None:
    page, kind = scriptless
    # Given the indicator page with its geographic map, When no script has run
    page.goto(live_url + INDICATOR + "?carte=geo")
    charts = page.evaluate(CHARTS)
    # Then its trajectory, map and ranking are drawn, one drawing each, the one for the width
    # (a geographic map has no full drawing: its wide one shows, centred)
    assert len(charts) >= 3 and any(chart["map"] for chart in charts)
    for chart in charts:
        expected = "wide" if kind == "full" and chart["map"] else kind
        assert chart["shown"] == 1 and chart["kind"] == f"tdb-static-chart__{expected}"
        # with text of 11 px at least, and no taller than the place Plotly will draw in
        assert chart["text"] >= 11, chart
        assert chart["height"] <= chart["place"] + 1, chart
        if expected != "narrow":  # never larger than drawn
            assert chart["width"] <= chart["drawn"] + 0.5, chart
        assert chart["centred"] or not chart["map"], chart
    # And axe-core finds nothing in the page as drawn before any script
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    assert [(v["id"], [n["html"][:160] for n in v["nodes"][:3]]) for v in violations] == []
