"""Accounts, files and requests shared by the deposit and administration tests."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from core import accounts, db
from core.accounts import NewAccount
from core.models import Area, AuditEntry, Observation, PendingDeposit, Run
from dashboard import urls
from tests.dashboard import test_signin
from tests.dashboard.test_signin import csrf_token, make_server

PASSWORD = "Bretagne-Nord-2026!"
ARS_53 = "agent@ars-bretagne.sante.fr"
ARS_11 = "agent@ars-idf.sante.fr"
DNS = "admin@sante.gouv.fr"
FLOW = "mes_documents_alimentes_mois"  # monthly, summed from départements, a flow
HEADER = "indicateur;niveau;code_territoire;periode;valeur\n"
TOKEN = re.compile(r'name="jeton" type="hidden" value="([^"]+)"')
PERIOD = "2025-06"

app_env = test_signin.app_env  # the fixture of a fresh development server's settings


@pytest.fixture
def server(app_env: Path, db_url: str, engine: Engine) -> flask.Flask:
    """A development server on the test database, with its accounts."""
    add_accounts(engine)
    return make_server(db_url)


def add_accounts(engine: Engine) -> None:
    with db.transaction(engine) as session:
        for email, role, region in (
            (ARS_53, "ars", "53"),
            (ARS_11, "ars", "11"),
            (DNS, "dns", None),
        ):
            accounts.add_user(
                session, NewAccount(email=email, role=role, region=region, password=PASSWORD)
            )


def sign_in_as(client: FlaskClient, email: str) -> None:
    token = csrf_token(client)
    response = client.post(
        urls.SIGN_IN, data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def deposit_csv(
    *rows: tuple[str, str, str], indicator: str = FLOW, level: str = "departement"
) -> bytes:
    """(code, period, value) rows of the template's required columns."""
    body = "".join(f"{indicator};{level};{code};{period};{value}\n" for code, period, value in rows)
    return (HEADER + body).encode("utf-8")


def upload(
    client: FlaskClient, data: bytes, *, name: str = "depot.csv", indicator: str = FLOW,
    csrf: bool = True,
) -> flask.Response:  # fmt: skip
    form: dict[str, Any] = {"indicateur": indicator, "fichier": (io.BytesIO(data), name)}
    if csrf:
        form["csrf_token"] = csrf_token(client, urls.DEPOSIT)
    return client.post(urls.DEPOSIT, data=form, content_type="multipart/form-data")


def preview_token(response: flask.Response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert location.path == urls.DEPOSIT_PREVIEW
    return parse_qs(location.query)[urls.TOKEN_PARAM][0]


def post_token(client: FlaskClient, path: str, token: str, *, csrf: bool = True) -> flask.Response:
    data = {urls.TOKEN_PARAM: token}
    if csrf:
        data["csrf_token"] = csrf_token(client, urls.DEPOSIT)
    return client.post(path, data=data)


def value_of(engine: Engine, *, level: str, code: str, period: str, indicator: str = FLOW) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(Observation.value, Observation.origin)
            .join(Area, Area.id == Observation.area_id)
            .where(
                Observation.indicator_id == indicator, Area.level == level, Area.code == code,
                Observation.period_start == dt.date.fromisoformat(period + "-01"),
            )
        ).first()  # fmt: skip


def pending_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(PendingDeposit.id)).all())


def runs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(Run).order_by(Run.id)).all())


def audit_lines(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )
