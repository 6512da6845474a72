"""Every read of the dashboard asks core.policy for the request's reader: routes × actors.

Over HTTP (Flask's test client) on a small SQLite database holding demo data for every
indicator at every level, the one restricted indicator of the catalog beside a public one,
for the public, an ARS of Bretagne (53), an ARS of Île-de-France (11) and the delegation.
The sign-in layer is not needed: a test hook sets `flask.g.actor` as it will.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import flask
import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core import geography, policy
from core.catalog import Catalog
from core.policy import ANONYMOUS, Actor, Role
from core.vocabulary import Level
from dashboard import access, app, queries, urls
from dashboard.callbacks import tables
from dashboard.downloads import FORMATS
from tests.dashboard.test_guards import router_body
from tests.fakes.cache import RecordingCache
from tests.fakes.queries import FakeQueries, Row

ROOT = Path(__file__).resolve().parents[2]
RESTRICTED = "patients_chroniques_acte_telesante"  # `visibility: restricted` in the catalog
PUBLIC = "mssante_messages_mois"  # public, with régions and départements in the demo data
UNKNOWN = "indicateur_inexistant"
ARS_BZH = Actor(Role.ars, region="53", email="ars@bretagne.test")
ARS_IDF = Actor(Role.ars, region="11", email="ars@idf.test")
DNS = Actor(Role.dns, email="dns@sante.test")
ACTORS = {"public": ANONYMOUS, "ars-53": ARS_BZH, "ars-11": ARS_IDF, "dns": DNS}
HEADER = "X-Acteur-Test"  # read by the test hook only; never by the dashboard
SIGNED_IN = ("ars-53", "ars-11", "dns")
INDICATOR_TABLES = ("serie", "carte")
# Random per response, whoever asks: Dash's token of the index, and the render mark.
# Dash's token, and the render mark of <main> in the layout and in the server's HTML copy
RANDOM = (re.compile(r'"end_id":"[^"]*"'), re.compile(r'"?data-render"?[:=] ?"[0-9a-f]{32}"'))


@pytest.fixture(scope="module")
def server(demo_url: str) -> flask.Flask:
    """The app, with a hook standing for the sign-in layer: it sets `flask.g.actor`."""
    flask_app = app.create_app(database_url=demo_url, redis_url="").server

    @flask_app.before_request
    def sign_in() -> None:
        actor = ACTORS.get(flask.request.headers.get(HEADER, ""), ANONYMOUS)
        if actor.signed_in:
            flask.g.actor = actor

    return flask_app


@pytest.fixture
def client(server: flask.Flask) -> FlaskClient:
    return server.test_client()


def get(client: FlaskClient, path: str, who: str) -> TestResponse:
    return client.get(path, headers={HEADER: who})


def content(client: FlaskClient, path: str, who: str, search: str = "") -> str:
    """What Dash's page router answers for a path: the page as the browser shows it."""
    response = client.post(
        "/_dash-update-component", json=router_body(path, search), headers={HEADER: who}
    )
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)  # labels as written


def normalised(text: str, indicator_id: str) -> str:
    """A body with the indicator id asked, and the per-response random tokens, taken out."""
    text = text.replace(indicator_id, "ID")
    for pattern in RANDOM:
        text = pattern.sub("RANDOM", text)
    return text


