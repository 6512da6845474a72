"""Every setting is documented in the README, and start-up checks reject bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import settings

README = Path(__file__).resolve().parents[2] / "README.md"


class TestSettings:
    @pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
    def test_every_setting_is_documented_in_the_readme(self, setting: settings.Setting) -> None:
        assert f"`{setting.name}`" in README.read_text(encoding="utf-8")

    def test_environment_overrides_the_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HTTP_TIMEOUT", "5")
        assert settings.get("HTTP_TIMEOUT") == "5"

    def test_check_rejects_a_non_numeric_timeout(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ETL_LOCK_TIMEOUT", "beaucoup")
        with pytest.raises(settings.SettingsError, match=r"ETL_LOCK_TIMEOUT.*beaucoup"):
            settings.check()
