"""Passwords, lock durations and throttling of core.accounts (no web server)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from core import accounts, db

EMAIL = "agent@ars.sante.fr"


class TestWeakPasswordReason:
    VALID = ("Bretagne-Nord-2026!", "correct horse battery staple", "Ségur-numérique-53")
    INVALID = ("court", "aaaaaaaaaaaaaaaa", "abcabcabcabcabc", "MotDePasse123", "agent.2026.x")

    @pytest.mark.parametrize("password", VALID)
    def test_accepts(self, password: str) -> None:
        assert accounts.weak_password_reason(password, email=EMAIL) is None

    @pytest.mark.parametrize("password", INVALID)
    def test_refuses(self, password: str) -> None:
        assert accounts.weak_password_reason(password, email=EMAIL)


class TestVerifyPassword:
    def test_the_hash_is_argon2id_and_matches_only_its_password(self) -> None:
        hashed = accounts.hash_password("Bretagne-Nord-2026!")
        assert hashed.startswith("$argon2id$")
        assert accounts.verify_password("Bretagne-Nord-2026!", hashed)
        assert not accounts.verify_password("bretagne-nord-2026!", hashed)

    @pytest.mark.parametrize("stored", [None, "", "pas-un-hachage"])
    def test_no_or_a_damaged_hash_never_matches(self, stored: str | None) -> None:
        assert not accounts.verify_password("compte-inexistant-pour-egaliser-le-temps", stored)


class TestLockDuration:
    def test_none_below_five_failures(self) -> None:
        assert [accounts.lock_duration(n) for n in range(5)] == [None] * 5

    def test_one_minute_then_doubling_up_to_a_day(self) -> None:
        minutes = [accounts.lock_duration(n) for n in (5, 6, 7, 8)]
        assert minutes == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert accounts.lock_duration(40) == dt.timedelta(hours=24)


class TestThrottle:
    def test_failures_older_than_a_day_no_longer_count(self, engine: Engine) -> None:
        start = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
        with db.transaction(engine) as session:
            for i in range(4):
                accounts.record_failure(
                    session, email=EMAIL, address="192.0.2.1", now=start + dt.timedelta(seconds=i)
                )
            later = start + dt.timedelta(days=2)
            accounts.record_failure(session, email=EMAIL, address="192.0.2.1", now=later)
            # the fifth failure, two days after the fourth, is counted as the first
            until = accounts.locked_until(session, email=EMAIL, address="192.0.2.1", now=later)
            assert until is None

    def test_the_fifth_failure_locks_the_email_typed_in_any_case(self, engine: Engine) -> None:
        now = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
        with db.transaction(engine) as session:
            for _ in range(5):
                accounts.record_failure(session, email="Agent@ARS.sante.fr", address="a", now=now)
            until = accounts.locked_until(session, email=EMAIL, address="b", now=now)
        assert until == now + dt.timedelta(minutes=1)
