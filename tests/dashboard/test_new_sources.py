"""« Nouvelle source » in the change feed: the first values of an indicator from a source,
one entry per indicator and source, in the API's changes, the Atom feed and « Quoi de neuf »,
for what the reader may see only."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import dash
import flask
import pytest
from flask.testing import FlaskClient

from core.catalog import Catalog
from core.db import make_engine
from core.policy import Actor, Role
from dashboard import urls
from dashboard.app import create_app
from tests.dashboard.changes_db import PUBLIC, RESTRICTED, load, national, with_revision
from tests.dashboard.test_whats_new import whats_new_page

DNS = Actor(Role.dns, email="dns@sante.test")
ATOM = {"a": "http://www.w3.org/2005/Atom"}
OTHER = "autre-source"


@pytest.fixture
def runs(db_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """A first load of both indicators (source mssante-messages), its revision (same
    source: not new), then a third run of another source for the public indicator."""
    monkeypatch.setenv("API_RATE_LIMIT", "0")
    engine = make_engine(db_url)
    first, second = with_revision(engine, catalog)
    third = load(engine, catalog, national(PUBLIC, "2025-04", "1500000"), source=OTHER).run_id
    engine.dispose()
    return first, second, third


@pytest.fixture
def app(db_url: str, runs: tuple[int, int, int]) -> dash.Dash:
    return create_app(database_url=db_url, redis_url="")


def client(app: dash.Dash, actor: Actor | None = None) -> FlaskClient:
    server = app.server
    if actor is not None:

        def sign_in() -> None:
            flask.g.actor = actor

        server.before_request_funcs.setdefault(None, []).insert(0, sign_in)
    return server.test_client()


def new_sources(c: FlaskClient, since: str = "2000-01-01") -> list[dict[str, Any]]:
    answer = json.loads(c.get(urls.with_query(urls.API_CHANGES, {"since": since})).data)
    return list(answer["new_sources"])


class TestApi:
    def test_one_entry_per_indicator_and_source_latest_first(
        self, app: dash.Dash, runs: tuple[int, int, int], catalog: Catalog
    ) -> None:
        first, _, third = runs
        found = new_sources(client(app))
        assert [(s["indicator_id"], s["source"], s["run_id"]) for s in found] == [
            (PUBLIC, OTHER, third),
            (PUBLIC, "mssante-messages", first),
        ]
        assert found[0]["label"] == f"Nouvelle source : {OTHER}"
        assert found[0]["indicator_label"] == catalog.get(PUBLIC).short_label
        assert found[0]["changed_at"].endswith("+00:00")

    def test_the_restricted_indicator_is_absent_for_the_public_only(
        self, app: dash.Dash, runs: tuple[int, int, int]
    ) -> None:
        assert RESTRICTED not in {s["indicator_id"] for s in new_sources(client(app))}
        seen = new_sources(client(app, DNS))
        assert (RESTRICTED, "mssante-messages") in {(s["indicator_id"], s["source"]) for s in seen}

    def test_since_a_later_day_keeps_nothing(self, app: dash.Dash) -> None:
        later = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        assert new_sources(client(app), since=later) == []


class TestAtom:
    def test_an_entry_says_nouvelle_source_per_indicator(
        self, app: dash.Dash, catalog: Catalog, runs: tuple[int, int, int]
    ) -> None:
        root = ET.fromstring(client(app).get(urls.FEED).data)
        titles = [e.findtext("a:title", namespaces=ATOM) for e in root.findall("a:entry", ATOM)]
        label = catalog.get(PUBLIC).short_label
        assert f"{label} : nouvelle source : {OTHER}" in titles
        assert f"{label} : nouvelle source : mssante-messages" in titles
        assert not any(catalog.get(RESTRICTED).short_label in (t or "") for t in titles)
        ids = [e.findtext("a:id", namespaces=ATOM) or "" for e in root.findall("a:entry", ATOM)]
        assert any(i.endswith(f"#source-{runs[2]}") for i in ids)

    def test_a_signed_in_reader_s_feed_names_the_restricted_indicator_s_source(
        self, app: dash.Dash, catalog: Catalog
    ) -> None:
        text = client(app, DNS).get(urls.FEED).get_data(as_text=True)
        assert f"{catalog.get(RESTRICTED).short_label} : nouvelle source" in text


class TestPage:
    def test_quoi_de_neuf_says_nouvelle_source_under_the_indicator(
        self, app: dash.Dash, catalog: Catalog
    ) -> None:
        text = whats_new_page(app)
        assert f"Nouvelle source : {OTHER}." in text
        assert "Nouvelle source : mssante-messages." in text
        # the revision by the same source is no new source: two such lines, not three
        assert text.count("Nouvelle source : ") == 2
        assert catalog.get(RESTRICTED).short_label not in text

    def test_the_delegation_sees_the_restricted_indicator_s_new_source(
        self, app: dash.Dash
    ) -> None:
        assert whats_new_page(app, DNS).count("Nouvelle source : ") == 3
