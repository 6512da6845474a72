"""/depot: template, upload, preview stored in the database, confirm or cancel, refusals."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from core.models import PendingDeposit, RunStatus
from core.policy import Actor, Role
from dashboard import urls
from etl import service
from etl.cli import main as etl_main
from etl.lock import load_lock
from etl.template import write_template
from tests.dashboard import deposit_helpers
from tests.dashboard.deposit_helpers import (
    ARS_11,
    ARS_53,
    DNS,
    FLOW,
    PERIOD,
    add_accounts,
    audit_lines,
    deposit_csv,
    pending_count,
    post_token,
    preview_token,
    runs,
    sign_in_as,
    upload,
    value_of,
)
from tests.dashboard.test_signin import make_server

# the fixtures of a fresh development server, with the accounts of the deposit tests
app_env, server = deposit_helpers.app_env, deposit_helpers.server


@pytest.fixture
def ars(server: flask.Flask) -> FlaskClient:
    """Not a `with` client: a kept request context would share its `g` (and the CSRF
    token cached there) with the other clients' requests."""
    client = server.test_client()
    sign_in_as(client, ARS_53)
    return client


def confirm_file(engine: Engine, tmp_path: Path, data: bytes, *, name: str = "avant.csv") -> None:
    """A deposit loaded the command line's way (before the web one)."""
    path = tmp_path / name
    path.write_bytes(data)
    service.confirm_deposit(engine, path, catalog=service_catalog(), indicator=FLOW)


def service_catalog():  # type: ignore[no-untyped-def]
    from dashboard import queries

    return queries.store().catalog


class TestAccess:
    def test_anonymous_is_sent_to_sign_in_and_back(self, server: flask.Flask) -> None:
        response = server.test_client().get(urls.DEPOSIT)
        assert response.status_code == 303
        assert response.headers["Location"] == urls.sign_in(urls.DEPOSIT)

    @pytest.mark.parametrize("path", [urls.DEPOSIT_PREVIEW, urls.DEPOSIT_TEMPLATE])
    def test_anonymous_never_reaches_the_other_deposit_pages(
        self, server: flask.Flask, path: str
    ) -> None:
        assert server.test_client().get(path).status_code == 303

    def test_an_anonymous_post_without_token_is_refused_and_writes_nothing(
        self, server: flask.Flask, engine: Engine
    ) -> None:
        data = {
            "indicateur": FLOW,
            "fichier": (io.BytesIO(deposit_csv(("29", PERIOD, "5"))), "a.csv"),
        }
        response = server.test_client().post(urls.DEPOSIT, data=data)
        assert response.status_code == 400
        assert pending_count(engine) == 0 and runs(engine) == []

    def test_the_page_lists_the_indicators_an_ars_may_deposit_and_is_never_cached(
        self, ars: FlaskClient
    ) -> None:
        response = ars.get(urls.DEPOSIT)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        assert f'value="{FLOW}"' in page
        # national-only indicators are the delegation's to deposit
        assert 'value="mes_activation_population"' not in page
        assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page

    @pytest.mark.parametrize(
        ("fmt", "magic"), [("csv", "\ufeffindicateur;".encode()), ("xlsx", b"PK")]
    )
    def test_the_template_downloads_as_the_command_writes_it(
        self, ars: FlaskClient, fmt: str, magic: bytes
    ) -> None:
        response = ars.get(urls.deposit_template(FLOW, fmt))
        assert response.status_code == 200
        assert response.data.startswith(magic)
        assert "attachment" in response.headers["Content-Disposition"]
        assert ars.get(urls.deposit_template("inconnu", fmt)).status_code == 404

    def test_the_csv_template_is_byte_for_byte_the_commands(
        self, ars: FlaskClient, tmp_path: Path
    ) -> None:
        written = write_template(tmp_path / "m.csv", indicator=service_catalog().get(FLOW))
        assert ars.get(urls.deposit_template(FLOW, "csv")).data == written.read_bytes()


