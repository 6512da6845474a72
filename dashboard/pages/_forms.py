"""What the two form pages (deposit, administration) share: who may open them, the
audit line of each action, and a French 503 when the database is down."""

from __future__ import annotations

import logging
from collections.abc import Callable

import flask
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from core import accounts
from core.accounts import AuditAction
from core.db import transaction
from core.policy import Actor
from dashboard import queries, signin, urls
from dashboard.actor import current_actor

logger = logging.getLogger(__name__)

View = Callable[[Actor], ResponseReturnValue]


def guard(
    view: View,
    *,
    allowed: Callable[[Actor], bool],
    title: str,
    unavailable: str,
    sign_in_first: bool,
) -> Callable[[], ResponseReturnValue]:
    """`view(actor)` for an actor `allowed`; else an anonymous reader goes to the sign-in
    page (when `sign_in_first`) and anyone else gets the 404 of a page that does not
    exist. The database down → `unavailable` in a 503, never a trace."""

    def guarded() -> ResponseReturnValue:
        actor = current_actor()
        if not allowed(actor):
            if sign_in_first and not actor.signed_in:
                return flask.redirect(urls.sign_in(flask.request.path), code=303)
            flask.abort(404)
        try:
            return view(actor)
        except (SQLAlchemyError, queries.DataUnavailable):
            logger.warning("%s : base injoignable.", title)
            return signin._page(title, signin._alert(unavailable), status=503)

    guarded.__name__ = view.__name__
    return guarded


def audit(action: AuditAction, actor: Actor, *, obj: str, detail: str | None = None) -> None:
    """One audit line: who, from which address, did what to which object."""
    with transaction(queries.store().engine) as db:
        accounts.audit(
            db,
            action=action,
            actor=actor.email,
            address=signin.client_address(),
            obj=obj,
            detail=detail,
        )
