"""`python -m etl users add | list | disable`: accounts, passwords, audit; French errors."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core import accounts, db
from core.models import AuditEntry, User
from etl.cli import main

STRONG = "Bretagne-Nord-2026!"


class FakeStdin(io.StringIO):
    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["init"]) == 0
    eng = db.make_engine(url)
    yield eng
    eng.dispose()


def stdin(monkeypatch: pytest.MonkeyPatch, text: str, *, tty: bool = False) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(text, tty=tty))


def users(engine: Engine) -> list[User]:
    with db.transaction(engine) as session:
        return list(session.scalars(select(User).order_by(User.id)))


def audit(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with db.transaction(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.action, a.object, a.detail) for a in rows]


class TestUsersAdd:
    def test_password_on_stdin_creates_an_argon2_account_and_its_audit_line(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Given a strong password on one line of standard input
        stdin(monkeypatch, STRONG + "\n")
        # When an ARS account of Bretagne is created
        code = main(["users", "add", "Agent@ARS.sante.fr", "--role", "ars", "--region", "53",
                     "--password-stdin"])  # fmt: skip
        # Then it exists, lower-cased, with an Argon2id hash of that password
        assert code == 0
        assert "Compte agent@ars.sante.fr créé : rôle ars, région 53." in capsys.readouterr().out
        [user] = users(engine)
        assert (user.email, user.role, user.region, user.sso_only) == (
            "agent@ars.sante.fr", "ars", "53", False,
        )  # fmt: skip
        assert user.password_hash and user.password_hash.startswith("$argon2id$")
        assert accounts.verify_password(STRONG, user.password_hash)
        # And the audit log says who created it, without any secret
        [(action, obj, detail)] = audit(engine)
        assert (action, obj, detail) == ("user_added", "agent@ars.sante.fr", "rôle ars, région 53")

    def test_on_a_terminal_the_password_is_typed_twice(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        typed = iter([STRONG, STRONG])
        stdin(monkeypatch, "", tty=True)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
        assert main(["users", "add", "dns@sante.gouv.fr", "--role", "dns"]) == 0
        assert users(engine)[0].role == "dns"

    def test_two_different_typings_create_nothing(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        typed = iter([STRONG, STRONG + "x"])
        stdin(monkeypatch, "", tty=True)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
        assert main(["users", "add", "dns@sante.gouv.fr", "--role", "dns"]) == 1
        assert "Les deux mots de passe diffèrent" in capsys.readouterr().err
        assert users(engine) == []

    def test_without_terminal_nor_flag_it_says_how_to_give_the_password(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        stdin(monkeypatch, STRONG + "\n")
        assert main(["users", "add", "dns@sante.gouv.fr", "--role", "dns"]) == 1
        assert "--password-stdin" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("password", "reason"),
        [
            ("court-1", "trop court (7 caractères, au moins 12)"),
            ("aaaaaaaabbbbbbbb", "trop répétitif"),
            ("motdepasse123", "trop courant"),
            ("Azertyuiop123", "trop courant"),
            ("jean.dupont-2026", "construit sur l'adresse électronique"),
        ],
    )
    def test_a_weak_password_is_refused_in_french(
        self,
        engine: Engine,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        password: str,
        reason: str,
    ) -> None:
        stdin(monkeypatch, password + "\n")
        code = main(["users", "add", "jean.dupont@sante.gouv.fr", "--role", "dns",
                     "--password-stdin"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 1
        assert f"Mot de passe refusé : mot de passe {reason}" in err
        assert "Aucun compte créé." in err
        assert password not in err
        assert users(engine) == [] and audit(engine) == []

    def test_sso_only_creates_an_account_without_password(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["users", "add", "dns@sante.gouv.fr", "--role", "dns", "--sso-only"]) == 0
        assert "connexion par ProConnect seulement" in capsys.readouterr().out
        [user] = users(engine)
        assert user.sso_only and user.password_hash is None

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--role", "ars"], "Un compte « ars » a une région"),
            (["--role", "ars", "--region", "99"], "Région invalide « 99 »"),
            (["--role", "ars", "--region", "29"], "Région invalide « 29 »"),  # a département
            (["--role", "dns", "--region", "53"], "pas d'option --region"),
        ],
    )
    def test_role_and_region_are_checked(
        self,
        engine: Engine,
        capsys: pytest.CaptureFixture[str],
        args: list[str],
        message: str,
    ) -> None:
        assert main(["users", "add", "x@sante.gouv.fr", "--sso-only", *args]) == 1
        assert message in capsys.readouterr().err
        assert users(engine) == []

    def test_an_invalid_email_is_refused(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["users", "add", "pas-une-adresse", "--role", "dns", "--sso-only"]) == 1
        assert "Adresse électronique invalide « pas-une-adresse »" in capsys.readouterr().err

    def test_an_existing_account_is_not_created_twice(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["users", "add", "dns@sante.gouv.fr", "--role", "dns", "--sso-only"])
        assert main(["users", "add", "DNS@sante.gouv.fr", "--role", "dns", "--sso-only"]) == 1
        assert "Le compte dns@sante.gouv.fr existe déjà" in capsys.readouterr().err
        assert len(users(engine)) == 1

    def test_an_uninitialised_database_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vide.sqlite'}")
        assert main(["users", "add", "dns@sante.gouv.fr", "--role", "dns", "--sso-only"]) == 1
        assert "python -m etl init" in capsys.readouterr().err


class TestUsersListAndDisable:
    def test_list_shows_each_account_without_any_hash(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        stdin(monkeypatch, STRONG + "\n")
        main(["users", "add", "agent@ars.sante.fr", "--role", "ars", "--region", "53",
              "--password-stdin"])  # fmt: skip
        main(["users", "add", "dns@sante.gouv.fr", "--role", "dns", "--sso-only"])
        capsys.readouterr()
        assert main(["users", "list"]) == 0
        out = capsys.readouterr().out
        assert "agent@ars.sante.fr\tars\t53\tmot de passe ou ProConnect\tactif" in out
        assert "dns@sante.gouv.fr\tdns\t—\tProConnect seulement\tactif" in out
        assert "argon2" not in out

    def test_list_of_no_account_says_how_to_create_the_first(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["users", "list"]) == 0
        assert "python -m etl users add EMAIL --role dns" in capsys.readouterr().out

    def test_disable_marks_the_account_and_audits_it(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["users", "add", "dns@sante.gouv.fr", "--role", "dns", "--sso-only"])
        assert main(["users", "disable", "DNS@sante.gouv.fr"]) == 0
        assert "Compte dns@sante.gouv.fr désactivé" in capsys.readouterr().out
        assert users(engine)[0].disabled
        assert audit(engine)[-1][:2] == ("user_disabled", "dns@sante.gouv.fr")

    def test_disable_of_an_unknown_account_is_a_french_error(
        self, engine: Engine, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["users", "disable", "personne@sante.gouv.fr"]) == 1
        assert "Aucun compte personne@sante.gouv.fr." in capsys.readouterr().err