def rows_of(response: TestResponse) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def store_rows(page: str, table_id: str) -> list[list[str]]:
    """The rows of a deferred table (its dcc.Store) in a router answer."""
    found: list[list[list[str]]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == tables.component_id(tables.DATA, table_id):
                found.append(props["data"]["rows"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(page))
    assert len(found) == 1, f"tableau {table_id} absent"
    return found[0]


def indicator_downloads(indicator_id: str) -> list[str]:
    return [
        urls.indicator_download(indicator_id, table) + suffix
        for table in INDICATOR_TABLES
        for suffix in FORMATS
    ]


def objectives_downloads() -> list[str]:
    return [urls.objectives_download() + suffix for suffix in FORMATS]


def page_paths() -> list[str]:
    """One address of every page of the table in dashboard/urls.py."""
    examples = {"indicator_id": RESTRICTED, "code": "53"}
    paths = []
    for page in urls.PAGES:
        names = re.findall(r"<(\w+)>", page.path)
        paths.append(page.fill(**{n: examples[n] for n in names}))
    return paths


def restricted_label(catalog: Catalog) -> str:
    return catalog.by_id[RESTRICTED].short_label


def sees(who: str) -> bool:
    return ACTORS[who].signed_in


# -- the restricted indicator is unknown to the public ---------------------------------------


class TestInvisibleToThePublic:
    @pytest.mark.parametrize("query", ["", "?niveau=departements&carte=geo", "?reel=oui"])
    def test_its_page_is_the_404_of_an_unknown_id(self, client: FlaskClient, query: str) -> None:
        restricted = get(client, urls.indicator(RESTRICTED) + query, "public")
        unknown = get(client, urls.indicator(UNKNOWN) + query, "public")
        assert restricted.status_code == unknown.status_code == 404
        assert _same_headers(restricted, unknown)
        assert normalised(restricted.get_data(as_text=True), RESTRICTED) == normalised(
            unknown.get_data(as_text=True), UNKNOWN
        )

    @pytest.mark.parametrize("search", ["", "?niveau=departements", "?comparer=53"])
    def test_the_page_router_answers_the_not_found_content(
        self, client: FlaskClient, search: str
    ) -> None:
        restricted = content(client, urls.indicator(RESTRICTED), "public", search)
        unknown = content(client, urls.indicator(UNKNOWN), "public", search)
        assert "Page non trouvée" in restricted
        assert normalised(restricted, RESTRICTED) == normalised(unknown, UNKNOWN)

    @pytest.mark.parametrize(
        "suffix", [d.removeprefix(urls.DOWNLOADS) for d in indicator_downloads("ID")]
    )
    def test_every_download_is_the_404_of_an_unknown_id(
        self, client: FlaskClient, suffix: str
    ) -> None:
        restricted = get(client, urls.DOWNLOADS + suffix.replace("ID", RESTRICTED), "public")
        unknown = get(client, urls.DOWNLOADS + suffix.replace("ID", UNKNOWN), "public")
        assert restricted.status_code == unknown.status_code == 404
        assert _same_headers(restricted, unknown)
        assert normalised(restricted.get_data(as_text=True), RESTRICTED) == normalised(
            unknown.get_data(as_text=True), UNKNOWN
        )

    @pytest.mark.parametrize("path", page_paths())
    def test_no_page_names_it(self, client: FlaskClient, catalog: Catalog, path: str) -> None:
        # The index and the content of every page, the indicator's own (a 404) included
        index = get(client, path, "public").get_data(as_text=True)
        page = content(client, path, "public")
        for text in (index, page):
            assert restricted_label(catalog) not in text
        if path != urls.indicator(RESTRICTED):  # its own 404 names the id asked, as any 404
            assert RESTRICTED not in index and RESTRICTED not in page

    @pytest.mark.parametrize(
        "path",
        [
            *objectives_downloads(),
            *(
                urls.area_download(lvl, c) + ".csv"
                for lvl, c in [("region", "53"), ("department", "29"), ("region", "11")]
            ),
        ],
    )
    def test_no_table_download_holds_it(
        self, client: FlaskClient, catalog: Catalog, path: str
    ) -> None:
        response = get(client, path, "public")
        assert response.status_code == 200
        assert restricted_label(catalog).encode() not in _text_of(response)

    def test_the_home_counters_count_only_public_targets(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        public = sum(
            1
            for i in catalog.indicators
            if policy.may_see_indicator(ANONYMOUS, i.visibility)
            for t in i.targets
            if t.scope == "FR"
        )
        assert f"{public} objectifs datés" in content(client, urls.HOME, "public")
        assert f"{public} objectifs datés" in get(client, urls.HOME, "public").get_data(
            as_text=True
        )
        assert f"{public + 1} objectifs datés" in content(client, urls.HOME, "dns")

    def test_it_is_not_warmed(self, server: flask.Flask) -> None:
        paths = app.warm_paths() + app.warm_view_paths()
        assert paths and all(RESTRICTED not in str(kwargs) for _, kwargs in paths)
        assert any(PUBLIC in str(kwargs) for _, kwargs in paths)


def _same_headers(a: TestResponse, b: TestResponse) -> bool:
    names = {"Content-Type", "Cache-Control", "X-Content-Type-Options", "Vary"}
    return all(a.headers.get(n) == b.headers.get(n) for n in names)


def _text_of(response: TestResponse) -> bytes:
    """A download's cells as text (an XLSX is a zip: its cells are read)."""
    if (response.mimetype or "").endswith("sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return repr(list(book.active.iter_rows(values_only=True))).encode()
    return response.data


# -- the matrix: routes × actors ---------------------------------------------------------------


class TestMatrix:
    @pytest.mark.parametrize("who", list(ACTORS))
    @pytest.mark.parametrize("indicator_id", [PUBLIC, RESTRICTED])
    def test_indicator_page(self, client: FlaskClient, who: str, indicator_id: str) -> None:
        visible = indicator_id == PUBLIC or sees(who)
        response = get(client, urls.indicator(indicator_id), who)
        assert response.status_code == (200 if visible else 404)
        page = content(client, urls.indicator(indicator_id), who)
        assert ("Page non trouvée" in page) is not visible
        assert "Cette page ne peut pas être affichée" not in page

    @pytest.mark.parametrize("who", list(ACTORS))
    @pytest.mark.parametrize("indicator_id", [PUBLIC, RESTRICTED])
    def test_indicator_downloads(self, client: FlaskClient, who: str, indicator_id: str) -> None:
        visible = indicator_id == PUBLIC or sees(who)
        for path in indicator_downloads(indicator_id):
            assert get(client, path, who).status_code == (200 if visible else 404), path

    @pytest.mark.parametrize("who", list(ACTORS))
    def test_objectives_table_and_exports(
        self, client: FlaskClient, catalog: Catalog, who: str
    ) -> None:
        label = restricted_label(catalog)
        assert (label in content(client, urls.objectives(), who)) is sees(who)
        public_label = next(
            i.short_label
            for i in catalog.indicators
            if policy.may_see_indicator(ANONYMOUS, i.visibility) and i.targets
        )
        for path in objectives_downloads():
            data = _text_of(get(client, path, who))
            assert (label.encode() in data) is sees(who), path
            assert public_label.encode() in data

    @pytest.mark.parametrize("who", list(ACTORS))
    @pytest.mark.parametrize(
        ("level", "code"),
        [("region", "53"), ("region", "11"), ("department", "29"), ("department", "75")],
    )
    def test_area_pages_and_downloads(
        self, client: FlaskClient, catalog: Catalog, who: str, level: str, code: str
    ) -> None:
        allowed = policy.may_see_area(ACTORS[who], "restricted", level, code)
        label = restricted_label(catalog)
        assert (label in content(client, urls.area(level, code), who)) is allowed
        for suffix in FORMATS:
            data = _text_of(get(client, urls.area_download(level, code) + suffix, who))
            assert (label.encode() in data) is allowed
            assert catalog.by_id[PUBLIC].short_label.encode() in data

    @pytest.mark.parametrize("who", list(ACTORS))
    def test_home_cards(self, client: FlaskClient, who: str) -> None:
        assert (f"/indicateurs/{RESTRICTED}" in content(client, urls.HOME, who)) is sees(who)


# -- an ARS sees France, its région and its départements ---------------------------------------


class TestAreasOfARestrictedIndicator:
    @pytest.mark.parametrize(
        ("who", "level", "expected"),
        [
            ("ars-53", "region", {"53"}),
            ("ars-11", "region", {"11"}),
            ("ars-53", "department", {"22", "29", "35", "56"}),
            ("ars-11", "department", {d.code for d in geography.departments_of("11")}),
            ("dns", "region", {a.code for a in geography.by_level("region")}),
        ],
    )
    def test_map_download_holds_the_allowed_areas_only(
        self, client: FlaskClient, who: str, level: str, expected: set[str]
    ) -> None:
        query = {"niveau": Level(level).slug}
        path = urls.with_query(urls.indicator_download(RESTRICTED, "carte") + ".csv", query)
        codes = {r["Code territoire"] for r in rows_of(get(client, path, who))}
        assert codes == expected  # the others are absent, not zero

    @pytest.mark.parametrize(("who", "own"), [("ars-53", "Bretagne"), ("ars-11", "Île-de-France")])
    def test_compared_regions_of_another_agency_are_absent(
        self, client: FlaskClient, who: str, own: str
    ) -> None:
        query = {"comparer": "11,53,84"}
        path = urls.with_query(urls.indicator_download(RESTRICTED, "serie") + ".csv", query)
        names = {r["Territoire"] for r in rows_of(get(client, path, who))}
        assert names == {"France", own}
        # while a public indicator is compared in full
        public = urls.with_query(urls.indicator_download(PUBLIC, "serie") + ".csv", query)
        assert len({r["Territoire"] for r in rows_of(get(client, public, who))}) == 4

    def test_the_map_table_on_the_page_is_the_download(self, client: FlaskClient) -> None:
        page = content(client, urls.indicator(RESTRICTED), "ars-53", "?niveau=departements")
        assert sorted(r[1] for r in store_rows(page, "tableau-carte")) == ["22", "29", "35", "56"]

    def test_the_departments_of_another_region_do_not_offer_it(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        search = f"?indicateur={RESTRICTED}"
        own = content(client, urls.area("region", "53"), "ars-53", search)
        other = content(client, urls.area("region", "11"), "ars-53", search)
        label = restricted_label(catalog)
        assert label in own and label not in other


# -- caches and headers ---------------------------------------------------------------------


class TestCache:
    @pytest.mark.parametrize(
        "path",
        [urls.HOME, urls.objectives(), urls.indicator(RESTRICTED), urls.area("region", "53")],
    )
    def test_a_page_built_for_the_delegation_is_not_served_to_the_public(
        self, client: FlaskClient, catalog: Catalog, path: str
    ) -> None:
        label = restricted_label(catalog)
        assert label in content(client, path, "dns")  # built, and cached, for the delegation
        public = content(client, path, "public")
        assert label not in public
        assert ("Page non trouvée" in public) is (path == urls.indicator(RESTRICTED))

    def test_a_page_built_for_one_agency_is_not_served_to_another(
        self, client: FlaskClient
    ) -> None:
        search = "?niveau=departements"
        first = store_rows(
            content(client, urls.indicator(RESTRICTED), "ars-53", search), "tableau-carte"
        )
        second = store_rows(
            content(client, urls.indicator(RESTRICTED), "ars-11", search), "tableau-carte"
        )
        assert {r[1] for r in first} == {"22", "29", "35", "56"}
        assert {r[1] for r in second} == {d.code for d in geography.departments_of("11")}

    def test_a_read_cached_for_the_delegation_is_not_served_to_an_agency(
        self, server: flask.Flask
    ) -> None:
        # Given the rows of the restricted indicator, read (and cached) for the delegation
        store = queries.store()
        readers = [("dns", 18), ("ars-53", 1), ("public", 0), ("dns", 18)]
        for who, expected in readers:
            with server.test_request_context("/"):
                if ACTORS[who].signed_in:
                    flask.g.actor = ACTORS[who]
                # When each reader reads them, Then each gets its own areas only
                rows = store.series(indicator_id=RESTRICTED, level="region")
                assert len(rows) == expected, who
                snapshot = store.snapshot(
                    indicator_id=RESTRICTED, level="region", period=dt.date(2019, 1, 1)
                )
                assert len(snapshot) == expected, who

    def test_page_entries_carry_the_reader_s_scope(self, client: FlaskClient) -> None:
        with recorded_pages(through=True) as pages:
            content(client, urls.objectives(), "ars-53", "?tri=statut")
            content(client, urls.objectives(), "public", "?tri=statut")
        assert [k.split(":")[1] for k in pages.written] == ["ars-53", "anonymous"]

    def test_warm_up_builds_anonymous_pages_only(self, server: flask.Flask) -> None:
        with recorded_pages(through=False) as pages:  # every page is built, none read
            built = app.warm_cache(server)
        assert built == len(app.warm_paths()) and pages.written
        # pages of the public only (and values the same for every reader, like the date of
        # the last update): never a signed-in reader's scope
        scopes = {k.split(":")[1] for k in pages.written}
        assert policy.scope(ANONYMOUS) in scopes
        assert scopes <= {policy.scope(ANONYMOUS), queries.EVERY_READER}


@contextmanager
def recorded_pages(*, through: bool) -> Iterator[RecordingCache]:
    """The store's page cache, recording its writes for the time of the block."""
    store = queries.store()
    pages = store.pages
    store.pages = RecordingCache(pages if through else None)
    try:
        yield store.pages
    finally:
        store.pages = pages


class TestHeaders:
    @pytest.mark.parametrize("who", SIGNED_IN)
    @pytest.mark.parametrize(
        "path",
        [
            urls.HOME,
            urls.objectives(),
            urls.indicator(PUBLIC),
            urls.indicator_download(PUBLIC, "serie") + ".csv",
        ],
    )
    def test_a_signed_in_reader_s_responses_are_private(
        self, client: FlaskClient, who: str, path: str
    ) -> None:
        response = get(client, path, who)
        assert response.status_code == 200
        assert response.cache_control.private and not response.cache_control.public
        assert "Cookie" in response.vary

    def test_a_signed_in_reader_s_callbacks_are_private(self, client: FlaskClient) -> None:
        response = client.post(
            "/_dash-update-component", json=router_body(urls.HOME, ""), headers={HEADER: "dns"}
        )
        assert response.cache_control.private and "Cookie" in response.vary

    @pytest.mark.parametrize("path", [urls.HOME, urls.objectives(), urls.indicator(PUBLIC)])
    def test_the_public_keeps_shared_caching(self, client: FlaskClient, path: str) -> None:
        response = get(client, path, "public")
        assert response.cache_control.public and not response.cache_control.private
        assert "Cookie" not in response.vary


# -- one policy: nothing else compares a role or a visibility --------------------------------

COMPARISON = re.compile(
    r"""(==|!=|\bis\b|\bin\b)\s*(not\s+)?\(?\s*(Role|Visibility)\.\w+"""
    r"""|\b(Role|Visibility)\.\w+\s*(==|!=|\bis\b|\bin\b)"""
    r"""|\.(role|visibility)\s*(==|!=|\bis\b|\bin\b|not\s+in\b)"""
    r"""|(==|!=|\bin\b)\s*\(?\s*["'](public|restricted|anonymous|ars|dns)["']"""
    r"""|["'](public|restricted|anonymous|ars|dns)["']\s*(==|!=)"""
)
SCANNED = ("core", "etl", "dashboard")
POLICY = ROOT / "core" / "policy.py"


def comparisons(source: str) -> list[str]:
    return [
        f"ligne {n} : {line.strip()}"
        for n, line in enumerate(source.splitlines(), 1)
        if COMPARISON.search(line)
    ]


class TestOnePolicy:
    def test_nothing_outside_the_policy_compares_a_role_or_a_visibility(self) -> None:
        found = {
            str(path.relative_to(ROOT)): hits
            for pkg in SCANNED
            for path in sorted((ROOT / pkg).rglob("*.py"))
            if path != POLICY and (hits := comparisons(path.read_text(encoding="utf-8")))
        }
        assert found == {}

    @pytest.mark.parametrize(
        "source",
        [
            'shown = [i for i in inds if i.visibility == "public"]',
            "if ind.visibility != 'public':",
            "if actor.role is Role.dns:",
            "ok = actor.role in (Role.ars, Role.dns)",
            "if Visibility(v) is Visibility.restricted:",
            'if role == "dns":',
        ],
    )
    def test_the_scan_catches_a_comparison(self, source: str) -> None:
        assert comparisons(source)

    def test_the_scan_leaves_the_policy_calls_alone(self) -> None:
        assert not comparisons("if policy.may_see_indicator(actor, ind.visibility):")
        assert comparisons(POLICY.read_text(encoding="utf-8"))  # the policy itself compares


# -- the fake answers for the reader too ------------------------------------------------------


class TestFakeQueries:
    def test_the_fake_filters_like_the_real_reads(self, catalog: Catalog) -> None:
        rows = [
            Row(RESTRICTED, "region", code, dt.date(2024, 1, 1), float(n))
            for n, code in enumerate(["53", "11", "84"])
        ]
        fake = FakeQueries(catalog, rows=rows)
        server = flask.Flask(__name__)
        with server.test_request_context("/"):
            assert RESTRICTED not in fake.catalog.by_id
            assert fake.series(indicator_id=RESTRICTED, level="region").empty
        with server.test_request_context("/"):
            flask.g.actor = ARS_BZH
            assert list(fake.series(indicator_id=RESTRICTED, level="region")["code"]) == ["53"]
            assert access.may_see_area(catalog.by_id[RESTRICTED], "department", "29")
            assert not access.may_see_area(catalog.by_id[RESTRICTED], "department", "75")


class TestVisibleRows:
    FRAME = pd.DataFrame(
        {
            "indicator_id": [RESTRICTED] * 5 + [PUBLIC, "inconnu"],
            "level": ["national", *["region"] * 2, *["department"] * 2, *["region"] * 2],
            "code": ["FR", "53", "11", "29", "75", "11", "53"],
        }
    )

    @pytest.mark.parametrize(
        ("who", "kept"),
        [
            ("public", ["mssante_messages_mois/11"]),
            ("ars-53", ["FR", "53", "29", "mssante_messages_mois/11"]),
            ("ars-11", ["FR", "11", "75", "mssante_messages_mois/11"]),
            ("dns", ["FR", "53", "11", "29", "75", "mssante_messages_mois/11"]),
        ],
    )
    def test_rows_of_areas_the_reader_may_not_see_are_dropped(
        self, catalog: Catalog, who: str, kept: list[str]
    ) -> None:
        out = access.visible_rows(self.FRAME, catalog=catalog, actor=ACTORS[who])
        pairs = zip(out["indicator_id"], out["code"], strict=True)
        labels = [c if i == RESTRICTED else f"{i}/{c}" for i, c in pairs]
        assert labels == kept  # an indicator missing from the catalog is never shown
        assert list(out.index) == list(range(len(out)))

    def test_a_frame_of_one_indicator_and_level_names_them_as_arguments(
        self, catalog: Catalog
    ) -> None:
        snapshot = pd.DataFrame({"code": [a.code for a in geography.by_level("region")]})
        out = access.visible_rows(
            snapshot, catalog=catalog, actor=ARS_BZH, indicator_id=RESTRICTED, level="region"
        )
        assert list(out["code"]) == ["53"]
        whole = access.visible_rows(
            snapshot, catalog=catalog, actor=ARS_BZH, indicator_id=PUBLIC, level="region"
        )
        assert whole is snapshot  # nothing to drop: the frame itself, not a copy