class TestPreview:
    def test_preview_shows_new_and_changed_values_and_writes_no_data(
        self, ars: FlaskClient, engine: Engine, tmp_path: Path
    ) -> None:
        # Given a stored value for Finistère
        confirm_file(engine, tmp_path, deposit_csv(("29", PERIOD, "50")))
        before = runs(engine)
        # When the ARS uploads a file changing it and adding Côtes-d'Armor
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "80"), ("22", PERIOD, "7"))))
        page = ars.get(urls.deposit_preview(token)).get_data(as_text=True)
        # Then the preview counts one new, one updated row and shows 50 → 80
        assert "1 nouvelle(s)" in page and "1 mise(s) à jour" in page
        assert re.search(r"<td[^>]*>50</td><td[^>]*>80</td>", page)
        assert 'id="formulaire-confirmer"' in page and 'id="formulaire-annuler"' in page
        # and nothing is written but the pending deposit, kept in the database
        assert runs(engine) == before
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 50
        assert value_of(engine, level="department", code="22", period=PERIOD) is None
        assert pending_count(engine) == 1
        line = audit_lines(engine, "deposit_preview")[-1]
        assert line.actor == ARS_53 and line.address and FLOW in line.object

    def test_errors_give_the_report_of_the_command_line_with_rows_and_columns(
        self, ars: FlaskClient, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, db_url: str,
    ) -> None:  # fmt: skip
        data = deposit_csv(("29", PERIOD, "12"), ("22", PERIOD, "douze"))
        response = upload(ars, data, name="erreurs.csv")
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        # the same lines as `python -m etl import` prints
        path = tmp_path / "erreurs.csv"
        path.write_bytes(data)
        monkeypatch.setenv("DATABASE_URL", db_url)
        assert etl_main(["import", str(path)]) == 1
        printed = capsys.readouterr().err.removeprefix("Erreur : ").strip().splitlines()
        assert printed and all(line.removeprefix("- ") in page for line in printed)
        assert "ligne 3" in page and "valeur" in page and "douze" in page
        assert pending_count(engine) == 0
        assert value_of(engine, level="department", code="29", period=PERIOD) is None
        assert audit_lines(engine, "deposit_rejected")[-1].actor == ARS_53

    def test_a_row_outside_the_region_rejects_the_whole_file_naming_it(
        self, ars: FlaskClient, engine: Engine
    ) -> None:
        response = upload(ars, deposit_csv(("29", PERIOD, "12"), ("75", PERIOD, "3")))
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert "ligne 3" in page and "code_territoire" in page and "« 75 »" in page
        assert "périmètre de dépôt" in page
        assert pending_count(engine) == 0 and runs(engine) == []

    def test_france_is_outside_an_ars_region(self, ars: FlaskClient, engine: Engine) -> None:
        response = upload(ars, deposit_csv(("FR", PERIOD, "12"), level="national"))
        assert response.status_code == 422 and pending_count(engine) == 0

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (b"", "vide"),
            (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "ancien format Excel"),
            (b"\x7fELF\x00\x00binary", "contenu binaire"),
        ],
    )
    def test_the_type_is_checked_by_content(
        self, ars: FlaskClient, engine: Engine, data: bytes, expected: str
    ) -> None:
        response = upload(ars, data, name="depot.csv")
        assert response.status_code == 422
        assert expected in html.unescape(response.get_data(as_text=True))
        assert pending_count(engine) == 0

    def test_an_xlsx_named_csv_is_read_as_xlsx(self, ars: FlaskClient, tmp_path: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Données"
        sheet.append(["indicateur", "niveau", "code_territoire", "periode", "valeur"])
        sheet.append([FLOW, "departement", "29", PERIOD, 12])
        book.save(tmp_path / "f.xlsx")
        token = preview_token(upload(ars, (tmp_path / "f.xlsx").read_bytes(), name="f.csv"))
        assert "1 nouvelle(s)" in ars.get(urls.deposit_preview(token)).get_data(as_text=True)

    def test_a_file_above_the_limit_is_refused(
        self, ars: FlaskClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(service, "WEB_MAX_BYTES", 100)
        response = upload(ars, deposit_csv(*[("29", PERIOD, "1")] * 10))
        assert response.status_code == 422
        assert "trop volumineux" in html.unescape(response.get_data(as_text=True))
        assert pending_count(engine) == 0

    def test_the_limit_is_20_mb_or_import_max_bytes_if_smaller(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("IMPORT_MAX_BYTES", raising=False)
        assert service.web_max_bytes() == 20_000_000
        monkeypatch.setenv("IMPORT_MAX_BYTES", "1000")
        assert service.web_max_bytes() == 1000

    def test_the_preview_is_kept_thirty_minutes_with_the_file_and_data_version(
        self, ars: FlaskClient, engine: Engine
    ) -> None:
        data = deposit_csv(("29", PERIOD, "12"))
        preview_token(upload(ars, data))
        with engine.connect() as conn:
            row = conn.execute(select(PendingDeposit.__table__)).one()
        assert row.expires_at - row.created_at == dt.timedelta(minutes=30)
        assert bytes(row.content) == data and row.uploader == ARS_53
        assert row.data_version == 0 and row.plan["counts"]["new"] == 1

    def test_another_account_cannot_see_the_preview(
        self, ars: FlaskClient, server: flask.Flask
    ) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        other = server.test_client()
        sign_in_as(other, ARS_11)
        assert other.get(urls.deposit_preview(token)).status_code == 404


class TestConfirm:
    def test_confirm_writes_through_the_load_path_as_a_run_of_the_uploader(
        self, ars: FlaskClient, engine: Engine
    ) -> None:
        bretagne = [
            ("29", PERIOD, "12"),
            ("22", PERIOD, "8"),
            ("35", PERIOD, "5"),
            ("56", PERIOD, "1"),
        ]
        token = preview_token(upload(ars, deposit_csv(*bretagne)))
        response = post_token(ars, urls.DEPOSIT_CONFIRM, token)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200 and "Dépôt enregistré" in page
        assert "no-store" in response.headers["Cache-Control"]
        value, origin = value_of(engine, level="department", code="29", period=PERIOD)
        assert (value, origin.value) == (12, "deposit")
        # the région's total is recomputed from its départements, as the command does
        assert value_of(engine, level="region", code="53", period=PERIOD)[0] == 26
        run = runs(engine)[-1]
        assert (run.kind, run.status, run.actor) == ("import", RunStatus.success, ARS_53)
        assert run.source == f"depot-ars:{FLOW}"
        assert pending_count(engine) == 0
        line = audit_lines(engine, "deposit_confirm")[-1]
        assert line.actor == ARS_53 and f"traitement n° {run.id}" in line.object

    def test_cancel_writes_nothing(self, ars: FlaskClient, engine: Engine) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        response = post_token(ars, urls.DEPOSIT_CANCEL, token)
        assert response.status_code == 200
        assert "rien n'a été enregistré" in html.unescape(response.get_data(as_text=True))
        assert pending_count(engine) == 0 and runs(engine) == []
        assert post_token(ars, urls.DEPOSIT_CONFIRM, token).status_code == 404
        assert runs(engine) == []
        assert audit_lines(engine, "deposit_cancel")[-1].actor == ARS_53

    def test_an_expired_preview_cannot_be_confirmed(self, ars: FlaskClient, engine: Engine) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        with engine.begin() as conn:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            conn.execute(update(PendingDeposit).values(expires_at=past))
        response = post_token(ars, urls.DEPOSIT_CONFIRM, token)
        assert response.status_code == 404
        assert "expiré" in html.unescape(response.get_data(as_text=True))
        assert runs(engine) == []

    def test_confirm_is_refused_when_the_data_changed_since_the_preview(
        self, ars: FlaskClient, engine: Engine, tmp_path: Path
    ) -> None:
        confirm_file(engine, tmp_path, deposit_csv(("29", PERIOD, "50")))
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "80"))))
        # another load changes the very value previewed
        confirm_file(engine, tmp_path, deposit_csv(("29", PERIOD, "70")), name="entre.csv")
        response = post_token(ars, urls.DEPOSIT_CONFIRM, token)
        assert response.status_code == 409
        assert "ont changé depuis l'aperçu" in html.unescape(response.get_data(as_text=True))
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 70
        assert runs(engine)[-1].status == RunStatus.failed
        assert pending_count(engine) == 0

    def test_a_load_elsewhere_since_the_preview_does_not_block_the_confirmation(
        self, ars: FlaskClient, engine: Engine, tmp_path: Path
    ) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "80"))))
        confirm_file(engine, tmp_path, deposit_csv(("35", PERIOD, "9")), name="ailleurs.csv")
        assert post_token(ars, urls.DEPOSIT_CONFIRM, token).status_code == 200
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 80

    def test_a_busy_lock_gives_a_french_retry_message_and_keeps_the_deposit(
        self, ars: FlaskClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(service, "WEB_LOCK_TIMEOUT", 0.2)
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        with load_lock(engine, timeout=1):
            response = post_token(ars, urls.DEPOSIT_CONFIRM, token)
        assert response.status_code == 503
        assert "chargement en cours, réessayez" in response.get_data(as_text=True).lower()
        assert value_of(engine, level="department", code="29", period=PERIOD) is None
        assert pending_count(engine) == 1
        assert post_token(ars, urls.DEPOSIT_CONFIRM, token).status_code == 200

    def test_web_requests_wait_five_seconds_at_most(self) -> None:
        assert service.WEB_LOCK_TIMEOUT == 5.0

    def test_confirm_without_csrf_token_is_refused_and_writes_nothing(
        self, ars: FlaskClient, engine: Engine
    ) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        response = post_token(ars, urls.DEPOSIT_CONFIRM, token, csrf=False)
        assert response.status_code == 400
        assert runs(engine) == [] and pending_count(engine) == 1

    def test_upload_without_csrf_token_is_refused(self, ars: FlaskClient, engine: Engine) -> None:
        assert upload(ars, deposit_csv(("29", PERIOD, "12")), csrf=False).status_code == 400
        assert pending_count(engine) == 0

    def test_another_region_cannot_confirm_or_cancel_the_deposit(
        self, ars: FlaskClient, server: flask.Flask, engine: Engine
    ) -> None:
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12"))))
        other = server.test_client()
        sign_in_as(other, ARS_11)
        assert post_token(other, urls.DEPOSIT_CONFIRM, token).status_code == 404
        assert post_token(other, urls.DEPOSIT_CANCEL, token).status_code == 404
        assert runs(engine) == [] and pending_count(engine) == 1

    def test_the_delegation_deposits_for_france(self, server: flask.Flask, engine: Engine) -> None:
        with server.test_client() as dns:
            sign_in_as(dns, DNS)
            token = preview_token(upload(dns, deposit_csv(("FR", PERIOD, "99"), level="national")))
            assert post_token(dns, urls.DEPOSIT_CONFIRM, token).status_code == 200
        assert value_of(engine, level="national", code="FR", period=PERIOD)[0] == 99


def test_the_pending_deposit_is_served_by_any_worker(
    app_env: Path, db_url: str, engine: Engine
) -> None:
    """Preview on one app, confirm on another (a second worker): the database holds it."""
    add_accounts(engine)
    first, second = make_server(db_url), make_server(db_url)
    a = first.test_client()
    sign_in_as(a, ARS_53)
    token = preview_token(upload(a, deposit_csv(("29", PERIOD, "12"))))
    cookie = a.get_cookie(first.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    b = second.test_client()
    b.set_cookie(second.config["SESSION_COOKIE_NAME"], cookie.value)
    assert post_token(b, urls.DEPOSIT_CONFIRM, token).status_code == 200
    assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 12


def test_outside_region_check_uses_the_policy(engine: Engine) -> None:
    """Unit: the service refuses a file row by row for an ARS actor (no web involved)."""
    actor = Actor(Role.ars, region="53", email=ARS_53)
    with pytest.raises(service.ValidationFailed) as caught:
        service.preview_upload(
            engine, deposit_csv(("56", PERIOD, "1"), ("13", PERIOD, "2")), filename="x.csv",
            catalog=service_catalog(), indicator=FLOW, actor=actor,
        )  # fmt: skip
    assert [e.row for e in caught.value.errors] == [3]
    with engine.connect() as conn:
        assert conn.execute(select(PendingDeposit.id)).first() is None
