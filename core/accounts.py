"""Accounts, passwords, sign-in throttling and the audit log: the store behind sign-in.

Both apps use it: the command line creates and disables accounts, the dashboard signs
people in. Every function takes the caller's session, so that an account change and its
audit line are one transaction. Passwords are hashed with Argon2id (argon2-cffi, its
recommended parameters); a hash never leaves this module in a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import UserError
from core.geography import GeographyError, get_area
from core.models import AuditEntry, LoginThrottle, User
from core.policy import ACCOUNT_ROLES, Actor, Role, has_region
from core.vocabulary import Level

PASSWORD_MIN_LENGTH: Final = 12
PASSWORD_MIN_DISTINCT: Final = 5
# The most used passwords of at least 12 characters (breach lists) and the obvious ones
# of this service: refused whatever their length.
COMMON_PASSWORDS: Final = frozenset(
    {
        "123456789012",
        "1234567890123",
        "azertyuiopqs",
        "azertyuiop123",
        "qwertyuiop123",
        "motdepasse123",
        "motdepasse1234",
        "motdepassemotdepasse",
        "password1234",
        "password12345",
        "passwordpassword",
        "administrateur",
        "administrator1",
        "bonjour123456",
        "soleil123456",
        "doudou123456",
        "numeriquesante",
        "numeriqueensante",
        "tableaudebord",
        "tableaudebord1",
        "ars123456789",
        "dns123456789",
        "santepublique",
        "proconnect123",
    }
)
EMAIL: Final = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
EMAIL_MAX_LENGTH: Final = 254

_HASHER: Final = PasswordHasher()  # Argon2id, argon2-cffi's recommended parameters
# Verified when the e-mail is unknown, so that an unknown and a known e-mail take as long.
_DUMMY_HASH: Final = _HASHER.hash("compte-inexistant-pour-egaliser-le-temps")


class AccountError(UserError):
    """An account cannot be created or changed; the message is French."""


class AuditAction(StrEnum):
    """What an audit line records; the codes are stored, the labels shown."""

    sign_in = "sign_in"
    sign_in_failed = "sign_in_failed"
    sign_in_locked = "sign_in_locked"
    sign_in_unknown_sso = "sign_in_unknown_sso"
    sign_out = "sign_out"
    user_added = "user_added"
    user_disabled = "user_disabled"
    deposit_preview = "deposit_preview"
    deposit_rejected = "deposit_rejected"
    deposit_confirm = "deposit_confirm"
    deposit_cancel = "deposit_cancel"
    deposit_withdraw = "deposit_withdraw"
    deposit_restore = "deposit_restore"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; every one stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- passwords -------------------------------------------------------------------------------


def weak_password_reason(password: str, *, email: str) -> str | None:
    """Why a password is refused (French), or None. The rule: at least 12 characters, at
    least 5 different ones, neither a common password nor the e-mail or its name part."""
    folded = password.casefold()
    local = email.casefold().split("@", 1)[0]
    if len(password) < PASSWORD_MIN_LENGTH:
        return (
            f"mot de passe trop court ({len(password)} caractères, au moins {PASSWORD_MIN_LENGTH})"
        )
    if len(set(password)) < PASSWORD_MIN_DISTINCT:
        return (
            f"mot de passe trop répétitif (au moins {PASSWORD_MIN_DISTINCT} caractères différents)"
        )
    if folded in COMMON_PASSWORDS:
        return "mot de passe trop courant"
    if folded in {email.casefold(), local} or (len(local) >= 4 and local in folded):
        return "mot de passe construit sur l'adresse électronique"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if the password matches; a missing or damaged hash never matches (and still
    costs one verification, so that timing tells nothing)."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


# -- accounts --------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The e-mail as stored and compared: trimmed, lower-case; AccountError if malformed."""
    text = email.strip().lower()
    if len(text) > EMAIL_MAX_LENGTH or not EMAIL.fullmatch(text):
        raise AccountError(
            f"Adresse électronique invalide « {email.strip()[:80]} ». "
            "Attendu : une adresse comme prenom.nom@ars.sante.fr."
        )
    return text


@dataclass(frozen=True)
class NewAccount:
    """What `users add` asks for; `password` is None for an account that signs in only
    through ProConnect."""

    email: str
    role: str
    region: str | None = None
    password: str | None = None
    sso_only: bool = False


def _checked_role_region(role: str, region: str | None) -> tuple[Role, str | None]:
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"Rôle invalide « {role} ». Attendu : « ars » ou « dns ».")
    if not has_region(Role(role)):
        if region:
            raise AccountError(
                "Un compte « dns » (délégation) voit toutes les régions : pas d'option --region."
            )
        return Role.dns, None
    if not region:
        raise AccountError("Un compte « ars » a une région : ajoutez --region CODE (ex. 53).")
    try:
        return Role.ars, get_area(Level.region, region.strip()).code
    except GeographyError:
        raise AccountError(
            f"Région invalide « {region} ». Attendu : un code de région (ex. « 53 » pour la "
            "Bretagne, « 11 » pour l'Île-de-France)."
        ) from None


