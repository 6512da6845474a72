"""Who may see, deposit and administer what: the one access policy.

Every page, download, list, count, cache key and API response asks these functions;
nothing else in the project compares a role or a visibility. A restricted indicator is
invisible to a reader who may not see it (404 like an unknown id, absent from lists and
counts), so `may_see_indicator` is asked before anything about it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from core.geography import NATIONAL_CODE, get_area
from core.vocabulary import Level, Visibility


class Role(StrEnum):
    anonymous = "anonymous"  # the public: never signed in, public indicators only
    ars = "ars"  # a regional health agency: its région, its départements and France
    dns = "dns"  # the delegation: everything, and administration

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, str] = {
    Role.anonymous: "Public",
    Role.ars: "Agence régionale de santé",
    Role.dns: "Délégation au numérique en santé",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The reader or writer of a request; `region` is set for an ARS and only for one."""

    role: Role
    region: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.ars) != (self.region is not None):
            raise ValueError("an ARS actor has exactly one région, other roles none")

    @property
    def signed_in(self) -> bool:
        return self.role is not Role.anonymous


ANONYMOUS: Final = Actor(Role.anonymous)
ACCOUNT_ROLES: Final = (Role.ars, Role.dns)  # the roles an account may have


def has_region(role: Role) -> bool:
    """Whether an account of this role belongs to one région (an ARS) or sees them all."""
    return role is Role.ars


def scope(actor: Actor) -> str:
    """What the actor may see, as a cache-key part: two actors with the same scope see the
    same pages, so a page cached for one is never served to a reader who sees less."""
    if actor.role is Role.ars:
        return f"ars-{actor.region}"
    return actor.role.value


def may_see_indicator(actor: Actor, visibility: str) -> bool:
    """May the actor know the indicator exists (page, lists, counts, targets)?"""
    return Visibility(visibility) is Visibility.public or actor.signed_in


def may_see_every_area(actor: Actor, visibility: str) -> bool:
    """May the actor see this indicator's figures for every area? (Then a list of figures
    needs no check area by area: an export holds hundreds of thousands of rows.)"""
    return Visibility(visibility) is Visibility.public or actor.role is Role.dns


def may_see_area(actor: Actor, visibility: str, level: str, code: str) -> bool:
    """May the actor see this indicator's figures for the area (level, code)?"""
    if may_see_every_area(actor, visibility):
        return True
    if actor.role is not Role.ars:
        return False
    lvl = Level(level)
    if lvl is Level.national:
        return code == NATIONAL_CODE
    if lvl is Level.region:
        return code == actor.region
    if lvl is Level.group:  # a grouped zone's figure is also its member régions' figure
        return actor.region in get_area(Level.group, code).members
    return get_area(Level.department, code).parent_code == actor.region


def may_deposit(actor: Actor, region: str) -> bool:
    """May the actor deposit figures for a région (and its départements)?"""
    return actor.role is Role.dns or (actor.role is Role.ars and actor.region == region)


def may_deposit_area(actor: Actor, level: str, code: str) -> bool:
    """May the actor deposit a figure for this area? France and the région groups (published
    by national sources only) are the delegation's alone."""
    lvl = Level(level)
    if actor.role is Role.dns:
        return True
    if actor.role is not Role.ars or lvl in (Level.national, Level.group):
        return False
    if lvl is Level.region:
        return code == actor.region
    return get_area(Level.department, code).parent_code == actor.region


def deposit_levels(actor: Actor) -> frozenset[Level]:
    """The levels the actor may deposit figures at: an ARS its région and départements,
    the delegation every level, the public none."""
    if actor.role is Role.dns:
        return frozenset(Level)
    if actor.role is Role.ars:
        return frozenset({Level.region, Level.department})
    return frozenset()


def may_administer(actor: Actor) -> bool:
    return actor.role is Role.dns
