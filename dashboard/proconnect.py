"""ProConnect, the State's OpenID Connect provider for public agents, through authlib.

Authorization code flow. What ProConnect asks beyond plain OpenID Connect: `state` and
`nonce` of at least 32 characters and no other parameter than its documented ones; the
client secret in the token request's body (`client_secret_post`); userinfo answered as a
JWT signed with the provider's keys (`application/jwt`), verified here against its JWKS
(the service is registered with RS256 or ES256, not HS256); sign-out through its
`end_session_endpoint` with `id_token_hint`, `state` and `post_logout_redirect_uri`. The
person is mapped to a role and a région by e-mail in the users table: an e-mail without
an active account is refused, in French, and audited.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import flask
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import SQLAlchemyError

from core import accounts, settings
from core.accounts import AuditAction
from core.db import transaction
from core.models import User
from core.settings import AccessSettings
from dashboard import queries, urls

NAME = "proconnect"
EXTENSION = "tdb_proconnect"
SCOPES = "openid email given_name usual_name uid"
STATE_BYTES = 32  # token_urlsafe(32): 43 characters, above ProConnect's minimum of 32
NEXT_KEY = "proconnect_suite"
HTTP_TIMEOUT = 10  # seconds for the userinfo request (the person is waiting)
VIA = "proconnect"
FAILED = (
    "La connexion par ProConnect a échoué ou a expiré : aucune session ouverte. "
    "Recommencez depuis la page de connexion."
)

logger = logging.getLogger(__name__)


class ProConnectError(Exception):
    """The provider's answer is not what ProConnect promises (unsigned userinfo…)."""


class SignIn(Protocol):
    def __call__(self, user: User, *, via: str, id_token: str | None = None) -> None: ...


Refuse = Callable[..., flask.Response]


def install(
    server: flask.Flask, access: AccessSettings, *, sign_in_as: SignIn, refuse: Refuse
) -> None:
    oauth = OAuth(server)
    client = oauth.register(
        NAME,
        client_id=access.proconnect_client_id,
        client_secret=access.proconnect_client_secret.get_secret_value(),
        server_metadata_url=urls.oidc_discovery(access.proconnect_issuer),
        # ProConnect takes client_id and client_secret in the token request's body
        client_kwargs={"scope": SCOPES, "token_endpoint_auth_method": "client_secret_post"},
    )
    server.extensions[EXTENSION] = client
    redirect_url = access.proconnect_redirect_url

    def start() -> Any:
        flask.session[NEXT_KEY] = urls.safe_next(flask.request.args.get(urls.NEXT_PARAM))
        return client.authorize_redirect(
            redirect_url,
            state=secrets.token_urlsafe(STATE_BYTES),
            nonce=secrets.token_urlsafe(STATE_BYTES),
        )

    def callback() -> Any:
        address = flask.request.remote_addr or "inconnue"
        try:
            token = client.authorize_access_token()
            claims = _verified_userinfo(client, token)
            email = str(claims["email"])
        except (OAuthError, JoseError, ProConnectError, requests.RequestException, KeyError) as exc:
            logger.warning("Connexion ProConnect refusée : %s", type(exc).__name__)
            _audit(AuditAction.sign_in_failed, actor=None, address=address, detail=VIA)
            return refuse("Connexion refusée", FAILED, status=400)
        try:
            with transaction(queries.store().engine) as db:
                user = accounts.active_user(db, email)
                if user is None:
                    accounts.audit(
                        db,
                        action=AuditAction.sign_in_unknown_sso,
                        actor=None,
                        address=address,
                        obj=email,
                    )
                else:
                    accounts.record_success(db, email=user.email)
                    accounts.audit(
                        db,
                        action=AuditAction.sign_in,
                        actor=user.email,
                        address=address,
                        detail=VIA,
                    )
        except (SQLAlchemyError, queries.DataUnavailable):
            return refuse("Connexion indisponible", FAILED, status=503)
        if user is None:
            return refuse(
                "Connexion refusée",
                f"Aucun compte actif du tableau de bord pour l'adresse {email}. Demandez à la "
                "délégation au numérique en santé (DNS) de vous en ouvrir un.",
                status=403,
            )
        next_path = urls.safe_next(flask.session.pop(NEXT_KEY, None))
        sign_in_as(user, via=VIA, id_token=token.get("id_token"))
        return flask.redirect(next_path, code=303)

    def signed_out() -> Any:
        try:
            client.validate_logout_response()
        except OAuthError:
            return refuse("Déconnexion", "Retour de ProConnect inattendu.", status=400)
        return flask.redirect(urls.HOME, code=303)

    server.add_url_rule(urls.PROCONNECT_START, "proconnect_start", start)
    server.add_url_rule(urls.PROCONNECT_CALLBACK, "proconnect_callback", callback)
    server.add_url_rule(urls.PROCONNECT_SIGNED_OUT, "proconnect_signed_out", signed_out)


def _audit(action: AuditAction, *, actor: str | None, address: str, detail: str) -> None:
    try:
        with transaction(queries.store().engine) as db:
            accounts.audit(db, action=action, actor=actor, address=address, detail=detail)
    except (SQLAlchemyError, queries.DataUnavailable):
        logger.warning("Échec de connexion ProConnect non journalisé : base injoignable.")


def _verified_userinfo(client: Any, token: dict[str, Any]) -> dict[str, Any]:
    """ProConnect's userinfo is a JWT signed with its keys: verified (signature, issuer,
    audience) and checked to be about the person of the ID token."""
    metadata = client.load_server_metadata()
    # A plain request: ProConnect's access tokens live 60 s, which authlib's session, with
    # its 60 s of leeway, would already count as expired.
    response = requests.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=HTTP_TIMEOUT,
    )
    response.raise_for_status()
    media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/jwt":
        raise ProConnectError(f"userinfo en {media_type or 'type inconnu'}, JWT attendu")
    keys = KeySet.import_key_set(client.fetch_jwk_set())
    algorithms = metadata.get("userinfo_signing_alg_values_supported") or ["RS256", "ES256"]
    decoded = jwt.decode(response.text.strip(), keys, algorithms=algorithms)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": client.client_id},
        sub={"essential": True},
        email={"essential": True},
    ).validate(decoded.claims)
    id_claims = token.get("userinfo") or {}
    if decoded.claims["sub"] != id_claims.get("sub"):
        raise ProConnectError("userinfo d'une autre personne que le jeton d'identité")
    return dict(decoded.claims)


def end_session(id_token: str) -> Any:
    """Redirect to ProConnect's end-session endpoint; it comes back to
    PROCONNECT_SIGNED_OUT with the `state` checked there."""
    client = flask.current_app.extensions[EXTENSION]
    return client.logout_redirect(
        post_logout_redirect_uri=signed_out_url(settings.access().proconnect_redirect_url),
        id_token_hint=id_token,
        state=secrets.token_urlsafe(STATE_BYTES),
    )


def signed_out_url(redirect_url: str) -> str:
    """The post-logout address: the site of PROCONNECT_REDIRECT_URL (declare it at
    ProConnect too), path PROCONNECT_SIGNED_OUT."""
    parts = urlsplit(redirect_url)
    return urlunsplit((parts.scheme, parts.netloc, urls.PROCONNECT_SIGNED_OUT, "", ""))
