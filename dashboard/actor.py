"""The actor of the current request, for the access policy.

Sign-in sets `flask.g.actor` before the request is handled; without it (anonymous reader,
or no request at all: warm-up, command line) the actor is the public.
"""

from __future__ import annotations

import flask

from core.policy import ANONYMOUS, Actor


def current_actor() -> Actor:
    if not flask.has_request_context():
        return ANONYMOUS
    actor = flask.g.get("actor")
    return actor if isinstance(actor, Actor) else ANONYMOUS
