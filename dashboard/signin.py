"""Sign-in: who the request's actor is, and the /connexion and /deconnexion pages.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS, an
expiry), created only by the sign-in page and for signed-in people: an anonymous reader
of a public page gets no cookie at all, so public pages stay cacheable. Before each
request, `flask.g.actor` is the session's account if it still exists and is not
disabled. Every form POST carries a CSRF token (Flask-WTF); Dash's callback endpoint is
exempt and only reads. After 5 failed attempts for one e-mail or one client address,
attempts are refused until a time that grows, stored in the database (core.accounts);
the message never says whether the e-mail has an account.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from html import escape
from typing import Any, cast
from zoneinfo import ZoneInfo

import dash
import flask
from dash import html
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from core import accounts, settings
from core.accounts import AuditAction
from core.db import transaction
from core.models import User
from core.policy import Actor, may_administer
from dashboard import proconnect, queries, security, server_html, urls
from dashboard.actor import current_actor
from dashboard.components import display, dsfr

SESSION_COOKIE = "tdb_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Keys of the session cookie (signed, not encrypted: nothing secret goes in).
EMAIL, SINCE, VIA, ID_TOKEN = "email", "depuis", "via", "id_token"
VIA_PASSWORD, VIA_PROCONNECT = "mot_de_passe", "proconnect"
PARIS = ZoneInfo("Europe/Paris")

BAD_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
CSRF_REFUSED = (
    "Le formulaire a expiré ou ne vient pas de ce site : rien n'a été enregistré. "
    "Rechargez la page et recommencez."
)
DATABASE_DOWN = (
    "La connexion est indisponible pour le moment (base de données injoignable). "
    "Réessayez dans quelques minutes."
)

logger = logging.getLogger(__name__)
csrf = CSRFProtect()


def install(app: dash.Dash, *, callback_path: str) -> None:
    """Session, CSRF, the request's actor, the sign-in routes and ProConnect's."""
    server = cast(flask.Flask, app.server)
    access = settings.access()
    server.secret_key = security.secret_key(access, data_dir=settings.core().data_dir)
    server.config.update(
        SESSION_COOKIE_NAME=("__Host-" if access.secure_cookies else "") + SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=access.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=access.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for every write but Dash's callbacks
    )
    if access.trusted_proxies:
        n = access.trusted_proxies
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=n, x_proto=n, x_host=n
        )
    csrf.init_app(server)
    server.register_error_handler(CSRFError, _csrf_refused)
    lifetime = access.session_hours * 3600

    @server.before_request
    def protect_writes() -> None:
        """Every POST, PUT, PATCH, DELETE carries the form's CSRF token, except Dash's
        callback endpoint (read-only; its JSON body cannot come from another site's form)."""
        request = flask.request
        if request.routing_exception is not None:  # no such route or method: the 404 or 405
            return
        if request.method not in SAFE_METHODS and request.path != callback_path:
            csrf.protect()

    @server.before_request
    def load_actor() -> None:
        cookie = server.config["SESSION_COOKIE_NAME"]
        if cookie not in flask.request.cookies:  # an anonymous reader: never touch the session
            return
        actor = _session_actor(lifetime=lifetime)
        if actor is not None:
            flask.g.actor = actor

    @server.after_request
    def private_when_signed_in(response: flask.Response) -> flask.Response:
        """A signed-in reader's responses are never stored by a shared cache."""
        if current_actor().signed_in:
            cache = response.headers.get("Cache-Control", "")
            if "no-store" not in cache:
                response.headers["Cache-Control"] = (
                    cache.replace("public", "private") if "public" in cache else "private, no-cache"
                )
            response.vary.add("Cookie")
        return response

    server.add_url_rule(urls.SIGN_IN, "sign_in", sign_in_page, methods=["GET", "POST"])
    server.add_url_rule(urls.SIGN_OUT, "sign_out", sign_out_page, methods=["GET", "POST"])
    if access.proconnect_configured:
        proconnect.install(server, access, sign_in_as=_start_session, refuse=_refused_page)


def _engine() -> Engine:
    return queries.store().engine


def client_address() -> str:
    """The client's address: the TCP peer, or the one TRUSTED_PROXIES proxies vouch for
    (werkzeug's ProxyFix has already rewritten it)."""
    return flask.request.remote_addr or "inconnue"


def _session_actor(*, lifetime: float) -> Actor | None:
    session = flask.session
    email, since = session.get(EMAIL), session.get(SINCE)
    if not isinstance(email, str) or not isinstance(since, int | float):
        return None
    if time.time() - since > lifetime:
        session.clear()
        return None
    try:
        with transaction(_engine()) as db:
            user = accounts.active_user(db, email)
            actor = accounts.actor_of(user) if user is not None else None
    except (SQLAlchemyError, queries.DataUnavailable):
        logger.warning("Compte de la session non vérifié : base injoignable ; lecteur anonyme.")
        return None
    if actor is None:  # disabled or removed since: the session ends now
        session.clear()
    return actor


def _start_session(user: User, *, via: str, id_token: str | None = None) -> None:
    """A fresh session (the old one, its CSRF token included, is dropped: no fixation)."""
    session = flask.session
    session.clear()
    session.permanent = True
    session[EMAIL] = user.email
    session[SINCE] = int(time.time())
    session[VIA] = via
    if id_token:
        session[ID_TOKEN] = id_token


# -- pages -----------------------------------------------------------------------------------


def sign_in_page() -> ResponseReturnValue:
    request = flask.request
    next_path = urls.safe_next(request.values.get(urls.NEXT_PARAM))
    if request.method == "GET":
        actor = current_actor()
        if actor.signed_in:
            return _page("Connexion", _signed_in_content(actor))
        return _page("Connexion", _sign_in_content(next_path=next_path))
    email = request.form.get("email", "").strip()[: accounts.EMAIL_MAX_LENGTH]
    password = request.form.get("password", "")
    try:
        return _attempt(email=email, password=password, next_path=next_path)
    except (SQLAlchemyError, queries.DataUnavailable):
        logger.warning("Connexion impossible : base injoignable.")
        return _page("Connexion", _alert(DATABASE_DOWN), status=503)


def _attempt(*, email: str, password: str, next_path: str) -> ResponseReturnValue:
    address = client_address()
    with transaction(_engine()) as db:
        until = accounts.locked_until(db, email=email, address=address)
        if until is not None:
            accounts.audit(
                db, action=AuditAction.sign_in_locked, actor=None, address=address, obj=email
            )
            when = until.astimezone(PARIS).strftime("%H h %M")
            message = (
                "Trop de tentatives de connexion échouées : nouvel essai possible après "
                f"{when} (heure de Paris)."
            )
            return _form_again(email=email, next_path=next_path, error=message, status=429)
        user = accounts.authenticate(db, email=email, password=password)
        if user is None:
            accounts.record_failure(db, email=email, address=address)
            accounts.audit(
                db, action=AuditAction.sign_in_failed, actor=None, address=address, obj=email
            )
            return _form_again(email=email, next_path=next_path, error=BAD_CREDENTIALS, status=422)
        accounts.record_success(db, email=user.email)
        accounts.audit(
            db, action=AuditAction.sign_in, actor=user.email, address=address, detail=VIA_PASSWORD
        )
        _start_session(user, via=VIA_PASSWORD)
    return flask.redirect(next_path, code=303)


def sign_out_page() -> ResponseReturnValue:
    """GET: a confirmation form (a link must not sign out); POST: sign out, then through
    ProConnect's end-session endpoint if the session came from it."""
    actor = current_actor()
    if flask.request.method == "GET":
        if not actor.signed_in:
            return flask.redirect(urls.HOME, code=303)
        return _page("Déconnexion", _sign_out_content(actor))
    session = flask.session
    id_token = session.get(ID_TOKEN) if session.get(VIA) == VIA_PROCONNECT else None
    if actor.signed_in:
        try:
            with transaction(_engine()) as db:
                accounts.audit(
                    db, action=AuditAction.sign_out, actor=actor.email, address=client_address()
                )
        except (SQLAlchemyError, queries.DataUnavailable):
            logger.warning("Déconnexion non journalisée : base injoignable.")
    session.clear()
    if isinstance(id_token, str) and settings.access().proconnect_configured:
        return proconnect.end_session(id_token)
    return flask.redirect(urls.HOME, code=303)


def _csrf_refused(_error: CSRFError) -> flask.Response:
    return _page("Formulaire refusé", _alert(CSRF_REFUSED), status=400)


def _refused_page(title: str, message: str, *, status: int) -> flask.Response:
    return _page(title, _alert(message), status=status)


def _form_again(*, email: str, next_path: str, error: str, status: int) -> flask.Response:
    return _page(
        "Connexion", _sign_in_content(next_path=next_path, email=email, error=error), status=status
    )


# -- content ---------------------------------------------------------------------------------
# HTML built on the server: Dash components through server_html (escaped), and the form
# fields through its `element` (Dash has no html.Input: dcc.Input needs React).


def _input(**props: Any) -> str:
    return server_html.element("input", props)


def _csrf_field() -> str:
    return _input(type="hidden", name="csrf_token", value=generate_csrf())


def _field(label: str, *, name: str, kind: str, hint: str = "", **extra: Any) -> str:
    field_id = f"champ-{name}"
    caption: list[Any] = [label]
    if hint:
        caption.append(html.Span(hint, className="fr-hint-text"))
    label_html = server_html.to_html(html.Label(caption, htmlFor=field_id, className="fr-label"))
    field = _input(id=field_id, name=name, type=kind, className="fr-input", **extra)
    return f'<div class="fr-input-group">{label_html}{field}</div>'


def _form(fields: Sequence[str], *, action: str, form_id: str, multipart: bool = False) -> str:
    props = {"method": "post", "action": action, "id": form_id, "children": ""}
    if multipart:  # a file upload
        props["encType"] = "multipart/form-data"
    return server_html.element("form", props).replace("></form>", ">" + "".join(fields) + "</form>")


def _sign_in_content(*, next_path: str, email: str = "", error: str = "") -> str:
    hidden = [_csrf_field()]
    if next_path != urls.HOME:
        hidden.append(_input(type="hidden", name=urls.NEXT_PARAM, value=next_path))
    parts: list[Any] = [
        html.H1("Se connecter"),
        html.P(
            "Espace réservé aux agences régionales de santé (ARS) et à la délégation au "
            "numérique en santé (DNS). Les indicateurs publics se consultent sans compte."
        ),
    ]
    if error:
        parts.append(html.Div(dsfr.alert("error", title=error), className="fr-mb-3w"))
    if settings.access().proconnect_configured:
        parts += [
            html.Div(
                html.A(
                    "Se connecter avec ProConnect",
                    href=urls.with_query(
                        urls.PROCONNECT_START,
                        {urls.NEXT_PARAM: next_path if next_path != urls.HOME else None},
                    ),
                    className="fr-btn fr-btn--secondary",
                    id="bouton-proconnect",
                ),
                className="fr-my-3w",
            ),
            html.P("Ou avec un compte local :", className="fr-text--bold"),
        ]
    fields = [
        *hidden,
        _field(
            "Adresse électronique",
            name="email",
            kind="email",
            hint="Format attendu : prenom.nom@ars.sante.fr",
            autoComplete="username",
            required=True,
            spellCheck="false",
            value=email or None,
        ),
        _field(
            "Mot de passe",
            name="password",
            kind="password",
            autoComplete="current-password",
            required=True,
        ),
        server_html.to_html(dsfr.button("Se connecter")),
    ]
    return server_html.to_html(parts) + _form(
        fields, action=urls.SIGN_IN, form_id="formulaire-connexion"
    )


def _who(actor: Actor) -> str:
    where = f", région {actor.region}" if actor.region else ""
    return f"{actor.email} ({actor.role.label}{where})"


def _destinations(actor: Actor) -> list[tuple[str, str]]:
    """Where a signed-in person may go: the deposit page (ARS, DNS), administration (DNS)."""
    out = [("Aller à la vue nationale", urls.HOME), ("Déposer des données", urls.DEPOSIT)]
    if may_administer(actor):
        out.append(("Administration", urls.ADMIN))
    return out


def _signed_in_content(actor: Actor) -> str:
    return (
        server_html.to_html(
            [
                html.H1("Vous êtes connecté"),
                html.P(f"Compte : {_who(actor)}."),
                html.Ul(
                    [
                        html.Li(html.A(text, href=href, className="fr-link"))
                        for text, href in _destinations(actor)
                    ]
                ),
            ]
        )
        + _sign_out_form()
    )


def _sign_out_content(actor: Actor) -> str:
    intro = server_html.to_html([html.H1("Se déconnecter"), html.P(f"Compte : {_who(actor)}.")])
    return intro + _sign_out_form()


def _sign_out_form() -> str:
    button = server_html.to_html(dsfr.button("Se déconnecter", kind="secondary"))
    return _form([_csrf_field(), button], action=urls.SIGN_OUT, form_id="formulaire-deconnexion")


def _alert(message: str) -> str:
    return server_html.to_html(html.Div(dsfr.alert("error", title=message), className="fr-mb-3w"))


def _page(title: str, content: str, *, status: int = 200, wide: bool = False) -> flask.Response:
    """A whole page in the site's DSFR shell, rendered on the server (no Dash, no script
    but the DSFR's); never stored by any cache. `wide`: the whole width (tables). Its
    footer's « Paramètres d'affichage » opens the same display modal as every other page
    (light, dark or the system's scheme)."""
    marks = settings.dashboard().state_marks
    header = server_html.to_html(
        [dsfr.skiplinks(), dsfr.header(state_marks=marks, current_path=flask.request.path)]
    )
    footer = server_html.to_html(dsfr.footer(state_marks=marks))
    column = "fr-col-12" if wide else "fr-col-12 fr-col-md-8 fr-col-lg-6"
    main = (
        '<main id="contenu" role="main" tabindex="-1"><div class="fr-container fr-my-6w">'
        '<div class="fr-grid-row fr-grid-row--center">'
        f'<div class="{column}">{content}</div></div></div></main>'
    )
    document = (
        '<!DOCTYPE html>\n<html lang="fr" data-fr-scheme="system">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} — {escape(dsfr.SERVICE_TITLE)}</title>\n"
        f'<link rel="icon" href="{urls.dsfr("favicon/favicon.svg")}" type="image/svg+xml">\n'
        f'<link rel="stylesheet" href="{urls.dsfr("dsfr.min.css")}">\n'
        f"</head>\n<body>\n{header}\n{main}\n{footer}\n{display.modal()}\n"
        f'<script type="module" src="{urls.dsfr("dsfr.module.min.js")}"></script>\n'
        "</body>\n</html>\n"
    )
    response = flask.Response(document, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
