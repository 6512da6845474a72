"""/admin: the delegation's only; runs, freshness, alerts, accounts, deposits, audit log."""

from __future__ import annotations

import csv
import html
import io
import re

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from core import accounts, db
from core.models import RunStatus, User
from dashboard import urls
from dashboard.pages import administration
from etl.runlog import finish_run, start_run
from tests.dashboard import deposit_helpers
from tests.dashboard.deposit_helpers import (
    ARS_11,
    ARS_53,
    DNS,
    PERIOD,
    audit_lines,
    deposit_csv,
    post_token,
    preview_token,
    runs,
    sign_in_as,
    upload,
    value_of,
)
from tests.dashboard.test_signin import csrf_token

# the fixtures of a fresh development server, with the accounts of the deposit tests
app_env, server = deposit_helpers.app_env, deposit_helpers.server


def client_of(server: flask.Flask, email: str | None) -> FlaskClient:
    client = server.test_client()  # no `with`: see tests/dashboard/test_deposit.py
    if email:
        sign_in_as(client, email)
    return client


@pytest.fixture
def dns(server: flask.Flask) -> FlaskClient:
    return client_of(server, DNS)


def admin_post(
    client: FlaskClient, path: str, data: dict[str, str], *, csrf: bool = True
) -> flask.Response:
    if csrf:
        data = {**data, "csrf_token": csrf_token(client, urls.DEPOSIT)}
    return client.post(path, data=data)


def ars_deposit(server: flask.Flask, rows: list[tuple[str, str, str]]) -> None:
    ars = client_of(server, ARS_53)
    token = preview_token(upload(ars, deposit_csv(*rows)))
    assert post_token(ars, urls.DEPOSIT_CONFIRM, token).status_code == 200


def table_of(page: str, table_id: str) -> str:
    part = page[page.index(f'id="{table_id}"') :]
    return part[: part.index("</table>")]


def pagination(page: str) -> str:
    part = page[page.index('id="pagination-traitements"') :]
    return part[: part.index("</p>")]


def deposit_run_id(engine: Engine) -> int:
    return next(r.id for r in reversed(runs(engine)) if r.kind == "import")


class TestAccess:
    @pytest.mark.parametrize("who", [None, ARS_53])
    @pytest.mark.parametrize("path", [urls.ADMIN, urls.ADMIN_AUDIT_CSV])
    def test_everyone_but_the_delegation_gets_the_404(
        self, server: flask.Flask, who: str | None, path: str
    ) -> None:
        assert client_of(server, who).get(path).status_code == 404

    def test_an_ars_cannot_withdraw_even_with_a_token(
        self, server: flask.Flask, engine: Engine
    ) -> None:
        ars_deposit(server, [("29", PERIOD, "12")])
        ars = client_of(server, ARS_53)
        response = admin_post(ars, urls.ADMIN_WITHDRAW, {"traitement": str(deposit_run_id(engine))})
        assert response.status_code == 404
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 12

    def test_the_delegation_sees_every_section_never_cached(self, dns: FlaskClient) -> None:
        response = dns.get(urls.ADMIN)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        for table_id in ("table-traitements", "table-fraicheur", "table-sources", "table-alertes",
                         "table-depots", "table-comptes", "table-journal"):  # fmt: skip
            assert f'id="{table_id}"' in page


@pytest.mark.parametrize(("who", "admin"), [(ARS_53, False), (DNS, True)])
def test_the_signed_in_page_links_to_deposit_and_administration_by_role(
    server: flask.Flask, who: str, admin: bool
) -> None:
    page = client_of(server, who).get(urls.SIGN_IN).get_data(as_text=True)
    assert f'href="{urls.DEPOSIT}"' in page
    assert (f'href="{urls.ADMIN}"' in page) is admin


class TestRuns:
    def test_runs_latest_first_paginated_with_status_counts_and_errors(
        self, dns: FlaskClient, engine: Engine
    ) -> None:
        for n in range(administration.RUNS_PER_PAGE + 3):
            run_id = start_run(engine, source=f"source-{n:02d}", kind="connector")
            finish_run(engine, run_id, status=RunStatus.failed, error=f"panne n° {n}")
        page = dns.get(urls.ADMIN).get_data(as_text=True)
        first = table_of(page, "table-traitements") + pagination(page)
        last = administration.RUNS_PER_PAGE + 2
        assert f"source-{last:02d}" in first and "source-00<" not in first
        assert first.index(f"source-{last:02d}") < first.index(f"source-{last - 1:02d}")
        assert f"panne n° {last}" in html.unescape(first) and "échec" in first
        assert "Traitements plus anciens" in first
        page = dns.get(urls.admin(2)).get_data(as_text=True)
        second = table_of(page, "table-traitements") + pagination(page)
        assert "source-00<" in second and "Traitements plus récents" in second


class TestFreshness:
    def test_late_indicators_come_first(self, dns: FlaskClient, server: flask.Flask) -> None:
        ars_deposit(server, [("29", "2020-01", "12")])  # years old: late
        page = dns.get(urls.ADMIN).get_data(as_text=True)
        table = table_of(page, "table-fraicheur")
        states = re.findall(r"fr-badge[^\"]*\">([^<]+)</p>", table)
        assert states[0] == "en retard"
        assert "mes_documents_alimentes_mois" in table[: table.index("aucune donnée réelle")]


class TestAccounts:
    def test_disable_an_account_with_its_audit_line(self, dns: FlaskClient, engine: Engine) -> None:
        response = admin_post(dns, urls.ADMIN_DISABLE, {"email": ARS_11})
        assert response.status_code == 200
        assert f"Compte {ARS_11} désactivé" in html.unescape(response.get_data(as_text=True))
        with db.transaction(engine) as session:
            assert session.scalar(select(User.disabled).where(User.email == ARS_11)) is True
        line = audit_lines(engine, "user_disabled")[-1]
        assert (line.actor, line.object) == (DNS, ARS_11) and line.address

    def test_without_csrf_token_nothing_changes(self, dns: FlaskClient, engine: Engine) -> None:
        assert admin_post(dns, urls.ADMIN_DISABLE, {"email": ARS_11}, csrf=False).status_code == 400
        with db.transaction(engine) as session:
            assert accounts.active_user(session, ARS_11) is not None

    def test_one_cannot_disable_oneself(self, dns: FlaskClient) -> None:
        assert admin_post(dns, urls.ADMIN_DISABLE, {"email": DNS}).status_code == 409


class TestDeposits:
    def test_withdraw_then_restore_through_the_page(
        self, dns: FlaskClient, server: flask.Flask, engine: Engine
    ) -> None:
        ars_deposit(server, [("29", PERIOD, "12")])
        ars_deposit(server, [("29", PERIOD, "15")])
        run_id = deposit_run_id(engine)
        page = dns.get(urls.ADMIN).get_data(as_text=True)
        assert f'id="retirer-{run_id}"' in page and ARS_53 in page
        # withdrawn: the value before this deposit is back
        response = admin_post(dns, urls.ADMIN_WITHDRAW, {"traitement": str(run_id)})
        assert response.status_code == 200
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 12
        assert f'id="restaurer-{run_id}"' in response.get_data(as_text=True)
        withdrawal = runs(engine)[-1]
        assert (withdrawal.kind, withdrawal.actor) == ("withdrawal", DNS)
        # restored: the deposit's value is back
        assert admin_post(dns, urls.ADMIN_RESTORE, {"traitement": str(run_id)}).status_code == 200
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 15
        assert runs(engine)[-1].kind == "restore"
        assert [line.object for line in audit_lines(engine, "deposit_withdraw")] == [
            f"dépôt n° {run_id}"
        ]
        assert audit_lines(engine, "deposit_restore")[-1].actor == DNS

    def test_a_refused_withdrawal_changes_nothing(
        self, dns: FlaskClient, server: flask.Flask, engine: Engine
    ) -> None:
        ars_deposit(server, [("29", PERIOD, "12")])
        run_id = str(deposit_run_id(engine))
        assert admin_post(dns, urls.ADMIN_RESTORE, {"traitement": run_id}).status_code == 409
        assert admin_post(dns, urls.ADMIN_WITHDRAW, {"traitement": "abc"}).status_code == 422
        assert (
            admin_post(dns, urls.ADMIN_WITHDRAW, {"traitement": run_id}, csrf=False).status_code
            == 400
        )
        assert value_of(engine, level="department", code="29", period=PERIOD)[0] == 12


class TestAuditLog:
    def test_the_log_shows_and_exports_every_action(
        self, dns: FlaskClient, server: flask.Flask, engine: Engine
    ) -> None:
        ars = client_of(server, ARS_53)
        token = preview_token(upload(ars, deposit_csv(("29", PERIOD, "12")), name="=cmd.csv"))
        post_token(ars, urls.DEPOSIT_CANCEL, token)
        page = html.unescape(dns.get(urls.ADMIN).get_data(as_text=True))
        for label in ("connexion", "dépôt : aperçu", "dépôt : annulé"):
            assert label in page
        response = dns.get(urls.ADMIN_AUDIT_CSV)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "no-store" in response.headers["Cache-Control"]
        rows = list(
            csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
        )
        assert rows[0] == ["date", "acteur", "adresse", "action", "objet", "detail"]
        actions = [r[3] for r in rows[1:]]
        assert "dépôt : aperçu" in actions and "dépôt : annulé" in actions
        preview = next(r for r in rows[1:] if r[3] == "dépôt : aperçu")
        assert preview[1] == ARS_53 and preview[2]
        # a cell a spreadsheet would run as a formula is defused
        assert all(not cell.startswith("=") for r in rows for cell in r)
