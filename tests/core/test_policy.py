"""The access policy as a matrix: role × visibility × level × action."""

from __future__ import annotations

import pytest

from core import policy
from core.policy import ANONYMOUS, Actor, Role

ARS_BZH = Actor(Role.ars, region="53", email="ars@bretagne.fr")
ARS_IDF = Actor(Role.ars, region="11", email="ars@idf.fr")
DNS = Actor(Role.dns, email="dns@sante.gouv.fr")

# (level, code): France, Bretagne, Finistère (Bretagne), Paris (Île-de-France)
FRANCE, OWN_REGION, OWN_DEP, OTHER_DEP = (
    ("national", "FR"),
    ("region", "53"),
    ("department", "29"),
    ("department", "75"),
)
# Région groups published as one zone: PACA and Corse (93, 94), the five DROM
PACA_CORSE, DROM = ("group", "PACA-COR"), ("group", "DROM")
ARS_CORSE = Actor(Role.ars, region="94", email="ars@corse.fr")
ARS_REUNION = Actor(Role.ars, region="04", email="ars@reunion.fr")


@pytest.mark.parametrize(
    ("actor", "area", "public", "restricted"),
    [
        (ANONYMOUS, FRANCE, True, False),
        (ANONYMOUS, OWN_REGION, True, False),
        (ANONYMOUS, OWN_DEP, True, False),
        (ANONYMOUS, OTHER_DEP, True, False),
        (ARS_BZH, FRANCE, True, True),
        (ARS_BZH, OWN_REGION, True, True),
        (ARS_BZH, OWN_DEP, True, True),
        (ARS_BZH, OTHER_DEP, True, False),
        (ARS_IDF, OWN_REGION, True, False),
        (ARS_IDF, OWN_DEP, True, False),
        (ARS_IDF, OTHER_DEP, True, True),
        (DNS, FRANCE, True, True),
        (DNS, OWN_DEP, True, True),
        (DNS, OTHER_DEP, True, True),
    ],
)
def test_view_matrix(actor: Actor, area: tuple[str, str], public: bool, restricted: bool) -> None:
    assert policy.may_see_area(actor, "public", *area) is public
    assert policy.may_see_area(actor, "restricted", *area) is restricted


@pytest.mark.parametrize(
    ("actor", "restricted_known"), [(ANONYMOUS, False), (ARS_BZH, True), (DNS, True)]
)
def test_restricted_indicator_unknown_to_public(actor: Actor, restricted_known: bool) -> None:
    assert policy.may_see_indicator(actor, "public")
    assert policy.may_see_indicator(actor, "restricted") is restricted_known


@pytest.mark.parametrize(
    ("actor", "area", "allowed"),
    [
        (ANONYMOUS, OWN_REGION, False),
        (ARS_BZH, OWN_REGION, True),
        (ARS_BZH, OWN_DEP, True),
        (ARS_BZH, OTHER_DEP, False),
        (ARS_BZH, FRANCE, False),
        (ARS_IDF, OWN_DEP, False),
        (DNS, FRANCE, True),
        (DNS, OTHER_DEP, True),
    ],
)
def test_deposit_matrix(actor: Actor, area: tuple[str, str], allowed: bool) -> None:
    assert policy.may_deposit_area(actor, *area) is allowed


def test_deposit_by_region_and_administration() -> None:
    assert policy.may_deposit(ARS_BZH, "53") and not policy.may_deposit(ARS_BZH, "11")
    assert policy.may_deposit(DNS, "11") and not policy.may_deposit(ANONYMOUS, "53")
    assert [policy.may_administer(a) for a in (ANONYMOUS, ARS_BZH, DNS)] == [False, False, True]


def test_scopes_separate_readers_who_see_different_things() -> None:
    scopes = {policy.scope(a) for a in (ANONYMOUS, ARS_BZH, ARS_IDF, DNS)}
    assert len(scopes) == 4
    assert policy.scope(Actor(Role.ars, region="53")) == policy.scope(ARS_BZH)


def test_an_ars_actor_has_exactly_one_region() -> None:
    with pytest.raises(ValueError):
        Actor(Role.ars)
    with pytest.raises(ValueError):
        Actor(Role.dns, region="53")


@pytest.mark.parametrize(
    ("actor", "area", "restricted"),
    [
        (ARS_CORSE, PACA_CORSE, True),  # Corse is a member of « PACA et Corse »
        (ARS_CORSE, DROM, False),
        (ARS_REUNION, DROM, True),
        (ARS_REUNION, PACA_CORSE, False),
        (ARS_BZH, PACA_CORSE, False),  # Bretagne is in no group
        (ANONYMOUS, DROM, False),
        (DNS, PACA_CORSE, True),
    ],
)
def test_an_ars_sees_a_grouped_zone_of_its_region(
    actor: Actor, area: tuple[str, str], restricted: bool
) -> None:
    # Given a restricted indicator published for a group of régions
    # Then an ARS sees the grouped figure if its région is a member, and anyone sees it public
    assert policy.may_see_area(actor, "restricted", *area) is restricted
    assert policy.may_see_area(actor, "public", *area) is True


def test_only_the_delegation_deposits_for_a_group_of_regions() -> None:
    # A group is published by a national source: no ARS speaks for the other members
    assert policy.may_deposit_area(ARS_CORSE, *PACA_CORSE) is False
    assert policy.may_deposit_area(DNS, *PACA_CORSE) is True


@pytest.mark.parametrize("actor", [ANONYMOUS, ARS_BZH, ARS_IDF, DNS])
@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_every_area_means_each_area(actor: Actor, visibility: str) -> None:
    """`may_see_every_area` (lists skip the area check) says what `may_see_area` says
    of all areas together."""
    areas = (FRANCE, OWN_REGION, OWN_DEP, OTHER_DEP)
    each = all(policy.may_see_area(actor, visibility, *area) for area in areas)
    assert policy.may_see_every_area(actor, visibility) is each


def test_deposit_levels() -> None:
    assert policy.deposit_levels(ANONYMOUS) == frozenset()
    assert policy.deposit_levels(ARS_BZH) == {"region", "department"}
    assert "national" in policy.deposit_levels(DNS)
