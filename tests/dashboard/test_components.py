"""DSFR components keep their classes and roles."""

from __future__ import annotations

from dash import html

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
