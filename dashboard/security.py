"""Web security of every response: the session's signing key and the security headers.

The Content-Security-Policy allows scripts from this site only, plus Dash's own inline
scripts by their hashes (`app.csp_hashes()`, computed once every callback is declared);
styles inline too (Plotly and the Dash components inject them), images as data: and blob:
URLs (SVG sparklines, PNG export). No third-party origin anywhere. No site may frame a
page (`frame-ancestors 'none'`), except the embeds (`/embed/…`, `frame-ancestors *`),
made for iframes on other sites.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import dash
import flask

from core.errors import UserError
from core.settings import AccessSettings
from dashboard import urls

SECRET_FILE = "secret_key"
SECRET_MIN_LENGTH = 32


class SecretKeyError(UserError):
    """No usable SECRET_KEY; the message is French and never shows the key."""


def secret_key(access: AccessSettings, *, data_dir: Path) -> str:
    """SECRET_KEY when set; in production it must be; otherwise one generated once and
    kept in DATA_DIR (mode 600), so that sessions outlive a restart and every worker of
    the machine signs alike."""
    given = access.secret_key.get_secret_value()
    if given:
        if len(given) < SECRET_MIN_LENGTH:
            raise SecretKeyError(
                f"SECRET_KEY trop courte ({len(given)} caractères) : au moins "
                f"{SECRET_MIN_LENGTH} caractères aléatoires, ex. la sortie de "
                "« python -c 'import secrets; print(secrets.token_urlsafe(48))' »."
            )
        return given
    if access.production:
        raise SecretKeyError(
            "SECRET_KEY est obligatoire quand ENV=production : le serveur refuse de démarrer "
            "sans elle. Donnez-lui au moins 32 caractères aléatoires, ex. la sortie de "
            "« python -c 'import secrets; print(secrets.token_urlsafe(48))' »."
        )
    return _stored_key(data_dir / SECRET_FILE)


def _stored_key(path: Path) -> str:
    """Read the key, or make it: written whole to a private temporary file, then linked
    into place, so that workers starting together never read a half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)
        except FileExistsError:  # another worker made it first: theirs is kept
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < SECRET_MIN_LENGTH:
        raise SecretKeyError(
            f"Clé de session illisible dans {path} : supprimez ce fichier pour qu'une "
            "nouvelle clé soit générée (les sessions ouvertes seront fermées)."
        )
    return key


def content_security_policy(script_hashes: Sequence[str], *, framed: bool = False) -> str:
    """`framed`: other sites may show the response in a frame (the embeds only)."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["*" if framed else "'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def install_headers(app: dash.Dash) -> None:
    """One after_request for every response. The hashes are asked of Dash at each
    response (a few short scripts): the pages' clientside callbacks are declared when Dash
    sets itself up, at the first request."""
    server = cast(flask.Flask, app.server)

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        framed = urls.may_be_framed(flask.request.path)
        response.headers["Content-Security-Policy"] = content_security_policy(
            app.csp_hashes(), framed=framed
        )
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response
