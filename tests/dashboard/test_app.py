"""Front-end files: package data copied from node_modules by `make`, a French message if absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import app

CSS_URL = re.compile(r"url\((?!\"?data:)\"?([^)\"]+)\"?\)")
ICON_CLASS = re.compile(r"\bfr-icon-[a-z0-9-]+")
DASHBOARD = Path(app.__file__).parent


class TestCheckFrontEnd:
    def test_missing_files_name_the_command_that_copies_them(self, tmp_path: Path) -> None:
        # Given a package whose vendor folder was never filled
        # When the app checks its front-end files
        with pytest.raises(app.SetupError) as raised:
            app._check_front_end(tmp_path)
        # Then the French message names the missing file and the command
        assert "dsfr.min.css" in str(raised.value)
        assert "« make front-end »" in str(raised.value)

    def test_the_copied_files_pass(self) -> None:
        app._check_front_end()


class TestShippedSubset:
    """Only part of the DSFR's dist/ is shipped: what its CSS refers to must be in it."""

    def test_every_file_the_dsfr_css_refers_to_is_shipped(self) -> None:
        # Given the shipped DSFR stylesheet
        css = (app.DSFR_DIST / "dsfr.min.css").read_text()
        urls = set(CSS_URL.findall(css))
        assert any(u.startswith("fonts/") for u in urls)
        assert any(u.startswith("icons/") for u in urls)
        # Then every font and icon it draws is there, woff2 being the format browsers take
        missing = {u for u in urls if not u.endswith(".woff") and not (app.DSFR_DIST / u).is_file()}
        assert missing == set()

    def test_every_icon_class_the_dashboard_uses_is_drawn_by_the_shipped_css(self) -> None:
        # Given the icon classes written in the dashboard's code and scripts
        sources = [*DASHBOARD.rglob("*.py"), *(DASHBOARD / "assets").iterdir()]
        used = {m for path in sources for m in ICON_CLASS.findall(path.read_text())}
        # Then the shipped stylesheet draws each (the utility icons.min.css is not shipped)
        css = (app.DSFR_DIST / "dsfr.min.css").read_text()
        assert {c for c in used if f".{c}" not in css} == set()
