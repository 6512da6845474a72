"""A local OpenID Connect provider that behaves as ProConnect does, for the sign-in tests.

ProConnect cannot be reached from the tests, and `oidc-provider-mock` answers userinfo in
plain JSON, so this small fake (Flask + joserfc, authlib's JOSE library) reproduces what
ProConnect's implementation guide asks: `state` and `nonce` of at least 32 characters
(refused otherwise) and no undocumented authorize parameter; the client secret in the
token request's body (`client_secret_post`); an ID token signed RS256 carrying the nonce;
userinfo as a signed JWT (`application/jwt`); an end-session endpoint that wants
`id_token_hint`, `state` and `post_logout_redirect_uri`; access tokens that live 60 s, as
ProConnect's do. It records what it received, for the tests to check. Served by werkzeug
on a free loopback port, in a thread.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import flask
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

MIN_STATE = 32
# The only authorize parameters ProConnect takes; any other is a « Bad Request ».
AUTHORIZE_PARAMS = frozenset(
    {"response_type", "client_id", "redirect_uri", "scope", "claims", "state", "nonce"}
    | {"prompt", "idp_hint", "login_hint"}
)
CLIENT_ID = "tableau-de-bord-test"
CLIENT_SECRET = "secret-client-de-test-0123456789"


@dataclass
class FakeProConnect:
    """The provider's state: who signs in next, what it issued and what it was sent."""

    base_url: str = ""
    email: str = "agent@ars.sante.fr"
    userinfo_as_json: bool = False  # misbehave: plain JSON userinfo (a non-ProConnect provider)
    sign_userinfo_with_other_key: bool = False  # misbehave: a forged userinfo signature
    sign_id_token_with_other_key: bool = False  # misbehave: a forged ID token signature
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token → e-mail
    id_tokens: set[str] = field(default_factory=set)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    logout_requests: list[dict[str, str]] = field(default_factory=list)

    def sign(self, claims: dict[str, Any], *, key: RSAKey | None = None) -> str:
        signing = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signing.kid}, claims, signing)

    def sub(self, email: str) -> str:
        return "sub-" + email.replace("@", "-at-")


def build_app(fake: FakeProConnect) -> flask.Flask:
    app = flask.Flask(__name__)

    def refuse(message: str) -> tuple[dict[str, str], int]:
        return {"error": "invalid_request", "error_description": message}, 400

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        base = fake.base_url
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/session/end",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return KeySet([fake.key]).as_dict(private=False)

    @app.get("/authorize")
    def authorize() -> Any:
        args = flask.request.args.to_dict()
        fake.authorize_requests.append(args)
        if set(args) - AUTHORIZE_PARAMS:
            return refuse(f"paramètres inconnus : {sorted(set(args) - AUTHORIZE_PARAMS)}")
        if args.get("response_type") != "code" or args.get("client_id") != CLIENT_ID:
            return refuse("response_type=code et client_id attendus")
        if "openid" not in args.get("scope", "").split():
            return refuse("scope openid attendu")
        if len(args.get("state", "")) < MIN_STATE or len(args.get("nonce", "")) < MIN_STATE:
            return refuse("state et nonce d'au moins 32 caractères attendus")
        code = secrets.token_urlsafe(24)
        fake.codes[code] = {
            "nonce": args["nonce"],
            "redirect_uri": args["redirect_uri"],
            "email": fake.email,
        }
        query = urlencode({"code": code, "state": args["state"]})
        return flask.redirect(f"{args['redirect_uri']}?{query}")

    @app.post("/token")
    def token() -> Any:
        form = flask.request.form  # client_secret_post: the credentials are in the body
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return {"error": "invalid_client"}, 401
        grant = fake.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return {"error": "invalid_grant"}, 400
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return {"error": "invalid_grant"}, 400
        now = int(time.time())
        forged = RSAKey.generate_key(2048, auto_kid=True)
        id_token = fake.sign(
            {
                "iss": fake.base_url,
                "sub": fake.sub(grant["email"]),
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 60,
                "nonce": grant["nonce"],
                "acr": "eidas1",
            },
            key=forged if fake.sign_id_token_with_other_key else None,
        )
        fake.id_tokens.add(id_token)
        access = secrets.token_urlsafe(24)
        fake.tokens[access] = grant["email"]
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
            "scope": "openid email given_name usual_name uid",
        }

    @app.get("/userinfo")
    def userinfo() -> Any:
        header = flask.request.headers.get("Authorization", "")
        email = fake.tokens.get(header.removeprefix("Bearer "))
        if email is None:
            return {"error": "invalid_token"}, 401
        claims = {
            "iss": fake.base_url,
            "aud": CLIENT_ID,
            "sub": fake.sub(email),
            "email": email,
            "given_name": "Camille",
            "usual_name": "Le Gall",
            "uid": "1",
        }
        if fake.userinfo_as_json:
            return claims
        other = RSAKey.generate_key(2048, auto_kid=True)
        signed = fake.sign(claims, key=other if fake.sign_userinfo_with_other_key else None)
        return flask.Response(signed, mimetype="application/jwt")

    @app.get("/session/end")
    def end_session() -> Any:
        args = flask.request.args.to_dict()
        fake.logout_requests.append(args)
        if args.get("id_token_hint") not in fake.id_tokens:
            return refuse("id_token_hint inconnu")
        if len(args.get("state", "")) < MIN_STATE or not args.get("post_logout_redirect_uri"):
            return refuse("state et post_logout_redirect_uri attendus")
        query = urlencode({"state": args["state"]})
        return flask.redirect(f"{args['post_logout_redirect_uri']}?{query}")

    return app


@contextmanager
def serve() -> Iterator[FakeProConnect]:
    """The fake provider on a free port of 127.0.0.1, stopped on exit."""
    fake = FakeProConnect()
    server = make_server("127.0.0.1", 0, build_app(fake), threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="fake-proconnect", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(5)
