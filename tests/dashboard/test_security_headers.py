"""Security headers on every response, and the session's signing key."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from pathlib import Path

import flask
import pytest

from core import settings
from dashboard import app as dashboard_app
from dashboard import security, urls
from dashboard.app import create_app

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


@pytest.fixture
def server(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> flask.Flask:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    server = create_app(database_url=db_url, redis_url="").server
    assert isinstance(server, flask.Flask)
    return server


def directives(policy: str) -> dict[str, list[str]]:
    parsed = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parsed}


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


class TestSecurityHeaders:
    @pytest.mark.parametrize(
        "path",
        [
            urls.HOME,
            urls.indicator("mes_taux_activation"),
            urls.SIGN_IN,
            urls.objectives_download() + ".csv",
            urls.dsfr("dsfr.min.css"),
            urls.HEALTH,
            "/adresse-inconnue",
        ],
    )
    def test_every_response_carries_them(self, server: flask.Flask, path: str) -> None:
        response = server.test_client().get(path)
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"

    def test_the_policy_allows_this_site_only(self, server: flask.Flask) -> None:
        policy = directives(server.test_client().get("/").headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["object-src"] == ["'none'"]
        # no origin but this site's, no unsafe-inline or unsafe-eval script
        values = [v for vs in policy.values() for v in vs]
        assert not [v for v in values if "://" in v or v.startswith("*") or v.endswith(":*")]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]

    @pytest.mark.parametrize("path", [urls.HOME, urls.indicator("mes_taux_activation")])
    def test_each_inline_script_of_a_page_is_allowed_by_its_hash(
        self, server: flask.Flask, path: str
    ) -> None:
        # Given a page and the scripts written inline in it (JSON data blocks do not run)
        response = server.test_client().get(path)
        body = response.get_data(as_text=True)
        inline = [
            code for attrs, code in INLINE_SCRIPT.findall(body) if "application/json" not in attrs
        ]
        assert inline, "the Dash renderer is an inline script"
        # Then the policy names each by its hash, and no other
        script_src = directives(response.headers["Content-Security-Policy"])["script-src"]
        assert {sha256(code) for code in inline} <= set(script_src)
        assert script_src[0] == "'self'"

    def test_the_index_template_has_no_inline_script_of_its_own(self) -> None:
        assert INLINE_SCRIPT.findall(dashboard_app.INDEX_STRING) == []

    def test_the_plotly_address_script_is_served_from_a_file(self, server: flask.Flask) -> None:
        response = server.test_client().get(urls.static_file(dashboard_app.PLOTLY_URL_JS))
        assert response.status_code == 200
        assert "_dashPlotlyJSURL" in response.get_data(as_text=True)


class TestSecretKey:
    def test_production_without_secret_key_refuses_to_start_in_french(
        self, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given ENV=production and no SECRET_KEY
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        monkeypatch.setenv("ENV", "production")
        monkeypatch.delenv("SECRET_KEY", raising=False)
        # Then the app does not start, and says why in French
        with pytest.raises(security.SecretKeyError, match="SECRET_KEY est obligatoire"):
            create_app(database_url=db_url, redis_url="")
        assert not (tmp_path / security.SECRET_FILE).exists()

    def test_the_server_command_says_so_and_exits(
        self,
        tmp_path: Path,
        db_url: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        from dashboard.__main__ import main

        monkeypatch.setenv("DATABASE_URL", db_url)
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        monkeypatch.setenv("ENV", "production")
        monkeypatch.delenv("SECRET_KEY", raising=False)
        assert main(["--port", "0"]) == 2
        assert "SECRET_KEY est obligatoire quand ENV=production" in capsys.readouterr().err

    def test_a_short_secret_key_is_refused_without_being_shown(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("SECRET_KEY", "trop-courte-9")
        with pytest.raises(security.SecretKeyError) as refused:
            security.secret_key(settings.access(), data_dir=tmp_path)
        assert "trop-courte-9" not in str(refused.value)
        assert "au moins 32 caractères" in str(refused.value)

    def test_production_uses_the_given_key(
        self, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        key = "k" * 20 + "0123456789abcdef"
        monkeypatch.setenv("ENV", "production")
        monkeypatch.setenv("SECRET_KEY", key)
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        server = create_app(database_url=db_url, redis_url="").server
        assert isinstance(server, flask.Flask)
        assert server.secret_key == key
        # and production cookies are Secure
        cookie = server.test_client().get(urls.SIGN_IN, base_url="https://localhost")
        assert "; Secure" in cookie.headers["Set-Cookie"]

    def test_outside_production_a_key_is_generated_once_in_data_dir_mode_600(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
        monkeypatch.delenv("ENV", raising=False)
        first = security.secret_key(settings.access(), data_dir=tmp_path)
        path = tmp_path / security.SECRET_FILE
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(first) >= security.SECRET_MIN_LENGTH
        assert security.secret_key(settings.access(), data_dir=tmp_path) == first

    def test_workers_starting_together_share_one_whole_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        monkeypatch.delenv("SECRET_KEY", raising=False)
        monkeypatch.delenv("ENV", raising=False)
        access = settings.access()

        def start(_: int) -> str:
            return security.secret_key(access, data_dir=tmp_path)

        with ThreadPoolExecutor(8) as pool:
            keys = set(pool.map(start, range(16)))
        assert len(keys) == 1
        assert [p.name for p in tmp_path.iterdir()] == [security.SECRET_FILE]

    def test_the_key_is_in_no_page(self, server: flask.Flask) -> None:
        client = server.test_client()
        key = str(server.secret_key)
        for path in (urls.HOME, urls.SIGN_IN, "/adresse-inconnue"):
            assert key not in client.get(path).get_data(as_text=True)