def add_user(session: Session, account: NewAccount, *, by: str | None = None) -> User:
    """Create the account and its audit line (in the caller's transaction)."""
    email = normalise_email(account.email)
    role, region = _checked_role_region(account.role, account.region)
    if account.sso_only and account.password is not None:
        raise AccountError("Un compte --sso-only n'a pas de mot de passe.")
    if not account.sso_only:
        if account.password is None:
            raise AccountError("Mot de passe manquant.")
        reason = weak_password_reason(account.password, email=email)
        if reason:
            raise AccountError(f"Mot de passe refusé : {reason}. Aucun compte créé.")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"Le compte {email} existe déjà. Aucun compte créé.")
    now = utcnow()
    user = User(
        email=email,
        role=role.value,
        region=region,
        password_hash=None if account.sso_only else hash_password(account.password or ""),
        sso_only=account.sso_only,
        disabled=False,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # created by someone else meanwhile
        raise AccountError(f"Le compte {email} existe déjà. Aucun compte créé.") from None
    detail = f"rôle {role.value}" + (f", région {region}" if region else "")
    detail += ", ProConnect seulement" if account.sso_only else ""
    audit(session, action=AuditAction.user_added, actor=by, obj=email, detail=detail)
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.role, User.region, User.email)).all()


def disable_user(
    session: Session, email: str, *, by: str | None = None, address: str | None = None
) -> User:
    """Disable the account: its open sessions lose access at their next request."""
    where = address
    wanted = normalise_email(email)
    user = session.scalar(select(User).where(User.email == wanted))
    if user is None:
        raise AccountError(f"Aucun compte {wanted}.")
    if not user.disabled:
        user.disabled = True
        user.updated_at = utcnow()
        audit(session, action=AuditAction.user_disabled, actor=by, obj=user.email, address=where)
    return user


def active_user(session: Session, email: str) -> User | None:
    """The account of this e-mail if it exists and is not disabled."""
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(User.email == address, User.disabled.is_(False)))


def actor_of(user: User) -> Actor:
    return Actor(Role(user.role), region=user.region, email=user.email)


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active account whose password this is, else None: unknown e-mail, wrong
    password, disabled or ProConnect-only account all look the same (and take as long)."""
    user = active_user(session, email)
    local_hash = user.password_hash if user is not None and not user.sso_only else None
    if not verify_password(password, local_hash):
        return None
    return user


# -- sign-in throttling ----------------------------------------------------------------------

MAX_FAILURES: Final = 5
FIRST_LOCK: Final = dt.timedelta(minutes=1)
LONGEST_LOCK: Final = dt.timedelta(hours=24)
FORGET_AFTER: Final = dt.timedelta(hours=24)  # failures this old no longer count


def lock_duration(failures: int) -> dt.timedelta | None:
    """None below MAX_FAILURES; then 1 min, doubling with each further failure, ≤ 24 h."""
    if failures < MAX_FAILURES:
        return None
    return min(FIRST_LOCK * 2 ** (failures - MAX_FAILURES), LONGEST_LOCK)


def _throttle_keys(email: str, address: str) -> list[tuple[str, str]]:
    return [("account", email.strip().lower()[:EMAIL_MAX_LENGTH]), ("address", address[:64])]


def locked_until(
    session: Session, *, email: str, address: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Until when attempts for this e-mail (known or not) or from this address are refused."""
    now = now or utcnow()
    ends = [
        _aware(row.locked_until)
        for kind, key in _throttle_keys(email, address)
        if (row := session.scalar(select(LoginThrottle).filter_by(kind=kind, key=key)))
        and row.locked_until is not None
        and _aware(row.locked_until) > now
    ]
    return max(ends, default=None)


def record_failure(
    session: Session, *, email: str, address: str, now: dt.datetime | None = None
) -> None:
    """Count one failed attempt for the e-mail typed and for the address; lock either one
    that reaches MAX_FAILURES, for longer at each further failure. Stored, never slept."""
    now = now or utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for kind, key in _throttle_keys(email, address):
        session.execute(  # two workers may count the same key's first failure at once
            insert(LoginThrottle)
            .values(kind=kind, key=key, failures=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["kind", "key"])
        )
        row = session.scalars(
            select(LoginThrottle)
            .filter_by(kind=kind, key=key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if now - _aware(row.updated_at) > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.updated_at = now
        duration = lock_duration(row.failures)
        row.locked_until = now + duration if duration else None
    session.flush()


def record_success(session: Session, *, email: str) -> None:
    """A successful sign-in clears its account's failures (not its address's: one valid
    account must not reset a guesser's count)."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.kind == "account", LoginThrottle.key == email.strip().lower())
        .values(failures=0, locked_until=None, updated_at=utcnow())
    )


# -- audit log -------------------------------------------------------------------------------


def audit(
    session: Session,
    *,
    action: AuditAction,
    actor: str | None,
    address: str | None = None,
    obj: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one line to the audit log (in the caller's transaction). Never a secret:
    callers pass e-mails, codes and French summaries only."""
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor,
            address=address,
            action=action.value,
            object=obj,
            detail=detail,
        )
    )
