"""Sign-in through ProConnect (OpenID Connect), against a local fake of the provider."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from core import accounts, db
from core.accounts import NewAccount
from core.models import AuditEntry
from dashboard import proconnect, signin, urls
from dashboard.actor import current_actor
from dashboard.app import create_app
from tests.fakes import oidc_provider
from tests.fakes.oidc_provider import FakeProConnect

SITE = "http://localhost"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ACTOR_PROBE = "/test-acteur"


@pytest.fixture
def fake() -> Iterator[FakeProConnect]:
    with oidc_provider.serve() as provider:
        yield provider


@pytest.fixture
def server(
    tmp_path: Path,
    db_url: str,
    engine: Engine,
    fake: FakeProConnect,
    monkeypatch: pytest.MonkeyPatch,
) -> flask.Flask:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain HTTP
    monkeypatch.setenv("PROCONNECT_ISSUER", fake.base_url)
    monkeypatch.setenv("PROCONNECT_CLIENT_ID", oidc_provider.CLIENT_ID)
    monkeypatch.setenv("PROCONNECT_CLIENT_SECRET", oidc_provider.CLIENT_SECRET)
    monkeypatch.setenv("PROCONNECT_REDIRECT_URL", SITE + urls.PROCONNECT_CALLBACK)
    with db.transaction(engine) as session:
        accounts.add_user(
            session, NewAccount(email="agent@ars.sante.fr", role="ars", region="53", sso_only=True)
        )
    server = create_app(database_url=db_url, redis_url="").server
    assert isinstance(server, flask.Flask)
    server.add_url_rule(ACTOR_PROBE, "test_actor_probe", lambda: {"email": current_actor().email})
    return server


@pytest.fixture
def client(server: flask.Flask) -> Iterator[FlaskClient]:
    with server.test_client() as c:
        yield c


def through_provider(client: FlaskClient, start: str = urls.PROCONNECT_START) -> flask.Response:
    """Follow the flow as a browser does: the site, the provider, back to the site."""
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == SITE
    return client.get(f"{location.path}?{location.query}")


def audit_actions(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with db.transaction(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.action, a.actor, a.object) for a in rows]


class TestProConnectSignIn:
    def test_the_sign_in_page_offers_proconnect_when_configured(self, client: FlaskClient) -> None:
        page = client.get(urls.SIGN_IN).get_data(as_text=True)
        assert "Se connecter avec ProConnect" in page
        assert f'href="{urls.PROCONNECT_START}"' in page

    def test_a_known_email_is_signed_in_with_its_role_and_region(
        self, client: FlaskClient, engine: Engine, fake: FakeProConnect
    ) -> None:
        # When the agent goes through ProConnect
        response = through_provider(client)
        # Then they come back signed in as the account of their e-mail
        assert response.status_code == 303
        assert response.headers["Location"] == urls.HOME
        assert client.get(ACTOR_PROBE).get_json() == {"email": "agent@ars.sante.fr"}
        assert audit_actions(engine)[-1][:2] == ("sign_in", "agent@ars.sante.fr")
        # And the request to the provider had a state and a nonce of 32 characters or more
        [asked] = fake.authorize_requests
        assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
        assert asked["redirect_uri"] == SITE + urls.PROCONNECT_CALLBACK
        assert asked["scope"] == "openid email given_name usual_name uid"

    def test_the_page_asked_for_opens_after_proconnect(self, client: FlaskClient) -> None:
        start = urls.with_query(urls.PROCONNECT_START, {urls.NEXT_PARAM: urls.objectives()})
        assert through_provider(client, start).headers["Location"] == urls.objectives()

    def test_an_unknown_email_is_refused_in_french_and_audited(
        self, client: FlaskClient, engine: Engine, fake: FakeProConnect
    ) -> None:
        fake.email = "inconnu@ars.sante.fr"
        response = through_provider(client)
        assert response.status_code == 403
        assert "Aucun compte actif du tableau de bord pour l'adresse inconnu@ars.sante.fr" in (
            response.get_data(as_text=True)
        )
        assert client.get(ACTOR_PROBE).get_json() == {"email": None}
        assert audit_actions(engine)[-1] == ("sign_in_unknown_sso", None, "inconnu@ars.sante.fr")

    def test_a_disabled_account_is_refused(self, client: FlaskClient, engine: Engine) -> None:
        with db.transaction(engine) as session:
            accounts.disable_user(session, "agent@ars.sante.fr")
        assert through_provider(client).status_code == 403

    def test_userinfo_in_plain_json_is_refused(
        self, client: FlaskClient, fake: FakeProConnect
    ) -> None:
        fake.userinfo_as_json = True
        response = through_provider(client)
        assert response.status_code == 400
        assert proconnect.FAILED in response.get_data(as_text=True)
        assert client.get(ACTOR_PROBE).get_json() == {"email": None}

    @pytest.mark.parametrize(
        "forged", ["sign_userinfo_with_other_key", "sign_id_token_with_other_key"]
    )
    def test_a_token_signed_with_another_key_is_refused(
        self, client: FlaskClient, fake: FakeProConnect, forged: str
    ) -> None:
        setattr(fake, forged, True)
        assert through_provider(client).status_code == 400
        assert client.get(ACTOR_PROBE).get_json() == {"email": None}

    def test_a_return_with_another_state_is_refused(self, client: FlaskClient) -> None:
        to_provider = client.get(urls.PROCONNECT_START)
        back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
        query = parse_qs(urlsplit(back.headers["Location"]).query)
        forged = urls.with_query(
            urls.PROCONNECT_CALLBACK, {"code": query["code"][0], "state": "x" * 43}
        )
        assert client.get(forged).status_code == 400
        assert client.get(ACTOR_PROBE).get_json() == {"email": None}


class TestProConnectSignOut:
    def test_sign_out_goes_through_the_end_session_endpoint_and_back(
        self, client: FlaskClient, engine: Engine, fake: FakeProConnect
    ) -> None:
        # Given an agent signed in through ProConnect
        through_provider(client)
        with client.session_transaction() as session:
            id_token = session[signin.ID_TOKEN]
        # When they sign out
        page = client.get(urls.SIGN_OUT).get_data(as_text=True)
        token = signin_token(page)
        to_provider = client.post(urls.SIGN_OUT, data={"csrf_token": token})
        # Then the site session ends, and ProConnect is asked to end its own
        assert client.get(ACTOR_PROBE).get_json() == {"email": None}
        assert to_provider.status_code == 302
        back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
        [logout] = fake.logout_requests
        assert logout["id_token_hint"] == id_token
        assert len(logout["state"]) >= 32
        assert logout["post_logout_redirect_uri"] == SITE + urls.PROCONNECT_SIGNED_OUT
        # And the way back checks the state, then goes home
        location = urlsplit(back.headers["Location"])
        home = client.get(f"{location.path}?{location.query}")
        assert home.status_code == 303 and home.headers["Location"] == urls.HOME
        assert ("sign_out", "agent@ars.sante.fr", None) in audit_actions(engine)

    def test_a_way_back_with_an_unknown_state_is_refused(self, client: FlaskClient) -> None:
        path = urls.with_query(urls.PROCONNECT_SIGNED_OUT, {"state": "y" * 43})
        assert client.get(path).status_code == 400


def signin_token(page: str) -> str:
    found = CSRF.search(page)
    assert found
    return found.group(1)
