"""DSFR components keep their classes and roles."""

from __future__ import annotations

import re
from pathlib import Path

import flask
import pytest
from dash import html

from core.policy import ANONYMOUS, Actor, Role
from dashboard import server_html, urls
from dashboard.components import dsfr


def _classes(component: object) -> str:
    return str(getattr(component, "className", ""))


class TestHeader:
    def test_official_header_has_the_republique_block(self) -> None:
        text = str(dsfr.header(state_marks=True).to_plotly_json())
        assert "fr-logo" in text and "République" in text

    def test_neutral_header_has_no_state_mark(self) -> None:
        text = str(dsfr.header(state_marks=False).to_plotly_json())
        assert "fr-logo" not in text and "République" not in text


class TestAccountLinks:
    """The header's account links follow core.policy; « Déposer » and « Administration »
    appear only once their pages exist in dashboard/urls.py."""

    @staticmethod
    def render(actor: Actor, path: str = "/regions/53") -> str:
        app = flask.Flask(__name__)
        app.secret_key = "test"
        with app.test_request_context(path):
            return server_html.to_html(dsfr.account_links(actor, path))

    def test_the_public_gets_a_sign_in_link_back_to_the_page(self) -> None:
        html_text = self.render(ANONYMOUS)
        assert f'href="{urls.sign_in("/regions/53")}"' in html_text
        assert "Se connecter" in html_text and "<form" not in html_text
        assert "csrf_token" not in html_text

    def test_on_the_sign_in_page_the_link_has_no_return_path(self) -> None:
        assert f'href="{urls.SIGN_IN}"' in self.render(ANONYMOUS, urls.SIGN_IN)

    @pytest.mark.parametrize(
        ("actor", "deposit", "admin"),
        [
            (Actor(Role.ars, region="53", email="a@ars.sante.fr"), True, False),
            (Actor(Role.dns, email="d@sante.gouv.fr"), True, True),
        ],
    )
    def test_a_signed_in_person_sees_the_pages_the_policy_opens(
        self, monkeypatch: pytest.MonkeyPatch, actor: Actor, deposit: bool, admin: bool
    ) -> None:
        # Given the deposit and administration pages declared
        monkeypatch.setattr(urls, "DEPOSIT", "/depot", raising=False)
        monkeypatch.setattr(urls, "ADMIN", "/admin", raising=False)
        html_text = self.render(actor)
        # Then the e-mail, a sign-out form, and the links the policy allows
        assert str(actor.email) in html_text and "Se connecter" not in html_text
        assert f'action="{urls.SIGN_OUT}"' in html_text and 'method="post"' in html_text
        assert ('href="/depot"' in html_text) is deposit
        assert ('href="/admin"' in html_text) is admin

    def test_the_sign_in_and_out_pages_do_not_repeat_their_own_form(self) -> None:
        agent = Actor(Role.ars, region="53", email="a@ars.sante.fr")
        assert "<form" in self.render(agent)
        for path in (urls.SIGN_IN, urls.SIGN_OUT):
            html_text = self.render(agent, path)
            assert "a@ars.sante.fr" in html_text and "<form" not in html_text

    def test_no_link_to_a_page_that_does_not_exist(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delattr(urls, "DEPOSIT", raising=False)
        monkeypatch.delattr(urls, "ADMIN", raising=False)
        html_text = self.render(Actor(Role.dns, email="d@sante.gouv.fr"))
        assert "Déposer" not in html_text and "Administration" not in html_text


class TestAlert:
    def test_error_alert_is_announced(self) -> None:
        a = dsfr.alert("error", title="Erreur", text="Détail")
        assert _classes(a) == "fr-alert fr-alert--error"
        assert a.to_plotly_json()["props"]["role"] == "alert"


class TestSelect:
    def test_native_select_with_label_and_selected_option(self) -> None:
        group = dsfr.select(
            name="niveau",
            label="Niveau",
            options=[("a", "A"), ("b", "B")],
            value="b",
            select_id="s",
        )
        label, select = group.children
        assert label.htmlFor == "s" and select.id == "s" and select.name == "niveau"
        assert [getattr(o, "selected", None) for o in select.children] == [None, True]

    def test_multiple_select_marks_every_value(self) -> None:
        group = dsfr.select(
            name="c",
            label="C",
            options=[("1", "x"), ("2", "y")],
            value=["1", "2"],
            select_id="m",
            multiple=True,
        )
        assert group.children[1].multiple is True
        assert all(o.selected for o in group.children[1].children)


class TestTable:
    def test_first_cell_is_a_row_header(self) -> None:
        t = dsfr.table(
            caption="Légende", columns=["A", "B"], rows=[["x", "1"]], numeric=[False, True]
        )
        text = str(t.to_plotly_json())
        assert "Légende" in text
        row = t.children.children.children.children.children[2].children[0]
        assert isinstance(row.children[0], html.Th) and row.children[0].scope == "row"

    def test_wide_table_scrolls_in_its_container_and_wraps_text(self) -> None:
        # DSFR markup: fr-table > __wrapper > __container (overflow: auto) > __content > table
        t = dsfr.table(caption="Légende", columns=["A"], rows=[["x"]])
        assert t.children.className == "fr-table__wrapper"
        assert t.children.children.className == "fr-table__container"
        assert t.children.children.children.className == "fr-table__content"
        assert "fr-table--multiline" in t.className.split()

    def test_scrolling_container_is_a_named_region_reachable_by_keyboard(self) -> None:
        # Given a table, When it is built
        t = dsfr.table(caption="Indicateurs pour la Bretagne", columns=["A"], rows=[["x"]])
        container = t.children.children.to_plotly_json()["props"]
        # Then its scrolling container takes the focus and is named by the caption
        assert container["tabIndex"] == "0"
        assert container["role"] == "region"
        assert container["aria-label"] == "Indicateurs pour la Bretagne"

    def test_every_cell_names_its_column_for_stacked_rows(self) -> None:
        # Given a table of three columns
        t = dsfr.table(
            caption="L", columns=["Indicateur", "France", "Rang"], rows=[["x", "1", "2/18"]]
        )
        row = t.children.children.children.children.children[2].children[0]
        # Then each cell, row header included, carries its column's name (tdb.css stacks rows)
        labels = [c.to_plotly_json()["props"]["data-label"] for c in row.children]
        assert labels == ["Indicateur", "France", "Rang"]
        assert "tdb-table--stack" in t.className.split()
        assert "tdb-table--compact" not in t.className.split()
        assert (
            "tdb-table--compact"
            in dsfr.table(caption="L", columns=["A"], rows=[], compact=True).className.split()
        )

    def test_stylesheet_stacks_rows_and_writes_column_names(self) -> None:
        from dashboard.app import ASSETS

        css = (ASSETS / "tdb.css").read_text()
        assert ".tdb-table--stack .fr-table__content [data-label]::before" in css
        assert "content: attr(data-label)" in css


class TestNotice:
    def test_demo_banner_is_a_named_region(self) -> None:
        # Given the demo banner, Then it sits in a landmark of its own (axe `region`)
        props = dsfr.notice("texte", title="Données de démonstration :").to_plotly_json()["props"]
        assert props["role"] == "region"
        assert props["aria-label"] == "Données de démonstration"


class TestSourceLink:
    def test_a_web_address_is_linked(self) -> None:
        link = dsfr.source_link("DITP", "https://example.org/ind-583.csv")
        assert isinstance(link, html.A) and link.href == "https://example.org/ind-583.csv"

    @pytest.mark.parametrize(
        "url", ["file:///srv/etl/reference/ditp/ind-583.csv", "/tmp/depot.csv", "", None]
    )
    def test_a_file_on_the_server_is_named_never_linked(self, url: str | None) -> None:
        # A vendored snapshot or a deposit read from disk: its path means nothing to a reader
        shown = dsfr.source_link("Dépôt ARS", url)
        assert isinstance(shown, html.Span) and shown.children == "Dépôt ARS"

    def test_pages_link_sources_only_through_it(self) -> None:
        root = Path(dsfr.__file__).resolve().parents[1]
        direct = re.compile(r"href=[\w.]*(source_url|\bs\.url)\b")
        offenders = [
            str(p.relative_to(root))
            for p in root.rglob("*.py")
            if p.name != "dsfr.py" and direct.search(p.read_text(encoding="utf-8"))
        ]
        assert offenders == []
