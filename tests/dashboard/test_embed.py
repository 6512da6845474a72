"""/embed/indicateurs/<id>: a chart alone for an iframe on another site — static SVG, title,
source, dates, the demo mark, a link back — and the only address other sites may frame."""

from __future__ import annotations

from html import escape

import pytest
from flask.testing import FlaskClient

from core import geography
from core.models import TOTAL
from core.vocabulary import Level, Unit
from dashboard import measure, queries, records, urls
from dashboard.formatting import format_number
from tests.dashboard import test_access
from tests.dashboard.test_access import HEADER, PUBLIC, RESTRICTED, content
from tests.dashboard.test_security_headers import directives

server, client = test_access.server, test_access.client
HOST = "http://localhost"


def _last_per_100k(client: FlaskClient) -> str:
    """Bretagne's last value per 100 000 inhabitants, as the measure module writes it."""
    series = queries.store().series(level=Level.region.value, codes=["53"])
    last = series[(series["indicator_id"] == PUBLIC) & series["value"].notna()]
    last = last[last["breakdown"] == TOTAL].sort_values("period_start").iloc[-1]
    area = geography.get_area(Level.region, "53")
    value = measure.per_capita(float(last["value"]), area.population)
    return format_number(value, unit=Unit.count, decimals=measure.PER_CAPITA_DECIMALS)


class TestEmbed:
    def test_the_chart_alone_with_its_marks(self, client: FlaskClient) -> None:
        response = client.get(urls.embed_indicator(PUBLIC))
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        text = response.get_data(as_text=True)
        assert "<script" not in text  # works without any script
        assert 'src="data:image/svg+xml;utf8,' in text and "polyline" in text
        assert "Source :" in text and "Données :" in text and "Consulté le" in text
        # the demo database holds demo values only: the mark says so
        assert records.DEMO_SOURCE in text
        back = HOST + urls.indicator(PUBLIC)
        assert f'<a href="{back}' in text and 'target="_blank"' in text  # the view's link

    def test_real_data_only_has_no_demo_mark(self, client: FlaskClient) -> None:
        text = client.get(urls.embed_indicator(PUBLIC, {"reel": "oui"})).get_data(as_text=True)
        assert f'class="demo">{records.DEMO_SOURCE}' not in text
        assert "polyline" not in text  # nothing real to draw
        assert HOST + urls.indicator(PUBLIC, {"reel": "oui"}) in text

    def test_compared_regions_are_drawn_per_100000_inhabitants_on_one_scale(
        self, client: FlaskClient
    ) -> None:
        # Given a count compared between Bretagne and France, as the page's comparison draws it
        text = client.get(urls.embed_indicator(PUBLIC, {"comparer": "53"})).get_data(as_text=True)
        assert "— Bretagne" in text and "— France" in text
        assert text.count("data-kind") > 2
        # Then per 100 000 inhabitants of each, on one scale, and the title and text say so
        assert "sa propre échelle" not in text
        label = escape(queries.store().catalog.get(PUBLIC).label, quote=False)
        assert f"<h1>{label}, {measure.PER_CAPITA_WORDS}</h1>" in text
        assert f"Bretagne : {_last_per_100k(client)} {measure.PER_CAPITA_WORDS}" in text

    def test_in_totals_each_line_has_its_own_scale(self, client: FlaskClient) -> None:
        # a count of France beside a région's: each on its own scale, and the legend says so
        view = {"comparer": "53", "par_habitant": "non"}
        text = client.get(urls.embed_indicator(PUBLIC, view)).get_data(as_text=True)
        assert "sa propre échelle" in text
        assert measure.PER_CAPITA_WORDS not in text

    def test_france_alone_has_its_scale_written(self, client: FlaskClient) -> None:
        text = client.get(urls.embed_indicator(PUBLIC)).get_data(as_text=True)
        assert "sa propre échelle" not in text and "%3Ctext" in text  # the low and high marks

    def test_a_restricted_indicator_is_the_404_of_an_unknown_one(self, client: FlaskClient) -> None:
        restricted = client.get(urls.embed_indicator(RESTRICTED))
        unknown = client.get(urls.embed_indicator("indicateur_inconnu"))
        assert restricted.status_code == unknown.status_code == 404
        assert restricted.text.replace(RESTRICTED, "ID") == unknown.text.replace(
            "indicateur_inconnu", "ID"
        )
        signed_in = client.get(urls.embed_indicator(RESTRICTED), headers={HEADER: "dns"})
        assert signed_in.status_code == 200


class TestFraming:
    def test_other_sites_may_frame_the_embed(self, client: FlaskClient) -> None:
        response = client.get(urls.embed_indicator(PUBLIC))
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["*"]
        assert "X-Frame-Options" not in response.headers
        assert policy["default-src"] == ["'self'"]  # the rest of the policy is unchanged

    @pytest.mark.parametrize(
        "path",
        [
            urls.HOME,
            urls.indicator(PUBLIC),
            urls.open_data(),
            urls.view_file(urls.indicator(PUBLIC), ".csv"),
            urls.API_INDICATORS,
            "/embedded",
        ],
    )
    def test_no_other_address_may_be_framed(self, client: FlaskClient, path: str) -> None:
        response = client.get(path)
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["'none'"]


def test_the_indicator_page_offers_the_embed(client: FlaskClient) -> None:
    page = content(client, urls.indicator(PUBLIC), "public")
    assert "Intégrer ce graphique" in page
    assert urls.embed_indicator(PUBLIC) in page
    assert urls.open_data({"indicateur": PUBLIC}, urls.EMBED_ANCHOR) in page
