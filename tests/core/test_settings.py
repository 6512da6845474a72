"""Every setting is documented in the README, and start-up checks reject bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import settings

README = Path(__file__).resolve().parents[2] / "README.md"


class TestSettings:
    @pytest.mark.parametrize("setting", list(settings.documented()), ids=lambda s: s.name)
    def test_every_setting_is_documented_in_the_readme(self, setting: settings.Documented) -> None:
        assert f"`{setting.name}`" in README.read_text(encoding="utf-8")

    def test_environment_overrides_the_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HTTP_TIMEOUT", "5")
        assert settings.etl().http_timeout == 5

    def test_check_rejects_a_non_numeric_timeout(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ETL_LOCK_TIMEOUT", "beaucoup")
        with pytest.raises(settings.SettingsError, match=r"ETL_LOCK_TIMEOUT.*beaucoup"):
            settings.check()

    def test_check_rejects_a_negative_retry_count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HTTP_RETRIES", "-1")
        with pytest.raises(settings.SettingsError, match=r"HTTP_RETRIES.*-1"):
            settings.check()

    @pytest.mark.parametrize("name", ["HTTP_DEADLINE", "HTTP_MAX_BYTES", "HTTP_JSON_MAX_BYTES"])
    def test_check_rejects_a_zero_download_bound(
        self, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        # A zero deadline or size would refuse every download: it is a mistake, said at start-up
        monkeypatch.setenv(name, "0")
        with pytest.raises(settings.SettingsError, match=rf"{name} invalide « 0 »"):
            settings.check()

    def test_the_database_defaults_to_sqlite_under_data_dir(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        assert settings.database_url() == f"sqlite:///{tmp_path / settings.DATABASE_FILE}"

    def test_the_etl_cache_defaults_under_data_dir(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv("ETL_CACHE_DIR", raising=False)
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        assert settings.etl().cache_dir() == tmp_path / "cache"
