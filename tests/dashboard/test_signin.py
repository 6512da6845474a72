"""Sign-in with a local account: session cookie, CSRF, lockout, audit, actor of the request."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from core import accounts, db
from core.accounts import NewAccount
from core.models import AuditEntry, LoginThrottle
from core.policy import Role
from dashboard import signin, urls
from dashboard.actor import current_actor
from dashboard.app import create_app

PASSWORD = "Bretagne-Nord-2026!"
EMAIL = "agent@ars.sante.fr"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ACTOR_PROBE = "/test-acteur"  # a route of the tests only, that says who the actor is


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings of a fresh development server: its generated key goes to a temp DATA_DIR."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for name in ("ENV", "SECRET_KEY", "COOKIE_SECURE", "TRUSTED_PROXIES", "SESSION_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PROCONNECT_ISSUER", raising=False)
    return tmp_path


def make_server(db_url: str) -> flask.Flask:
    server = create_app(database_url=db_url, redis_url="").server
    assert isinstance(server, flask.Flask)

    def probe() -> dict[str, object]:
        actor = current_actor()
        return {"role": actor.role.value, "region": actor.region, "email": actor.email}

    server.add_url_rule(ACTOR_PROBE, "test_actor_probe", probe)
    return server


@pytest.fixture
def server(app_env: Path, db_url: str, engine: Engine) -> flask.Flask:
    with db.transaction(engine) as session:
        accounts.add_user(
            session, NewAccount(email=EMAIL, role="ars", region="53", password=PASSWORD)
        )
    return make_server(db_url)


@pytest.fixture
def client(server: flask.Flask) -> Iterator[FlaskClient]:
    with server.test_client() as c:
        yield c


def csrf_token(client: FlaskClient, path: str = urls.SIGN_IN) -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(
    client: FlaskClient, *, email: str = EMAIL, password: str = PASSWORD, **extra: str
) -> flask.Response:
    token = csrf_token(client)
    data = {"csrf_token": token, "email": email, "password": password, **extra}
    return client.post(urls.SIGN_IN, data=data)


def audit_rows(engine: Engine) -> list[AuditEntry]:
    with db.transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def actor_of(client: FlaskClient) -> dict[str, object]:
    data = client.get(ACTOR_PROBE).get_json()
    assert isinstance(data, dict)
    return data


class TestNoCookieForAnonymousReaders:
    @pytest.mark.parametrize("path", [urls.HOME, urls.objectives(), urls.about()])
    def test_a_public_page_sets_no_cookie_and_stays_shareable(
        self, client: FlaskClient, path: str
    ) -> None:
        # When an anonymous reader opens a public page
        response = client.get(path)
        # Then no cookie is set, and shared caches may keep the page
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        assert response.headers["Cache-Control"].startswith("public")

    def test_a_download_sets_no_cookie(self, client: FlaskClient) -> None:
        response = client.get(urls.objectives_download() + ".csv")
        assert "Set-Cookie" not in response.headers


class TestSignInPage:
    def test_the_form_has_labelled_fields_and_a_csrf_token(self, client: FlaskClient) -> None:
        # When the sign-in page is opened
        response = client.get(urls.SIGN_IN)
        page = response.get_data(as_text=True)
        # Then it has the two labelled fields, posts to itself and carries a token
        assert response.status_code == 200
        assert re.search(r'<label class="fr-label" for="champ-email">Adresse électronique', page)
        assert re.search(r'<label class="fr-label" for="champ-password">Mot de passe', page)
        assert 'id="champ-password" name="password"' in page and 'type="password"' in page
        assert f'action="{urls.SIGN_IN}"' in page and 'method="post"' in page
        assert CSRF.search(page)
        assert response.headers["Cache-Control"] == "no-store"
        # And no ProConnect button when ProConnect is not configured
        assert "ProConnect" not in page

    def test_the_session_cookie_is_httponly_lax_and_not_secure_in_development(
        self, client: FlaskClient
    ) -> None:
        cookie = client.get(urls.SIGN_IN).headers["Set-Cookie"]
        assert cookie.startswith(f"{signin.SESSION_COOKIE}=")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie

    def test_behind_https_the_cookie_is_secure_and_host_only(
        self, app_env: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given COOKIE_SECURE=1 (or ENV=production)
        monkeypatch.setenv("COOKIE_SECURE", "1")
        client = make_server(db_url).test_client()
        # Then the cookie is Secure and named __Host- (no Domain, Path=/)
        cookie = client.get(urls.SIGN_IN, base_url="https://localhost").headers["Set-Cookie"]
        assert cookie.startswith(f"__Host-{signin.SESSION_COOKIE}=")
        assert "; Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie


class TestCsrf:
    def test_a_sign_in_post_without_token_is_refused_and_writes_nothing(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        # When a form is posted without its token (another site's form)
        response = client.post(urls.SIGN_IN, data={"email": EMAIL, "password": PASSWORD})
        # Then it is refused in French, nobody is signed in, nothing is written
        assert response.status_code == 400
        assert "rien n'a été enregistré" in response.get_data(as_text=True)
        assert actor_of(client)["role"] == "anonymous"
        assert [a.action for a in audit_rows(engine)] == ["user_added"]
        with db.transaction(engine) as session:
            assert session.scalars(select(LoginThrottle)).all() == []

    def test_a_wrong_token_is_refused(self, client: FlaskClient) -> None:
        csrf_token(client)
        data = {"csrf_token": "faux", "email": EMAIL, "password": PASSWORD}
        assert client.post(urls.SIGN_IN, data=data).status_code == 400

    def test_a_sign_out_post_without_token_keeps_the_session(self, client: FlaskClient) -> None:
        sign_in(client)
        assert client.post(urls.SIGN_OUT).status_code == 400
        assert actor_of(client)["email"] == EMAIL

    def test_a_post_where_no_form_is_taken_is_still_a_405(self, client: FlaskClient) -> None:
        assert client.post(urls.HEALTH).status_code == 405

    def test_dash_callbacks_need_no_token(self, client: FlaskClient) -> None:
        # Dash's callback endpoint is exempt (read-only): a refused body is the guard's 400,
        # not the CSRF page
        response = client.post("/_dash-update-component", json={"output": "x"})
        assert "rien n'a été enregistré" not in response.get_data(as_text=True)


class TestSignIn:
    def test_the_right_password_opens_a_session_for_the_account(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        # When the agent signs in
        response = sign_in(client)
        # Then they are sent home, with an expiring HttpOnly session cookie
        assert response.status_code == 303
        assert response.headers["Location"] == urls.HOME
        cookie = response.headers["Set-Cookie"]
        assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        # And the request's actor is the ARS of Bretagne
        assert actor_of(client) == {"role": "ars", "region": "53", "email": EMAIL}
        # And the sign-in is in the audit log with the address
        last = audit_rows(engine)[-1]
        assert (last.action, last.actor, last.address) == ("sign_in", EMAIL, "127.0.0.1")

    def test_the_email_is_not_case_sensitive(self, client: FlaskClient) -> None:
        assert sign_in(client, email="  Agent@ARS.sante.fr ").status_code == 303

    def test_signed_in_pages_are_private(self, client: FlaskClient) -> None:
        sign_in(client)
        response = client.get(urls.HOME)
        assert response.headers["Cache-Control"].startswith("private")
        assert "Cookie" in response.headers["Vary"]

    def test_after_sign_in_the_page_asked_for_opens(self, client: FlaskClient) -> None:
        response = sign_in(client, suite=urls.objectives())
        assert response.headers["Location"] == urls.objectives()

    @pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil"])
    def test_after_sign_in_never_another_site(self, client: FlaskClient, target: str) -> None:
        assert sign_in(client, suite=target).headers["Location"] == urls.HOME

    def test_the_sign_in_page_says_who_is_signed_in(self, client: FlaskClient) -> None:
        sign_in(client)
        page = client.get(urls.SIGN_IN).get_data(as_text=True)
        assert "Vous êtes connecté" in page and EMAIL in page
        assert "Agence régionale de santé, région 53" in page

    def test_a_session_older_than_its_lifetime_is_anonymous(self, client: FlaskClient) -> None:
        sign_in(client)
        with client.session_transaction() as session:
            session[signin.SINCE] = int(time.time()) - 9 * 3600  # SESSION_HOURS is 8
        assert actor_of(client)["role"] == "anonymous"

    def test_a_forged_cookie_is_anonymous(self, client: FlaskClient) -> None:
        client.set_cookie(signin.SESSION_COOKIE, '{"email": "agent@ars.sante.fr"}')
        assert actor_of(client)["role"] == "anonymous"


class TestWrongCredentials:
    def test_wrong_password_is_refused_in_french_and_audited(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        response = sign_in(client, password="pas-le-bon-mot-de-passe")
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert signin.BAD_CREDENTIALS in page
        assert "pas-le-bon-mot-de-passe" not in page  # never echoed
        assert actor_of(client)["role"] == "anonymous"
        last = audit_rows(engine)[-1]
        assert (last.action, last.actor, last.object) == ("sign_in_failed", None, EMAIL)

    def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(
        self, client: FlaskClient
    ) -> None:
        # Given a wrong password for an existing account and one for an unknown e-mail
        known = sign_in(client, password="pas-le-bon-mot-de-passe")
        unknown = sign_in(client, email="inconnu@ars.sante.fr", password="pas-le-bon-mot-de-passe")

        def neutral(response: flask.Response, email: str) -> str:
            page = response.get_data(as_text=True)
            return CSRF.sub("", page).replace(email, "EMAIL")

        # Then the two answers are the same, status and page
        assert known.status_code == unknown.status_code == 422
        assert neutral(known, EMAIL) == neutral(unknown, "inconnu@ars.sante.fr")

    def test_a_disabled_account_gets_the_same_answer(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        with db.transaction(engine) as session:
            accounts.disable_user(session, EMAIL)
        response = sign_in(client)
        assert response.status_code == 422
        assert signin.BAD_CREDENTIALS in response.get_data(as_text=True)

    def test_a_proconnect_only_account_cannot_use_a_password(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        with db.transaction(engine) as session:
            account = NewAccount(email="dns@sante.gouv.fr", role="dns", sso_only=True)
            accounts.add_user(session, account)
        assert sign_in(client, email="dns@sante.gouv.fr", password="").status_code == 422


class TestLockout:
    def fail(self, client: FlaskClient, n: int, *, email: str = EMAIL, **env: str) -> None:
        for _ in range(n):
            token = csrf_token(client)
            data = {"csrf_token": token, "email": email, "password": "mauvais-mot-de-passe"}
            client.post(urls.SIGN_IN, data=data, environ_base=dict(env))

    def test_after_five_failures_even_the_right_password_is_refused_without_waiting(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        # Given five failed attempts for the account
        self.fail(client, accounts.MAX_FAILURES)
        # When the right password is then typed
        started = time.monotonic()
        response = sign_in(client)
        # Then it is refused at once (stored time, no sleep), in French, with the hour
        assert time.monotonic() - started < 2
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        assert "Trop de tentatives de connexion échouées" in page and "heure de Paris" in page
        assert actor_of(client)["role"] == "anonymous"
        assert audit_rows(engine)[-1].action == "sign_in_locked"

    def test_the_lock_grows_with_each_further_failure(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        def lock_of_account() -> dt.timedelta:
            with db.transaction(engine) as session:
                row = session.scalars(select(LoginThrottle).filter_by(kind="account")).one()
                assert row.locked_until is not None
                until = row.locked_until.replace(tzinfo=dt.UTC)
                return until - row.updated_at.replace(tzinfo=dt.UTC)

        def expire_locks() -> None:
            with db.transaction(engine) as session:
                past = accounts.utcnow() - dt.timedelta(seconds=1)
                session.execute(update(LoginThrottle).values(locked_until=past))

        self.fail(client, accounts.MAX_FAILURES)
        first = lock_of_account()
        expire_locks()
        self.fail(client, 1)
        second = lock_of_account()
        assert first == accounts.FIRST_LOCK
        assert second == 2 * accounts.FIRST_LOCK
        # And once the lock is over, the right password works and clears the count
        expire_locks()
        assert sign_in(client).status_code == 303

    def test_an_unknown_email_is_locked_the_same_way(self, client: FlaskClient) -> None:
        self.fail(client, accounts.MAX_FAILURES, email="inconnu@ars.sante.fr")
        token = csrf_token(client)
        data = {"csrf_token": token, "email": "inconnu@ars.sante.fr", "password": "x"}
        assert client.post(urls.SIGN_IN, data=data).status_code == 429

    def test_five_failures_from_one_address_lock_that_address_only(
        self, client: FlaskClient
    ) -> None:
        # Given five failures from one address, each for a different e-mail
        for i in range(accounts.MAX_FAILURES):
            self.fail(client, 1, email=f"essai{i}@ars.sante.fr", REMOTE_ADDR="192.0.2.7")
        # Then the agent is refused from that address, not from another
        token = csrf_token(client)
        data = {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
        refused = client.post(urls.SIGN_IN, data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert refused.status_code == 429
        data["csrf_token"] = csrf_token(client)
        allowed = client.post(urls.SIGN_IN, data=data, environ_base={"REMOTE_ADDR": "192.0.2.8"})
        assert allowed.status_code == 303


class TestTrustedProxies:
    def forwarded_sign_in(self, client: FlaskClient) -> flask.Response:
        token = csrf_token(client)
        data = {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
        return client.post(
            urls.SIGN_IN, data=data, headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
        )

    def test_without_trusted_proxy_the_forwarded_address_is_ignored(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        self.forwarded_sign_in(client)
        assert audit_rows(engine)[-1].address == "127.0.0.1"

    def test_with_one_trusted_proxy_its_forwarded_address_is_the_client(
        self, app_env: Path, db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with db.transaction(engine) as session:
            accounts.add_user(
                session, NewAccount(email=EMAIL, role="ars", region="53", password=PASSWORD)
            )
        monkeypatch.setenv("TRUSTED_PROXIES", "1")
        client = make_server(db_url).test_client()
        self.forwarded_sign_in(client)
        # the last address, added by our one proxy; the first could be forged by the client
        assert audit_rows(engine)[-1].address == "198.51.100.1"


class TestSignOutAndDisabling:
    def test_sign_out_ends_the_session_and_is_audited(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        sign_in(client)
        token = csrf_token(client, urls.SIGN_OUT)
        response = client.post(urls.SIGN_OUT, data={"csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"] == urls.HOME
        assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]  # cookie deleted
        assert actor_of(client)["role"] == "anonymous"
        last = audit_rows(engine)[-1]
        assert (last.action, last.actor) == ("sign_out", EMAIL)

    def test_the_sign_out_page_is_a_form_not_a_link(self, client: FlaskClient) -> None:
        sign_in(client)
        page = client.get(urls.SIGN_OUT).get_data(as_text=True)
        assert f'action="{urls.SIGN_OUT}"' in page and 'method="post"' in page
        assert actor_of(client)["email"] == EMAIL  # opening the page signed nobody out

    def test_a_disabled_account_loses_access_at_its_next_request(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        # Given a signed-in agent
        sign_in(client)
        assert actor_of(client)["role"] == Role.ars
        # When the account is disabled
        with db.transaction(engine) as session:
            accounts.disable_user(session, EMAIL)
        # Then the next request is anonymous
        assert actor_of(client)["role"] == Role.anonymous


class TestHeaderAccount:
    """The header says who is signed in; for the public it is the same link for everyone."""

    def test_the_public_gets_the_same_sign_in_link_and_no_cookie(self, server: flask.Flask) -> None:
        # Given two anonymous readers of the home page
        pages = []
        for _ in range(2):
            with server.test_client() as reader:
                response = reader.get(urls.HOME)
                # Then neither gets a cookie, and the page may be cached
                assert "Set-Cookie" not in response.headers
                assert response.headers["Cache-Control"].startswith("public")
                pages.append(response.get_data(as_text=True))
        header = [p.split("<main", 1)[0].split("fr-header__tools", 1)[1] for p in pages]
        # And both get « Se connecter », a plain link, in the same header
        assert f'href="{urls.SIGN_IN}">Se connecter</a>' in header[0]
        assert header[0] == header[1]
        assert "csrf_token" not in header[0] and "Se déconnecter" not in header[0]

    def test_signed_in_the_header_shows_the_email_and_a_working_sign_out(
        self, client: FlaskClient
    ) -> None:
        # Given a signed-in agent on the home page
        sign_in(client)
        page = client.get(urls.HOME).get_data(as_text=True)
        tools = page.split("fr-header__tools", 1)[1].split("fr-header__search", 1)[0]
        # Then the header shows the e-mail and « Se déconnecter », no « Se connecter »
        assert EMAIL in tools and "Se déconnecter" in tools and "Se connecter" not in tools
        # And « Se déconnecter » is a POST form carrying a CSRF token
        form = re.search(r"<form[^>]*>.*?</form>", tools, re.S)
        assert form and f'action="{urls.SIGN_OUT}"' in form.group(0)
        assert 'method="post"' in form.group(0)
        token = CSRF.search(form.group(0))
        assert token
        # When it is submitted as the browser would
        response = client.post(urls.SIGN_OUT, data={"csrf_token": token.group(1)})
        # Then the session ends
        assert response.status_code == 303
        assert actor_of(client)["role"] == Role.anonymous


class TestAuditLog:
    def test_the_audit_log_refuses_updates_and_deletes(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        sign_in(client)
        with pytest.raises(Exception, match="ajout seul"), db.transaction(engine) as session:
            session.execute(update(AuditEntry).values(actor="quelqu-un@autre.fr"))
        with pytest.raises(Exception, match="ajout seul"), engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_log")

    def test_no_password_nor_hash_in_the_audit_log(
        self, client: FlaskClient, engine: Engine
    ) -> None:
        sign_in(client, password="faux-mot-de-passe-123")
        sign_in(client)
        text = " ".join(f"{a.actor} {a.object} {a.detail}" for a in audit_rows(engine))
        assert PASSWORD not in text and "faux-mot-de-passe-123" not in text
        assert "$argon2" not in text
