"""/donnees « Données ouvertes et API »: in the navigation, rendered by the server, every
address it gives answers, and its table of columns is dashboard/records.py COLUMNS."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from dashboard import app as dashboard_app
from dashboard import records, urls
from tests.dashboard import test_access
from tests.dashboard.test_access import HEADER, PUBLIC, RESTRICTED

server, client = test_access.server, test_access.client
HOST = "http://localhost"  # the test client's


def body(client: FlaskClient, path: str = urls.open_data(), **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def server_html(page: str) -> str:
    """The HTML the server painted (before Dash's entry point)."""
    start = page.index(f'id="{dashboard_app.SERVER_PAGE_ID}"')
    return html.unescape(page[start : page.index('id="react-entry-point"')])


def example_urls(page: str) -> list[str]:
    """Every address of this site the page gives, in links and in the code examples."""
    absolute = re.findall(re.escape(HOST) + r"""[^\s"'<>)]+""", page)
    links = [HOST + h for h in re.findall(r'href="(/[^"#]*)', page)]
    return sorted(set(absolute + links))


class TestOpenDataPage:
    def test_it_is_in_the_navigation_and_rendered_by_the_server(self, client: FlaskClient) -> None:
        assert (urls.open_data(), "Données et API") in urls.navigation()
        assert urls.open_data() in urls.SERVER_RENDERED
        text = server_html(body(client))
        assert "Données ouvertes et API" in text
        assert f'href="{urls.open_data()}"' in text  # the header's entry

    def test_every_example_address_answers_200(self, client: FlaskClient) -> None:
        found = example_urls(server_html(body(client)))
        assert any(urls.API_EXPORT_PARQUET in u for u in found)
        assert any(u.endswith(urls.FEED) for u in found)
        assert any(".json?" in u for u in found) and any("-fr.csv" in u for u in found)
        assert any(urls.EMBED in u for u in found)
        for url in found:
            response = client.get(url.removeprefix(HOST))
            assert response.status_code == 200, url

    def test_the_examples_cover_curl_pandas_and_r(self, client: FlaskClient) -> None:
        text = server_html(body(client))
        assert 'curl "http' in text
        assert "pd.read_csv(" in text and "import pandas as pd" in text
        assert "read.csv(" in text and "jsonlite::fromJSON(" in text
        assert "Licence Ouverte" in text

    def test_the_columns_are_those_of_the_schema(self, client: FlaskClient) -> None:
        text = server_html(body(client))
        table = text[text.index('id="colonnes-fichiers"') :]
        for column in records.COLUMNS:
            assert f">{column.key}<" in table
            assert html.escape(column.description, quote=False) in html.escape(table, quote=False)
        rows = re.findall(r"<tr", table)
        assert len(rows) == len(records.COLUMNS) + 1

    def test_the_rate_limit_is_the_setting(self, client: FlaskClient) -> None:
        text = server_html(body(client))
        assert "300/minute" in text and "429" in text  # the setting's default
        from dashboard.reuse import rate_limit_text

        assert rate_limit_text("0") == "L'API n'est pas limitée en débit sur ce serveur."

    def test_the_chosen_indicator_gives_the_embed_code(self, client: FlaskClient) -> None:
        text = server_html(body(client, urls.open_data({"indicateur": PUBLIC})))
        assert f'<iframe src="{HOST}{urls.embed_indicator(PUBLIC)}' in text

    def test_a_restricted_indicator_is_never_the_example(self, client: FlaskClient) -> None:
        page = urls.open_data({"indicateur": RESTRICTED})
        assert RESTRICTED not in server_html(body(client, page)).replace(page, "")
        assert RESTRICTED in server_html(body(client, page, **{HEADER: "dns"})).replace(page, "")

    @pytest.mark.parametrize("path", [urls.open_data(), urls.open_data() + "/"])
    def test_the_old_download_prefix_is_not_this_page(self, client: FlaskClient, path: str) -> None:
        # the files under /donnees/… still answer; /donnees itself is the page
        assert client.get(path).status_code == 200
        assert client.get(urls.objectives_download() + ".csv").status_code == 200
